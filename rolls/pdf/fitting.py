"""Fitting a long name into its row without dropping any of it.

A roll row is one 6 mm stripe with its signature box, and every page holds 40 of them: the
page a voter is on is computed from the row number alone (exports, find a voter, the page
counts planned before rendering). So a name too long for its column is not given a taller
row; it is made to fit the one it has:

1. the row's size (9 pt) when it fits, as almost every name does;
2. else one line, shrunk in half-point steps down to ``ONE_LINE_FLOOR_PT``;
3. else wrapped at spaces and hyphens (inside a word only when one word is wider than the
   column, between whole characters with their marks) into as many lines as the row holds
   at that size: two from 7 pt to 5.5 pt, three at ``FLOOR_PT``.

A 120-character name of any script (CJK letters are a full em each) fits at ``FLOOR_PT`` or
larger. Only longer text (a 500-character registry value, which no name is) goes below it,
still whole: nothing is ever cut.

fit_box is the same rule for a box of any size: the door sign's and the center list's names
(center_documents.py) shrink to floors of their own, then wrap within their box's height.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from rolls.pdf import layout
from rolls.pdf.text_widths import advances, text_width

ONE_LINE_FLOOR_PT = 7.0
FLOOR_PT = 5.0
STEP_PT = 0.5
SMALLEST_PT = 1.0  # below the floor only for text no name is long enough to need
LEADING = 1.12  # line pitch of a wrapped name, in its font size
ROW_PT = layout.ROW_HEIGHT / layout.PT
# After these a line may end (the space itself is dropped, a hyphen stays on the line).
BREAK_AFTER = frozenset(" -\u2010\u2011\u2012\u2013\u2014/\u3000")
# Never begin a line with these: they belong to the character before them.
JOINS_PREVIOUS = frozenset(["\u200d", "\u034f"])


@dataclass(frozen=True)
class FittedName:
    size_pt: float
    lines: tuple[str, ...]


def _sizes(start: float, stop: float) -> list[float]:
    count = round((start - stop) / STEP_PT)
    return [start - STEP_PT * i for i in range(count + 1)]


def fit_name(name: str, max_em: float, size_pt: float = layout.FONT_SIZE_PT) -> FittedName | None:
    """How to print *name* in a column *max_em* wide (in em of *size_pt*): None when it fits
    as it is, else the size and the lines that hold all of it."""
    if text_width(name) <= max_em:
        return None
    return fit_box(
        name,
        width_pt=max_em * size_pt,
        height_pt=ROW_PT,
        size_pt=size_pt - STEP_PT,
        one_line_floor_pt=ONE_LINE_FLOOR_PT,
    )


def fit_box(
    text: str,
    *,
    width_pt: float,
    height_pt: float,
    size_pt: float,
    one_line_floor_pt: float,
) -> FittedName:
    """*text* whole in a box *width_pt* by *height_pt*: on one line at the largest size from
    *size_pt* down to *one_line_floor_pt*; else wrapped at the largest size from that floor
    down whose lines (``LEADING`` apart) the box holds. Only text longer than any name goes
    below ``SMALLEST_PT``'s box, in as many lines as it takes: nothing is ever cut.

    The roll's rows (fit_name), the door sign and the center list (center_documents.py) fit their
    names with it; *width_pt* already allows for kerning (rows.WIDTH_SAFETY)."""
    width = text_width(text)
    for size in _sizes(size_pt, one_line_floor_pt):
        if width * size <= width_pt and size * LEADING <= height_pt:
            return FittedName(size, (text,))
    for size in _sizes(min(size_pt, one_line_floor_pt), SMALLEST_PT):
        count = math.floor(height_pt / (size * LEADING))
        if count < 1:
            continue
        wrapped = wrap(text, width_pt / size, count)
        if wrapped is not None:
            return FittedName(size, tuple(wrapped))
    # Text no registry name comes near: every line at the smallest size, however many.
    return FittedName(SMALLEST_PT, tuple(wrap(text, width_pt / SMALLEST_PT, None) or ()))


def wrap(text: str, capacity_em: float, max_lines: int | None) -> list[str] | None:
    """*text* in lines of at most *capacity_em*, or None if it needs more than *max_lines*."""
    lines: list[str] = []
    rest = text
    while rest:
        if max_lines is not None and len(lines) == max_lines:
            return None
        if text_width(rest) <= capacity_em:
            lines.append(rest)
            break
        cut = _break_at(rest, capacity_em)
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return lines


def _break_at(text: str, capacity_em: float) -> int:
    """Where the first line of *text* ends: after the last space or hyphen that leaves it
    within *capacity_em*, or inside the word between two whole characters."""
    used, fits = 0.0, 0
    for index, width in enumerate(advances(text)):
        if used + width > capacity_em:
            break
        used += width
        fits = index + 1
    for end in range(fits, 0, -1):
        if (
            text[end - 1] in BREAK_AFTER
            and text[:end].strip()
            and text_width(text[:end].rstrip()) <= capacity_em
        ):
            if text_width(_first_word(text[end:].lstrip())) <= capacity_em:
                return end
            break  # the next word is split wherever it goes: it starts on this line
    # One word wider than the line: break it between characters, never before a mark or a
    # joiner (they would be drawn on nothing), and measure again (a cut changes the shape
    # of an Arabic letter: a medial form becomes a wider final one).
    end = max(fits, 1)
    while end > 1 and (_attached(text, end) or text_width(text[:end]) > capacity_em):
        end -= 1
    while end < len(text) and _attached(text, end):
        end += 1  # a character wider than the whole line: it still goes whole
    return end


def _first_word(text: str) -> str:
    for index, char in enumerate(text):
        if char in BREAK_AFTER:
            return text[: index + 1].rstrip()
    return text


def _attached(text: str, index: int) -> bool:
    """Whether the character at *index* belongs to the one before it."""
    if index >= len(text):
        return False
    char = text[index]
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char in JOINS_PREVIOUS
        or text[index - 1] in JOINS_PREVIOUS
        or 0xFE00 <= ord(char) <= 0xFE0F  # variation selectors
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tone modifiers
    )
