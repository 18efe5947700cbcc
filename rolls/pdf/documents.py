"""The other documents of a center's set: a door sign per station, a list per center.

Each is its own small template and stylesheet (templates/rolls/sign.html, center_list.html,
documents.css), rendered by WeasyPrint like the roll. Both say only where voters go (name
ranges and counts), so they are built from the split's station ranges, not from its rows.
Strings are marked for translation and rendered in the election's language when one is
given.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import translation

from rolls.pdf import metrics, painting
from rolls.pdf.data import RenderedRoll, expected_pages
from rolls.pdf.render import (
    RollLayoutError,
    fit_text,
    page_stamps_for,
    provenance_line,
    thread_stylesheet,
    with_purpose,
)
from rolls.pdf.stamp import Stamp
from rolls.pdf.text import clean

SIGN_TEMPLATE = "rolls/sign.html"
LIST_TEMPLATE = "rolls/center_list.html"
STYLESHEET = "rolls/documents.css"
# Rows of a center list page: large enough to read standing at the entrance.
STATIONS_PER_LIST_PAGE = 15


@dataclass(frozen=True)
class StationRange:
    """Where a station's voters begin and end, as posted: "Garcia" or, where the next (or
    previous) station begins (or ends) with the same family name, "Garcia, Maria"."""

    number: int
    voters: int
    first: str
    last: str


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


def list_pages(stations: int) -> int:
    """Pages of a center list of ``stations`` stations (at least one)."""
    return max(1, -(-stations // STATIONS_PER_LIST_PAGE))


def center_set_pages(station_sizes: Sequence[int]) -> int:
    """Pages of a center's whole set: each station's roll and door sign, and its list."""
    if not station_sizes:
        return 0
    return sum(expected_pages(n) + 1 for n in station_sizes) + list_pages(len(station_sizes))


def _context(header: CenterHeader) -> dict:
    return {
        "election": fit_text(clean(header.election_name), 250, 16),
        "center_name": fit_text(clean(header.center_name), 180, 16, lines=2),
        "center_code": fit_text(clean(header.center_code), 80, 16),
        "polling_date": header.polling_date,
        "provenance": with_purpose(
            header.purpose,
            provenance_line(header.run_id, header.generated_at, header.fingerprint),
        ),
        "font_family": metrics.css_font_family(),
    }


def _pdf(html: str, expected: int, what: str, page_stamps: list[Stamp]) -> RenderedRoll:
    from weasyprint import HTML

    font_config, stylesheet = thread_stylesheet(
        ("documents",),
        lambda: render_to_string(STYLESHEET, {"font_family": metrics.css_font_family()}),
    )
    document = HTML(string=html, base_url=".").render(
        font_config=font_config, stylesheets=[stylesheet]
    )
    if len(document.pages) != expected:
        raise RollLayoutError(f"{what}: rendered {len(document.pages)} pages, expected {expected}")
    if page_stamps:
        try:
            painting.stamp_pages(document, page_stamps)
        except painting.RowsNotPlaced as error:
            raise RollLayoutError(f"{what}: {error}") from error
    return RenderedRoll(pdf=document.write_pdf(), pages=expected)


def _in_language(
    language: str, template: str, context: Callable[[], dict], codes: Sequence[str]
) -> tuple[str, list[Stamp]]:
    """The template rendered in *language* (the current one when empty), its context built
    in it too (the provenance footer is translated like the labels), and its pages' stamps."""
    with translation.override(language or translation.get_language()):
        return render_to_string(template, context()), page_stamps_for(codes)


def render_door_sign(
    header: CenterHeader, station: StationRange, codes: Sequence[str] = ()
) -> RenderedRoll:
    """One A4 landscape page for the station's door: center, number, name range, count;
    with *codes* (one), its verification stamp."""

    def context() -> dict:
        return {
            **_context(header),
            "station": station.number,
            "voters": station.voters,
            # 30 pt, two lines each at most, in the 230 mm beside the FROM / TO label.
            "first": fit_text(clean(station.first), 230, 30, lines=2),
            "last": fit_text(clean(station.last), 230, 30, lines=2),
        }

    html, page_stamps = _in_language(header.language, SIGN_TEMPLATE, context, codes)
    what = f"door sign of {header.center_code} station {station.number}"
    return _pdf(html, 1, what, page_stamps)


def render_center_list(
    header: CenterHeader, stations: Sequence[StationRange], codes: Sequence[str] = ()
) -> RenderedRoll:
    """Every station of the center with its range and count, 15 to an A4 page; with *codes*
    (one a page), their verification stamps."""
    if not stations:
        raise ValueError("a center list needs at least one station")
    rows = [
        {
            "number": s.number,
            "voters": s.voters,
            "first": fit_text(clean(s.first), 72, 14),
            "last": fit_text(clean(s.last), 72, 14),
        }
        for s in stations
    ]
    pages = [
        rows[start : start + STATIONS_PER_LIST_PAGE]
        for start in range(0, len(rows), STATIONS_PER_LIST_PAGE)
    ]

    def context() -> dict:
        return {
            **_context(header),
            "pages": pages,
            "stations": len(rows),
            "voters": sum(s.voters for s in stations),
        }

    html, page_stamps = _in_language(header.language, LIST_TEMPLATE, context, codes)
    what = f"center list of {header.center_code}"
    return _pdf(html, list_pages(len(rows)), what, page_stamps)
