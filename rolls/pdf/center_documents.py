"""The other documents of a center's set: a door sign per station, a list per center.

Each is its own small template and stylesheet (templates/rolls/sign.html, center_list.html,
documents.css), rendered by WeasyPrint like the roll, and like the roll's rows, their text
is drawn in once the page is laid out (placed.py): all the sign shows but its footer, and the
list's station rows, which laid out as table cells and paragraphs were most of each
document's time (a list 46 -> 22 ms, a sign 18 -> 12 ms, ``python -m bench.pdf_set``). Both
say only where
voters go (name ranges and counts), so they are built from the split's station ranges, not
from its rows: a station's range, or its range within each script where its names are in
several. Every name is fitted whole into its box (fitting.fit_box: smaller, then wrapped,
never cut). Strings are marked for translation and rendered in the election's language when
one is given; an Arabic election's documents read right to left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext
from weasyprint import HTML

from rolls.pdf import cjk_common, layout, painting, placed, stamp, text_widths
from rolls.pdf.data import RenderedRoll
from rolls.pdf.fitting import LEADING
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
SIGN_WORD_PT = 16.0  # FROM and TO
WORD_SPACING = 0.08  # em, between the letters of FROM and TO, as of the label
QUIET = "#5b6473"  # the colour of the sign's words and labels (documents.css)
DARK = "#1f2a3a"  # the colour of the center's name and the station number
LABEL_PT = 22.0  # POLLING STATION
LABEL_GAP = 4.0  # mm between the label and the count under it
COUNT_PT = 28.0
SIGN_AREA_CLASS = "sign-area"
SIGN_AREA = SIGN_HEIGHT - 2  # as SIGN_RANGES: rounding in layout must not push it over
# Center list, A4 portrait (documents.css): the name columns and one station's row.
# A page's station rows share LIST_ROWS_HEIGHT (what the page has below its heading, above
# the free corner): a station whose names are in k scripts takes k lines of the share, each at
# most LIST_LINE high; every row has LIST_ROW_PADDING besides (padding and rule).
LIST_CONTENT_WIDTH = 210.0 - 32.0
LIST_CELL_PADDING = (1.2, 1.2)  # above and below a row's text
LIST_CELL_INSET = 2.0  # each side of a column's text
# The columns' text boxes, (from the starting edge, width) in mm: station, from, to, voters
# (14%, 36%, 36% and 14% of the width, as the column heads above them in documents.css).
LIST_COLUMNS = tuple(
    (LIST_CONTENT_WIDTH * start + LIST_CELL_INSET, LIST_CONTENT_WIDTH * share - 2 * LIST_CELL_INSET)
    for start, share in ((0.0, 0.14), (0.14, 0.36), (0.50, 0.36), (0.86, 0.14))
)
LIST_NAME_WIDTH = LIST_COLUMNS[1][1]
LIST_NUMBER_PT = 16.0
LIST_NUMBER_LINE = LIST_NUMBER_PT * 1.12 * layout.PT  # a row is never lower than its number
LIST_RULE = 0.5 * layout.PT
LIST_RULE_COLOUR = "#b8c0cc"
LIST_ROWS_CLASS = "list-rows"
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
        "provenance": _provenance(header),
        "font_family": text_widths.css_font_family(),
    }


def _provenance(header: CenterHeader) -> str:
    return with_purpose(
        header.purpose, provenance_line(header.run_id, header.generated_at, header.fingerprint)
    )


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _stylesheet_context() -> dict:
    """The sign's geometry for documents.css, as strings (a float would be localized)."""
    return {
        "font_family": text_widths.css_font_family(),
        "cjk_face": cjk_common.font_face_rule(),
        "sign_margin": " ".join(map(_mm, SIGN_MARGINS)),
        "sign_area": _mm(SIGN_AREA),
    }


def _pdf(
    html: str,
    expected: int,
    what: str,
    page_stamps: list[Stamp],
    areas: tuple[str, Sequence[placed.PlacedText]] | None = None,
) -> RenderedRoll:
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
        try:
            if areas is not None:
                placed.place(document, *areas)
            if page_stamps:
                painting.stamp_pages(document, page_stamps)
        except (painting.RowsNotPlaced, placed.AreasNotPlaced) as error:
            raise RollLayoutError(f"{what}: {error}") from error
        return RenderedRoll(pdf=document.write_pdf(), pages=expected)


def _in_language(
    language: str, template: str, context: Callable[[], dict], codes: Sequence[str]
) -> tuple[str, list[Stamp]]:
    """The template rendered in *language* (the current one when empty), its context built
    in it too (the provenance footer is translated like the labels), and its pages' stamps."""
    with translation.override(language or translation.get_language()):
        return render_to_string(template, context()), page_stamps_for(codes)


