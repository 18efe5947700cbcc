"""Door signs read from the door, center lists that cut no name, read back from the PDFs:
word boxes from poppler (pdftotext -bbox), ink from its rendering (pdftoppm), text in
reading order from pdftotext."""

from __future__ import annotations

import dataclasses
import datetime
import io
import re
import subprocess
import unicodedata
from dataclasses import dataclass

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from weasyprint import HTML

from rolls.models import DocumentKind, Placement, RollFile, Station
from rolls.pdf import placed
from rolls.pdf.center_documents import (
    CORNER,
    LIST_LINE,
    LIST_NUMBER_LINE,
    LIST_ROW_PADDING,
    LIST_ROWS_HEIGHT,
    STATIONS_PER_LIST_PAGE,
    list_line,
    render_center_list,
    render_door_sign,
)
from rolls.pdf.engine import css_colour
from rolls.pdf.fitting import FLOOR_PT, LEADING, fit_box
from rolls.pdf.painting import PLACEHOLDER
from rolls.pdf.ranges import CenterHeader, NameRange, StationRange
from rolls.pdf.text import name_script
from rolls.pdf.text_widths import text_width
from rolls.services.split_documents import center_ranges
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.pdfs import ARABIC, CJK, ISSUE, LONGEST, needs_poppler, words_with_boxes
from tests.support.runs import full_run

pytestmark = needs_poppler

MM_PER_PT = 25.4 / 72
SIGN_PAGE = (297.0, 210.0)
LIST_PAGE = (210.0, 297.0)
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# The center of the benchmark's synthetic station (its election, code, name and footer).
HEADER = CenterHeader(
    *("General Election 2026", datetime.date(2026, 6, 14), "C-0042", "Riverside Primary School"),
    run_id=12,
    generated_at=datetime.datetime(2026, 6, 1, 10, 5, tzinfo=datetime.UTC),
    fingerprint="3f9a1b2c4d5e6f",
    purpose="Final rolls for polling day",
)
MIXED = StationRange(
    12,
    500,
    "Müller",
    "龙",
    by_script=(
        NameRange("Müller", "Zola"),
        NameRange("Абрамов", "Семенова"),
        NameRange("الخوارزمي", "حداد"),
        NameRange("王", "龙"),
    ),
)


@dataclass(frozen=True)
class Word:
    left: float  # mm from the page's left and top edges
    top: float
    right: float
    bottom: float
    text: str


def words(pdf: bytes, page: int = 1) -> list[Word]:
    return [
        Word(x0 * MM_PER_PT, y0 * MM_PER_PT, x1 * MM_PER_PT, y1 * MM_PER_PT, text)
        for x0, y0, x1, y1, text in words_with_boxes(pdf, page)
    ]


def word(pdf: bytes, text: str) -> Word:
    """The one word *text* (poppler gives an Arabic word in drawing order: reversed)."""
    (found,) = [w for w in words(pdf) if text in (w.text, w.text[::-1])]
    return found


def station_number(pdf: bytes, number: int) -> Word:
    """The station number: the tallest of the words that are the number (the footer's run
    number may be the same)."""
    return max((w for w in words(pdf) if w.text == str(number)), key=lambda w: w.bottom - w.top)


def reading_text(pdf: bytes) -> str:
    """The text poppler reads, lines in logical order (Arabic too), without bidi marks."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return BIDI_MARKS.sub("", out.stdout.decode())


def drawn_text(pdf: bytes) -> str:
    """The text in the order it is drawn (a wrapped name's lines one after the other, not
    beside a label), each right-to-left line's words put back in reading order."""
    out = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    lines = BIDI_MARKS.sub("", out).splitlines()
    return "\n".join(
        " ".join(reversed(line.split())) if ARABIC.search(line) else line for line in lines
    )


def shows(pdf: bytes, name: str, page: int = 1) -> bool:
    """Whether every word of *name* is a word of the page."""
    found = {w.text for w in words(pdf, page)} | {w.text[::-1] for w in words(pdf, page)}
    return all(part in found for part in name.split())


def letters(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFC", text) if c.isalpha() or c.isdigit())


def picture(pdf: bytes, page: int = 1, dpi: int = 50) -> Image.Image:
    out = subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(out)).convert("L")


def ink_height(pdf: bytes, box: Word, page_height: float, dpi: int = 50) -> float:
    """Height in mm of the glyphs drawn inside *box* (not the font's line box): the longest
    unbroken run of inked pixel rows (a line of smaller text above, inside the same box, is
    separated from it by blank rows)."""
    image = picture(pdf, dpi=dpi)
    scale = image.height / page_height
    crop = image.crop(
        (
            int(box.left * scale),
            int(box.top * scale),
            int(box.right * scale),
            int(box.bottom * scale),
        )
    )
    longest = run = 0
    for y in range(crop.height):
        inked = crop.crop((0, y, crop.width, y + 1)).getextrema()[0] < 128
        run = run + 1 if inked else 0
        longest = max(longest, run)
    return longest / scale


