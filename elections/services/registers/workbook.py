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
is reported in ``SourceRow.unreadable`` with its format, and the import refuses it only if
it lies in a column the register uses.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import struct
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.parsers import expat

from django.conf import settings
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

from elections.services.registers.number_formats import number_as_shown

CHUNK = 64 * 1024
# A workbook has a few dozen parts; a zip directory listing many more is not one (and
# zipfile would hold every entry of it in memory).
MAX_PARTS = 10_000
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
# A register has a handful of columns; a cell beyond this one is refused rather than padded.
MAX_COLUMNS = 1_000
END_OF_DIRECTORY = b"PK\x05\x06"
RELATIONSHIP_TYPE = re.compile(r"/(officeDocument|worksheet|chartsheet|dialogsheet|macrosheet|"
                               r"sharedStrings|styles)$")  # fmt: skip
DIGITS = "0123456789"


def _local(tag: str) -> str:
    """``x:row`` -> ``row``: some writers prefix the spreadsheet namespace, Excel does not."""
    return tag[tag.find(":") + 1 :]


class WorkbookError(ValueError):
    """The workbook cannot be read; the message says why, naming no cell contents."""


@dataclass(frozen=True)
class SheetRow:
    line: int  # the sheet's row number, as Excel shows it
    values: list[str]
    unreadable: dict[int, str] = field(default_factory=dict)  # column index -> number format


def _check_directory(raw: BinaryIO) -> None:
    """Refuse a zip whose directory is too big to list, before zipfile lists it whole."""
    raw.seek(0, 2)
    size = raw.tell()
    raw.seek(max(0, size - (65536 + 22)))
    tail = raw.read()
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < 22:
        raise WorkbookError(
            "The file is not an Excel .xlsx workbook, or not a whole one (cut short while "
            "copying?): save it again and upload it"
        )
    entries, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries > MAX_PARTS or directory_bytes > MAX_DIRECTORY_BYTES:
        raise WorkbookError(
            f"The workbook lists {entries:,} parts: not a register as Excel saves one"
        )
    raw.seek(0)


def _refuse_doctype(*args) -> None:
    raise WorkbookError(
        "The workbook holds an XML document type declaration (entities), which Excel never "
        "writes: it is refused"
    )


class _Part:
    """Streams one part of the archive through an expat parser, bytes counted."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self.archive = archive
        self.name = name
        self.limit = settings.REGISTER_XLSX_PART_MAX_BYTES

    def parse(
        self,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        text: Callable[[str], None] | None = None,
    ) -> None:
        for _ in self.chunks(start, end, text):
            pass

    def chunks(
        self,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        text: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Parse the part a chunk at a time, pausing after each: the callbacks' results
        can be handed on before the next chunk is read."""
        try:
            info = self.archive.getinfo(self.name)
        except KeyError:
            raise WorkbookError(f"The workbook has no part {self.name}") from None
        too_big = WorkbookError(
            f"The workbook's part {self.name} is over {self.limit:,} bytes once uncompressed "
            "(REGISTER_XLSX_PART_MAX_BYTES): not a register this console reads"
        )
        if info.file_size > self.limit:
            raise too_big
        # No namespace processing: it costs a call per element on a million-row sheet, and
        # every part has one vocabulary (a prefix, when a writer uses one, is dropped).
        parser = expat.ParserCreate()
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = _refuse_doctype
        parser.EntityDeclHandler = _refuse_doctype
        parser.ExternalEntityRefHandler = _refuse_doctype
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        read = 0
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    read += len(chunk)
                    if read > self.limit:
                        raise too_big
                    parser.Parse(chunk, False)
                    yield
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise WorkbookError(
                f"The workbook's part {self.name} is damaged (XML {expat.ErrorString(exc.code)}"
                f" at line {exc.lineno}): save the workbook again from Excel"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise WorkbookError(
                f"The workbook's part {self.name} is damaged ({exc}): save it again from Excel"
            ) from None
        except NotImplementedError:  # a compression method zipfile does not know
            raise WorkbookError(
                f"The workbook's part {self.name} is compressed in a way Excel does not use: "
                "save it again from Excel"
            ) from None
        except RuntimeError as exc:  # zipfile: "File ... is encrypted, password required"
            raise WorkbookError(
                "The workbook is password-protected: save a copy without a password"
            ) from exc


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{id: (type, target part)} of a part's relationships (none when it has no rels part)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    found: dict[str, tuple[str, str]] = {}
    if rels_name not in archive.NameToInfo:
        return found

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            kind = RELATIONSHIP_TYPE.search(attrs.get("Type", ""))
            found[attrs.get("Id", "")] = (kind.group(1) if kind else "", posixpath.normpath(target))

    _Part(archive, rels_name).parse(start, lambda tag: None)
    return found


def _number_formats(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    """The number format code of each cell style (``s`` of a cell indexes this list)."""
    if part is None:
        return []
    custom: dict[int, str] = {}
    styles: list[str] = []
    where: list[str] = []
    pending: list[int] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        where.append(tag)
        if tag == "numFmt":
            custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif tag == "xf" and len(where) > 1 and where[-2] == "cellXfs":
            pending.append(_int(attrs.get("numFmtId", "0")))

    _Part(archive, part).parse(start, lambda tag: where.pop())
    for fmt_id in pending:
        # An id neither built in nor defined (a locale's own) is an unknown format: None.
        styles.append(custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id)))
    return styles


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise WorkbookError(f"The workbook holds a damaged number ({text!r:.20})") from None


