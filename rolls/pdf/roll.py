"""One station's roll as one WeasyPrint document: a cover, then 40 rows a page.

The cover's text is drawn into one area of its page (cover.py). WeasyPrint lays out the first
roll page's furniture (running header, "Page X of Y", column titles) and the end-of-roll
line; each page's rows area is one box over a
repeated SVG tile that draws the zebra stripes and signature boxes, the rows' text is drawn
into it one line per voter, and the later pages draw the first one's furniture again with
their own page number (painting.py). An HTML table costs about five boxes a voter to
cascade and lay out and is many times slower (`python -m bench.pdf --compare-table`).
roll_lines.py makes the lines; this module checks the input, fills the template and runs
WeasyPrint.

A roll is in its election's language (``RollHeader.language``): everything is rendered inside
``translation.override``, so the labels come from the gettext catalogs in locale/, the dates
from Django's formats for that language, and a right-to-left language (Arabic) mirrors the
page: row numbers at the right, signature boxes at the left, the running header and page
numbers swapped. The stylesheet holds translated text and the direction, so it is parsed once
per thread and language.
"""

from __future__ import annotations

import atexit
import datetime
import gc
import logging
import re
import threading
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from rolls.pdf import cjk_common, cover, layout, painting, placed, text_widths
from rolls.pdf.data import RenderedRoll, RollHeader, RollVoter, expected_pages
from rolls.pdf.roll_lines import WIDTH_SAFETY, heads_line, roll_pages
from rolls.pdf.stamp import Stamp, stamps
from rolls.pdf.text import clean, isolate, isolate_always, truncate

logger = logging.getLogger(__name__)

TEMPLATE = "rolls/roll.html"
STYLESHEET = "rolls/roll.css"
# The registry allows 20; much longer would leave no room for the name.
MAX_VOTER_NUMBER_LENGTH = 24
# Enough of a split's digest to tell two runs' sheets apart at a glance, short enough to read
# out over the phone.
FINGERPRINT_CHARS = 12
SEPARATOR = " \u00b7 "
PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels


class RollLayoutError(RuntimeError):
    """The rendered document does not have the pages the roll must have."""


def _check(header: RollHeader, voters: Sequence[RollVoter]) -> None:
    # Messages carry counts and positions only: voter names are personal data.
    expected_pages(len(voters))
    if header.voter_count != len(voters):
        raise ValueError(f"header says {header.voter_count} voters, {len(voters)} were given")
    for index, voter in enumerate(voters, start=1):
        if voter.position != index:
            raise ValueError(f"row {index} has position {voter.position}: rows must be 1..N")
        if len(voter.voter_number) > MAX_VOTER_NUMBER_LENGTH:
            raise ValueError(f"voter number in row {index} is too long to print")
    if header.page_codes and len(header.page_codes) != expected_pages(len(voters)):
        raise ValueError(
            f"{len(header.page_codes)} verification codes for {expected_pages(len(voters))} pages"
        )


def fit_text(text: str, width_mm: float, size_pt: float, *, lines: int = 1) -> str:
    """*text* cut to fill at most *lines* lines of *width_mm* at *size_pt*, and isolated (the
    running header and the footers; the cover, signs and lists fit theirs whole instead)."""
    em = size_pt * layout.PT * WIDTH_SAFETY
    return isolate(truncate(text, lines * width_mm / em))


def is_right_to_left(language: str) -> bool:
    """Whether *language* is written right to left (Django's language table says)."""
    try:
        return bool(translation.get_language_info(language)["bidi"])
    except KeyError:
        return False


def _provenance(header: RollHeader) -> str:
    return with_purpose(
        header.purpose, provenance_line(header.run_id, header.generated_at, header.fingerprint)
    )


def with_purpose(purpose: str, provenance: str) -> str:
    """The footer of every page: what the run was generated for, on its own line above the
    provenance (the footers keep line breaks: roll.css, documents.css), so that neither is
    cut to share one line. No purpose (a run made before purposes existed): the provenance."""
    purpose = clean(purpose)
    if not purpose:
        return provenance
    return fit_text(purpose, 118, 8) + ("\n" + provenance if provenance else "")


