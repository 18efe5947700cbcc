"""A number cell's text as the spreadsheet shows it, for the formats that can be shown exactly.

A voter number typed as ``0000000001`` and stored by Excel as the number 1 with the format
``0000000010`` must be read as ``0000000001``: read as ``1`` it is another voter (a whole
register was once dropped that way). Digit placeholders (``0`` and ``#``), a thousands
separator, fixed decimals, quoted or escaped literal text and the sign sections are shown
here exactly as Excel shows them. Anything else (scientific, fractions, percentages,
currencies, padding, colours or conditions, ``General`` mixed with other text) is not
reproduced: :func:`number_as_shown` answers ``None`` and the reader refuses the cell rather
than guess.
"""

from __future__ import annotations

import decimal
import re

GENERAL_FORMATS = ("", "general", "@")
# Literal characters Excel shows without quotes in a number format (``$`` excepted: it is a
# currency, refused like any other).
BARE_LITERALS = set("-+() :")
# A quoted string, an escaped character, or one character.
PIECE = re.compile(r'"[^"]*"|\\.|.', re.DOTALL)


def _sections(code: str) -> list[str]:
    sections, current = [], ""
    for piece in PIECE.findall(code):
        if piece == ";":
            sections.append(current)
            current = ""
        else:
            current += piece
    return [*sections, current]


def _parse(section: str) -> tuple[list[str], list[str], bool] | None:
    """(integer-part pieces, decimal-part pieces, thousands grouping), or None when the
    section holds anything that cannot be shown exactly. A piece is ``0``, ``#`` or a
    literal text."""
    integer: list[str] = []
    decimals: list[str] = []
    grouping = False
    part = integer
    for piece in PIECE.findall(section):
        if piece in ("0", "#"):
            part.append(piece)
        elif piece == "." and part is integer:
            part = decimals
        elif piece == "," and part is integer:
            grouping = True
        elif piece.startswith('"'):
            part.append(piece[1:-1])
        elif piece.startswith("\\"):
            part.append(piece[1:])
        elif piece in BARE_LITERALS:
            part.append(piece)
        else:
            return None
    placeholders = [t for t in integer if t in ("0", "#")]
    if not placeholders and not decimals:
        return None  # literal text only: Excel shows no number at all
    if grouping:
        # A separator between placeholders only (a trailing one divides by 1000), and no
        # literal among the digits it groups.
        stripped = section.replace('"', "")
        if re.search(r",(?![0#])", stripped.split(".")[0]) or len(placeholders) != len(integer):
            return None
    return integer, decimals, grouping


def _fill(pieces: list[str], digits: str) -> str:
    """Digits into the integer placeholders from the right; digits left over go before the
    leftmost placeholder, as Excel does."""
    out: list[str] = []
    remaining = digits.lstrip("0")
    leftmost = next((i for i, t in enumerate(pieces) if t in ("0", "#")), None)
    for index in range(len(pieces) - 1, -1, -1):
        piece = pieces[index]
        if piece in ("0", "#"):
            if remaining:
                out.append(remaining[-1])
                remaining = remaining[:-1]
            elif piece == "0":
                out.append("0")
            if index == leftmost and remaining:
                out.append(remaining[::-1])
                remaining = ""
        else:
            out.append(piece[::-1])
    return "".join(out)[::-1]


def number_as_shown(value: int | float, code: str) -> str | None:
    """The text Excel shows for ``value`` under the number format ``code``; ``None`` when the
    format cannot be shown exactly. General and text (``@``) read as the number itself."""
    if code.strip().lower() in GENERAL_FORMATS:
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    sections = _sections(code)
    if len(sections) > 4:
        return None
    negative = value < 0
    if value == 0 and len(sections) >= 3:
        section, sign = sections[2], ""
    elif negative and len(sections) >= 2:
        section, sign = sections[1], ""
    else:
        section, sign = sections[0], "-" if negative else ""
    parsed = _parse(section)
    if parsed is None:
        return None
    integer, decimals, grouping = parsed
    places = len([t for t in decimals if t in ("0", "#")])
    # The shortest text that reads back as the stored double, rounded as Excel rounds.
    amount = decimal.Decimal(repr(abs(value)) if isinstance(value, float) else abs(value))
    rounded = amount.quantize(decimal.Decimal(1).scaleb(-places), decimal.ROUND_HALF_UP)
    whole, _, fraction = f"{rounded:f}".partition(".")
    shown = _fill(integer, whole)
    if grouping and shown:
        head = len(shown) % 3 or 3
        shown = ",".join([shown[:head], *(shown[i : i + 3] for i in range(head, len(shown), 3))])
    if decimals:
        fraction_text, digits = "", list(fraction.ljust(places, "0"))
        for piece in decimals:
            if piece in ("0", "#"):
                fraction_text += digits.pop(0)
            else:
                fraction_text += piece
        # Optional trailing decimals (``#``) that are zero are not shown.
        optional = [t for t in decimals if t in ("0", "#")]
        while optional and optional[-1] == "#" and fraction_text.endswith("0"):
            fraction_text, optional = fraction_text[:-1], optional[:-1]
        shown += "." + fraction_text
    return sign + shown