class _SharedStrings:
    """The workbook's shared text, packed: one UTF-8 buffer and the end of each string in
    it (a Python string per entry would cost ~50 bytes more each). A string over the field
    limit is not kept: it is recorded as too long, and refused if a cell uses it."""

    def __init__(self, archive: zipfile.ZipFile, part: str | None, limit: int) -> None:
        self.buffer = bytearray()
        self.ends = array("Q")
        self.too_long: set[int] = set()
        if part is None:
            return
        state = {"in_text": False, "skip": 0, "length": 0}
        pieces: list[str] = []

        def start(tag: str, attrs: dict[str, str]) -> None:
            tag = _local(tag)
            if tag in ("rPh", "phoneticPr"):
                state["skip"] += 1  # phonetic guides are not part of the text
            elif tag == "t" and not state["skip"]:
                state["in_text"] = True

        def text(data: str) -> None:
            if state["in_text"] and state["length"] <= limit:
                state["length"] += len(data)
                if state["length"] <= limit:
                    pieces.append(data)
                else:
                    pieces.clear()

        def end(tag: str) -> None:
            tag = _local(tag)
            if tag in ("rPh", "phoneticPr"):
                state["skip"] -= 1
            elif tag == "t":
                state["in_text"] = False
            elif tag == "si":
                if state["length"] > limit:
                    self.too_long.add(len(self.ends))
                # As openpyxl's reader did (its way with Excel's escaped underscore).
                self.buffer += "".join(pieces).replace("x005F_", "").encode("utf-8")
                self.ends.append(len(self.buffer))
                pieces.clear()
                state["length"] = 0

        _Part(archive, part).parse(start, end, text)

    def get(self, index: int) -> str | None:
        """The string, or None when it was too long to keep."""
        if index in self.too_long:
            return None
        start = self.ends[index - 1] if index else 0
        return self.buffer[start : self.ends[index]].decode("utf-8")

    def __len__(self) -> int:
        return len(self.ends)


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, dict[str, tuple[str, str]], bool]:
    """The first sheet's part, the workbook's relationships, and whether dates count from
    1904 (a Mac workbook)."""
    office = [t for kind, t in _relationships(archive, "").values() if kind == "officeDocument"]
    workbook = office[0] if office else "xl/workbook.xml"
    sheets: list[tuple[str, str]] = []  # (name, relationship id)
    mac = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = _local(tag)
        if tag == "sheet":
            # r:id, whatever the relationships namespace's prefix.
            rel = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            sheets.append((attrs.get("name", ""), rel))
        elif tag == "workbookPr":
            mac[0] = attrs.get("date1904", "").lower() in ("1", "true")

    if workbook not in archive.NameToInfo:
        raise WorkbookError(
            "The file is a zip but not an Excel .xlsx workbook (an OpenDocument .ods or a "
            "Word file?): save the register as .xlsx or CSV UTF-8"
        )
    _Part(archive, workbook).parse(start, lambda tag: None)
    relationships = _relationships(archive, workbook)
    if not sheets:
        raise WorkbookError("The workbook has no sheet")
    name, rel = sheets[0]
    kind, target = relationships.get(rel, ("", ""))
    if kind != "worksheet":
        what = {"chartsheet": "a chart", "dialogsheet": "a dialog", "macrosheet": "macros"}
        raise WorkbookError(
            f"The workbook's first sheet, {name!r:.60}, is {what.get(kind, 'not a table')}: "
            "put the register on the first sheet and save again"
        )
    return target, relationships, mac[0]


def _number(text: str) -> int | float:
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise WorkbookError("damaged number") from None