def provenance_line(
    run_id: int | None, generated_at: datetime.datetime | None, fingerprint: str
) -> str:
    """Run, time and split fingerprint as one footer line; a missing part leaves no separator
    (every document of a run prints it: a loose sheet is traced to the run that made it)."""
    parts = []
    if run_id is not None:
        parts.append(gettext("Run %(run)s") % {"run": run_id})
    if generated_at is not None:
        # A naive time would be printed as if it were UTC, silently wrong by the server's offset.
        if generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware")
        generated = generated_at.astimezone(datetime.UTC)
        # ISO date and time in every language: it is a trace to look up, not prose.
        time = isolate_always(f"{generated:%Y-%m-%d %H:%M}", "ltr")
        parts.append(gettext("generated %(time)s UTC") % {"time": time})
    fingerprint = clean(fingerprint)[:FINGERPRINT_CHARS].rstrip()
    if fingerprint:
        parts.append(gettext("split %(fingerprint)s") % {"fingerprint": isolate(fingerprint)})
    # One line, 8 pt, in a 120 mm margin box; only an absurd run number would need the cut.
    return fit_text(SEPARATOR.join(parts), 118, 8)


def _header_context(header: RollHeader) -> dict:
    # Generous cuts: they only stop absurd values from pushing the running header over the
    # rows. The cover draws its own (cover.py).
    election = clean(header.election_name)
    center = clean(header.center_name)
    code = clean(header.center_code)
    return {
        "center_code": fit_text(code, 120, 12),
        "station": header.station_number,
        "voter_count": header.voter_count,
        # The running header: one line each, 8.5 pt, in a 135 mm margin box.
        "run_election": fit_text(election, 130, 8.5),
        "run_center": fit_text(f"{code}{SEPARATOR}{center}", 130, 8.5),
        "provenance": _provenance(header),
    }


def _mm(value: float) -> str:
    return f"{value:.3f}mm"


def _css_string(text: str) -> str:
    """*text* as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _page_numbers_content() -> str:
    """ "Page X of Y" in the active language as a CSS ``content`` value: the translated
    sentence with CSS page counters where its placeholders are, in the translation's order."""
    sentence = gettext("Page %(page)s of %(pages)s")
    # The total is the document's own (string(pages), set on the cover): WeasyPrint lays out
    # only some of a long roll's pages (painting.repeat_middle_page), and would count those.
    counters = {"%(page)s": "counter(page)", "%(pages)s": "string(pages)"}
    parts = []
    for piece in re.split(r"(%\(pages?\)s)", sentence):
        if piece in counters:
            parts.append(counters[piece])
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def _css(rtl: bool) -> dict[str, str]:
    """Stylesheet values as strings: a float through the template would be localized."""
    margins = (layout.MARGIN_TOP, layout.MARGIN_RIGHT, layout.MARGIN_BOTTOM, layout.MARGIN_LEFT)
    start, end = ("right", "left") if rtl else ("left", "right")
    station = gettext("Station %(number)s").split("%(number)s")
    return {
        "direction": "rtl" if rtl else "ltr",
        # See roll.css: Arabic labels are not bold (one font fewer per document).
        "label_weight": "normal" if rtl else "bold",
        "start": start,
        "end": end,
        # The station number follows (or precedes) the label in the running header.
        "station_content": " ".join(
            [_css_string(station[0]), "string(station)", _css_string("".join(station[1:]))]
        ),
        "page_numbers": _page_numbers_content(),
        "page_margin": " ".join(map(_mm, margins)),
        "font_family": text_widths.css_font_family(),
        "arabic_family": text_widths.FONT_STACK[0].css_family,
        "arabic_range": text_widths.css_unicode_range(text_widths.ARABIC_RANGES),
        "cjk_face": cjk_common.font_face_rule(),
        "font_size": f"{layout.FONT_SIZE_PT:.2f}pt",
        "heads_font_size": f"{layout.HEADS_FONT_SIZE_PT:.2f}pt",
        "heads_height": _mm(layout.COLUMN_HEADS_HEIGHT),
        "text_inset": _mm(layout.TEXT_INSET),
        "content_width": _mm(layout.CONTENT_WIDTH),
        "cover_area": _mm(cover.COVER_AREA),
        "row_height": _mm(layout.ROW_HEIGHT),
        "row_tile": layout.row_tile_data_url(rtl),
        "tile_size": f"{_mm(layout.CONTENT_WIDTH)} {_mm(2 * layout.ROW_HEIGHT)}",
    }


