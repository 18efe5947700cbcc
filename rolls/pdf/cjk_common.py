"""The CJK characters in everyday use, cut from the CJK font into a font of their own, so
that a document with one CJK name does not subset the whole CJK font.

WeasyPrint embeds a subset of each font a document uses, made by HarfBuzz with the glyph ids
kept, so its cost grows with the font's glyph count: Noto Sans CJK has 65,535 glyphs, and
subsetting it cost ~30 ms a document here, more than the rest of a door sign. Names almost
always use the characters of the national standard sets: GB 2312 (Chinese), JIS X 0208
(Japanese) and KS X 1001 (Korean, with its hanja). Those ~14,000 characters, with kana,
CJK punctuation, full-width forms and the spaces, are cut once from the installed Noto Sans
CJK JP face (HarfBuzz's subsetter, through uharfbuzz, ~0.15 s) into a font of ~13,700
glyphs, kept in a cache file, and put ahead of the whole CJK fonts in the stack
(text_widths.FONT_STACK). The outlines and metrics are the face's own; a character outside
the sets is drawn from the whole font, as before.

What is left out: the alternate forms the face gives other languages (its ``locl``
lookups). The documents are never in a CJK language, so those forms were not drawn before.

Nothing here is needed: without uharfbuzz, the installed face or a writable cache folder,
:func:`common_font` answers None, the family is left out of the stylesheets and the whole
font draws every CJK character.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from rolls.pdf.fontdata import DEFAULT_FEATURES, font_location

try:
    import uharfbuzz as hb
except ImportError:  # a locked dependency; without it the whole font draws CJK names
    hb = None

logger = logging.getLogger(__name__)

FAMILY = "Noto Sans CJK Common Roll"  # the name in font-family and @font-face
SOURCE_FAMILY = "Noto Sans CJK JP"  # the first CJK font of the stack: the same glyphs
# The national sets, as Python's codecs know them: every two-byte code of each decoded.
STANDARD_SETS = (
    ("gb2312", range(0xB0, 0xF8)),  # GB 2312's hanzi rows (16-87)
    ("euc_jp", range(0xA1, 0xFF)),  # JIS X 0208
    ("euc_kr", range(0xA1, 0xFF)),  # KS X 1001
)
BLOCKS = (
    # Spaces: Pango never changes fonts for a space (it takes every font to have one), so a
    # space between two CJK characters ("山田 太郎") is drawn from this font, and without its
    # own it printed a missing-glyph box. The ASCII and no-break spaces, the typographic ones
    # (the rows' column gaps, after a CJK name on a right-to-left roll) and the narrow ones.
    (0x0020, 0x0020),
    (0x00A0, 0x00A0),
    (0x2000, 0x200A),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x30FF),  # CJK symbols and punctuation, hiragana, katakana
    (0x3130, 0x318F),  # Hangul compatibility jamo
    (0xFF00, 0xFFEF),  # half-width and full-width forms
)
# The lookups shaping applies by default (fontdata.DEFAULT_FEATURES), less ``locl``, and
# the positioning ones.
FEATURES = (DEFAULT_FEATURES - {"locl"}) | {"kern", "mark", "mkmk", "palt"}


@functools.cache
def characters() -> frozenset[int]:
    """Code points of the standard sets and blocks (~14,000)."""
    found: set[int] = set()
    for codec, leads in STANDARD_SETS:
        for lead in leads:
            for trail in range(0xA1, 0xFF):
                try:
                    text = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if len(text) == 1:
                    found.add(ord(text))
    for low, high in BLOCKS:
        found.update(range(low, high + 1))
    return frozenset(found)


def cache_dir() -> Path:
    """Where the cut font is kept: the var folder's ``fonts`` (one file per source font and
    version of this cut), or the temporary folder outside Django."""
    try:
        return Path(settings.VAR_DIR) / "fonts"
    except ImproperlyConfigured:  # outside Django: a benchmark or a script
        return Path(tempfile.gettempdir()) / "rolls-fonts"


def _cut(source: str, index: int) -> bytes:
    face = hb.Face(hb.Blob.from_file_path(source), index)
    plan = hb.SubsetInput()
    plan.unicode_set.update(characters())
    plan.layout_feature_tag_set.clear()
    plan.layout_feature_tag_set.update(
        int.from_bytes(tag.encode("ascii").ljust(4), "big") for tag in sorted(FEATURES)
    )
    cut = hb.subset(face, plan)
    if cut is None:
        raise ValueError(f"HarfBuzz could not subset {source} (face {index})")
    return cut.blob.data


def _usable(path: Path) -> bool:
    """The file is there and HarfBuzz reads it whole: its character map, and the outline of
    a character (a truncated or overwritten file fails one or the other and is cut again)."""
    if not path.is_file():
        return False
    font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
    glyph = font.get_nominal_glyph(ord("一"))
    return (
        glyph is not None
        and font.get_glyph_extents(glyph) is not None
        and len(font.face.unicodes) >= 0.9 * len(characters())
    )


@functools.cache
def common_font() -> Path | None:
    """The cut font's file, made on first use in this process (or by another before it), or
    None when it cannot be made (why is logged once)."""
    location = font_location(SOURCE_FAMILY)
    if location is None:
        logger.warning("%s is not installed: no CJK font is cut", SOURCE_FAMILY)
        return None
    if hb is None:
        logger.warning("uharfbuzz is not installed: CJK names are drawn from the whole font")
        return None
    source, index = location
    try:
        stat = os.stat(source)
        made_from = (source, index, stat.st_size, stat.st_mtime_ns, hb.__version__)
        key = "|".join(map(str, (*made_from, *sorted(FEATURES), *sorted(characters()))))
        path = cache_dir() / f"cjk-common-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"
        if _usable(path):
            return path
        data = _cut(source, index)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed: a process reading it meanwhile never sees a part.
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as out:
            out.write(data)
        os.replace(out.name, path)
        return path
    except Exception as error:  # an optional speed-up: never a reason to fail a document
        logger.warning("CJK names are drawn from the whole font: %s", error)
        return None


def font_face_rule() -> str:
    """The @font-face rule for the stylesheets, or nothing without the cut font."""
    path = common_font()
    if path is None:
        return ""
    return f'@font-face {{ font-family: "{FAMILY}"; src: url("{path.as_uri()}"); }}'
