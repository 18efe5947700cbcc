"""A roll's cover, drawn into one area of its page (placed.py), as the door sign is.

Top to bottom: the roll set's status in a box (what the run was generated for), VOTER ROLL,
the election, the polling day; the facts (center, code, station, voters, pages), a label and
its value a row, ruled; the door box (the notice, the station, FROM and TO with the first
and last names). Laid out as paragraphs, a cover was about a third of a small station's time
(its text boxes to cascade, shape and break); drawn in, it is a few Pango lines.

Every registry value is cleaned, broken into lines here (fitting.wrap, at the widths
text_widths measures) and isolated line by line. A value is printed whole at the largest of
its sizes it fits, smaller before it wraps further; only text longer than any registry value
(hundreds of characters) is cut, with an ellipsis, at its smallest size. Each block is as
tall as its lines, the next one under it: the area holds the longest of everything, so the
cover never spills onto a second page (that would shift every page number). Rendered inside
``translation.override(the roll's language)``; a right-to-left cover is mirrored.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import formats, translation
from django.utils.translation import gettext, ngettext, pgettext

from rolls.pdf import layout, placed
from rolls.pdf.data import RollHeader
from rolls.pdf.fitting import wrap
from rolls.pdf.roll_lines import WIDTH_SAFETY
from rolls.pdf.text import clean, isolate, isolate_always, truncate

COVER_CLASS = "cover-area"
# The cover section is 250 mm high (roll.css); less 2 mm, as the sign: rounding in layout must
# not push the area onto a second page. Everything below fits at its longest, in every
# language (tests/rolls/test_cover.py renders absurd values); cover_area checks it anyway.
COVER_AREA = 248.0
WIDTH = layout.CONTENT_WIDTH
PT = layout.PT
DARK = "#1f2a3a"
QUIET = "#5b6473"
RULE = "#b8c0cc"
NORMAL = 1.16  # DejaVu Sans' own line (ascent to descent), in em

STATUS_TOP = 5.0  # mm above the status box
STATUS_PADDING = (1.8, 3.0)  # above and below the text, each side of it
STATUS_BORDER = 1.0 * PT
STATUS_LEADING = 1.3
# (size pt, lines) to try in turn; the last cuts what does not fit.
STATUS_SIZES = ((12.0, 2),)
KICKER_TOP = (18.0, 4.0)  # without a status, under one
# An election's name (200 characters at most) and a center's (300) are printed whole; smaller
# sizes take more lines, the block no taller.
ELECTION_SIZES = ((22.0, 3), (20.0, 3), (18.0, 3), (16.0, 3), (14.0, 4), (12.0, 5))
ELECTION_LEADING = 1.25
DATE_SIZES = ((12.0, 1), (12.0, 2))
FACTS_LABEL = 52.0  # the labels' column
FACTS_PADDING = 2.6
FACTS_RULE = 0.5 * PT
FACT_PT = 12.0
LABEL_SIZES = ((12.0, 1), (11.0, 1), (10.0, 1), (9.0, 1), (9.0, 2))
CENTER_SIZES = ((12.0, 3), (11.0, 3), (10.0, 3), (9.0, 4), (8.0, 5), (7.0, 6), (6.0, 7))
CODE_SIZES = ((12.0, 1), (10.0, 1), (10.0, 2))
PAGES_SIZES = ((12.0, 1), (12.0, 2))
STATION_PT = 18.0
DOOR_TOP = 14.0  # under the facts
DOOR_BORDER = 1.2 * PT
DOOR_RADIUS = 2.0
DOOR_PADDING = (6.0, 8.0, 7.0)  # top, sides, bottom
DOOR_LABEL_PT = 9.0
DOOR_STATION_PT = 24.0
DOOR_WORD = 16.0  # the FROM / TO column
DOOR_WORD_PT = 9.0
DOOR_LEADING = 1.3
# A name on the door: two lines down to 12 pt, three below; three lines of 11 pt or less are
# no taller than two of 16 pt, so the box keeps its height.
DOOR_NAME_SIZES = ((16.0, 2), (14.0, 2), (12.0, 2), (11.0, 3), (10.0, 3), (9.0, 3))
DOOR_NAME_GAP = 2.0


class CoverOverflow(RuntimeError):
    """The cover's text is taller than its area: it would run into the footer."""


