"""Names are never cut: a name too long for its column is printed smaller and wrapped inside
its own row, read back whole from the PDF (pypdf text, poppler word boxes), each row still
beside its signature box."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter

import pytest
from pypdf import PdfReader

from rolls.pdf import (
    ROWS_PER_PAGE,
    RollVoter,
    expected_pages,
    layout,
    render_station_roll,
    text_widths,
)
from rolls.pdf.cover import DOOR_NAME_SIZES, lines_in
from rolls.pdf.fitting import FLOOR_PT, ONE_LINE_FLOOR_PT, fit_name, wrap
from rolls.pdf.roll_lines import FittedRow, roll_pages
from rolls.pdf.text import display_name
from rolls.pdf.text_widths import text_width
from tests.support.pdfs import (
    ARABIC,
    ISSUE,
    LONGEST,
    header_for,
    needs_poppler,
    number,
    words_with_boxes,
)

PT_PER_MM = 72 / 25.4
DEVANAGARI = re.compile(r"[\u0900-\u097f]")


SHORT = ("Abbott", "Anne")


def voters_of(names: list[tuple[str, str]]) -> list[RollVoter]:
    return [RollVoter(i, number(i), *name) for i, name in enumerate(names, start=1)]


def letters(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c).startswith("L"))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_a_name_that_fits_is_left_alone_and_a_long_one_shrinks_before_it_wraps():
    assert fit_name("Abbott, Anne", 25.0) is None
    one_line = fit_name("Rodríguez de la Santísima Trinidad, María", 20.0)
    assert one_line.lines == ("Rodríguez de la Santísima Trinidad, María",)
    assert ONE_LINE_FLOOR_PT <= one_line.size_pt < layout.FONT_SIZE_PT
    wrapped = fit_name(display_name(*ISSUE), 25.0)
    assert " ".join(wrapped.lines) == display_name(*ISSUE)
    assert len(wrapped.lines) == 2 and wrapped.lines[0].startswith(ISSUE[0])
    assert wrapped.size_pt == ONE_LINE_FLOOR_PT  # the largest size two lines take


@pytest.mark.parametrize("name", LONGEST)
def test_the_longest_names_of_every_script_keep_every_character_at_the_floor_size_or_more(name):
    voters = voters_of([name])
    columns, pages = roll_pages(voters)
    (row,) = pages[0]
    assert isinstance(row, FittedRow) and row.size_pt >= FLOOR_PT
    # Every character is on one of the lines: only the spaces the lines break at are gone.
    printed = "".join(row.name_lines).replace("\u2068", "").replace("\u2069", "")
    assert printed.replace(" ", "") == display_name(*name).replace(" ", "")
    for line in row.name_lines:  # each line fits the column at its size
        assert text_width(line) * row.size_pt <= columns.name_max_em * layout.FONT_SIZE_PT
        assert unicodedata.category(line.lstrip("\u2068")[0]) not in ("Mn", "Mc", "Me")


def test_a_word_wider_than_the_line_fills_the_line_it_starts_on():
    first, second, third = wrap("W" * 30 + ", " + "W" * 30, 25.0, 3)
    # Not "WWW...W," alone on a short second line with the rest split over two more.
    assert set(first) == {"W"} and len(first) >= 24
    assert second.startswith("W" * (30 - len(first)) + ", W")
    assert first + second + third == "W" * 30 + ", " + "W" * 30
    assert wrap("W" * 30, 10.0, 2) is None


def row_band(row: int) -> tuple[float, float]:
    """Top and bottom of roll row *row* (0-based on its page), in points from the page top."""
    top = layout.MARGIN_TOP + layout.COLUMN_HEADS_HEIGHT + row * layout.ROW_HEIGHT
    return top * PT_PER_MM, (top + layout.ROW_HEIGHT) * PT_PER_MM


@needs_poppler
@pytest.mark.parametrize("language", ["en", "ar"])
def test_long_names_read_back_whole_inside_their_rows_and_clear_of_the_signature_box(language):
    names = [SHORT, *LONGEST, SHORT]
    voters = voters_of(names)
    rendered = render_station_roll(header_for(voters, language=language), voters)
    assert rendered.pages == expected_pages(len(voters))
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = nfc(reader.pages[1].extract_text())
    # pypdf: every voter number, and every word of every name, is in the page's text.
    assert re.findall(r"V\d{9}", text) == [voter.voter_number for voter in voters]
    for family, given in names:
        for word in display_name(family, given).split():
            # Longer words break across lines; pypdf maps Arabic and Devanagari ligatures
            # back imperfectly (poppler's words are compared below).
            if not ARABIC.search(word) and not DEVANAGARI.search(word) and len(word) < 30:
                assert nfc(word) in text, word

    rtl = language == "ar"
    box_left = layout.MARGIN_LEFT + layout.signature_box_x(rtl)
    box_right = box_left + layout.SIGNATURE_WIDTH
    words = words_with_boxes(rendered.pdf, 2)
    for row, voter in enumerate(voters):
        top, bottom = row_band(row)
        mine = [w for w in words if top <= (w[1] + w[3]) / 2 <= bottom]
        # The row's number and voter number are on it: the row lines up with its box.
        assert str(voter.position) in [w[4] for w in mine]
        assert voter.voter_number in [w[4] for w in mine]
        name_words = [w for w in mine if w[4] not in (str(voter.position), voter.voter_number)]
        for x0, y0, x1, y1, word in name_words:
            # Clear of the signature box and of the gap kept before it (after it when mirrored).
            if rtl:
                assert x0 >= (box_right + layout.NAME_GAP / 2) * PT_PER_MM, word
            else:
                assert x1 <= (box_left - layout.NAME_GAP / 2) * PT_PER_MM, word
            # Poppler's boxes of Arabic, CJK and Devanagari words are their fonts' (taller)
            # boxes: their middles are checked above.
            if not re.search(r"[\u0600-\u06ff\u0900-\u097f\u4e00-\u9fff]", word):
                assert top - 0.6 <= y0 and y1 <= bottom + 0.6, word  # inside its stripe
        # The whole name, read back in reading order (lines top to bottom, words left to
        # right; an Arabic word comes in drawing order and is compared as a word).
        lines = sorted(name_words, key=lambda w: (round(w[1]), w[0]))
        expected = display_name(voter.family_name, voter.given_name)
        if ARABIC.search(expected):
            found = Counter(nfc(w[4][::-1]).strip(",") for w in lines)
            assert found == Counter(nfc(w).strip(",") for w in expected.split())
        elif DEVANAGARI.search(expected):
            # Poppler reorders Devanagari vowel signs as it extracts them: the letters (and
            # the marks, on the lines themselves: see the test above) are compared.
            assert letters("".join(w[4] for w in lines)) == letters(expected)
        else:
            assert nfc("".join(w[4] for w in lines)) == nfc(expected.replace(" ", ""))
    # The page still holds its rows where the plain ones are: 40 rows a page, unchanged.
    assert len(voters) < ROWS_PER_PAGE


@pytest.mark.parametrize("name", [ISSUE, *LONGEST[1:4], LONGEST[5]])
def test_the_covers_door_range_prints_the_longest_names_whole_on_one_cover_page(name):
    voters = voters_of([SHORT, name])
    shown = display_name(*name)
    rendered = render_station_roll(header_for(voters, last_voter=shown), voters)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert rendered.pages == len(reader.pages) == 2  # the cover did not spill over
    cover = nfc("".join(reader.pages[0].extract_text().split()))
    assert nfc("".join(shown.split())) in cover and "\u2026" not in cover
    if len(shown) == 120:
        assert lines_in(shown, 140, DOOR_NAME_SIZES)[0] < 16  # smaller, not cut
    assert lines_in("Abbott, Anne", 140, DOOR_NAME_SIZES) == (16, ("Abbott, Anne",))


def test_every_character_a_font_of_the_stack_shapes_by_position_is_in_the_joining_scripts():
    # Widths skip the positional forms for text outside text_widths.MAY_JOIN: every font the
    # stack measures is read here, so a font with forms elsewhere fails this, not a name.
    outside = {
        (font.family, hex(code))
        for font in text_widths.FONT_STACK
        if font.measured
        for bold in (False, True)
        for code in getattr(text_widths.font_widths(font.family, bold), "forms", {})
        if not text_widths.MAY_JOIN.match(chr(code))
    }
    assert not outside
    arabic = "العبدالله"
    assert text_widths.advances(arabic) != [text_widths.char_width(c) for c in arabic]