def number_size(number: int) -> float:
    """The station number's font size in points: ``NUMBER_PT``, smaller only where its digits
    (three and more) would be wider than the room beside the label."""
    width = text_width(str(number)) * layout.PT * WIDTH_SAFETY
    return round(min(NUMBER_PT, (SIGN_WIDTH - ASIDE) / width), 1)


def sign_ranges(station: StationRange, top: float, start: float) -> list[placed.Piece]:
    """The sign's name ranges, *top* mm down the sign and *start* mm from its starting edge:
    one range as FROM and TO lines across the page, or a row (FROM first TO last) for each
    script, the rows sharing the height; the names fitted whole into their rows, the words
    and the names each centred in its row's height.

    Drawn in, a name's row cannot grow: laid out as table cells, a character no main font has
    (drawn from a fallback font with a taller line) could push the sign onto a second page,
    and the sign was laid out again with smaller names until it fitted."""
    ranges = station.ranges()
    width = SIGN_WIDTH - SIGN_CORNER
    labels = {"first": gettext("FROM"), "last": gettext("TO")}
    if len(ranges) == 1:  # FROM and the first name on one row, TO and the last on the next
        word, name, height = RANGE_WORD, width - RANGE_WORD, SIGN_RANGES / 2
        cells = [(0, 0.0, "first", ranges[0]), (1, 0.0, "last", ranges[0])]
    else:  # a row a script: FROM and its first name, then TO and its last
        word, name, height = (
            RANGE_WORD_NARROW,
            width / 2 - RANGE_WORD_NARROW,
            SIGN_RANGES / len(ranges),
        )
        cells = [
            (row, start, side, script_range)
            for row, script_range in enumerate(ranges)
            for start, side in ((0.0, "first"), (width / 2, "last"))
        ]
    fit = {
        "width": name,
        "height": height,
        "size_pt": SIGN_NAME_PT,
        "floor_pt": SIGN_ONE_LINE_FLOOR_PT,
    }
    pieces = []
    for row, x, side, name_range in cells:
        row_top = top + row * height
        fitted_name = fitted(getattr(name_range, side), **fit)
        pieces += [
            placed.Piece(
                (labels[side],),
                SIGN_WORD_PT,
                start + x,
                word,
                row_top,
                height,
                colour=QUIET,
                spacing=WORD_SPACING,
            ),
            placed.Piece(
                fitted_name.lines, fitted_name.size_pt, start + x + word, name, row_top, height
            ),
        ]
    return pieces


def sign_area(header: CenterHeader, station: StationRange) -> placed.PlacedText:
    """Everything the door sign shows but its footer and stamp, drawn into the page's one
    area (placed.py), top to bottom: the election and the center; the station number with
    the label and the count beside it, on the number's baseline; the name ranges, short of
    the page's bottom corner. Rendered in the sign's language (the words, and a right to left
    sign mirrored)."""
    # The sign's top lines start above the stamp's bottom: they keep clear of its corner.
    head = {"width": SIGN_WIDTH - stamp.ROOM, "height": SIGN_HEAD / 2 - 1}
    election = fitted(header.election_name, **head, size_pt=20, floor_pt=12)
    center = fitted(
        f"{clean(header.center_code)} · {clean(header.center_name)}",
        **head,
        size_pt=26,
        floor_pt=14,
    )
    pieces = []
    top = 0.0
    for text, colour in ((election, QUIET), (center, DARK)):
        height = len(text.lines) * text.size_pt * LEADING * layout.PT
        pieces.append(
            placed.Piece(text.lines, text.size_pt, 0, head["width"], top, height, colour=colour)
        )
        top += height
    # The number's line box is its digits' height; the label and the count end on its bottom.
    top = SIGN_HEAD + SIGN_GAP
    block = NUMBER_PT * NUMBER_LEADING * layout.PT
    size = number_size(station.number)
    pieces.append(
        placed.Piece(
            (str(station.number),),
            size,
            0,
            SIGN_WIDTH - ASIDE,
            top,
            block,
            colour=DARK,
            leading=NUMBER_LEADING,
            bottom=True,
        )
    )
    # The catalogs' entry for the count, as the list's summary says it.
    count = ngettext("%(counter)s voter", "%(counter)s voters", station.voters) % {
        "counter": station.voters
    }
    count_height = COUNT_PT * LEADING * layout.PT
    aside = SIGN_WIDTH - ASIDE
    pieces += [
        placed.Piece(
            (gettext("POLLING STATION"),),
            LABEL_PT,
            aside,
            ASIDE,
            top,
            block - count_height - LABEL_GAP,
            colour=QUIET,
            spacing=WORD_SPACING,
            bottom=True,
        ),
        placed.Piece((count,), COUNT_PT, aside, ASIDE, top, block, bottom=True),
    ]
    # Short of the page's bottom corner: the ranges start at the left edge in either direction.
    start = SIGN_CORNER if translation.get_language_bidi() else 0.0
    pieces += sign_ranges(station, top + block + SIGN_GAP, start)
    return placed.PlacedText(pieces)