def lines_in(
    text: str, width: float, sizes: Sequence[tuple[float, int]]
) -> tuple[float, tuple[str, ...]]:
    """*text* (cleaned) in lines *width* mm wide at the first (size, most lines) of *sizes*
    that holds it whole; else at the last, its last line cut with an ellipsis. Each line
    isolated (always, on a right-to-left cover: a Latin line's final hyphen stays at its end).
    """
    text = clean(text)
    wrapped = isolate_always if translation.get_language_bidi() else isolate
    for size, most in sizes:
        got = wrap(text, _em(width, size), most)
        if got is not None:
            return size, tuple(wrapped(line) for line in got)
    size, most = sizes[-1]
    got = wrap(text, _em(width, size), None) or [""]
    kept = [*got[: most - 1], truncate(" ".join(got[most - 1 :]), _em(width, size))]
    return size, tuple(wrapped(line) for line in kept)


def _em(width: float, size_pt: float) -> float:
    """*width* mm in em of *size_pt*, with the kerning allowance the rows use."""
    return width / (size_pt * PT * WIDTH_SAFETY)


def _height(lines: int, size_pt: float, leading: float) -> float:
    return lines * size_pt * leading * PT


class _Cover:
    """The pieces, rules and frames of a cover, placed top to bottom as they are added."""

    def __init__(self, rtl: bool):
        self.rtl = rtl
        self.pieces: list[placed.Piece] = []
        self.rules: list[placed.Rule] = []
        self.frames: list[placed.Frame] = []
        self.top = 0.0

    def spacing(self, em: float) -> float:
        return 0.0 if self.rtl else em  # letter spacing would break Arabic letters apart

    def block(self, lines, size, *, x=0.0, width=WIDTH, leading=NORMAL, **style) -> float:
        """Lines at *size* from the current top; their height (the top is not moved)."""
        height = _height(len(lines), size, leading)
        self.pieces.append(
            placed.Piece(tuple(lines), size, x, width, self.top, height, leading=leading, **style)
        )
        return height

    def fact(self, label: str, value, sizes=None, **style) -> None:
        """A facts row: the label, and its value (text fitted by *sizes*, or one line as it
        is), each starting on the row's first line; a rule under the row."""
        inner = self.top + FACTS_PADDING
        width = WIDTH - FACTS_LABEL
        label_size, label_lines = lines_in(label, FACTS_LABEL - 2, LABEL_SIZES)
        if sizes is None:
            value_size, value_lines = style.pop("size"), (value,)
        else:
            value_size, value_lines = lines_in(value, width, sizes)
        leading = style.pop("leading", NORMAL)
        first = _height(1, value_size, leading)
        self.top = inner
        label_height = _height(len(label_lines), label_size, NORMAL)
        # The label ends where the value's first line does (their baselines nearly meet).
        self.pieces.append(
            placed.Piece(
                label_lines,
                label_size,
                0.0,
                FACTS_LABEL - 2,
                inner,
                max(first, label_height),
                colour=QUIET,
                leading=NORMAL,
                bottom=True,
            )
        )
        height = self.block(
            value_lines, value_size, x=FACTS_LABEL, width=width, leading=leading, **style
        )
        self.top = inner + max(height, label_height) + FACTS_PADDING
        self.rules.append(placed.Rule(0.0, WIDTH, self.top, FACTS_RULE, RULE))
        self.top += FACTS_RULE