def assert_corner_free(pdf: bytes, page_size: tuple[float, float], pages: int = 1) -> None:
    """Nothing drawn and no word in the page's bottom-right CORNER square."""
    width, height = page_size
    for page in range(1, pages + 1):
        image = picture(pdf, page)
        scale = image.width / width
        corner = image.crop(
            (
                int((width - CORNER) * scale),
                int((height - CORNER) * scale),
                image.width,
                image.height,
            )
        )
        assert corner.getextrema()[0] > 245, f"ink in the corner of page {page}"
        assert not [
            w for w in words(pdf, page) if w.right > width - CORNER and w.bottom > height - CORNER
        ]


def test_the_station_number_stands_half_the_page_high_and_the_range_is_in_large_type():
    station = StationRange(7, 432, "Abbott", "Zeller, Zoe")
    pdf = render_door_sign(HEADER, station).pdf
    number = station_number(pdf, 7)
    assert ink_height(pdf, number, SIGN_PAGE[1]) >= 0.4 * SIGN_PAGE[1]
    # Poppler's word box is the font's height (ascent to descent, 1.16 em in DejaVu Sans):
    # 15 mm is a name of about 37 pt at least, read from 5 m.
    for name in ("Abbott", "Zeller,", "Zoe"):
        assert word(pdf, name).bottom - word(pdf, name).top >= 15
    label = word(pdf, "POLLING")
    assert label.left > number.right and label.bottom - label.top >= 7
    assert word(pdf, "FROM").top < word(pdf, "Abbott").bottom < word(pdf, "TO").top
    # Beside the number, on its lower half: the label, the count under it, the ranges below.
    count = word(pdf, "voters")
    assert (number.top + number.bottom) / 2 < label.top < label.bottom <= count.top
    assert count.bottom < word(pdf, "FROM").top and count.left >= label.left - 0.5
    text = " ".join(reading_text(pdf).split())
    for expected in ("General Election 2026", "C-0042 · Riverside Primary School", "432 voters"):
        assert expected in text
    assert_corner_free(pdf, SIGN_PAGE)


def test_a_three_digit_station_number_still_fits_beside_its_label():
    pdf = render_door_sign(HEADER, StationRange(128, 9, "Abbott", "Zola")).pdf
    number, label = station_number(pdf, 128), word(pdf, "POLLING")
    assert number.right < label.left and ink_height(pdf, number, SIGN_PAGE[1]) >= 0.25 * 210


def test_a_mixed_script_sign_and_list_give_the_range_within_each_script():
    sign = render_door_sign(HEADER, MIXED).pdf
    listed = render_center_list(HEADER, [StationRange(11, 480, "Abbott", "Mason"), MIXED]).pdf
    for pdf in (sign, listed):
        for script_range in MIXED.by_script:
            assert shows(pdf, script_range.first) and shows(pdf, script_range.last)
    # On the sign, each script's first and last names share a row, in the roll's order.
    rows = [(word(sign, r.first), word(sign, r.last)) for r in MIXED.by_script]
    tops = [first.top for first, _ in rows]
    assert tops == sorted(tops)
    for first, last in rows:
        assert abs(first.top - last.top) < 2 and first.right < last.left
        assert first.bottom - first.top >= 9  # a row of four scripts still takes 27 pt letters
    assert_corner_free(sign, SIGN_PAGE)
    assert_corner_free(listed, LIST_PAGE)


def test_an_arabic_sign_reads_right_to_left_and_its_names_read_back_in_logical_order():
    header = dataclasses.replace(
        HEADER, election_name="الانتخابات العامة 2026", center_name="مدرسة النور", language="ar"
    )
    pdf = render_door_sign(header, MIXED).pdf
    found = words(pdf)
    number = station_number(pdf, 12)
    # Poppler gives an Arabic word in drawing order: reversed, it is the label.
    label = word(pdf, "محطة")
    assert number.left > label.right  # the number first, at the right
    froms = sorted((w for w in found if w.text[::-1] == "من"), key=lambda w: w.top)
    firsts = [word(pdf, "Müller"), word(pdf, "Абрамов")]
    for label_word, first in zip(froms, firsts, strict=False):
        assert label_word.left > first.right  # FROM, then the first name, right to left
    text = reading_text(pdf)
    for name in ("الخوارزمي", "حداد", "مدرسة النور", "Семенова", "Müller"):
        assert name in text
    assert_corner_free(pdf, SIGN_PAGE)


