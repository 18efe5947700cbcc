"""The parts around a workbook's first sheet: relationships, the workbook itself (which
sheet is first, which calendar), the cell styles' number formats and the shared strings."""

from __future__ import annotations

import posixpath
import re
import zipfile
from array import array

from openpyxl.styles.numbers import BUILTIN_FORMATS

from elections.services.registers.workbook.archive import (
    Part,
    WorkbookError,
    local_name,
    parse_int,
)

RELATIONSHIP_TYPE = re.compile(r"/(officeDocument|worksheet|chartsheet|dialogsheet|macrosheet|"
                               r"sharedStrings|styles)$")  # fmt: skip


def relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """{id: (type, target part)} of a part's relationships (none when it has no rels part)."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    found: dict[str, tuple[str, str]] = {}
    if rels_name not in archive.NameToInfo:
        return found

    def start(tag: str, attrs: dict[str, str]) -> None:
        if local_name(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            kind = RELATIONSHIP_TYPE.search(attrs.get("Type", ""))
            found[attrs.get("Id", "")] = (kind.group(1) if kind else "", posixpath.normpath(target))

    Part(archive, rels_name).parse(start, lambda tag: None)
    return found


def number_formats(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    """The number format code of each cell style (``s`` of a cell indexes this list)."""
    if part is None:
        return []
    custom: dict[int, str] = {}
    styles: list[str] = []
    where: list[str] = []
    pending: list[int] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = local_name(tag)
        where.append(tag)
        if tag == "numFmt":
            custom[parse_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif tag == "xf" and len(where) > 1 and where[-2] == "cellXfs":
            pending.append(parse_int(attrs.get("numFmtId", "0")))

    Part(archive, part).parse(start, lambda tag: where.pop())
    for fmt_id in pending:
        # An id neither built in nor defined (a locale's own) is an unknown format: None.
        styles.append(custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id)))
    return styles


class SharedStrings:
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
            tag = local_name(tag)
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
            tag = local_name(tag)
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

        Part(archive, part).parse(start, end, text)

    def get(self, index: int) -> str | None:
        """The string, or None when it was too long to keep."""
        if index in self.too_long:
            return None
        start = self.ends[index - 1] if index else 0
        return self.buffer[start : self.ends[index]].decode("utf-8")

    def __len__(self) -> int:
        return len(self.ends)


def first_sheet(archive: zipfile.ZipFile) -> tuple[str, dict[str, tuple[str, str]], bool]:
    """The first sheet's part, the workbook's relationships, and whether dates count from
    1904 (a Mac workbook)."""
    office = [t for kind, t in relationships(archive, "").values() if kind == "officeDocument"]
    workbook = office[0] if office else "xl/workbook.xml"
    sheets: list[tuple[str, str]] = []  # (name, relationship id)
    mac = [False]

    def start(tag: str, attrs: dict[str, str]) -> None:
        tag = local_name(tag)
        if tag == "sheet":
            # r:id, whatever the relationships namespace's prefix.
            rel = next((v for k, v in attrs.items() if local_name(k) == "id"), "")
            sheets.append((attrs.get("name", ""), rel))
        elif tag == "workbookPr":
            mac[0] = attrs.get("date1904", "").lower() in ("1", "true")

    if workbook not in archive.NameToInfo:
        raise WorkbookError(
            "The file is a zip but not an Excel .xlsx workbook (an OpenDocument .ods or a "
            "Word file?): save the register as .xlsx or CSV UTF-8"
        )
    Part(archive, workbook).parse(start, lambda tag: None)
    links = relationships(archive, workbook)
    if not sheets:
        raise WorkbookError("The workbook has no sheet")
    name, rel = sheets[0]
    kind, target = links.get(rel, ("", ""))
    if kind != "worksheet":
        what = {"chartsheet": "a chart", "dialogsheet": "a dialog", "macrosheet": "macros"}
        raise WorkbookError(
            f"The workbook's first sheet, {name!r:.60}, is {what.get(kind, 'not a table')}: "
            "put the register on the first sheet and save again"
        )
    return target, links, mac[0]
