"""The PDF roll of one station, read back from the PDF: text with pypdf, geometry from the text
positions and from pixels rendered by pdftoppm."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import io
import itertools
import logging
import re
import unicodedata
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from rolls.pdf import (
    ROWS_PER_PAGE,
    RollHeader,
    RollVoter,
    expected_pages,
    harfbuzz_subset_available,
    layout,
    painting,
    render_station_roll,
)
from rolls.pdf.roll import render_html
from rolls.pdf.text import clean, truncate
from rolls.pdf.text_widths import text_width
from tests.support.pdfs import (
    ARABIC,
    CJK,
    STATUS,
    gray_page,
    header_for,
    needs_poppler,
    render,
    text_runs,
    texts,
    voters_named,
    words_on_page,
)

NUMBER = re.compile(r"V\d{9}")
PT_PER_MM = 72 / 25.4

LATIN_NAMES = [
    ("Abbott", "Anne"),
    ("Bauer", "Benedikt"),
    ("Castillo", "Carmen"),
    ("Dubois", "Denis"),
    ("Eriksson", "Eva"),
]


PROVENANCE_FIELDS = ("run_id", "generated_at", "fingerprint")
PROVENANCE = ("Run 12", "generated 2026-12-01 10:05 UTC", "split 3f9a1b2c4d5e")


def numbers_on_roll_pages(reader: PdfReader) -> list[str]:
    return [found for text in texts(reader)[1:] for found in NUMBER.findall(text)]


def footers(reader: PdfReader) -> list[str]:
    """The bottom-left margin box of each page: the text left of "Page X of Y" on its line."""
    out = []
    for index, text in enumerate(texts(reader), start=1):
        page_of = f"Page {index} of {len(reader.pages)}"
        (line,) = [line for line in text.splitlines() if line.endswith(page_of)]
        out.append(line.removesuffix(page_of).strip())
    return out


def row_line(text: str, voter_number: str) -> str:
    """The extracted line of the row that carries *voter_number*."""
    (line,) = [line for line in text.splitlines() if voter_number in line]
    return line


# --- pages and completeness -------------------------------------------------------------------


def test_expected_pages_is_a_cover_plus_forty_voters_a_page():
    assert [expected_pages(n) for n in (1, 39, 40, 41, 80, 500, 501)] == [2, 2, 2, 3, 3, 14, 14]
    with pytest.raises(ValueError):
        expected_pages(0)


def rows_per_page(count: int) -> list[int]:
    return [min(ROWS_PER_PAGE, count - start) for start in range(0, count, ROWS_PER_PAGE)]


@pytest.mark.parametrize("count", [1, 39, 40, 41, 501])
def test_page_count_and_rows_match_expected_pages(count):
    voters = voters_named(LATIN_NAMES, count)
    reader, _ = render(voters)
    assert len(reader.pages) == expected_pages(count)
    assert [len(NUMBER.findall(text)) for text in texts(reader)[1:]] == rows_per_page(count)
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]


@pytest.fixture(scope="module")
def station_of_500():
    voters = voters_named(LATIN_NAMES, 500)
    reader, _ = render(voters)
    return voters, reader


def test_every_voter_appears_exactly_once_in_order(station_of_500):
    voters, reader = station_of_500
    assert len(reader.pages) == expected_pages(500) == 14
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]
    assert [len(NUMBER.findall(text)) for text in texts(reader)[1:]] == rows_per_page(500)


def test_cover_shows_the_station_and_the_name_range_for_the_door(station_of_500):
    cover = texts(station_of_500[1])[0]
    for expected in (
        "General Election 2026",
        "14 June 2026",
        "Riverside Primary School",
        "C-0042",
        "Station 3",
        "500",
        "Abbott, Anne",
        "Zeller, Zoe",
    ):
        assert expected in cover
    assert not NUMBER.search(cover)  # the cover lists no voter


def test_roll_pages_carry_header_and_every_page_a_page_x_of_y_footer(station_of_500):
    pages = texts(station_of_500[1])
    for index, text in enumerate(pages, start=1):
        assert f"Page {index} of {len(pages)}" in text
        if index > 1:
            assert "General Election 2026" in text
            assert "C-0042 · Riverside Primary School" in text
            assert "Station 3" in text


def test_a_page_reads_in_order_heads_rows_end_of_roll_then_its_margins():
    # The rows are drawn by painting.py into a box WeasyPrint laid out: in page order, so a
    # reader copying the text gets the rows under their heads and above the total.
    voters = voters_named(LATIN_NAMES, 45)
    text = texts(render(voters)[0])[2]
    order = [
        text.index("VOTER NUMBER"),
        *(text.index(voter.voter_number) for voter in voters[40:]),
        text.index("END OF ROLL"),
        text.index("Page 3 of 3"),
    ]
    assert order == sorted(order)


def margin_words(pdf: bytes, page: int) -> set[tuple[float, float, str]]:
    """Words of *page* above the column heads or below the rows: header and footer."""
    top, bottom = (25 - 1) * PT_PER_MM, (297 - 16 + 1) * PT_PER_MM
    return {
        (round(x, 1), round(y, 1), text)
        for x, y, text in words_on_page(pdf, page)
        if y < top or y > bottom
    }


@needs_poppler
@pytest.mark.parametrize("language", ["en", "ar"])
def test_later_pages_repeat_the_opening_pages_header_and_footer_with_their_own_number(language):
    # Only the first roll page lays out its margins (painting.repeat_running_header): every
    # later page must show the very same header and footer, in place, and its own number.
    voters = voters_named(LATIN_NAMES, 130)
    _, pdf = render(voters, language=language)
    opening = margin_words(pdf, 2)
    # Station 3, page 2 of 5, and the run's provenance.
    assert {"3", "2", "5", "3f9a1b2c4d5e"} <= {text for _, _, text in opening}
    (number,) = [word for word in opening if word[2] == "2"]
    for page in (3, 4, 5):
        later = margin_words(pdf, page)
        assert later - opening == {(number[0], number[1], str(page))}
        assert opening - later == {number}


def rendered_document(voters):
    from weasyprint import HTML

    html, lines = render_html(header_for(voters), voters)
    return HTML(string=html, base_url=".").render(), lines


def test_rows_are_refused_for_a_document_with_a_rows_area_too_few_or_too_many():
    document, lines = rendered_document(voters_named(LATIN_NAMES, 81))
    assert [len(page) for page in lines] == [40, 40, 1]
    for pages in (lines[:-1], [*lines, ["extra"]]):
        with pytest.raises(painting.RowsNotPlaced, match="3 rows areas laid out for"):
            painting.place_rows(document, pages, inset=0, row_height=22.68, rtl=False)


def test_rows_are_refused_where_they_would_drift_off_the_background_rows():
    document, lines = rendered_document(voters_named(LATIN_NAMES, 41))
    painting.place_rows(document, lines, inset=0, row_height=20.0, rtl=False)  # 6 mm: 22.68
    with pytest.raises(painting.RowsNotPlaced, match="line height"):
        document.write_pdf()


@pytest.mark.parametrize(
    ("extra_css", "refusal"),
    [
        ("", None),
        ("body { background: #fff }", "background under its column heads"),
        (".sheet + .sheet .heads { padding-top: 3mm }", "no empty column heads where"),
        (".sheet + .sheet { page: auto }", "lays out its own margins"),
    ],
)
def test_the_running_header_is_repeated_only_where_it_would_show_as_laid_out(extra_css, refusal):
    # Heads text drawn before a page that paints a background would vanish under it, heads
    # moved on a later page would be drawn where they are not, and a page that laid out its
    # own margins would show them twice.
    from weasyprint import CSS, HTML

    from rolls.pdf.roll import _weasyprint_setup

    voters = voters_named(LATIN_NAMES, 81)
    html, _ = render_html(header_for(voters), voters)
    font_config, stylesheet = _weasyprint_setup("en")
    sheets = [stylesheet, CSS(string=extra_css or "p {}", font_config=font_config)]
    document = HTML(string=html, base_url=".").render(font_config=font_config, stylesheets=sheets)
    repeat = functools.partial(
        painting.repeat_running_header,
        document,
        opening=1,
        numbers_at="@bottom-right",
        page_number=lambda page, pages: f"Page {page} of {pages}",
    )
    if refusal is None:
        repeat()
        assert len(document.write_pdf()) > 0
    else:
        with pytest.raises(painting.RowsNotPlaced, match=refusal):
            repeat()


def test_every_page_says_which_run_made_it_when_and_from_which_split(station_of_500):
    # A loose sheet, the cover included, must be traceable to its run and split.
    pages = footers(station_of_500[1])
    assert pages == [" \u00b7 ".join(PROVENANCE)] * 14
    assert all("3f9a1b2c4d5e7" not in footer for footer in pages)  # 12 characters, no more


def test_cover_says_the_roll_sets_status_and_the_roll_pages_do_not(station_of_500):
    cover, *roll = texts(station_of_500[1])
    assert STATUS in cover
    assert not any("Draft" in text for text in roll)


@pytest.mark.parametrize(
    "missing",
    [
        {"run_id": None},
        {"generated_at": None},
        {"fingerprint": ""},
        {"fingerprint": " \n\u202e "},  # nothing left once cleaned
        {"run_id": None, "generated_at": None, "fingerprint": ""},
    ],
)
def test_missing_provenance_prints_no_stray_separator(missing):
    voters = voters_named(LATIN_NAMES, 41)
    reader, _ = render(voters, **missing)
    present = [
        part for part, key in zip(PROVENANCE, PROVENANCE_FIELDS, strict=True) if key not in missing
    ]
    assert footers(reader) == [" \u00b7 ".join(present)] * 3
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]


def test_the_existing_caller_without_provenance_still_gets_its_roll():
    voters = voters_named(LATIN_NAMES, 41)
    given = dataclasses.asdict(header_for(voters))
    for name in (*PROVENANCE_FIELDS, "set_status"):
        del given[name]
    legacy = RollHeader(**given)
    # No empty status box on the cover, no empty string setter.
    page, lines = render_html(legacy, voters)
    assert 'class="status"' not in page and "run-provenance" not in page
    assert [len(page_lines) for page_lines in lines] == [40, 1]
    reader = PdfReader(io.BytesIO(render_station_roll(legacy, voters).pdf))
    assert footers(reader) == ["", "", ""]
    assert "Draft" not in texts(reader)[0]


def test_a_naive_generated_time_is_refused():
    # It would be printed as UTC whatever the server's zone: wrong without anyone noticing.
    voters = voters_named(LATIN_NAMES)
    header = header_for(voters, generated_at=datetime.datetime(2026, 12, 1, 10, 5))
    with pytest.raises(ValueError):
        render_station_roll(header, voters)


def test_rows_sit_exactly_on_the_background_rows_even_in_fallback_fonts():
    # Lines drawn partly by Noto Sans CJK or Arabic used to be taller than the 6 mm rows of
    # the background tile, so the text drifted off its stripe and signature box.
    names = [("山田", "花子"), ("عبد الله", "محمد"), ("Abbott", "Anne"), ("张", "伟")]
    reader, _ = render(voters_named(names, 40))
    runs = text_runs(reader.pages[1])
    rows = sorted({y for _, y, _, text in runs if NUMBER.search(text)}, reverse=True)
    assert len(rows) == ROWS_PER_PAGE
    pitches = [upper - lower for upper, lower in itertools.pairwise(rows)]
    assert all(abs(pitch - layout.ROW_HEIGHT * PT_PER_MM) < 0.01 for pitch in pitches)
    # Every fallback-font run sits on the baseline of its row.
    fallback = [y for _, y, family, _ in runs if family != "DejaVu Sans"]
    assert fallback and all(min(abs(y - row) for row in rows) < 0.01 for y in fallback)


# --- scripts, bidi, hostile input ------------------------------------------------------------

SCRIPTS = [
    ("Šťastný", "Žofie"),
    ("Nguyễn", "Thị Minh"),
    ("Øvergård", "Åsa"),
    ("Жуковский", "Алексей"),
    ("Παπαδόπουλος", "Ελένη"),
    ("张", "伟"),
    ("山田", "花子"),
    ("佐藤", "さくら"),
    ("김", "민준"),
    ("الخوارزمي", "عبد الرحمن"),
]


@pytest.fixture(scope="module")
def scripts_roll():
    voters = voters_named(SCRIPTS)
    reader, _ = render(voters, center_name="مدرسة النور Al-Noor School")
    return voters, reader


def test_names_in_other_scripts_are_printed_and_extractable(scripts_roll):
    voters, reader = scripts_roll
    text = unicodedata.normalize("NFKC", texts(reader)[1])
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]
    for family, given_name in SCRIPTS:
        if ARABIC.search(family):
            # Extraction gives right-to-left runs in visual order; each word stays whole.
            assert all(word in text for word in (family, *given_name.split()))
        else:
            assert f"{family}, {given_name}" in text


def test_each_script_is_drawn_by_a_font_that_has_it(scripts_roll):
    # A character no font has would be drawn as a missing-glyph box by the primary font.
    families = Counter()
    for _, _, family, text in text_runs(scripts_roll[1].pages[1]):
        for char in text:
            if ARABIC.match(char):
                assert family == "Noto Sans Arabic", char
            elif CJK.match(char):
                assert family.startswith("Noto Sans CJK"), char
            elif char.isalpha():
                assert family == "DejaVu Sans", char
            families[family] += 1
    assert {"Noto Sans Arabic", "DejaVu Sans"} <= set(families)
    assert any(family.startswith("Noto Sans CJK") for family in families)


@needs_poppler
def test_arabic_name_does_not_reorder_its_row(scripts_roll):
    voters, _ = scripts_roll
    words = words_on_page(render(voters)[1], 2)
    arabic = voters[-1]
    row_y = next(y for _, y, text in words if text == arabic.voter_number)
    on_row = sorted((x, text) for x, y, text in words if abs(y - row_y) < 4)
    # The row starts with its row number and voter number, in that order, at the left edge.
    assert [text for _, text in on_row[:2]] == [str(arabic.position), arabic.voter_number]
    # The name's words all start right of the voter number, in the name column.
    name_x = [x for x, text in on_row if ARABIC.search(text)]
    latin_number_x = next(x for x, _, text in words if text == voters[0].voter_number)
    assert name_x and all(x > latin_number_x + 40 for x in name_x)


HOSTILE = [
    ("<script>alert(1)</script>", "Eve"),
    ("</pre><b>x", "&amp; &lt;"),
    ('O\'Brien "Jr"', "}</style><style>*{display:none}"),
    ("Mallory", "<!-- -->"),
]


def test_markup_in_names_is_printed_literally_and_hides_nobody():
    voters = voters_named(HOSTILE, 8)
    reader, _ = render(voters, election_name="<i>Election</i> & </title>")
    text = texts(reader)[1]
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]
    for family, given_name in HOSTILE:
        assert f"{family}, {given_name}" in text
    assert "<i>Election</i> & </title>" in texts(reader)[0]


def test_markup_and_controls_in_the_status_and_fingerprint_are_printed_inertly():
    status = '<b>Official</b> & </p><p class="kicker">\u202eroll\nset</title>'
    fingerprint = "<i>3f</i>\u202e\n9a1b2c4d5e"
    voters = voters_named(LATIN_NAMES, 41)
    reader, _ = render(voters, set_status=status, fingerprint=fingerprint)
    cover = texts(reader)[0]
    assert '<b>Official</b> & </p><p class="kicker">roll set</title>' in cover
    # Cleaned first (override and newline gone), then cut to 12 characters.
    assert all(footer.endswith("split <i>3f</i> 9a") for footer in footers(reader))
    assert not any("\u202e" in text for text in texts(reader))
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]


def test_control_and_bidi_characters_are_neutralised():
    names = [
        ("Line\nBreak", "Carriage\rReturn"),
        ("Nul\x00Bell\x07", "Del\x7fNel\x85"),
        ("Evil\u202egnirts", "\u2066Iso\u2069late\u202d"),
        ("Para\u2029graph", "Line\u2028sep"),
    ]
    voters = voters_named(names)
    reader, _ = render(voters)
    text = texts(reader)[1]
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]
    bad = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F)]} - {"\n"}
    bad |= {chr(c) for c in range(0x2066, 0x206A)} | {"\u2028", "\u2029"}
    assert not bad & set(text)
    assert "Line Break, Carriage Return" in row_line(text, voters[0].voter_number)
    assert "NulBell" not in text and "Nul Bell" in text
    assert "Evilgnirts, Isolate" in row_line(text, voters[2].voter_number)
    assert "Para graph, Line sep" in row_line(text, voters[3].voter_number)


@needs_poppler
def test_voter_numbers_of_any_form_are_printed_in_full_and_names_line_up():
    numbers = ["A-1", "Ünïcode-7", "12345678901234567890", "W" * 20, "٣٤٥٦"]
    voters = [RollVoter(i, n, "山田", "花子") for i, n in enumerate(numbers, start=1)]
    reader, pdf = render(voters)
    text = texts(reader)[1]
    for voter in voters:
        assert row_line(text, voter.voter_number).rstrip().endswith("山田, 花子")
    # Where poppler sees each glyph drawn: the names start in one column whatever the numbers.
    words = words_on_page(pdf, 2)
    name_x = [x for x, _, word in words if word.startswith("山田")]
    assert len(name_x) == len(voters)
    assert max(name_x) - min(name_x) < 1.0  # points: hair spaces place them within 0.35 mm
    widest_number_x = next(x for x, _, word in words if word == "W" * 20)
    assert min(name_x) > widest_number_x + 60  # 20 W are some 60 pt wide


def test_voter_numbers_too_wide_for_any_name_are_refused():
    voters = [RollVoter(1, "\U00012000" * 24, "Abbott", "Anne")]
    with pytest.raises(ValueError):
        render_station_roll(header_for(voters), voters)


def test_absurdly_long_header_values_keep_the_cover_on_one_page():
    voters = voters_named(LATIN_NAMES)
    for text in ("W" * 1000, "王" * 1000, "عبد " * 250):
        reader, _ = render(
            voters,
            election_name=text,
            center_name=text,
            center_code=text[:50],
            first_voter=text,
            last_voter=text,
            set_status=text,
            fingerprint=text,
        )
        assert "Station 3" in texts(reader)[0]
        assert all(footer.startswith("Run 12 \u00b7 generated") for footer in footers(reader))
        assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]


# --- long names ------------------------------------------------------------------------------

LONG = [
    ("W" * 500, "Wolfgang"),
    ("Ashworth-" * 55, "Amadeus"),
    ("王" * 500, "小明"),
    ("عبد" * 170, "محمد"),
    ("Жуковский" * 55, "Алексей"),
    ("Müller" + "王" * 40 + "عبد" * 40 + "W" * 40, "Mixed"),
]


def darkest(image, left_mm: float, right_mm: float, top_mm: float, bottom_mm: float, dpi: int):
    width, _, pixels = image
    px = dpi / 25.4
    return min(
        pixels[y * width + x]
        for y in range(round(top_mm * px), round(bottom_mm * px))
        for x in range(round(left_mm * px), round(right_mm * px))
    )


@needs_poppler
def test_absurdly_long_names_are_printed_whole_and_stop_before_the_signature_box():
    # 500 characters: far beyond any name (tests/rolls/test_pdf_long_names.py has the longest
    # real ones), printed below the floor size, but never cut and never over the box.
    voters = voters_named(LONG)
    reader, pdf = render(voters)
    text = texts(reader)[1]
    assert "…" not in text
    flat = "".join(text.split())
    for family, given_name in LONG:
        if not ARABIC.search(family):
            assert "".join(f"{family},{given_name}".split()) in flat

    dpi = 150
    image = gray_page(pdf, 2, dpi)
    box_left = layout.MARGIN_LEFT + layout.SIGNATURE_X
    box_right = box_left + layout.SIGNATURE_WIDTH
    for row in range(len(voters)):
        top = layout.MARGIN_TOP + layout.COLUMN_HEADS_HEIGHT + row * layout.ROW_HEIGHT
        inside = (
            top + layout.SIGNATURE_INSET_Y + 0.4,
            top + layout.ROW_HEIGHT - layout.SIGNATURE_INSET_Y - 0.4,
        )
        # No ink inside the box, nor in the gap kept before it ...
        assert darkest(image, box_left - layout.NAME_GAP + 0.3, box_left - 0.3, *inside, dpi) > 160
        assert darkest(image, box_left + 0.4, box_right - 0.4, *inside, dpi) > 160
        # ... while the probe does see the name, and the box's left edge, where they should be.
        name_start = layout.MARGIN_LEFT + 40  # the name column starts near 38 mm here
        assert darkest(image, name_start, name_start + 30, top + 0.5, top + 5.5, dpi) < 160
        assert darkest(image, box_left - 0.3, box_left + 0.3, *inside, dpi) < 160


@pytest.mark.parametrize("name", ["W" * 100, "王" * 100, "n" * 100, "عبد" * 50, "a\u0301" * 80])
def test_truncate_fills_the_width_it_is_given_and_no_more(name):
    cut = truncate(name, 20)
    assert cut.endswith("…")
    assert 18 <= text_width(cut) <= 20
    assert truncate("Abbott, Anne", 20) == "Abbott, Anne"


def test_wide_characters_take_a_full_em():
    # CJK fonts draw East Asian wide characters on a square em: about two narrow letters.
    assert text_width("王小明さくら김") == pytest.approx(7.0)
    assert text_width("王") >= 1.5 * text_width("n")


def test_clean_keeps_one_line_and_caps_stacked_marks():
    assert clean(" a\u00a0\u3000b\t\nc ") == "a b c"
    assert clean("Ab" + "\u0301" * 300) == "Ab" + "\u0301" * 4
    assert clean("e\u0301") == "\u00e9"  # composed, as fonts expect


# --- everything at once ----------------------------------------------------------------------

# Line breaks, C0/C1 controls, bidi overrides and isolates, a lone surrogate, marks, emoji with
# a joiner, markup, Arabic, CJK and the widest Latin letter: mixed into random text below.
SPECIAL = list(
    "\n\r\t\x00\x85\u202e\u202b\u2066\u2069\u200f\u2028\ud800\u0301\u20dd\U0001f600\u200d<&\u0627\u4e2dW"
)
NAMES = st.text(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=500)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(st.tuples(NAMES, NAMES), min_size=1, max_size=45),
    election=NAMES,
    first=NAMES,
)
def test_any_names_render_every_voter_exactly_once(names, election, first):
    voters = voters_named(names)
    reader, _ = render(
        voters,
        election_name=election,
        first_voter=first,
        center_name=first,
        set_status=election,
        fingerprint=first,
    )
    assert len(reader.pages) == expected_pages(len(voters))
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]


# --- input checks, logs, environment ---------------------------------------------------------


def test_inconsistent_input_is_refused():
    voters = voters_named(LATIN_NAMES)
    with pytest.raises(ValueError):
        render_station_roll(header_for([]), [])
    with pytest.raises(ValueError):
        render_station_roll(header_for(voters, voter_count=4), voters)
    with pytest.raises(ValueError):
        render_station_roll(header_for(voters), [voters[1], voters[0], *voters[2:]])
    too_long = [*voters[:-1], RollVoter(5, "9" * 40, "Long", "Number")]
    with pytest.raises(ValueError):
        render_station_roll(header_for(too_long), too_long)


def test_voter_names_are_not_logged(caplog):
    caplog.set_level(logging.DEBUG)
    voters = voters_named([("Quixotically", "Zebediah")])
    render(voters, first_voter="Quixotically, Zebediah")
    assert "Quixotically" not in caplog.text and "Zebediah" not in caplog.text


def test_harfbuzz_subset_availability_is_reported():
    from weasyprint.text import ffi

    assert harfbuzz_subset_available() is (getattr(ffi, "harfbuzz_subset", None) is not None)


def test_a_prepended_concatenation_mark_cannot_swallow_the_voter_number():
    """Found by the property test above: U+110CD (Kaithi number sign) as the center name
    extended over the first voter number, which then no longer read back."""
    voters = voters_named([("", "")])
    reader, _ = render(voters, election_name="", first_voter="\U000110cd", center_name="\U000110cd")
    assert numbers_on_roll_pages(reader) == [voter.voter_number for voter in voters]
    assert clean("\u0600123\U000110cd") == "123"


def test_a_long_roll_lays_out_four_pages_and_draws_each_later_one_with_its_own_rows(
    station_of_500,
):
    """WeasyPrint lays out the cover, the first, the second and the last roll page; the pages
    between are copies of the second (painting.repeat_middle_page), each with its own rows,
    header and number (the read-back tests above check every voter once, in order)."""
    voters, reader = station_of_500
    html, lines = render_html(header_for(voters), voters)
    assert html.count('<section class="sheet">') == 3 and len(lines) == 13
    pages = texts(reader)[1:]
    assert [len(NUMBER.findall(text)) for text in pages] == [40] * 12 + [20]
    starts = [NUMBER.findall(text)[0] for text in pages]
    assert starts == [voters[40 * index].voter_number for index in range(13)]


def test_only_a_middle_page_is_repeated():
    document, _ = rendered_document(voters_named(LATIN_NAMES, 81))
    for at in (0, len(document.pages) - 1):
        with pytest.raises(painting.RowsNotPlaced, match="not a middle page"):
            painting.repeat_middle_page(document, at=at, copies=1)
    pages = list(document.pages)
    painting.repeat_middle_page(document, at=1, copies=0)
    assert document.pages == pages
