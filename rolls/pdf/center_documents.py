"""The other documents of a center's set: a door sign per station, a list per center.

Each is its own small template and stylesheet (templates/rolls/sign.html, center_list.html,
documents.css), rendered by WeasyPrint like the roll. Both say only where voters go (name
ranges and counts), so they are built from the split's station ranges, not from its rows:
a station's range, or its range within each script where its names are in several. Every
name is fitted whole into its box (fitting.fit_box: smaller, then wrapped, never cut).
Strings are marked for translation and rendered in the election's language when one is
given; an Arabic election's documents read right to left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from rolls.pdf import cjk_common, layout, painting, stamp, text_widths
from rolls.pdf.data import RenderedRoll
from rolls.pdf.ranges import CenterHeader, StationRange, fitted
from rolls.pdf.roll import (
    RollLayoutError,
    collection_paused,
    page_stamps_for,
    provenance_line,
    thread_stylesheet,
    with_purpose,
)
from rolls.pdf.roll_lines import WIDTH_SAFETY
from rolls.pdf.stamp import Stamp
from rolls.pdf.text import clean
from rolls.pdf.text_widths import text_width
from rolls.planning import STATIONS_PER_LIST_PAGE, list_pages

SIGN_TEMPLATE = "rolls/sign.html"
LIST_TEMPLATE = "rolls/center_list.html"
STYLESHEET = "rolls/documents.css"
# Rows of a center list page: large enough to read standing at the entrance. The page count
# is planned from the number of stations alone (center_set_pages), so every station's row
# has one height, however many scripts its range gives.

# The door sign, A4 landscape, in mm: read from 5 m. Top to bottom: the election and the
# center; the station number (its digits, 0.729 em high in DejaVu Sans, stand 98 mm: 47% of
# the page) with the label and the count beside it; the name range.
SIGN_MARGINS = (10.0, 12.0, 14.0, 12.0)  # top, right, bottom, left
SIGN_WIDTH = 297.0 - SIGN_MARGINS[1] - SIGN_MARGINS[3]
SIGN_HEIGHT = 210.0 - SIGN_MARGINS[0] - SIGN_MARGINS[2]
SIGN_HEAD = 21.0
NUMBER_PT = 380.0
NUMBER_LEADING = 0.76  # the number's line box is its digits' height, give or take 4%
ASIDE = 88.0  # beside the number: the label and the count
SIGN_GAP = 3.0
# What is left for the name range, less 2 mm: rounding in layout must not push it over.
SIGN_RANGES = SIGN_HEIGHT - SIGN_HEAD - NUMBER_PT * NUMBER_LEADING * layout.PT - 2 * SIGN_GAP - 2
# A 30 mm square at the bottom-right corner of the page is kept blank: it was reserved for
# the verification stamp, which went to the top corner instead. The name range stops short
# of it; giving the room back to the ranges is left for a later change (tests hold it blank).
CORNER = 30.0
SIGN_CORNER = CORNER - SIGN_MARGINS[1]
RANGE_WORD = 30.0  # the FROM / TO column, one range
RANGE_WORD_NARROW = 24.0  # each of the two, a range per script
SIGN_NAME_PT = 56.0
SIGN_ONE_LINE_FLOOR_PT = 30.0
# Center list, A4 portrait (documents.css): the name columns and one station's row.
# A page's station rows share LIST_ROWS_HEIGHT (what the page has below its heading, above
# the free corner): a station whose names are in k scripts takes k lines of the share, each at
# most LIST_LINE high; every row has LIST_ROW_PADDING besides (padding and rule).
LIST_NAME_WIDTH = (210.0 - 32.0) * 0.36 - 4.0
LIST_ROWS_HEIGHT = 190.0
LIST_LINE = 9.5
LIST_ROW_PADDING = 2.6
LIST_NAME_PT = 14.0
LIST_ONE_LINE_FLOOR_PT = 10.0


def _context(header: CenterHeader) -> dict:
    return {
        "election": fitted(header.election_name, width=178, height=9, size_pt=16, floor_pt=10),
        "center": fitted(
            f"{clean(header.center_code)} · {clean(header.center_name)}",
            width=178,
            height=10,
            size_pt=16,
            floor_pt=10,
        ),
        "center_code": clean(header.center_code),
        "polling_date": header.polling_date,
        "provenance": with_purpose(
            header.purpose,
            provenance_line(header.run_id, header.generated_at, header.fingerprint),
        ),
        "font_family": text_widths.css_font_family(),
    }


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _stylesheet_context() -> dict:
    """The sign's geometry for documents.css, as strings (a float would be localized)."""
    return {
        "font_family": text_widths.css_font_family(),
        "cjk_face": cjk_common.font_face_rule(),
        "sign_margin": " ".join(map(_mm, SIGN_MARGINS)),
        "sign_head": _mm(SIGN_HEAD),
        "sign_gap": _mm(SIGN_GAP),
        "number_leading": f"{NUMBER_LEADING:.2f}",
        "aside": _mm(ASIDE),
        "sign_ranges": _mm(SIGN_RANGES),
        "sign_ranges_width": _mm(SIGN_WIDTH - SIGN_CORNER),
        "range_word": _mm(RANGE_WORD),
        "range_word_narrow": _mm(RANGE_WORD_NARROW),
    }


