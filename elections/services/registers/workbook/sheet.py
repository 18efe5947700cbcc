"""The first sheet's XML events turned into rows: each cell's text as the register reads
it, a row as wide as its last cell (the declared dimension ignored)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from openpyxl.styles.numbers import is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

from elections.services.registers.number_formats import number_as_shown
from elections.services.registers.workbook.archive import WorkbookError, local_name, parse_int
from elections.services.registers.workbook.parts import SharedStrings

# A register has a handful of columns; a cell beyond this one is refused rather than padded.
MAX_COLUMNS = 1_000
DIGITS = "0123456789"


@dataclass(frozen=True)
class SheetRow:
    line: int  # the sheet's row number, as Excel shows it
    values: list[str]
    unreadable: dict[int, str] = field(default_factory=dict)  # column index -> number format


def parse_number(text: str) -> int | float:
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


class Sheet:
    """Turns the sheet's XML events into rows; a finished row waits in ``self.ready``."""

    def __init__(self, strings: SharedStrings, formats: list[str], mac: bool, limit: int):
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
            tag = local_name(tag)
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
            self.kind, self.style = attrs.get("t", "n"), parse_int(attrs.get("s", "0"))
            self.value, self.length = [], 0
        elif tag == "row":
            self.line = parse_int(attrs["r"]) if "r" in attrs else self.line + 1
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
            tag = local_name(tag)
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
            index = parse_int(raw)
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
            number = parse_number(raw)
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
