"""The first sheet of an Excel .xlsx workbook, streamed row by row within fixed bounds.

openpyxl's read-only mode was not enough against a hostile file: it pads every row to the
sheet's declared ``<dimension>`` (``A1:XFD1048576`` made each row 16,384 cells), holds every
shared string whole (one 200 MB string from a 205 KB file), and trusts each part's declared
size. Here every part is decompressed in chunks with its bytes counted against
``REGISTER_XLSX_PART_MAX_BYTES`` (the size a zip declares can lie), parsed with expat as it
arrives, and a text longer than ``REGISTER_FIELD_MAX_CHARS`` is never held whole. The
dimension is ignored: a row is as wide as its last cell. A document type declaration (the
door to entity expansion and external entities) is refused in every part.

What a cell reads as is unchanged from the openpyxl reader (cached values of formulas,
dates, booleans, merged cells' value in their first cell only), except numbers, which read
as they are shown (:mod:`.number_formats`); a number whose format cannot be shown exactly
is reported in ``SheetRow.unreadable`` with its format, and the import refuses it only if
it lies in a column the register uses.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from django.conf import settings

from elections.services.registers.workbook.archive import Part, WorkbookError, check_directory
from elections.services.registers.workbook.parts import SharedStrings, first_sheet, number_formats
from elections.services.registers.workbook.sheet import Sheet, SheetRow, cell_text

__all__ = ["SheetRow", "WorkbookError", "cell_text", "xlsx_rows"]


def xlsx_rows(raw: BinaryIO) -> Iterator[SheetRow]:
    """Every row of the workbook's first sheet that holds a cell, in sheet order."""
    check_directory(raw)
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise WorkbookError(f"The file is not a readable .xlsx workbook ({exc})") from None
    with archive:
        sheet_part, relationships, mac = first_sheet(archive)
        targets = {kind: target for kind, target in relationships.values()}
        limit = settings.REGISTER_FIELD_MAX_CHARS
        strings = SharedStrings(archive, targets.get("sharedStrings"), limit)
        sheet = Sheet(strings, number_formats(archive, targets.get("styles")), mac, limit)
        yield from _stream(Part(archive, sheet_part), sheet)


def _stream(part: Part, sheet: Sheet) -> Iterator[SheetRow]:
    """Rows as the part is decompressed: the sheet is never held whole. (expat calls back
    while it parses a chunk, and a generator cannot yield from inside a callback: the rows
    of each chunk wait in ``sheet.ready``.)"""
    for _ in part.chunks(sheet.start, sheet.end, sheet.characters):
        yield from sheet.ready
        sheet.ready.clear()
    yield from sheet.ready
