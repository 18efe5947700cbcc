"""Reading a register file row by row, with the line each row starts on.

CSV: UTF-8 with or without a BOM, LF or CRLF, the delimiter (comma, semicolon or tab) taken
from the header line, RFC 4180 quoting (a quoted field may hold the delimiter, doubled
quotes and line breaks). Bytes are decoded one physical line at a time, so a file that is
not UTF-8 is refused naming the first bad line and byte. XLSX: the first sheet, streamed
within fixed bounds (:mod:`.workbook`), numbers read as the sheet shows them. Neither holds
more than one row in memory, nor a field longer than ``REGISTER_FIELD_MAX_CHARS``.

A file of another kind (a PDF, an image, an old or password-protected Excel file) is named
as such rather than refused as "not UTF-8".
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from openpyxl.utils.cell import get_column_letter

from elections.services.registers.rows import CONTROL
from elections.services.registers.workbook import WorkbookError, xlsx_rows

DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"
# What other files start with, and what to tell staff who uploaded one.
SAVE_AS = "save the register as CSV UTF-8 or Excel .xlsx and upload it again"
OTHER_KINDS = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "The file is a password-protected Excel workbook or an old Excel .xls file: remove "
        f"the password (or open it in Excel) and {SAVE_AS}",
    ),
    (b"%PDF", f"The file is a PDF document, not a register: {SAVE_AS}"),
    (b"\x89PNG", f"The file is a PNG image, not a register: {SAVE_AS}"),
    (b"\xff\xd8\xff", f"The file is a JPEG image, not a register: {SAVE_AS}"),
    (b"\x1f\x8b", f"The file is gzip-compressed: uncompress it, or {SAVE_AS}"),
    (b"PK\x05\x06", "The file is an empty zip archive, not an Excel workbook"),
)


class RegisterFileError(ValueError):
    """The file cannot be read at all (not UTF-8, not a spreadsheet, no header): nothing
    is written, whatever "skip invalid rows" says."""


@dataclass(frozen=True)
class SourceRow:
    line: int  # where the row starts in the file (1 is the header)
    values: list[str]
    # XLSX only: {column index: number format} of the cells whose number cannot be read as
    # the sheet shows it; such a cell is refused if the register uses its column.
    unreadable: dict[int, str] = field(default_factory=dict)


def file_format(head: bytes) -> str:
    """``xlsx`` for a zip (an Excel workbook), ``csv`` for anything else."""
    return "xlsx" if head.startswith(XLSX_MAGIC) else "csv"


def _physical_lines(raw: BinaryIO) -> Iterator[bytes]:
    """The file's lines, none held longer than a field may be (in UTF-8 bytes)."""
    cap = 4 * settings.REGISTER_FIELD_MAX_CHARS + 2
    number = 0
    while line := raw.readline(cap + 1):
        number += 1
        if len(line) > cap:
            raise RegisterFileError(
                f"Line {number} is over {cap:,} bytes long (REGISTER_FIELD_MAX_CHARS): not a "
                "register line"
            )
        yield line


def _utf8_lines(raw: BinaryIO) -> Iterator[str]:
    offset = 0
    for number, line in enumerate(_physical_lines(raw), start=1):
        start = 0
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            start = len(codecs.BOM_UTF8)
        try:
            text = line[start:].decode("utf-8")
        except UnicodeDecodeError as exc:
            at = start + exc.start
            raise RegisterFileError(
                f"Line {number} is not UTF-8: byte {offset + at + 1} of the file "
                f"(0x{line[at]:02X}, character {len(line[start:at].decode('utf-8')) + 1} of "
                "the line). Save the register as CSV UTF-8 and upload it again."
            ) from None
        offset += len(line)
        yield text


def _delimiter(header: str) -> str:
    """The candidate that occurs most often outside quotes in the header line."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _refuse_other_kinds(raw: BinaryIO) -> None:
    head = raw.read(16)
    raw.seek(0)
    for magic, message in OTHER_KINDS:
        if head.startswith(magic):
            raise RegisterFileError(message)


def _csv_rows(raw: BinaryIO) -> Iterator[SourceRow]:
    _refuse_other_kinds(raw)
    # Set on each read: the limit is a setting, and csv's is one for the whole process.
    limit = settings.REGISTER_FIELD_MAX_CHARS
    csv.field_size_limit(limit)
    lines = _utf8_lines(raw)
    try:
        first = next(lines)
    except StopIteration:
        raise RegisterFileError("The file is empty: a register starts with a header line") from None

    def all_lines() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(all_lines(), delimiter=_delimiter(first), strict=True)
    consumed = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise RegisterFileError(
                    f"Line {consumed + 1}: a field of over {limit:,} characters "
                    "(REGISTER_FIELD_MAX_CHARS; quotes not closed?)"
                ) from None
            raise RegisterFileError(f"Line {consumed + 1}: {exc} (quotes not closed?)") from None
        line, consumed = consumed + 1, reader.line_num
        yield SourceRow(line=line, values=values)


def _xlsx_rows(raw: BinaryIO) -> Iterator[SourceRow]:
    try:
        for row in xlsx_rows(raw):
            yield SourceRow(line=row.line, values=row.values, unreadable=row.unreadable)
    except WorkbookError as exc:
        raise RegisterFileError(str(exc)) from None


def source_rows(raw: BinaryIO, fmt: str) -> Iterator[SourceRow]:
    """Every row of the file, the header first, blank lines skipped."""
    rows = _xlsx_rows(raw) if fmt == "xlsx" else _csv_rows(raw)
    for row in rows:
        if any(value.strip() for value in row.values):
            yield row


def header_checked(header: SourceRow) -> list[str]:
    """The header's names, refused if one holds a control character (a NUL, which the
    database refuses in the record's list of headers, among them)."""
    for index, name in enumerate(header.values):
        if control := CONTROL.search(name):
            raise RegisterFileError(
                f"Line {header.line}, column {get_column_letter(index + 1)}: the header holds "
                f"a control character (0x{ord(control.group()):02X}); "
                f"correct the header and {SAVE_AS}"
            )
    return header.values


def readable_fields(row: SourceRow, positions: dict[str, int]) -> None:
    """Refuse a number the register would read otherwise than the sheet shows it, in a
    column the register uses (a voter number shown as ``1.23E+09`` is not a voter number)."""
    if not row.unreadable:
        return
    for name, index in positions.items():
        if index in row.unreadable:
            raise RegisterFileError(
                f"Line {row.line}, column {get_column_letter(index + 1)} ({name}): a number "
                f"with the format {row.unreadable[index]!r:.40}, which this import cannot "
                "read as the sheet shows it. Format the column as Text (or as digits such as "
                "0000000000) and upload the file again"
            )