# The roll pages WeasyPrint lays out: the first (its running header), one later page and the
# last (the end of the roll). Every later page but the last is laid out as the one is, so it
# is drawn from a copy of it (painting.repeat_middle_page) rather than laid out again.
LAID_OUT_SHEETS = 3


def laid_out_sheets(pages: Sequence[object]) -> list[int]:
    """The indexes of the roll pages (after the cover) that WeasyPrint lays out."""
    if len(pages) <= LAID_OUT_SHEETS:
        return list(range(len(pages)))
    return [0, 1, len(pages) - 1]


def render_html(header: RollHeader, voters: Sequence[RollVoter]) -> tuple[str, list[list[str]]]:
    """The document without its rows' text, and the lines of every roll page."""
    _check(header, voters)
    rtl = is_right_to_left(header.language)
    with translation.override(header.language):
        columns, pages = roll_pages(voters, rtl=rtl)
        html = render_to_string(
            TEMPLATE,
            {
                "header": _header_context(header),
                "cover_placeholder": painting.PLACEHOLDER,
                "heads": heads_line(columns, rtl=rtl),
                "rows_placeholder": painting.PLACEHOLDER,
                "rows_heights": [
                    _mm(len(pages[index]) * layout.ROW_HEIGHT) for index in laid_out_sheets(pages)
                ],
                "roll_pages": len(pages),
                "last_row": len(voters),
                "total_pages": len(pages) + 1,
                "language": header.language,
                "direction": "rtl" if rtl else "ltr",
            },
        )
    return html, pages


def page_stamps_for(codes: Sequence[str]) -> list[Stamp]:
    """The verification stamps of a document's pages in the active language (none without
    codes): every document kind calls this and painting.stamp_pages, and nothing else."""
    # Translators: printed above the code in the top corner of every page, beside its QR code.
    return stamps(codes, gettext("Verification code")) if codes else []


@contextmanager
def collection_paused():
    """No cyclic garbage collection while one document is built.

    A document allocates a few hundred thousand short-lived objects; each of the resulting
    collections also walks every long-lived object of Django and WeasyPrint. Pausing saves
    about 10% of a station's time. The cycles left behind are collected once it is back on,
    but not all soon: those still reachable at the first collections (the document while it is
    written) reach the oldest generation, which Python collects only once it has grown by a
    quarter; a worker collects them after each station instead (collect_documents).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def freeze_start_up() -> int:
    """Move every object alive now out of the garbage collector's reach, for good: a worker's
    main process calls it once the renderer is ready (rolls/pdf/warm.py), so that its pool
    processes, forked from it, start with Django, Celery, WeasyPrint and the fonts frozen.
    A full collection then walks only what came after (here ~1 ms, against ~80 ms over all
    ~150,000 start-up objects), cheap enough for collect_documents after every station.
    Returns the number of objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def collect_documents() -> None:
    """Collect the cycles the last documents left behind, in a process that froze its start-up
    objects (freeze_start_up); elsewhere a full collection walks everything and is left to
    Python's own schedule.

    Measured on a 100,000-voter election (its 259 stations' rolls in one process, one run
    each): without it the process grew by 12 MB over the first 80 stations, garbage waiting
    in the oldest generation, then held there; with it, it stayed within 1 MB of its start,
    and the rolls took 25.5 s against 28.9 s with neither freezing nor collecting."""
    if gc.get_freeze_count():
        gc.collect()


