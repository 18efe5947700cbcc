"""engine.first_line writes a plain line's glyphs itself (engine._draw_plain_line), in about
half the time WeasyPrint's ``draw_first_line`` takes, for the rows and placed text and, in
its place, for WeasyPrint's own text drawing: what it writes must be what WeasyPrint writes,
byte for byte, with the same widths and text recorded on every font (the PDF's embedded fonts
and its text layer are built from them). Any other line is WeasyPrint's."""

from __future__ import annotations

import logging

import pytest
from weasyprint import HTML
from weasyprint.draw import text as weasyprint_text
from weasyprint.matrix import Matrix
from weasyprint.pdf.stream import Stream

from rolls.pdf import engine, render_station_roll, text_widths
from rolls.pdf.center_documents import render_center_list, render_door_sign
from rolls.pdf.ranges import StationRange
from tests.pdf_data import LATIN, LONG, OTHER, synthetic_center, synthetic_header, synthetic_voters

WEASYPRINT_FIRST_LINE = engine.draw_first_line  # WeasyPrint's own, as engine imported it

# Every script the rolls print, and what a register can hold: combining marks, joiners,
# soft hyphens, bidi controls, spaces of every width, kerning pairs, ligatures.
TEXTS = [
    *(f"{family}, {given}" for family, given in (*LATIN, *OTHER, LONG)),
    "ঝুমা রায়",
    "नमस्ते दुनिया",
    "ไทย ภาษา",
    "한국어 이름",
    "Ελληνικά Κείμενο",
    "fi ffl Ta To AV Wa",
    "a\u200bb\u00adc\u200dd",
    "\u202bعلي\u202c 12",
    "e\u0308\u0323 z",
    "Ổ Ở Ỡ",
    "x\u2003y\u202fz\u00a0w",
    "   padded   ",
    "\u210c\U0001d522\U0001d529\U0001d52c",  # mathematical letters, outside the BMP
]
SIZES = (6.5, 9, 14.5, 56)


@pytest.fixture(scope="module")
def style():
    html = f'<p style="font-family: {text_widths.css_font_family()}">x</p>'
    page_box = HTML(string=html).render().pages[0]._page_box
    return next(box for box in page_box.descendants() if type(box).__name__ == "TextBox").style


def new_stream():
    return Stream({}, (0, 0, 595, 842), {}, {}, {}, {}, None, compress=False)


def recorded_fonts(stream) -> dict:
    return {key: (font.widths, font.to_unicode) for key, font in stream._fonts.items()}


def draw_both(style, texts, sizes):
    """Every text at every size, drawn by WeasyPrint into one stream and by draw_line into
    another; how many of them draw_line wrote itself."""
    theirs, ours = new_stream(), new_stream()
    plain = 0
    for size in sizes:
        sized = engine.restyled(style, font_size=size)
        for text in texts:
            layouts = []
            for _ in range(2):
                layout = engine.text_layout(sized)
                layout.set_text(text)
                layouts.append(layout)
            matrix = Matrix(d=-1, e=12.5, f=40.25)
            expected = WEASYPRINT_FIRST_LINE(
                theirs, engine._Line(layouts[0], sized), "none", "none", matrix
            )
            plain += engine._plain_runs(new_stream(), layouts[1]) is not None
            assert engine.draw_line(ours, layouts[1], sized, 12.5, 40.25) == expected
    return theirs, ours, plain


def test_every_script_is_written_as_weasyprint_writes_it(style):
    theirs, ours, plain = draw_both(style, TEXTS, SIZES)
    assert ours.stream == theirs.stream
    assert recorded_fonts(ours) == recorded_fonts(theirs)
    # Most lines are written by draw_line itself (else this test would compare WeasyPrint
    # with itself); marks placed above or below their base (Bengali, Devanagari, Thai,
    # stacked marks) are WeasyPrint's.
    assert plain >= len(SIZES) * (len(TEXTS) - 6)


def test_a_glyph_seen_before_is_written_from_what_was_recorded(style):
    """The second time through, every glyph's piece comes from the cache: the same bytes."""
    theirs, ours, _ = draw_both(style, TEXTS * 2, SIZES[:2])
    assert ours.stream == theirs.stream
    assert recorded_fonts(ours) == recorded_fonts(theirs)


def test_what_weasyprint_must_draw_is_left_to_it(style, caplog):
    """A character no font has is logged and drawn as WeasyPrint draws it, not hidden."""
    layout = engine.text_layout(style)
    layout.set_text("Smith \U000f0000")  # a private-use plane character: no font has it
    assert engine._plain_runs(new_stream(), layout) is None
    ordinary = engine.text_layout(style)
    ordinary.set_text("Smith, John")
    assert engine._plain_runs(new_stream(), ordinary) is not None
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        engine.draw_line(new_stream(), layout, style, 0, 0)
    assert ".notdef glyph" in caplog.text


def test_the_documents_are_the_bytes_weasyprint_alone_writes(monkeypatch):
    voters = synthetic_voters(240)
    header = synthetic_header(voters)
    center = synthetic_center(header)
    station = StationRange(1, len(voters), header.first_voter, header.last_voter)

    def documents() -> list[bytes]:
        return [
            render_station_roll(header, voters).pdf,
            render_door_sign(center, station).pdf,
            render_center_list(center, [station]).pdf,
        ]

    written = []
    plain_line = engine._draw_plain_line
    monkeypatch.setattr(engine, "_draw_plain_line", lambda *args: written.append(plain_line(*args)))
    ours = documents()
    lines = len(written)

    def weasyprint_line(stream, textbox, *args):
        written.append(None)
        return WEASYPRINT_FIRST_LINE(stream, textbox, *args)

    monkeypatch.setattr(engine, "first_line", weasyprint_line)
    monkeypatch.setattr(weasyprint_text, "draw_first_line", weasyprint_line)
    assert documents() == ours
    assert lines > 240  # the rows, the cover, the sign and the list: most lines were ours
    assert len(written) - lines >= lines  # and every line was WeasyPrint's the second time


def test_weasyprint_draws_its_own_text_with_first_line():
    assert weasyprint_text.draw_first_line is engine.first_line
    assert engine.draw_first_line is not engine.first_line  # WeasyPrint's, for the rest


def test_the_check_reads_weasyprints_own_signature_not_the_stand_in(monkeypatch):
    assert engine.problems() == []

    def changed(stream, textbox, text_overflow, block_ellipsis, matrix, new_argument): ...

    monkeypatch.setattr(engine, "draw_first_line", changed)
    assert any("draw_first_line is now" in problem for problem in engine.problems())
