"""PDFs read back (text and fonts with pypdf, word boxes and pixels with poppler, QR codes
with zxing-cpp) and the small rolls the PDF tests render."""

from __future__ import annotations

import datetime
import html
import io
import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.core.files.storage import default_storage
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from rolls.page_codes import ALPHABET
from rolls.pdf import RollHeader, RollVoter, expected_pages, render_station_roll
from rolls.pdf.text import display_name

ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def number(n: int) -> str:
    return f"V{n:09d}"


def voters_named(names: list[tuple[str, str]], count: int | None = None) -> list[RollVoter]:
    count = len(names) if count is None else count
    return [RollVoter(i, number(i), *names[(i - 1) % len(names)]) for i in range(1, count + 1)]


# Two hours east of UTC: the footer must print the same instant in UTC (10:05).
GENERATED_AT = datetime.datetime(
    2026, 12, 1, 12, 5, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
)


FINGERPRINT = "3f9a1b2c4d5e7d00c0ffee" + "0" * 42
STATUS = "Draft: run 12, not the official roll set"


def header_for(voters: list[RollVoter], **changes) -> RollHeader:
    values = {
        "election_name": "General Election 2026",
        "polling_date": datetime.date(2026, 6, 14),
        "center_code": "C-0042",
        "center_name": "Riverside Primary School",
        "station_number": 3,
        "voter_count": len(voters),
        "first_voter": "Abbott, Anne",
        "last_voter": "Zeller, Zoe",
        "run_id": 12,
        "generated_at": GENERATED_AT,
        "fingerprint": FINGERPRINT,
        "set_status": STATUS,
    }
    values.update(changes)
    return RollHeader(**values)


def render(voters: list[RollVoter], **header_changes) -> tuple[PdfReader, bytes]:
    rendered = render_station_roll(header_for(voters, **header_changes), voters)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert rendered.pages == len(reader.pages) == expected_pages(len(voters))
    return reader, rendered.pdf


def texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


FAMILIES: dict[str, str] = {}


def embedded_family(font) -> str:
    """Family name from the font program embedded in the PDF (not the name the PDF gives it)."""
    if font["/BaseFont"] in FAMILIES:  # the subset tag is a hash of the font's description
        return FAMILIES[font["/BaseFont"]]
    descendant = font["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    key = next(k for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor)
    program = TTFont(io.BytesIO(descriptor[key].get_object().get_data()))
    FAMILIES[font["/BaseFont"]] = program["name"].getDebugName(1)
    return FAMILIES[font["/BaseFont"]]


def text_runs(page) -> list[tuple[float, float, str, str]]:
    """(x, y, family of the embedded font, text) of each text run, in PDF points."""
    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            runs.append((x, y, embedded_family(font.get_object()), text))

    page.extract_text(visitor_text=visit)
    return runs


# Poppler reads the geometry back; `make test` installs it, so a missing one fails the test.
needs_poppler = pytest.mark.usefixtures("poppler_utils")


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>'
)


def word_boxes_xhtml(pdf: bytes, page: int) -> str:
    """poppler's word boxes of *page* (1-based): pdftotext's ``-bbox`` XHTML."""
    return subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


def words_on_page(pdf: bytes, page: int) -> list[tuple[float, float, str]]:
    """(left x, middle y, text) of every word poppler finds on *page*, in PDF points. An
    Arabic word comes in drawing order (left to right); it is reversed back here."""
    out = word_boxes_xhtml(pdf, page)
    words = []
    for x, top, bottom, text in WORD.findall(out):
        text = html.unescape(text)
        words.append(
            (
                float(x),
                (float(top) + float(bottom)) / 2,
                text[::-1] if ARABIC.search(text) else text,
            )
        )
    return words


def gray_page(pdf: bytes, page: int, dpi: int) -> tuple[int, int, bytes]:
    """Page *page* (1-based) as 8-bit gray pixels, via pdftoppm's PGM output."""
    out = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    magic, width, height, maxval, pixels = out.split(maxsplit=4)
    assert magic == b"P5" and maxval == b"255"
    return int(width), int(height), pixels


def exactly(length: int, family: str, given: str) -> tuple[str, str]:
    """*family* and *given* cut or repeated so that "Family, Given" is *length* characters."""
    room = length - 2 - len(given)
    family = (family * (room // len(family) + 1))[:room].rstrip(" -")
    given = (given + " " + given * 2)[: length - 2 - len(family)]
    if given.endswith(" "):
        given = given[:-1] + given[0]
    assert len(display_name(family, given)) == length
    return family, given


# The issue's name, then 120-character names of several scripts: Latin, one unbroken Latin
# word of the widest letter, CJK (a full em each), Arabic (joined, right to left), Cyrillic,
# Vietnamese and Devanagari (stacked and spacing combining marks).
ISSUE = ("Wolfeschlegelsteinhausenbergerdorff-Schmidt", "Maximiliane Alexandra Friederike")


LONGEST = [
    ISSUE,
    exactly(120, "Rodríguez de la Santísima Trinidad y Montenegro ", "María de los Ángeles"),
    exactly(120, "W", "Wolfgang"),
    exactly(120, "王", "小明"),
    exactly(120, "عبد الرحمن بن محمد بن عبد الله آل الخوارزمي ", "فاطمة الزهراء"),
    exactly(120, "Жуковский-Константинопольский ", "Александра Владимировна"),
    exactly(120, "Nguyễn Trần Thị Hồng Phương ", "Thị Minh Khai"),
    exactly(120, "श्रीनिवासन रामानुजन अय्यंगार ", "कृष्णमूर्ति"),
]


def words_with_boxes(pdf: bytes, page: int) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, text) of every word on *page*, in PDF points from the top."""
    out = word_boxes_xhtml(pdf, page)
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (float(x0), float(y0), float(x1), float(y1), html.unescape(text))
        for x0, y0, x1, y1, text in re.findall(pattern, out)
    ]


def qr_of_page(path: str, page: int, folder: Path) -> str:
    """The text of the QR code on *page* (1-based) of the stored PDF, read from a PNG of it."""
    pdf = folder / "page.pdf"
    with default_storage.open(path, "rb") as handle:
        pdf.write_bytes(handle.read())
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(folder / "page")],
        check=True,
    )  # fmt: skip
    found = zxingcpp.read_barcodes(Image.open(folder / "page.png"))
    assert len(found) == 1, "one QR code a page"
    return found[0].text


def forged(code: str) -> str:
    """*code* with one character changed (to another of the alphabet)."""
    swapped = ALPHABET[(ALPHABET.index(code[3]) + 7) % len(ALPHABET)]
    return code[:3] + swapped + code[4:]
