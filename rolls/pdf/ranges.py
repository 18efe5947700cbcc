"""What a door sign and a center list post: each station's name range (a range per script
where its names are in several), the center they belong to, and names fitted whole into
the boxes they are printed in (fitting.fit_box: smaller, then wrapped, never cut)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import translation

from rolls.pdf import layout
from rolls.pdf.fitting import fit_box
from rolls.pdf.roll_lines import WIDTH_SAFETY
from rolls.pdf.text import clean, isolate, isolate_always

# A line box can come out taller than its font size times LEADING where fonts with taller
# ascents (Arabic, CJK) share it: fitted names use this share of their box's height.
HEIGHT_SLACK = 0.9


@dataclass(frozen=True)
class NameRange:
    """The first and the last name of a range, as posted."""

    first: str
    last: str


@dataclass(frozen=True)
class StationRange:
    """Where a station's voters begin and end, as posted: "Garcia" or, where the next (or
    previous) station begins (or ends) with the same family name, "Garcia, Maria".

    ``by_script``: where its voters' names are in several scripts, the range within each
    (the first and the last name of that script in the roll's order), so that a voter can
    tell whether their name is inside without knowing how the scripts are ordered."""

    number: int
    voters: int
    first: str
    last: str
    by_script: tuple[NameRange, ...] = ()

    def ranges(self) -> tuple[NameRange, ...]:
        if len(self.by_script) > 1:
            return self.by_script
        return (NameRange(self.first, self.last),)


@dataclass(frozen=True)
class CenterHeader:
    election_name: str
    polling_date: datetime.date
    center_code: str
    center_name: str
    run_id: int
    generated_at: datetime.datetime | None = None  # the run's start, as on its rolls
    fingerprint: str = ""  # the center's split
    language: str = ""  # an election language code; empty: the console's default
    purpose: str = ""  # what the run was generated for, as its rolls print it


@dataclass(frozen=True)
class Fitted:
    """A text fitted whole into its box: lines joined by newlines (the stylesheet keeps
    them, ``white-space: pre``), each isolated, and its CSS font size."""

    text: str
    size: str

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(self.text.split("\n"))

    @property
    def size_pt(self) -> float:
        return float(self.size.removesuffix("pt"))


def fitted(text: str, *, width: float, height: float, size_pt: float, floor_pt: float) -> Fitted:
    """*text* in a box *width* by *height* mm: smaller down to *floor_pt*, then wrapped; never
    cut (rolls/pdf/fitting.py)."""
    fit = fit_box(
        clean(text),
        width_pt=width / layout.PT / WIDTH_SAFETY,
        height_pt=height * HEIGHT_SLACK / layout.PT,
        size_pt=size_pt,
        one_line_floor_pt=floor_pt,
    )
    # On a right-to-left page even a Latin line is isolated, or the hyphen it ends with
    # would be drawn at its left.
    wrap = isolate_always if translation.get_language_bidi() else isolate
    return Fitted("\n".join(wrap(line) for line in fit.lines), f"{fit.size_pt:.1f}pt")
