"""Advance widths read from installed font files (fontconfig finds them, fontTools reads them).

A character's width is that of the widest glyph default shaping can turn it into: the
substitutions of the features HarfBuzz applies by default are followed (optional ones such as
``aalt`` or stylistic sets are not), so Indic half forms or Arabic contextual alternates are
counted. Arabic joining forms are kept apart, by form, since a letter takes only one of them
and the widest (an initial beh is narrow, an isolated one twice as wide) would cut Arabic
names far too early.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

JOINING_FORMS = ("isol", "init", "medi", "fina")
# GSUB features shapers apply without being asked (OpenType spec, HarfBuzz's shapers).
DEFAULT_FEATURES = frozenset(
    (  # noqa: SIM905 - a list of four-letter tags reads better as one string
        "ccmp locl rlig liga clig calt rclt med2 fin2 fin3 nukt akhn rphf rkrf pref blwf abvf"
        " half pstf vatu cjct pres abvs blws psts haln ljmo vjmo tjmo"
    ).split()
)


@dataclass(frozen=True)
class FontWidths:
    family: str
    widths: dict[int, float]  # code point -> widest advance, in em
    forms: dict[int, dict[str, float]] = field(default_factory=dict)  # joining form -> em


def font_location(family: str, bold: bool = False) -> tuple[str, int] | None:
    """Path and face index (in a font collection) of the installed font for *family*, or
    None if fontconfig would substitute another family."""
    if shutil.which("fc-match") is None:
        return None
    pattern = f"{family}:bold" if bold else family
    try:
        out = subprocess.run(
            ["fc-match", "--format=%{family}\n%{index}\n%{file}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families, index, path = out.split("\n", 2)
    if family.lower() not in (name.strip().lower() for name in families.split(",")):
        return None
    path = path.strip()
    return (path, int(index or 0)) if path else None


def font_file(family: str, bold: bool = False) -> str | None:
    """Path of the installed font for *family*, or None if fontconfig would substitute one."""
    location = font_location(family, bold)
    return location[0] if location else None


def _nested_lookups(table) -> set[int]:
    """Lookups a contextual substitution subtable applies (in any of its formats)."""
    found: set[int] = set()
    todo = [table]
    while todo:
        item = todo.pop()
        if isinstance(item, list):
            todo.extend(item)
        elif hasattr(item, "LookupListIndex") and hasattr(item, "SequenceIndex"):
            found.add(item.LookupListIndex)
        elif hasattr(item, "__dict__"):
            todo.extend(vars(item).values())
    return found


def _feature_lookups(gsub) -> dict[str, set[int]]:
    """Feature tag -> every lookup it applies, directly or from a contextual lookup."""
    lookups = gsub.LookupList.Lookup or []
    out: dict[str, set[int]] = {}
    for record in gsub.FeatureList.FeatureRecord if gsub.FeatureList else []:
        seen = set(record.Feature.LookupListIndex)
        todo = list(seen)
        while todo:
            for subtable in lookups[todo.pop()].SubTable:
                subtable = getattr(subtable, "ExtSubTable", subtable)
                if "Context" in type(subtable).__name__:
                    for index in _nested_lookups(subtable) - seen:
                        seen.add(index)
                        todo.append(index)
        out.setdefault(record.FeatureTag, set()).update(seen)
    return out


def _substitutions(gsub, indices) -> dict[str, list[tuple[str, ...]]]:
    """Glyph -> what the given lookups can put in its place (one glyph, or a sequence)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    lookups = gsub.LookupList.Lookup or []
    for index in sorted(indices):
        for subtable in lookups[index].SubTable:
            subtable = getattr(subtable, "ExtSubTable", subtable)
            kind = type(subtable).__name__
            if kind == "SingleSubst":
                for glyph, form in subtable.mapping.items():
                    out.setdefault(glyph, []).append((form,))
            elif kind == "MultipleSubst":
                for glyph, sequence in subtable.mapping.items():
                    out.setdefault(glyph, []).append(tuple(sequence))
            elif kind == "AlternateSubst":
                for glyph, forms in subtable.alternates.items():
                    out.setdefault(glyph, []).extend((form,) for form in forms)
    return out


class _Widest:
    """Widest advance (font units) a glyph can end up with through the given substitutions."""

    def __init__(self, advances, substitutions):
        self.advances = advances
        self.substitutions = substitutions
        self.memo: dict[str, int] = {}
        self.active: set[str] = set()

    def __call__(self, glyph: str) -> int:
        if glyph in self.memo:
            return self.memo[glyph]
        if glyph in self.active:  # a substitution cycle
            return self.advances[glyph][0]
        self.active.add(glyph)
        best = self.advances[glyph][0]
        for sequence in self.substitutions.get(glyph, ()):
            best = max(best, sum(map(self, sequence)))
        self.active.discard(glyph)
        self.memo[glyph] = best
        return best


def read_widths(family: str, bold: bool = False) -> FontWidths | None:
    path = font_file(family, bold)
    if path is None:
        logger.warning("Font %r not found: text it draws is cut more than needed", family)
        return None
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(path, lazy=True, fontNumber=0)
        units = font["head"].unitsPerEm
        cmap = font.getBestCmap()
        by_feature: dict[str, set[int]] = {}
        gsub = font["GSUB"].table if "GSUB" in font else None
        if gsub is not None and gsub.LookupList:
            by_feature = _feature_lookups(gsub)
        default = set().union(*(by_feature.get(tag, set()) for tag in DEFAULT_FEATURES))
        widest = _Widest(font["hmtx"].metrics, _substitutions(gsub, default) if gsub else {})
        widths = {code: widest(glyph) / units for code, glyph in cmap.items()}
        forms: dict[int, dict[str, float]] = {}
        for tag in JOINING_FORMS:
            if tag not in by_feature:
                continue
            mapping = _substitutions(gsub, by_feature[tag])
            for code, glyph in cmap.items():
                for sequence in mapping.get(glyph, ()):
                    entry = forms.setdefault(code, {})
                    entry[tag] = max(sum(map(widest, sequence)) / units, entry.get(tag, 0.0))
    except Exception:  # a broken font file must not stop rolls, only make cuts cruder
        logger.warning("Could not read font %r at %s", family, path, exc_info=True)
        return None
    return FontWidths(family, widths, forms)
