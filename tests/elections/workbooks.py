"""Excel workbooks written part by part, so a test can put anything in any part: the
hostile files a spreadsheet program never writes, and number formats openpyxl would."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

HEADER = ["voter_number", "family_name", "given_name", "center_code", "center_name"]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

OFFICE = "application/vnd.openxmlformats-officedocument"
CONTENT_TYPES = {
    "/xl/workbook.xml": f"{OFFICE}.spreadsheetml.sheet.main+xml",
    "/xl/worksheets/sheet1.xml": f"{OFFICE}.spreadsheetml.worksheet+xml",
    "/xl/chartsheets/sheet1.xml": f"{OFFICE}.spreadsheetml.chartsheet+xml",
    "/xl/styles.xml": f"{OFFICE}.spreadsheetml.styles+xml",
    "/xl/sharedStrings.xml": f"{OFFICE}.spreadsheetml.sharedStrings+xml",
}


def content_types(parts) -> str:
    """[Content_Types].xml naming the parts present (Excel and openpyxl find sheets by it)."""
    overrides = "".join(
        f'<Override PartName="{name}" ContentType="{kind}"/>'
        for name, kind in CONTENT_TYPES.items()
        if name[1:] in parts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
    )


ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value: object, style: int = 0) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'


def rows_xml(
    rows: list[list[object]], *, styles: dict[int, int] | None = None, header=HEADER
) -> str:
    """``<row>`` elements, the header first; ``styles`` gives a column's cell style."""
    out = []
    for number, row in enumerate([header, *rows], start=1):
        cells = "".join(
            cell(f"{column_letter(i)}{number}", value, (styles or {}).get(i, 0))
            for i, value in enumerate(row)
            if value is not None
        )
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def sheet(rows: str, *, dimension: str = "", prolog: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}">{dim}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


def styles(formats: list[str]) -> str:
    """Cell style 0 is General; style i (from 1) has the number format ``formats[i - 1]``."""
    custom = "".join(
        f'<numFmt numFmtId="{164 + i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
        for i, code in enumerate(formats)
    )
    xfs = '<xf numFmtId="0"/>' + "".join(f'<xf numFmtId="{164 + i}"/>' for i in range(len(formats)))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
        f'<numFmts count="{len(formats)}">{custom}</numFmts>'
        f'<cellXfs count="{len(formats) + 1}">{xfs}</cellXfs></styleSheet>'
    )


def workbook(
    sheet_xml: str | bytes,
    *,
    styles_xml: str = "",
    shared_strings: str | bytes = "",
    first_sheet: str = "worksheet",
) -> dict[str, bytes | str]:
    """The parts of a one-sheet workbook (a chart first when ``first_sheet="chartsheet"``)."""
    sheets = '<sheet name="Register" sheetId="1" r:id="rId1"/>'
    rels = f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    if first_sheet == "chartsheet":
        sheets = '<sheet name="Chart1" sheetId="2" r:id="rId9"/>' + sheets
        rels += f'<Relationship Id="rId9" Type="{REL}/chartsheet" Target="chartsheets/sheet1.xml"/>'
    if styles_xml:
        rels += f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
    if shared_strings:
        rels += f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    parts: dict[str, bytes | str] = {
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f"<sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL}">'
            f"{rels}</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if first_sheet == "chartsheet":
        parts["xl/chartsheets/sheet1.xml"] = f'<chartsheet xmlns="{MAIN}"/>'
    if styles_xml:
        parts["xl/styles.xml"] = styles_xml
    if shared_strings:
        parts["xl/sharedStrings.xml"] = shared_strings
    return {"[Content_Types].xml": content_types(parts), **parts}


def zipped(parts: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx(
    rows: list[list[object]], *, formats: list[str] = (), column_styles=None, header=HEADER
) -> bytes:
    return zipped(
        workbook(
            sheet(rows_xml(rows, styles=column_styles, header=header)),
            styles_xml=styles(list(formats)) if formats else "",
        )
    )


def bomb_part(prefix: bytes, filler: bytes, size: int, suffix: bytes) -> tuple[bytes, int, int]:
    """A deflated part of about ``size`` bytes (``filler`` repeated between ``prefix`` and
    ``suffix``), made without writing it out: one mebibyte of filler is deflated once, ended
    by a full flush (no reference reaches back past it), and repeated.
    Returns (deflated bytes, CRC-32, size)."""
    block = filler * (1024 * 1024 // len(filler))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(prefix) + deflate.flush(zlib.Z_FULL_FLUSH)
    body = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.compress(suffix) + deflate.flush()
    repeats = max(1, (size - len(prefix) - len(suffix)) // len(block))
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(block, crc)
    total = len(prefix) + repeats * len(block) + len(suffix)
    return head + body * repeats + tail, zlib.crc32(suffix, crc), total


def zipped_with_raw_part(
    parts: dict[str, bytes | str], name: str, deflated: bytes, crc: int, size: int, *, claims: int
) -> bytes:
    """``parts`` plus ``name`` stored already deflated; its declared size is ``claims``
    (a lie when it differs from ``size``)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        offset = out.tell()
        info.header_offset = offset
        info.CRC, info.compress_size, info.file_size = crc, len(deflated), claims
        out.write(info.FileHeader(zip64=False))
        out.write(deflated)
        archive.filelist.append(info)
        archive.NameToInfo[name] = info
        archive.start_dir = out.tell()
    data = out.getvalue()
    assert struct.unpack("<I", data[-22:-18])[0] == 0x06054B50
    return data