def render_door_sign(
    header: CenterHeader, station: StationRange, codes: Sequence[str] = ()
) -> RenderedRoll:
    """One A4 landscape page for the station's door: the station number half the page high,
    the name range (a range per script where the station's names are in several) in large
    type, the count, the center and the election; with *codes* (one), its verification
    stamp."""
    what = f"door sign of {header.center_code} station {station.number}"
    with translation.override(header.language or translation.get_language()):
        area = sign_area(header, station)

    def context() -> dict:
        return {
            "center_code": clean(header.center_code),
            "provenance": _provenance(header),
            "station": station.number,
            "area_placeholder": painting.PLACEHOLDER,
        }

    html, page_stamps = _in_language(header.language, SIGN_TEMPLATE, context, codes)
    return _pdf(html, 1, what, page_stamps, (SIGN_AREA_CLASS, [area]))


def list_line(scripts: Sequence[int]) -> float:
    """The height of a name's line on a list page whose stations have their names in
    ``scripts`` scripts each: the page's rows share LIST_ROWS_HEIGHT, a row never lower than
    its number (a station of one script among stations of four would otherwise take more than
    its share, and the rows would run into the page's free corner)."""
    room = LIST_ROWS_HEIGHT - LIST_ROW_PADDING * len(scripts)
    line = min(LIST_LINE, room / sum(scripts))
    for _ in scripts:  # each round finds at least one more row held up by its number
        short = [k for k in scripts if k * line < LIST_NUMBER_LINE]
        if sum(max(k * line, LIST_NUMBER_LINE) for k in scripts) <= room + 1e-9:
            break
        tall = sum(k for k in scripts if k * line >= LIST_NUMBER_LINE)
        if not tall:  # every row as low as its number: 15 of them take 95 mm of 151
            break
        line = (room - LIST_NUMBER_LINE * len(short)) / tall
    return line


def list_rows(stations: Sequence[StationRange]) -> dict:
    """One page of the center list: each station's row (its number, its range or a range per
    script, its count, a rule under it), the names fitted (smaller, then wrapped) into lines
    that share the page's height; the rows' area's height, and what is drawn in it."""
    ranges = [s.ranges() for s in stations]
    line = list_line([len(r) for r in ranges])
    fit = {
        "width": LIST_NAME_WIDTH,
        "height": line,
        "size_pt": LIST_NAME_PT,
        "floor_pt": LIST_ONE_LINE_FLOOR_PT,
    }
    pieces: list[placed.Piece] = []
    rules: list[placed.Rule] = []
    top = 0.0
    for station, mine in zip(stations, ranges, strict=True):
        content = max(len(mine) * line, LIST_NUMBER_LINE)
        inner = top + LIST_CELL_PADDING[0]
        names = inner + (content - len(mine) * line) / 2
        whole = {"top": inner, "height": content}
        pieces.append(
            placed.Piece((str(station.number),), LIST_NUMBER_PT, *LIST_COLUMNS[0], **whole)
        )
        for column, side in ((1, "first"), (2, "last")):
            for index, name_range in enumerate(mine):
                name = fitted(getattr(name_range, side), **fit)
                pieces.append(
                    placed.Piece(
                        name.lines,
                        name.size_pt,
                        *LIST_COLUMNS[column],
                        top=names + index * line,
                        height=line,
                    )
                )
        pieces.append(
            placed.Piece((str(station.voters),), LIST_NAME_PT, *LIST_COLUMNS[3], **whole, end=True)
        )
        top = inner + content + LIST_CELL_PADDING[1]
        rules.append(placed.Rule(0, LIST_CONTENT_WIDTH, top, LIST_RULE, LIST_RULE_COLOUR))
        top += LIST_RULE
    return {"height": _mm(top), "area": placed.PlacedText(pieces, rules)}


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
            "pages": [page["height"] for page in page_rows],
            "rows_placeholder": painting.PLACEHOLDER,
            "stations": len(stations),
            "voters": sum(s.voters for s in stations),
        }

    with translation.override(header.language or translation.get_language()):
        page_rows = [
            list_rows(stations[start : start + STATIONS_PER_LIST_PAGE])
            for start in range(0, len(stations), STATIONS_PER_LIST_PAGE)
        ]
    html, page_stamps = _in_language(header.language, LIST_TEMPLATE, context, codes)
    what = f"center list of {header.center_code}"
    areas = [page["area"] for page in page_rows]
    return _pdf(html, list_pages(len(stations)), what, page_stamps, (LIST_ROWS_CLASS, areas))
