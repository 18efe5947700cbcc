"""The text of the roll pages: one line per voter, its columns placed with spaces.

Each row is one line of text, drawn as one Pango line (painting.py): one line to shape and
draw is cheaper than three placed pieces. A name too long for its column is never cut: its
row becomes a ``FittedRow``, the row and voter numbers as usual and the name smaller, on up to
three lines inside the row (fitting.py says how). Row numbers are right-aligned with figure spaces
(as wide as a digit); the voter number column and the name column start where the station's
widest voter number ends, reached with spaces whose widths are known from the font (em and
hair spaces), so a station with letters in its voter numbers still lines up.

A right-to-left roll (Arabic) has the same columns measured from the right edge: each line is
written in drawing order (name, voter number, row number) and right-aligned, so the row
numbers end at the right edge with their last digits aligned. Bidi still works inside each
piece: an Arabic name runs right to left, and a name in mixed scripts is a first-strong
isolate (its first letter decides its direction). Why not a right-to-left paragraph and the
logical order: the columns are placed with spaces measured left to right, and one direction
for every line keeps the right-to-left roll as fast as the left-to-right one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from rolls.pdf import layout
from rolls.pdf.data import ROWS_PER_PAGE, RollVoter
from rolls.pdf.fitting import fit_name
from rolls.pdf.text import (
    FIGURE_SPACE,
    clean,
    display_name,
    isolate,
    isolate_always,
    pad_number,
    spaces,
)
from rolls.pdf.text_widths import char_width, text_width

COLUMN_GAP = "\u2003"  # em space, between row number and voter number
NAME_GAP = "\u2003\u2002"  # em and en space, before the name
# Kerning and shaping can make text a little wider than the sum of its advances.
WIDTH_SAFETY = 1.06
MIN_NAME_WIDTH = 40.0  # mm: about 20 letters, enough to tell voters apart


@dataclass(frozen=True)
class Columns:
    """Where the columns start, in mm from the left edge of the rows."""

    digits: int
    voter_em: float  # width given to voter numbers, in em of the row font
    number_right: float
    voter_number: float
    name: float
    name_max_em: float


@dataclass(frozen=True)
class FittedRow:
    """A row whose name is printed smaller than the row, on one line or more.

    ``numbers`` is the row number and the voter number as in a plain row (in drawing order,
    ending at the right edge on a right-to-left roll); ``name_at`` the distance of the name
    column from the row's starting edge (left, or right on a right-to-left roll), in mm;
    ``name_lines`` the name's lines, top to bottom, at ``size_pt``.
    """

    numbers: str
    name_lines: tuple[str, ...]
    size_pt: float
    name_at: float


Row = str | FittedRow


def columns_for(
    voter_count: int, voter_numbers: Sequence[str], widths: Sequence[float] | None = None
) -> Columns:
    """The columns for *voter_numbers* (*widths*: their text widths, when known)."""
    digits = max(3, len(str(voter_count)))
    number_em = digits * char_width(FIGURE_SPACE)
    voter_x = number_em + text_width(COLUMN_GAP)
    if widths is None:
        widths = [text_width(number) for number in voter_numbers]
    voter_em = max(widths, default=0.0)
    name_x = layout.TEXT_INSET + (voter_x + voter_em + text_width(NAME_GAP)) * layout.EM
    available = layout.SIGNATURE_X - layout.NAME_GAP - name_x
    if available < MIN_NAME_WIDTH:
        raise ValueError("the voter numbers are too wide to leave room for the names")
    return Columns(
        digits=digits,
        voter_em=voter_em,
        number_right=layout.TEXT_INSET + number_em * layout.EM,
        voter_number=layout.TEXT_INSET + voter_x * layout.EM,
        name=name_x,
        name_max_em=available / layout.EM / WIDTH_SAFETY,
    )


def heads_line(columns: Columns, *, rtl: bool = False) -> str:
    """Column titles as one line of text, placed like the rows' columns (positioned boxes for
    them would cost 5% of a station's time), in the active language."""
    mm_per_em = layout.HEADS_FONT_SIZE_PT * layout.PT
    bold = not rtl  # roll.css: right-to-left labels are regular

    def gap(from_mm: float, to_mm: float, text_em: float = 0.0) -> str:
        return spaces((to_mm - from_mm) / mm_per_em - text_em, bold=bold)

    room = (columns.name - columns.voter_number - 1.0) / mm_per_em
    # Translators: column titles of the roll, in capitals where the script has them.
    row, name, signature = gettext("No."), gettext("NAME"), gettext("SIGNATURE")
    labels = (gettext("VOTER NUMBER"), gettext("VOTER NO."))
    voter_label = next((label for label in labels if text_width(label, bold) < room), "")
    if rtl:  # a label in Latin letters must not pull its neighbours into a left-to-right run
        row, voter_label, name, signature = map(isolate_always, (row, voter_label, name, signature))
    signature_x = layout.SIGNATURE_X + layout.SIGNATURE_LABEL_INSET
    return (
        gap(layout.TEXT_INSET, columns.number_right, text_width(row, bold))
        + row
        + gap(columns.number_right, columns.voter_number)
        + voter_label
        + gap(columns.voter_number, columns.name, text_width(voter_label, bold))
        + name
        + gap(columns.name, signature_x, text_width(name, bold))
        + signature
    )


def roll_pages(
    voters: Sequence[RollVoter], *, rtl: bool = False
) -> tuple[Columns, list[list[Row]]]:
    """The columns, and the rows of each roll page (ROWS_PER_PAGE a page, the last shorter)."""
    numbers = [isolate(clean(voter.voter_number)) for voter in voters]
    widths = [text_width(number) for number in numbers]
    columns = columns_for(len(voters), numbers, widths)
    lines: list[Row] = []
    for voter, number, width in zip(voters, numbers, widths, strict=True):
        full = display_name(voter.family_name, voter.given_name)
        row = pad_number(voter.position, columns.digits)
        fitted = fit_name(full, columns.name_max_em)
        if fitted is not None:
            lines.append(
                FittedRow(
                    numbers=f"{number}{COLUMN_GAP}{row}" if rtl else f"{row}{COLUMN_GAP}{number}",
                    name_lines=tuple(map(isolate, fitted.lines)),
                    size_pt=fitted.size_pt,
                    name_at=columns.name,
                )
            )
            continue
        name = isolate(full)
        fill = spaces(columns.voter_em - width)
        if rtl:  # drawing order, left to right: the name ends where the voter number column does
            lines.append(f"{name}{NAME_GAP}{fill}{number}{COLUMN_GAP}{row}")
        else:
            lines.append(f"{row}{COLUMN_GAP}{number}{fill}{NAME_GAP}{name}")
    pages = [lines[i : i + ROWS_PER_PAGE] for i in range(0, len(lines), ROWS_PER_PAGE)]
    return columns, pages