def _pdf(html: str, expected: int, what: str, page_stamps: list[Stamp]) -> RenderedRoll:
    font_config, stylesheet = thread_stylesheet(
        ("documents",),
        lambda: render_to_string(STYLESHEET, _stylesheet_context()),
    )
    # As for a roll: no cyclic collection while the document is built (roll.py says why).
    with collection_paused():
        document = HTML(string=html, base_url=".").render(
            font_config=font_config, stylesheets=[stylesheet]
        )
        if len(document.pages) != expected:
            raise RollLayoutError(
                f"{what}: rendered {len(document.pages)} pages, expected {expected}"
            )
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


def number_size(number: int) -> str:
    """The station number's font size: ``NUMBER_PT``, smaller only where its digits (three
    and more) would be wider than the room beside the label."""
    width = text_width(str(number)) * layout.PT * WIDTH_SAFETY
    return f"{min(NUMBER_PT, (SIGN_WIDTH - ASIDE) / width):.1f}pt"


# The names are fitted by their measured widths and the main font's line height. A
# character no main font has is drawn from a fallback font whose taller line can grow a
# name's row past the page (a hypothesis-made name, '0' and U+20000, took the sign to two
# pages). The sign is then laid out again with its names fitted into less of their rows,
# smaller, until it is one page; only then does it fail.
SIGN_NAME_ROOMS = (1.0, 0.8, 0.6)


def sign_ranges(station: StationRange, room: float = 1.0) -> list[dict]:
    """The sign's name ranges, fitted: one range as FROM and TO lines across the page, or
    a row (FROM first TO last) for each script, the rows sharing the height. The names are
    fitted into ``room`` of their rows' height (see SIGN_NAME_ROOMS)."""
    ranges = station.ranges()
    width = SIGN_WIDTH - SIGN_CORNER
    if len(ranges) == 1:
        name = {"width": width - RANGE_WORD, "height": SIGN_RANGES / 2}
    else:
        name = {"width": width / 2 - RANGE_WORD_NARROW, "height": SIGN_RANGES / len(ranges)}
    fit = {
        **name,
        "height": name["height"] * room,
        "size_pt": SIGN_NAME_PT,
        "floor_pt": SIGN_ONE_LINE_FLOOR_PT,
    }
    return [
        {
            "first": fitted(r.first, **fit),
            "last": fitted(r.last, **fit),
            "height": _mm(name["height"]),
        }
        for r in ranges
    ]


def render_door_sign(
    header: CenterHeader, station: StationRange, codes: Sequence[str] = ()
) -> RenderedRoll:
    """One A4 landscape page for the station's door: the station number half the page high,
    the name range (a range per script where the station's names are in several) in large
    type, the count, the center and the election; with *codes* (one), its verification
    stamp."""

    def context(room: float) -> dict:
        # The sign's top lines start above the stamp's bottom: they keep clear of its corner.
        head = {"width": SIGN_WIDTH - stamp.ROOM, "height": SIGN_HEAD / 2 - 1}
        return {
            **_context(header),
            "election": fitted(header.election_name, **head, size_pt=20, floor_pt=12),
            "center": fitted(
                f"{clean(header.center_code)} · {clean(header.center_name)}",
                **head,
                size_pt=26,
                floor_pt=14,
            ),
            "station": station.number,
            "number_size": number_size(station.number),
            "voters": station.voters,
            "ranges": sign_ranges(station, room),
        }

    what = f"door sign of {header.center_code} station {station.number}"

    def sign(room: float) -> RenderedRoll:
        html, page_stamps = _in_language(
            header.language, SIGN_TEMPLATE, lambda: context(room), codes
        )
        return _pdf(html, 1, what, page_stamps)

    for room in SIGN_NAME_ROOMS[:-1]:
        try:
            return sign(room)
        except RollLayoutError:
            continue  # laid out again, the names smaller
    return sign(SIGN_NAME_ROOMS[-1])


def list_rows(stations: Sequence[StationRange]) -> list[dict]:
    """The rows of one page of the center list: each station's range, or a range per script,
    fitted (smaller, then wrapped) into lines that share the page's height."""
    ranges = [s.ranges() for s in stations]
    room = LIST_ROWS_HEIGHT - LIST_ROW_PADDING * len(stations)
    line = min(LIST_LINE, room / sum(len(r) for r in ranges))
    fit = {
        "width": LIST_NAME_WIDTH,
        "height": line,
        "size_pt": LIST_NAME_PT,
        "floor_pt": LIST_ONE_LINE_FLOOR_PT,
    }
    return [
        {
            "number": station.number,
            "voters": station.voters,
            "height": _mm(line),
            "ranges": [
                {"first": fitted(r.first, **fit), "last": fitted(r.last, **fit)} for r in mine
            ],
        }
        for station, mine in zip(stations, ranges, strict=True)
    ]


def render_center_list(
    header: CenterHeader, stations: Sequence[StationRange], codes: Sequence[str] = ()
) -> RenderedRoll:
    """Every station of the center with its range (a range per script where its names are in
    several) and count, 15 to an A4 page; with *codes* (one a page), their verification
    stamps."""
    if not stations:
        raise ValueError("a center list needs at least one station")

    def context() -> dict:
        return {
            **_context(header),
            "pages": [
                list_rows(stations[start : start + STATIONS_PER_LIST_PAGE])
                for start in range(0, len(stations), STATIONS_PER_LIST_PAGE)
            ],
            "stations": len(stations),
            "voters": sum(s.voters for s in stations),
        }

    html, page_stamps = _in_language(header.language, LIST_TEMPLATE, context, codes)
    what = f"center list of {header.center_code}"
    return _pdf(html, list_pages(len(stations)), what, page_stamps)
