"""The rows an import refused: the first ones kept on the record, all of them in a CSV.

The CSV (kept in storage beside the import's file) is in line order and holds each refused
line as it was read, every field of it under the file's own column names (a line wider than
the header keeps its extra fields too), with the line number and the reason before them:
staff correct it and import it again without guessing what the line said. Every cell is
made inert for spreadsheet programs.
"""

from __future__ import annotations

import csv
import heapq
import io
import tempfile
import unicodedata
from collections.abc import Iterator

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection

from elections.models import ImportMode, RegisterImport
from elections.services.registers.reading import source_rows
from elections.services.registers.rows import CONTROL, LIMITS, row_fields
from elections.services.registers.staging import Staging
from elections.spreadsheets import spreadsheet_safe

FIRST_ERRORS = 100
# In memory up to 1 MiB, then a temporary file: flat memory for any number of rows.
SPOOL_BYTES = 1024 * 1024


def voter_numbers_on(values: list[str], position: int, header_width: int) -> list[str]:
    """The voter numbers a rejected line may name: a snapshot keeps them registered.

    A line wider than the header (an unquoted delimiter) has its later columns shifted
    right by the extra fields, from wherever the stray delimiter sits, so its voter number
    is one of the values from its own column to that many further right: all of them are
    kept (at worst that keeps a voter whose number equals a name fragment, the safe way to
    be wrong). A value that is empty, too long or holds a control character names nobody.
    """
    extra = max(len(values) - header_width, 0)
    numbers = []
    for value in values[position : position + extra + 1]:
        number = unicodedata.normalize("NFC", value.strip())
        if number and len(number) <= LIMITS["voter_number"] and not CONTROL.search(number):
            numbers.append(number)
    return numbers


def duplicate_reason(voter_number: str, lines: list[int], mode: str) -> str:
    """Why every line of a voter number the file gives more than once is refused: the file
    must say once who the voter is and where they vote, and picking one of the lines would
    be a guess."""
    listed = ", ".join(str(line) for line in lines)
    kept = (
        " (a snapshot leaves this voter's registration as it was)"
        if mode == ImportMode.SNAPSHOT
        else ""
    )
    return (
        f"voter number {voter_number} is on {len(lines):,} lines ({listed}): none of them "
        f"was kept, since choosing one would be a guess{kept}; keep only the right line and "
        "import again"
    )


class Rejections:
    def __init__(self, record: RegisterImport) -> None:
        self.record = record
        self.count = 0
        self.first: list[dict] = []
        # Rejected lines whose voter number cannot be read (the first ones, and how many):
        # such a line might be any voter's, so a snapshot cannot tell whom it deregisters.
        self.unreadable: list[int] = []
        self.unreadable_count = 0
        self.path = ""
        self.header: list[str] = []
        self._number_at = 0
        self._widest = 0
        # {voter number: its imported lines} for the numbers also on a rejected line, so
        # the rejected line says which line of its voter was kept (one entry per such voter).
        self._imported: dict[str, list[int]] = {}
        # {voter number: its lines} for the numbers on more than one valid line.
        self._duplicated: dict[str, list[int]] = {}
        # Lines refused only for their voter number being on other lines too: found after
        # the whole file is read, their fields are read again from the file when the CSV is
        # written (a few dozen bytes each here, not the line).
        self._duplicates: dict[int, str] = {}
        # The lines refused while reading, in line order: [line, reason, *fields as read].
        # Closed by close(), which the import calls in its finally.
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")  # noqa: SIM115
        self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text)

    def start(self, header: list[str], *, voter_number_at: int) -> None:
        """The file's own column names, which the CSV repeats, and where the voter number is."""
        self.header = list(header)
        self._number_at = voter_number_at

    def add(self, line: int, reason: str, values: list[str]) -> None:
        """A line refused while reading, with every field as it was read."""
        self.count += 1
        self._widest = max(self._widest, len(values))
        self._csv.writerow([line, reason, *values])

    def add_duplicates(self, voter_number: str, lines: list[int]) -> None:
        """Every line of a voter number the file gives more than once."""
        reason = duplicate_reason(voter_number, sorted(lines), self.record.mode)
        self._duplicated[voter_number] = sorted(lines)
        for line in lines:
            self.count += 1
            self._duplicates[line] = reason

    def add_unreadable(self, line: int) -> None:
        self.unreadable_count += 1
        if len(self.unreadable) < FIRST_ERRORS:
            self.unreadable.append(line)

    def note_imported_lines(self, staging: Staging) -> None:
        """Find the valid lines of the voter numbers that rejected lines hold too (once the
        file is staged and its duplicated numbers are unstaged): those lines are imported."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.voter_number, s.line FROM {staging.table} s WHERE s.voter_number IN "
                f"(SELECT k.voter_number FROM {staging.kept} k) ORDER BY s.voter_number, s.line"
            )
            for number, line in cursor:
                self._imported.setdefault(number, []).append(line)

    def save(self) -> None:
        """Store the CSV (when anything was refused) and the first errors on the record."""
        self.first = []
        path = f"{self.record.folder}/import-{self.record.pk}-rejected.csv"
        default_storage.delete(path)
        if self.count:
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b") as out:
                text = io.TextIOWrapper(out, encoding="utf-8", newline="")
                writer = csv.writer(text)
                writer.writerow([spreadsheet_safe(name) for name in self._column_names()])
                for line, reason, values in self._in_line_order():
                    if len(self.first) < FIRST_ERRORS:
                        self.first.append({"line": line, "reason": reason})
                    writer.writerow([spreadsheet_safe(v) for v in [line, reason, *values]])
                # Let go of the file without closing it: the storage reads it next.
                text.detach()
                out.seek(0)
                self.path = default_storage.save(path, File(out))
        RegisterImport.objects.filter(pk=self.record.pk).update(
            errors=self.first, error_count=self.count, rejected_path=self.path
        )

    def _column_names(self) -> list[str]:
        extra = max(self._widest - len(self.header), 0)
        return [
            "line",
            "reason",
            *self.header,
            *(f"extra field {n}" for n in range(1, extra + 1)),
        ]

    def _in_line_order(self) -> Iterator[tuple[int, str, list[str]]]:
        """Both kinds of refused line, merged by line (each kind is in line order)."""
        self._text.flush()
        self._text.seek(0)
        read = (
            (int(line), self._with_imported_lines(reason, values), values)
            for line, reason, *values in csv.reader(self._text)
        )
        return heapq.merge(read, self._duplicated_lines(), key=lambda row: row[0])

    def _with_imported_lines(self, reason: str, values: list[str]) -> str:
        """The reason, and what became of this voter's other lines in the file."""
        number = row_fields(values, {"voter_number": self._number_at})["voter_number"]
        if lines := self._imported.get(number):
            return (
                f"{reason}; voter number {number} is also on line "
                f"{', '.join(str(line) for line in lines)}, which was kept (it is valid)"
            )
        if lines := self._duplicated.get(number):
            return (
                f"{reason}; voter number {number} is also on lines "
                f"{', '.join(str(line) for line in lines)}, none of which was kept"
            )
        return reason

    def _duplicated_lines(self) -> Iterator[tuple[int, str, list[str]]]:
        """The duplicated lines as the file has them, read again (only if there are any)."""
        if not self._duplicates:
            return
        with default_storage.open(self.record.file_path, "rb") as raw:
            for row in source_rows(raw, self.record.file_format):
                if row.line in self._duplicates:
                    yield row.line, self._duplicates[row.line], row.values

    def close(self) -> None:
        self._text.close()
