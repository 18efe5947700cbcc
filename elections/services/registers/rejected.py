"""The rows an import refused: the first ones kept on the record, all of them in a CSV.

The CSV (kept in storage beside the import's file) has the register's own column names plus
the line and the reason, so staff can correct it and import it again; every cell is made
inert for spreadsheet programs.
"""

from __future__ import annotations

import csv
import io
import tempfile
import unicodedata

from django.core.files import File
from django.core.files.storage import default_storage

from elections.models import RegisterImport
from elections.services.registers.rows import CONTROL, FIELDS, LIMITS
from elections.spreadsheets import spreadsheet_safe

FIRST_ERRORS = 100
HEADER = ["line", "reason", *FIELDS]


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
        # In memory up to 1 MiB, then a temporary file: flat memory for any number of rows.
        # Closed by close(), which the import calls in its finally.
        self._file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+b")  # noqa: SIM115
        self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(HEADER)

    def add(self, line: int, reason: str, fields: dict) -> None:
        self.count += 1
        if len(self.first) < FIRST_ERRORS:
            self.first.append({"line": line, "reason": reason})
        self._csv.writerow(
            [spreadsheet_safe(v) for v in [line, reason, *(fields.get(f, "") for f in FIELDS)]]
        )

    def add_unreadable(self, line: int) -> None:
        self.unreadable_count += 1
        if len(self.unreadable) < FIRST_ERRORS:
            self.unreadable.append(line)

    def save(self) -> None:
        """Store the CSV (when anything was refused) and the first errors on the record."""
        self.first.sort(key=lambda error: error["line"])
        path = f"{self.record.folder}/import-{self.record.pk}-rejected.csv"
        default_storage.delete(path)
        if self.count:
            self._text.flush()
            self._file.seek(0)
            self.path = default_storage.save(path, File(self._file))
        RegisterImport.objects.filter(pk=self.record.pk).update(
            errors=self.first, error_count=self.count, rejected_path=self.path
        )

    def close(self) -> None:
        self._text.close()
