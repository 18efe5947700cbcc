"""Turning registry strings into text that is safe to lay out on one roll line.

HTML escaping is the template's job (Django autoescape). What it cannot do is keep a name on
its line and in its column: a newline would end the row's line, a bidi override
would reorder the voter number next to it, and a 500-character name would run through the
signature box. Those are handled here, before the template sees the text.
"""

from __future__ import annotations

import unicodedata

from fontTools import unicodedata as script_data

from rolls.pdf.text_widths import advances, char_width, text_width

ELLIPSIS = "\u2026"
FIGURE_SPACE = "\u2007"
FSI, PDI = "\u2068", "\u2069"  # first strong isolate / pop directional isolate
LRI = "\u2066"  # left-to-right isolate

# Embeddings, overrides, isolates and marks: a name must not carry its own directional
# formatting, or it could escape its isolate and reorder the columns beside it.
# U+206A-U+206F are the deprecated shaping and symmetric-swapping controls.
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x2070)])
# Prepended concatenation marks (Arabic number sign, Kaithi number sign, ...) extend over the
# characters that follow them: at the end of a center name they swallow the voter number
# printed next, in the drawing and in the text a search reads back. No name needs one.
PREPENDED_CONCATENATION_MARKS = frozenset(
    [*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD]
)
RTL_CLASSES = frozenset(["R", "AL", "AN"])
# Scripts that belong to no one writing system: digits, punctuation, combining marks.
NO_SCRIPT = frozenset(["Zyyy", "Zinh", "Zzzz"])
# More combining marks than any orthography stacks on one letter ("Zalgo" text) would be
# drawn over the rows above and below.
MAX_MARKS_PER_CHARACTER = 4


def clean(text: str) -> str:
    """One line of visible text: controls become spaces, bidi controls are dropped."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split())  # most names: nothing to normalise or remove
    out: list[str] = []
    marks = 0
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if code in BIDI_CONTROLS or code in PREPENDED_CONCATENATION_MARKS:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            char = " "  # a newline or tab separated two words: keep them apart
        elif category == "Cs":
            continue  # a lone surrogate cannot even be encoded into the PDF
        elif category in ("Co", "Cn"):
            char = "\ufffd"  # no font draws it; show that something was there
        if category in ("Mn", "Me"):
            marks += 1
            if marks > MAX_MARKS_PER_CHARACTER:
                continue
        else:
            marks = 0
        out.append(char)
    # Collapsing also turns other Unicode spaces (no-break, ideographic) into plain ones.
    return " ".join("".join(out).split())


def isolate(text: str) -> str:
    """*text* wrapped so that its direction (an Arabic name) cannot reorder the rest of the line.

    Only right-to-left text needs it: without R, AL or AN characters (and with explicit
    formatting removed by clean()) every character of a left-to-right line resolves to an even
    level and stays in place. Leaving the rest alone keeps Pango's work per line down.
    """
    if text.isascii():
        return text  # no ASCII character is R, AL or AN
    if any(unicodedata.bidirectional(char) in RTL_CLASSES for char in text):
        return f"{FSI}{text}{PDI}"
    return text


def isolate_always(text: str, direction: str = "auto") -> str:
    """*text* as an isolate whatever it holds: on a right-to-left roll even a Latin name must
    not join the Latin voter number beside it into one left-to-right run. ``direction``:
    "ltr" for a voter number, "auto" (first strong character) for a name."""
    return f"{LRI if direction == 'ltr' else FSI}{text}{PDI}" if text else text


def display_name(family_name: str, given_name: str) -> str:
    """ "Family, Given" as on the station's door; either part may be missing."""
    return ", ".join(part for part in (clean(family_name), clean(given_name)) if part)


def truncate(text: str, max_em: float) -> str:
    """*text* cut to at most *max_em* (in em of the row font), ending with an ellipsis if cut."""
    widths = advances(text)
    if sum(widths) <= max_em:
        return text
    budget = max_em - char_width(ELLIPSIS)
    used = 0.0
    end = 0
    for end, width in enumerate(widths):  # noqa: B007 - end is read after the loop
        if used + width > budget:
            break
        used += width
    cut = text[:end]
    # Cutting changes the shape of the last letter (a medial Arabic letter becomes a final
    # one, up to three times as wide): measure again until it fits.
    while cut and (
        unicodedata.category(cut[-1]) == "Cf"  # a joiner would fuse with the ellipsis
        or cut[-1].isspace()
        or text_width(cut) > budget
    ):
        cut = cut[:-1]
    return cut + ELLIPSIS


def spaces(width_em: float, bold: bool = False) -> str:
    """Blank text about *width_em* wide (within 0.1 em), to place text at a known x."""
    if width_em <= 0:
        return ""
    ems, rest = divmod(width_em, 1.0)
    return "\u2003" * int(ems) + "\u200a" * round(rest / char_width("\u200a", bold))


def pad_number(value: int, digits: int) -> str:
    """*value* right-aligned in *digits* digit widths (figure spaces are as wide as digits)."""
    return str(value).rjust(digits, FIGURE_SPACE)


def name_script(name: str) -> str:
    """The ISO 15924 code of the script *name* is written in ("Latn", "Cyrl", "Arab",
    "Hani"...): that of its first letter, which is what places it in the roll's order (ICU
    collation sorts each script as one block). "Zyyy" when it has no letter of any script.
    fontTools (installed with WeasyPrint) carries Unicode's script table."""
    for char in name:
        script = script_data.script(char)
        if script not in NO_SCRIPT:
            return script
    return "Zyyy"