def cover_area(header: RollHeader, *, roll_pages: int) -> placed.PlacedText:
    """What the cover of *header*'s roll shows, to draw into its area (rendered in the roll's
    language: a right-to-left one mirrors it). ``roll_pages``: the pages after the cover."""
    cover = _Cover(translation.get_language_bidi())
    status = clean(header.set_status)
    if status:
        cover.top = STATUS_TOP
        pad, side = STATUS_PADDING
        inner = WIDTH - 2 * (side + STATUS_BORDER)
        size, lines = lines_in(status, inner, STATUS_SIZES)
        text = _height(len(lines), size, STATUS_LEADING)
        box = 2 * (STATUS_BORDER + pad) + text
        cover.frames.append(placed.Frame(0.0, WIDTH, cover.top, box, STATUS_BORDER, DARK))
        cover.top += STATUS_BORDER + pad
        cover.block(
            lines, size, x=side + STATUS_BORDER, width=inner, leading=STATUS_LEADING, colour=DARK
        )
        cover.top += text + pad + STATUS_BORDER + KICKER_TOP[1]
    else:
        cover.top = KICKER_TOP[0]
    cover.top += cover.block(
        (gettext("VOTER ROLL"),), 11.0, colour=QUIET, spacing=cover.spacing(0.25)
    )
    cover.top += 3.0
    size, lines = lines_in(header.election_name, WIDTH, ELECTION_SIZES)
    cover.top += cover.block(lines, size, leading=ELECTION_LEADING, colour=DARK) + 2.0
    # Translators: the polling day on the cover, a Django date format (weekday, day,
    # month, year): https://docs.djangoproject.com/en/5.2/ref/templates/builtins/#date
    day_format = pgettext("polling day date format", "l j F Y")
    polling_day = gettext("Polling day: %(date)s") % {
        "date": formats.date_format(header.polling_date, day_format)
    }
    size, lines = lines_in(polling_day, WIDTH, DATE_SIZES)
    cover.top += cover.block(lines, size) + 12.0

    cover.rules.append(placed.Rule(0.0, WIDTH, cover.top, FACTS_RULE, RULE))
    cover.top += FACTS_RULE
    cover.fact(gettext("Polling center"), header.center_name, CENTER_SIZES)
    cover.fact(gettext("Center code"), header.center_code, CODE_SIZES)
    cover.fact(
        gettext("Station"), str(header.station_number), size=STATION_PT, leading=1.0, bold=True
    )
    cover.fact(gettext("Registered voters"), str(header.voter_count), size=FACT_PT)
    total = roll_pages + 1
    pages = ngettext(
        "%(total)s (this cover and %(roll_pages)s roll page)",
        "%(total)s (this cover and %(roll_pages)s roll pages)",
        roll_pages,
    ) % {"total": total, "roll_pages": roll_pages}
    cover.fact(gettext("Pages"), pages, PAGES_SIZES)

    _door(cover, header)
    if cover.top > COVER_AREA:  # the sizes and lines above hold this off; never print over
        raise CoverOverflow(f"the cover's text is {cover.top:.1f} mm, its area {COVER_AREA} mm")
    return placed.PlacedText(cover.pieces, cover.rules, cover.frames, height=cover.top)


def _door(cover: _Cover, header: RollHeader) -> None:
    """The box to post at the station's door: the notice, the station, FROM and TO with the
    first and last names on the roll."""
    cover.top += DOOR_TOP
    door_top = cover.top
    pad_top, side, pad_bottom = DOOR_PADDING
    x = side + DOOR_BORDER
    inner = WIDTH - 2 * x
    cover.top += DOOR_BORDER + pad_top
    cover.top += cover.block(
        (gettext("POST AT THE STATION DOOR"),),
        DOOR_LABEL_PT,
        x=x,
        width=inner,
        colour=QUIET,
        spacing=cover.spacing(0.2),
    )
    cover.top += 4.0
    station = gettext("Station %(number)s") % {"number": header.station_number}
    cover.top += cover.block(
        (station,), DOOR_STATION_PT, x=x, width=inner, colour=DARK, bold=not cover.rtl
    )
    cover.top += 5.0
    words = (
        (pgettext("first name on the station door", "FROM"), header.first_voter),
        (pgettext("last name on the station door", "TO"), header.last_voter),
    )
    for word, name in words:
        size, lines = lines_in(name, inner - DOOR_WORD, DOOR_NAME_SIZES)
        first = _height(1, size, DOOR_LEADING)
        # The word sits on the name's first line, centred in it.
        cover.pieces.append(
            placed.Piece(
                (word,),
                DOOR_WORD_PT,
                x,
                DOOR_WORD,
                cover.top,
                first,
                colour=QUIET,
                spacing=cover.spacing(0.1),
                bold=not cover.rtl,
            )
        )
        height = cover.block(
            lines, size, x=x + DOOR_WORD, width=inner - DOOR_WORD, leading=DOOR_LEADING
        )
        cover.top += height + DOOR_NAME_GAP
    cover.top += pad_bottom + DOOR_BORDER
    cover.frames.append(
        placed.Frame(0.0, WIDTH, door_top, cover.top - door_top, DOOR_BORDER, DARK, DOOR_RADIUS)
    )