@pytest.mark.parametrize("name", LONGEST, ids=lambda name: name[0][:12])
def test_the_longest_names_of_every_script_print_whole_on_sign_and_list(name):
    family, given = name
    long = f"{family}, {given}"
    station = StationRange(3, 120, long, "Zola")
    multi = StationRange(
        4, 80, long, long, by_script=(NameRange(long, "Zola"), NameRange("王", long))
    )
    sign = render_door_sign(HEADER, station).pdf
    sign_multi = render_door_sign(HEADER, multi).pdf
    listed = render_center_list(HEADER, [station, multi]).pdf
    for pdf, times in ((sign, 1), (sign_multi, 2), (listed, 3)):
        assert letters(drawn_text(pdf)).count(letters(long)) == times
    assert_corner_free(sign, SIGN_PAGE)
    assert_corner_free(listed, LIST_PAGE)


def test_a_full_center_list_of_long_mixed_names_keeps_its_planned_pages():
    long = ", ".join(ISSUE)
    stations = [
        StationRange(n, 500, long, long, by_script=(NameRange(long, "Zola"), NameRange("王", long)))
        if n % 2
        else StationRange(n, 500, f"First{n:02d}", long)
        for n in range(1, 2 * STATIONS_PER_LIST_PAGE + 1)
    ]
    rendered = render_center_list(HEADER, stations)
    assert rendered.pages == 2
    text = letters(drawn_text(rendered.pdf))
    # Twice in each station of two scripts, once in the others.
    assert text.count(letters(long)) == 2 * 15 + 15
    assert_corner_free(rendered.pdf, LIST_PAGE, pages=2)


def test_a_box_fit_shrinks_to_its_floor_then_wraps_and_never_drops_a_letter():
    assert fit_box(
        "Abbott", width_pt=300, height_pt=60, size_pt=48, one_line_floor_pt=30
    ).lines == ("Abbott",)
    shrunk = fit_box(
        ", ".join(ISSUE), width_pt=1000, height_pt=60, size_pt=48, one_line_floor_pt=20
    )
    assert len(shrunk.lines) == 1 and 20 <= shrunk.size_pt < 48
    wrapped = fit_box(
        ", ".join(ISSUE), width_pt=400, height_pt=60, size_pt=48, one_line_floor_pt=30
    )
    assert wrapped.size_pt <= 30 and len(wrapped.lines) > 1
    assert len(wrapped.lines) * wrapped.size_pt * LEADING <= 60
    assert all(text_width(line) * wrapped.size_pt <= 400 for line in wrapped.lines)
    assert letters("".join(wrapped.lines)) == letters(", ".join(ISSUE))
    tiny = fit_box("W" * 500, width_pt=100, height_pt=10, size_pt=14, one_line_floor_pt=10)
    assert "".join(tiny.lines) == "W" * 500 and tiny.size_pt < FLOOR_PT


def test_the_script_of_a_name_is_that_of_its_first_letter():
    assert [name_script(n) for n in ("Müller", "Абрамов", "الخوارزمي", "王", "'O'Brien", "12")] == [
        "Latn",
        "Cyrl",
        "Arab",
        "Hani",
        "Latn",
        "Zyyy",
    ]


@pytest.mark.django_db
@pytest.mark.usefixtures("private_media")
def test_a_run_posts_per_script_ranges_only_for_stations_that_span_scripts():
    """22 voters, 8 a station: Latin, then Cyrillic, Arabic and Chinese in the roll's order.
    What each station should post is worked out here from its rows by Unicode block."""
    election = ElectionFactory(name="Mixed 2026", max_voters_per_station=8)
    center = PollingCenterFactory(election=election, code="M1", name="Mixed Hall")
    latin = ["Abbott", "Bauer", "Castillo", "Dubois", "Eriksson", "Fischer", "Garcia", "Haas"]
    latin += ["Ito", "Jones", "Klein", "Lopez"]
    cyrillic = ["Абрамов", "Борисов", "Волков", "Семенова"]
    arabic = ["الخوارزمي", "بن علي", "حداد"]
    chinese = ["王", "李", "龙"]
    register_voters(center, [(n, "Ann") for n in latin + cyrillic + arabic + chinese])
    run = full_run(election)
    assert run.status == "succeeded", run.error

    def block(family: str) -> str:
        for name, pattern in (("arab", ARABIC), ("cjk", CJK), ("cyrl", CYRILLIC)):
            if pattern.match(family):
                return name
        return "latn"

    ranges = {r.number: r for r in center_ranges(split_run_id=run.pk, center_id=center.pk)}
    spanning = 0
    for station in Station.objects.filter(run=run, center=center).order_by("number"):
        rows = list(Placement.objects.filter(station=station).order_by("position"))
        blocks: dict[str, list[str]] = {}
        for row in rows:
            blocks.setdefault(block(row.family_name), []).append(row.family_name)
        posted = ranges[station.number]
        sign = RollFile.objects.get(
            run=run, center=center, station_number=station.number, kind=DocumentKind.SIGN
        )
        lines = [" ".join(line.split()) for line in reading_text(read_file(sign.path)).splitlines()]
        if len(blocks) == 1:
            assert posted.by_script == ()
            assert posted.first in lines and posted.last in lines
            continue
        spanning += 1
        assert posted.by_script == tuple(
            NameRange(names[0], names[-1]) for names in blocks.values()
        )
        assert all(r.first in lines and r.last in lines for r in posted.by_script)
    assert spanning >= 1
    listed = RollFile.objects.get(run=run, center=center, kind=DocumentKind.CENTER_LIST)
    listed_lines = [
        " ".join(line.split()) for line in reading_text(read_file(listed.path)).splitlines()
    ]
    for posted in ranges.values():
        assert all(r.first in listed_lines and r.last in listed_lines for r in posted.ranges())


