"""Widths of text in the roll's fonts, in em, to fit names to their column.

Each roll row is one line of text drawn as is (painting.py): nothing clips a long name, so
it has to be fitted to the column width before it is drawn (fitting.py: smaller, then
wrapped; header texts are cut, text.truncate). Counting characters would have to
assume the widest glyph (``W`` is almost 1 em) and cut ordinary long names; the fonts' own advance
widths let a name use the whole column while staying short of the signature box.

FONT_STACK is the one list of fonts: the stylesheet's font-family is made from it, so the
font measured here for a character is the one Pango draws it with (the first that has it).
Widths err on the wide side: each character is as wide as the widest glyph shaping can make
of it (fontdata.py), one that no listed font has counts as 1.5 em, a combining mark with
nothing to sit on gets the dotted circle shapers draw for it, and callers keep a margin for
kerning.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from rolls.pdf import cjk_common
from rolls.pdf.fontdata import FontWidths, read_widths

ARABIC_RANGES = (
    (0x0600, 0x06FF),
    (0x0750, 0x077F),
    (0x0870, 0x08FF),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFF),
)


@dataclass(frozen=True)
class StackFont:
    css_family: str  # the name in font-family
    family: str  # the installed family it draws with
    ranges: tuple[tuple[int, int], ...] | None = None  # the only characters it draws
    measured: bool = True  # False: East Asian wide characters, 1 em each, need no measuring


FONT_STACK = (
    # Arabic comes from Noto Sans Arabic, not from DejaVu Sans, which covers part of the script
    # only (a word split between two fonts loses its joining). It is an @font-face copy
    # restricted to the Arabic blocks, so its Latin digits do not replace DejaVu's, whose equal
    # widths align the columns.
    StackFont("Noto Sans Arabic Roll", "Noto Sans Arabic", ARABIC_RANGES),
    StackFont("DejaVu Sans", "DejaVu Sans"),
    StackFont("Noto Sans", "Noto Sans"),
    # The CJK characters in everyday use, cut from the first CJK font (cjk_common.py): the
    # same glyphs, a fraction of the whole font to subset for each document.
    StackFont(cjk_common.FAMILY, cjk_common.SOURCE_FAMILY, measured=False),
    *(
        StackFont(f"Noto Sans CJK {region}", f"Noto Sans CJK {region}", measured=False)
        for region in ("JP", "SC", "KR", "TC")
    ),
    *(
        StackFont(f"Noto Sans {script}", f"Noto Sans {script}")
        for script in (  # noqa: SIM905 - reads better as one string
            "Hebrew Armenian Georgian Ethiopic Devanagari Bengali Gurmukhi Gujarati Tamil"
            " Telugu Kannada Malayalam Sinhala Thai Lao Khmer Myanmar"
        ).split()
    ),
)
PRIMARY = FONT_STACK[1]
UNKNOWN_WIDTH = 1.5
DOTTED_CIRCLE = "\u25cc"
# Zero-width space and joiners, word joiner and invisible operators, byte order mark, tags.
DEFAULT_IGNORABLE = frozenset(
    [*range(0x200B, 0x2010), *range(0x2060, 0x2065), 0xFEFF, *range(0xE0000, 0xE0080)]
)
JOIN_CAUSING = frozenset(["\u0640", "\u200d"])  # tatweel, zero width joiner
# Directional isolates (LRI, RLI, FSI, PDI) draw nothing: they never choose a line's font.
ISOLATES = frozenset("\u2066\u2067\u2068\u2069")


def in_ranges(char: str, ranges) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


@functools.cache
def font_widths(family: str, bold: bool = False) -> FontWidths | None:
    return read_widths(family, bold)


@functools.lru_cache(maxsize=16384)
def drawing_font(char: str) -> StackFont | None:
    """The font of the stack that draws *char* (None: none has it, a system fallback will)."""
    wide = unicodedata.east_asian_width(char) in "WF"
    for font in FONT_STACK:
        if font.ranges is not None and not in_ranges(char, font.ranges):
            continue
        if not font.measured:
            if wide:
                return font
            continue
        known = font_widths(font.family)
        if known is not None and ord(char) in known.widths:
            return font
    return None


def _measured(char: str, bold: bool) -> FontWidths | None:
    font = drawing_font(char)
    if font is None or not font.measured:
        return None
    return font_widths(font.family, bold) or font_widths(font.family)


@functools.lru_cache(maxsize=16384)
def char_width(char: str, bold: bool = False) -> float:
    """Advance of *char* in em, on its own (see advances() for text)."""
    font = drawing_font(char)
    if font is None:
        if ord(char) in DEFAULT_IGNORABLE:
            return 0.0  # shaping hides them
        if unicodedata.east_asian_width(char) in "WF":
            return 1.0
        return UNKNOWN_WIDTH
    if not font.measured:
        return 1.0  # CJK fonts draw wide characters on a square em
    known = _measured(char, bold)
    code = ord(char)
    if known is None or code not in known.widths:
        known = font_widths(font.family)
    return max(known.widths[code], known.forms.get(code, {}).get("isol", 0.0))


# The scripts whose letters take positional forms (init, medi, fina) in some font: the
# cursive ones, Arabic (with Syriac, Thaana, N'Ko, Samaritan and Mandaic beside it, and its
# presentation forms), Mongolian, Phags-pa, Manichaean, Hanifi Rohingya, Sogdian and Adlam,
# and Bengali (two vowel signs in Noto Sans Bengali). Text without them has none to look up;
# a test reads every font of the stack and holds this to what they have.
MAY_JOIN = re.compile(
    "[\u0600-\u08ff\u0980-\u09ff\u1800-\u18af\ua840-\ua87f\ufb50-\ufdff\ufe70-\ufeff"
    "\U00010ac0-\U00010aff\U00010d00-\U00010d3f\U00010f30-\U00010f6f\U0001e900-\U0001e95f]"
)


def _joining_forms(text: str, bold: bool) -> dict[int, float]:
    """Index -> width, for the letters of *text* that join their neighbours (Arabic)."""
    if not MAY_JOIN.search(text):
        return {}  # most non-ASCII names (é, ü, Cyrillic, CJK): nothing joins
    forms = {}
    for index, char in enumerate(text):
        known = _measured(char, bold)
        if known is not None and ord(char) in known.forms:
            forms[index] = known.forms[ord(char)]
    if not forms:
        return {}

    def joins(index: int, step: int, side: tuple[str, str]) -> bool:
        # Marks are transparent to joining: look past them.
        index += step
        while 0 <= index < len(text) and unicodedata.category(text[index]) == "Mn":
            index += step
        if not 0 <= index < len(text):
            return False
        return text[index] in JOIN_CAUSING or bool(set(side) & set(forms.get(index, ())))

    out = {}
    for index, available in forms.items():
        before = bool({"fina", "medi"} & set(available)) and joins(index, -1, ("init", "medi"))
        after = bool({"init", "medi"} & set(available)) and joins(index, 1, ("fina", "medi"))
        form = "medi" if before and after else "fina" if before else "init" if after else "isol"
        out[index] = available.get(form, char_width(text[index], bold))
    return out


def advances(text: str, bold: bool = False) -> list[float]:
    """Width of each character of *text* in em, in context."""
    out = [char_width(char, bold) for char in text]
    if text.isascii():
        return out  # no letter that joins, no combining mark: each advance stands alone
    for index, width in _joining_forms(text, bold).items():
        out[index] = width
    base = False
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category in ("Mn", "Mc", "Me"):
            if not base:
                out[index] += char_width(DOTTED_CIRCLE, bold)
        else:
            base = category[0] not in "ZCP"
    return out


def text_width(text: str, bold: bool = False) -> float:
    """Width of *text* in em (sum of advances, no kerning)."""
    return sum(advances(text, bold))


def css_font_family() -> str:
    """The stack as CSS font-family (without the cut CJK font when it could not be made)."""
    families = [
        font.css_family
        for font in FONT_STACK
        if font.css_family != cjk_common.FAMILY or cjk_common.common_font() is not None
    ]
    return ", ".join(f'"{family}"' for family in families) + ", sans-serif"


def css_unicode_range(ranges) -> str:
    return ", ".join(f"U+{low:04X}-{high:04X}" for low, high in ranges)