_local = threading.local()


@atexit.register
def _forget_setup() -> None:
    # Let the font configuration delete its temporary font folder while the interpreter can
    # still do so (its __del__ fails once shutdown has cleared modules).
    _local.__dict__.clear()


def thread_stylesheet(key: tuple, css: Callable[[], str]):
    """The thread's font configuration and the stylesheet *css()* builds, parsed once per
    thread and *key* (every document of a thread shares the one font configuration).

    A stylesheet does not depend on the station, so it is parsed once, and its @font-face
    fonts are registered once instead of for every document.
    """
    font_config = getattr(_local, "font_config", None)
    if font_config is None:
        font_config = _local.font_config = FontConfiguration()
        _local.stylesheets = {}
    stylesheet = _local.stylesheets.get(key)
    if stylesheet is None:
        stylesheet = _local.stylesheets[key] = CSS(string=css(), font_config=font_config)
    return font_config, stylesheet


def _weasyprint_setup(language: str):
    """The font configuration and the roll's stylesheet in *language*."""

    def css() -> str:
        with translation.override(language):
            return render_to_string(STYLESHEET, {"css": _css(is_right_to_left(language))})

    return thread_stylesheet(("roll", language), css)


def render_station_roll(header: RollHeader, voters: Sequence[RollVoter]) -> RenderedRoll:
    """The station's roll as PDF bytes; every voter once, in the given order."""
    html, lines = render_html(header, voters)
    expected = expected_pages(len(voters))
    font_config, stylesheet = _weasyprint_setup(header.language)
    station = f"station {header.station_number} of {header.center_code}"
    rtl = is_right_to_left(header.language)
    with translation.override(header.language):
        # The later pages' numbers, as the opening page's margin box prints its own.
        sentence = gettext("Page %(page)s of %(pages)s")
        page_stamps = page_stamps_for(header.page_codes)
        try:
            cover_area = cover.cover_area(header, roll_pages=len(lines))
        except cover.CoverOverflow as error:
            raise RollLayoutError(f"{station}: {error}") from error
    with collection_paused():
        document = HTML(string=html, base_url=".").render(
            font_config=font_config, stylesheets=[stylesheet]
        )
        laid_out = 1 + len(laid_out_sheets(lines))
        if len(document.pages) != laid_out:
            raise RollLayoutError(
                f"{station}: laid out {len(document.pages)} pages, expected {laid_out}"
            )
        try:
            placed.place(document, cover.COVER_CLASS, [cover_area])
            # The cover is page 0: the second roll page is repeated up to the last.
            painting.repeat_middle_page(document, at=2, copies=expected - laid_out)
            pages = len(document.pages)
            if pages != expected:
                raise RollLayoutError(f"{station}: rendered {pages} pages, expected {expected}")
            painting.place_rows(
                document,
                lines,
                inset=layout.TEXT_INSET * PX_PER_MM,
                row_height=layout.ROW_HEIGHT * PX_PER_MM,
                rtl=rtl,
            )
            painting.repeat_running_header(
                document,
                opening=1,
                numbers_at=f"@bottom-{'left' if rtl else 'right'}",
                page_number=lambda page, pages: sentence % {"page": page, "pages": pages},
            )
            if page_stamps:
                painting.stamp_pages(document, page_stamps)
            pdf = document.write_pdf()
        except (painting.RowsNotPlaced, placed.AreasNotPlaced) as error:
            raise RollLayoutError(f"{station}: {error}") from error
    logger.debug(
        "Rendered roll of %s station %s: %d voters, %d pages, %d bytes",
        header.center_code,
        header.station_number,
        len(voters),
        pages,
        len(pdf),
    )
    return RenderedRoll(pdf=pdf, pages=pages)
