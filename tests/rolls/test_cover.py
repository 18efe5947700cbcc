"""The roll's cover, drawn into its area (rolls/pdf/cover.py): its text read back in the
order a reader takes it, a right-to-left cover mirrored, values fitted whole where they can
be, and never taller than its area, whatever the registry holds."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from rolls.pdf import RollLayoutError, cover, render_station_roll
from rolls.pdf.text_widths import text_width
from tests.support.pdfs import header_for, needs_poppler, voters_named, words_with_boxes

VOTERS = voters_named([("Abbott", "Anne"), ("Zeller", "Zoe")])
ABSURD = ("W" * 1000, "王" * 1000, "عبد " * 250, "Ашворт-" * 150, "x" * 5)
LANGUAGES = ("en", "fr", "es", "ru", "ar")


def cover_text(**changes) -> str:
    rendered = render_station_roll(header_for(VOTERS, **changes), VOTERS)
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert rendered.pages == len(reader.pages) == 2  # the cover did not spill over
    return " ".join(reader.pages[0].extract_text().split())


def test_the_cover_reads_top_to_bottom_status_title_facts_then_the_door():
    text = cover_text()
    order = [
        "Draft: run 12, not the official roll set",
        "VOTER ROLL",
        "General Election 2026",
        "Polling day: Sunday 14 June 2026",
        "Polling center Riverside Primary School",
        "Center code C-0042",
        "Station 3",
        "Registered voters 2",
        "Pages 2 (this cover and 1 roll page)",
        "POST AT THE STATION DOOR",
        "Station 3",
        "FROM Abbott, Anne",
        "TO Zeller, Zoe",
    ]
    at = 0
    for expected in order:
        found = text.find(expected, at)
        assert found >= at, f"{expected!r} not after position {at} in {text!r}"
        at = found + len(expected)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("value", ABSURD, ids=["latin", "cjk", "arabic", "cyrillic", "short"])
def test_no_value_makes_the_cover_taller_than_its_area(language, value):
    header = header_for(
        VOTERS,
        language=language,
        election_name=value,
        center_name=value,
        center_code=value[:50],
        first_voter=value,
        last_voter=value,
        set_status=value,
    )
    with translation.override(language):
        area = cover.cover_area(header, roll_pages=10_000)
    assert 0 < area.height <= cover.COVER_AREA


def test_a_cover_that_would_overflow_is_refused_not_printed_over_the_footer(monkeypatch):
    monkeypatch.setattr(cover, "COVER_AREA", 100.0)
    with pytest.raises(RollLayoutError, match=r"cover's text is .* mm, its area 100\.0 mm"):
        render_station_roll(header_for(VOTERS), VOTERS)


def test_a_long_center_name_is_printed_whole_smaller_before_anything_is_cut():
    name = "Riverside Primary School and Community Hall of the Northern District, annex B " * 3
    assert text_width(name) * 12 * cover.PT > 3 * (cover.WIDTH - cover.FACTS_LABEL)  # 12 pt: cut
    text = cover_text(center_name=name)
    assert " ".join(name.split()) in text and "\u2026" not in text


def test_only_text_longer_than_any_name_is_cut_and_then_with_an_ellipsis():
    size, lines = cover.lines_in("W" * 1000, 100, cover.DOOR_NAME_SIZES)
    assert size == cover.DOOR_NAME_SIZES[-1][0] and len(lines) == 3
    assert lines[-1].endswith("\u2026") and "".join(lines).count("W") < 1000


@pytest.mark.parametrize("length", [200, 300])
def test_the_longest_election_and_center_names_the_console_takes_print_whole(length):
    # ElectionName 200 characters, PollingCenter.name 300: wide letters, CJK, Arabic.
    for letter in ("W", "王", "ع"):
        _, lines = cover.lines_in(
            letter * length,
            cover.WIDTH if length == 200 else cover.WIDTH - cover.FACTS_LABEL,
            cover.ELECTION_SIZES if length == 200 else cover.CENTER_SIZES,
        )
        assert "\u2026" not in "".join(lines) and "".join(lines).count(letter) == length


@needs_poppler
def test_a_right_to_left_cover_puts_each_label_at_the_right_of_its_value():
    header = header_for(VOTERS, language="ar", center_name="مدرسة النهر")
    words = words_with_boxes(render_station_roll(header, VOTERS).pdf, 1)
    code = next(w for w in words if w[4] == "C-0042")
    middle = (code[1] + code[3]) / 2
    on_its_line = [w for w in words if abs((w[1] + w[3]) / 2 - middle) < 3 and w is not code]
    assert on_its_line and all(w[0] > code[2] + 20 for w in on_its_line)  # the label, right
    # The page's right margin is 15 mm: the label ends there, as the status above does.
    right_edge = 595.28 - 15 / 25.4 * 72
    assert max(w[2] for w in on_its_line) == pytest.approx(right_edge, abs=3)
