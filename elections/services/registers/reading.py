"""Reading a register file row by row, with the line each row starts on.

CSV: UTF-8 with or without a BOM, LF or CRLF, the delimiter (comma, semicolon or tab) taken
from the header line, RFC 4180 quoting (a quoted field may hold the delimiter, doubled
quotes and line breaks). Bytes are decoded one physical line at a time, so a file that is
not UTF-8 is refused naming the first bad line and byte. XLSX: the first sheet, streamed
with openpyxl's read-only mode. Neither holds more than one row in memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import load_workbook

DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"
# csv's default field limit (128 KiB) would stop a hostile file with a cryptic message; a
# field longer than any column is reported as too long by validation instead.
csv.field_size_limit(16 * 1024 * 1024)


class RegisterFileError(ValueError):
    """The file cannot be read at all (not UTF-8, not a spreadsheet, no header): nothing
    is written, whatever "skip invalid rows" says."""


@dataclass(frozen=True)
class SourceRow:
    line: int  # where the row starts in the file (1 is the header)
    values: list[str]


def file_format(head: bytes) -> str:
    """``xlsx`` for a zip (an Excel workbook), ``csv`` for anything else."""
    return "xlsx" if head.startswith(XLSX_MAGIC) else "csv"


def _utf8_lines(raw: BinaryIO) -> Iterator[str]:
    offset = 0
    for number, line in enumerate(raw, start=1):
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


def _csv_rows(raw: BinaryIO) -> Iterator[SourceRow]:
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
            raise RegisterFileError(f"Line {consumed + 1}: {exc} (quotes not closed?)") from None
        line, consumed = consumed + 1, reader.line_num
        yield SourceRow(line=line, values=values)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a voter number Excel stored as a number
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(raw: BinaryIO) -> Iterator[SourceRow]:
    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RegisterFileError(f"The file is not an Excel .xlsx workbook ({exc})") from None
    try:
        sheet = workbook.worksheets[0]
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield SourceRow(line=line, values=[_cell_text(value) for value in row])
    finally:
        workbook.close()


def source_rows(raw: BinaryIO, fmt: str) -> Iterator[SourceRow]:
    """Every row of the file, the header first, blank lines skipped."""
    rows = _xlsx_rows(raw) if fmt == "xlsx" else _csv_rows(raw)
    for row in rows:
        if any(value.strip() for value in row.values):
            yield row