def cell_text(value: object) -> str:
    """A cell's value as text, the way the register has always read it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


class _Sheet:
    """Turns the sheet's XML events into rows; a finished row waits in ``self.ready``."""

    def __init__(self, strings: _SharedStrings, formats: list[str], mac: bool, limit: int):
        self.strings, self.formats, self.limit = strings, formats, limit
        self.epoch = CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900
        self.ready: list[SheetRow] = []
        self.line = 0
        self.cells: dict[int, str] = {}
        self.unreadable: dict[int, str] = {}
        self.column = 0
        self.kind = "n"
        self.style = 0
        self.text: list[str] | None = None
        self.length = 0
        self.skip = 0
        self.value: list[str] = []

    def where(self) -> str:
        return f"Line {self.line}, column {get_column_letter(self.column + 1)}"

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if ":" in tag:
            tag = _local(tag)
        if tag == "c":
            letters = attrs.get("r", "").rstrip(DIGITS)
            if letters:
                try:
                    self.column = column_index_from_string(letters) - 1
                except ValueError:
                    raise WorkbookError(
                        f"Line {self.line}: a cell with a damaged reference ({letters!r:.10})"
                    ) from None
            else:
                self.column += 1  # no reference: the cell after the previous one
            if self.column >= MAX_COLUMNS:
                raise WorkbookError(
                    f"{self.where()}: a cell beyond column {get_column_letter(MAX_COLUMNS)}; "
                    "a register has a handful of columns"
                )
            self.kind, self.style = attrs.get("t", "n"), _int(attrs.get("s", "0"))
            self.value, self.length = [], 0
        elif tag == "row":
            self.line = _int(attrs["r"]) if "r" in attrs else self.line + 1
            self.cells, self.unreadable, self.column = {}, {}, -1
        elif tag in ("rPh", "f"):
            self.skip += 1
        elif tag in ("v", "t") and not self.skip:
            self.text = self.value

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.length += len(data)
            if self.length > self.limit:
                raise WorkbookError(
                    f"{self.where()}: a cell of over {self.limit:,} characters "
                    "(REGISTER_FIELD_MAX_CHARS)"
                )
            self.text.append(data)

    def end(self, tag: str) -> None:
        if ":" in tag:
            tag = _local(tag)
        if tag in ("v", "t"):
            self.text = None
        elif tag in ("rPh", "f"):
            self.skip -= 1
        elif tag == "c":
            value = self.cell_value("".join(self.value))
            if value:
                self.cells[self.column] = value
        elif tag == "row" and self.cells:
            values = [""] * (max(self.cells) + 1)
            for column, value in self.cells.items():
                values[column] = value
            self.ready.append(SheetRow(self.line, values, self.unreadable))

    def cell_value(self, raw: str) -> str:
        """The cell's text as openpyxl's reader gave it (with ``data_only``), numbers aside."""
        kind = self.kind
        if kind == "inlineStr":
            return raw
        if not raw:
            return ""  # no value (a formula never calculated, an empty cell)
        if kind == "s":
            index = _int(raw)
            if not 0 <= index < len(self.strings):
                raise WorkbookError(f"{self.where()}: refers to text the workbook does not hold")
            text = self.strings.get(index)
            if text is None:
                raise WorkbookError(
                    f"{self.where()}: a cell of over {self.limit:,} characters "
                    "(REGISTER_FIELD_MAX_CHARS)"
                )
            return text
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
        if kind == "d":
            try:
                return cell_text(from_ISO8601(raw))
            except ValueError:
                raise WorkbookError(f"{self.where()}: a damaged date") from None
        try:
            number = _number(raw)
        except WorkbookError:
            raise WorkbookError(f"{self.where()}: a damaged number") from None
        code = self.formats[self.style] if self.style < len(self.formats) else "General"
        if code is not None and is_date_format(code):
            try:
                return cell_text(from_excel(number, self.epoch, is_timedelta_format(code)))
            except (OverflowError, ValueError):
                return "#VALUE!"  # openpyxl's reading of a date out of range
        shown = number_as_shown(number, code) if code is not None else None
        if shown is None:
            self.unreadable[self.column] = code or "(a format this workbook does not define)"
            return cell_text(number)
        return shown


def xlsx_rows(raw: BinaryIO) -> Iterator[SheetRow]:
    """Every row of the workbook's first sheet that holds a cell, in sheet order."""
    _check_directory(raw)
    try:
        archive = zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise WorkbookError(f"The file is not a readable .xlsx workbook ({exc})") from None
    with archive:
        sheet_part, relationships, mac = _first_sheet(archive)
        targets = {kind: target for kind, target in relationships.values()}
        limit = settings.REGISTER_FIELD_MAX_CHARS
        strings = _SharedStrings(archive, targets.get("sharedStrings"), limit)
        sheet = _Sheet(strings, _number_formats(archive, targets.get("styles")), mac, limit)
        yield from _stream(_Part(archive, sheet_part), sheet)


def _stream(part: _Part, sheet: _Sheet) -> Iterator[SheetRow]:
    """Rows as the part is decompressed: the sheet is never held whole. (expat calls back
    while it parses a chunk, and a generator cannot yield from inside a callback: the rows
    of each chunk wait in ``sheet.ready``.)"""
    for _ in part.chunks(sheet.start, sheet.end, sheet.characters):
        yield from sheet.ready
        sheet.ready.clear()
    yield from sheet.ready