def read_file(path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("language", ["", "ar"])
def test_a_center_list_row_sets_each_value_under_its_head_on_one_line_with_a_rule_under_it(
    language,
):
    """The rows are drawn in, not laid out (placed.py): each value still sits under its
    column's head, a station's values on one line, a light rule under every row."""
    header = dataclasses.replace(HEADER, language=language)
    stations = [StationRange(n, 400 + n, f"Abbott{n}", f"Mason{n}") for n in (1, 2, 3)]
    pdf = render_center_list(header, stations).pdf
    found = words(pdf)
    heads_text = (
        ("Station", "From", "To", "Voters") if not language else ("المحطة", "من", "إلى", "الناخبون")
    )
    heads = [
        # The lowest of the words: the summary above the table may use one (Arabic's does).
        # Poppler gives an Arabic word's letters in drawing order, or close to it.
        max((w for w in found if sorted(w.text) == sorted(text)), key=lambda w: w.top)
        for text in heads_text
    ]
    rtl = language == "ar"
    for station in stations:
        values = [
            min(
                (w for w in found if w.text == str(station.number) and w.top > heads[0].bottom),
                key=lambda w: w.top,
            ),
            word(pdf, station.first),
            word(pdf, station.last),
            word(pdf, str(station.voters)),
        ]
        middles = [(v.top + v.bottom) / 2 for v in values]
        assert max(middles) - min(middles) < 1.5, (station, values)
        for column, (head, value) in enumerate(zip(heads, values, strict=True)):
            if column == 3:  # the count ends where its column ends: under its head's far side
                assert (value.left < head.right + 1) if rtl else (value.right > head.left - 1)
            else:  # the others start where their head starts
                edge = (head.right, value.right) if rtl else (head.left, value.left)
                assert abs(edge[0] - edge[1]) < 1.5, (column, head, value)
    # The rules: rows of light grey ink across the table, one under each station.
    image = picture(pdf, dpi=100)
    scale = image.width / LIST_PAGE[0]
    left, right = int(20 * scale), int(190 * scale)
    ruled = [
        y
        for y in range(image.height)
        if all(150 < image.getpixel((x, y)) < 235 for x in range(left, right, int(5 * scale)))
    ]
    rules = [y for y in ruled if y - 1 not in ruled]
    bottoms = sorted(word(pdf, s.first).bottom for s in stations)
    assert len(rules) == len(stations)
    assert all(rule / scale > bottom for rule, bottom in zip(rules, bottoms, strict=True))


def test_a_list_laid_out_with_an_area_too_few_is_refused():
    document = HTML(string='<img class="list-rows" src="' + PLACEHOLDER + '">').render()
    with pytest.raises(placed.AreasNotPlaced, match="1 areas of list-rows laid out for 2"):
        placed.place(document, "list-rows", [placed.PlacedText([]), placed.PlacedText([])])
    with pytest.raises(ValueError, match="not a CSS colour"):
        css_colour("light grey")


def test_a_list_page_with_one_script_stations_among_four_script_ones_keeps_to_its_share():
    """A row is never lower than its station number: the names' lines of the other rows
    give up what that takes, so the page's rows stay within their share of the page."""
    four = tuple(MIXED.by_script)
    stations = [StationRange(n, 500, "Müller", "龙", by_script=four) for n in range(1, 15)]
    stations.append(StationRange(15, 12, "Abbott", "Zola"))
    scripts = [len(s.ranges()) for s in stations]
    line = list_line(scripts)
    rows = sum(max(k * line, LIST_NUMBER_LINE) + LIST_ROW_PADDING for k in scripts)
    assert rows <= LIST_ROWS_HEIGHT + 1e-6 and line < LIST_LINE
    rendered = render_center_list(HEADER, stations)
    assert rendered.pages == 1
    assert shows(rendered.pdf, "Abbott") and shows(rendered.pdf, "Zola")
    assert_corner_free(rendered.pdf, LIST_PAGE)
    # Nothing to give up when no row is held up by its number.
    assert list_line([1] * 15) == LIST_LINE
