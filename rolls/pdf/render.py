"""One station's roll as one WeasyPrint document: a cover, then one ``<pre>`` per page.

Each roll page is a single text box of 40 lines over a repeated SVG tile that draws the zebra
stripes and signature boxes: about ten times faster than an HTML table, which costs about
five boxes a voter to cascade and lay out (`python -m rolls.pdf.bench` measures it).
rows.py makes the lines; this module checks the input, fills the template and runs
WeasyPrint.
"""

from __future__ import annotations

import atexit
import datetime
import gc
import logging
import threading
from collections.abc import Sequence
from contextlib import contextmanager

from django.template.loader import render_to_string

from rolls.pdf import layout, metrics
from rolls.pdf.data import RenderedRoll, RollHeader, RollVoter, expected_pages
from rolls.pdf.rows import WIDTH_SAFETY, heads_line, roll_pages
from rolls.pdf.text import clean, isolate, truncate

logger = logging.getLogger(__name__)

TEMPLATE = "rolls/roll.html"
STYLESHEET = "rolls/roll.css"
# The registry allows 20; much longer would leave no room for the name.
MAX_VOTER_NUMBER_LENGTH = 24
# Enough of a split's digest to tell two runs' sheets apart at a glance, short enough to read
# out over the phone.
FINGERPRINT_CHARS = 12
SEPARATOR = " \u00b7 "


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


def fit_text(text: str, width_mm: float, size_pt: float, *, lines: int = 1) -> str:
    """*text* cut to fill at most *lines* lines of *width_mm* at *size_pt*, and isolated
    (the door sign and the center list cut their names with it too)."""
    em = size_pt * layout.PT * WIDTH_SAFETY
    return isolate(truncate(text, lines * width_mm / em))


def _provenance(header: RollHeader) -> str:
    return provenance_line(header.run_id, header.generated_at, header.fingerprint)


def provenance_line(
    run_id: int | None, generated_at: datetime.datetime | None, fingerprint: str
) -> str:
    """Run, time and split fingerprint as one footer line; a missing part leaves no separator
    (every document of a run prints it: a loose sheet is traced to the run that made it)."""
    parts = []
    if run_id is not None:
        parts.append(f"Run {run_id}")
    if generated_at is not None:
        # A naive time would be printed as if it were UTC, silently wrong by the server's offset.
        if generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware")
        generated = generated_at.astimezone(datetime.UTC)
        parts.append(f"generated {generated:%Y-%m-%d %H:%M} UTC")
    fingerprint = clean(fingerprint)[:FINGERPRINT_CHARS].rstrip()
    if fingerprint:
        parts.append(f"split {isolate(fingerprint)}")
    # One line, 8 pt, in a 120 mm margin box; only an absurd run number would need the cut.
    return fit_text(SEPARATOR.join(parts), 118, 8)


def _header_context(header: RollHeader) -> dict:
    # Generous cuts: they only stop absurd values from pushing the cover onto a second page
    # or the running header over the rows.
    election = clean(header.election_name)
    center = clean(header.center_name)
    code = clean(header.center_code)
    return {
        "election": fit_text(election, 175, 22, lines=3),
        "center_name": fit_text(center, 120, 12, lines=3),
        "center_code": fit_text(code, 120, 12),
        "station": header.station_number,
        "voter_count": header.voter_count,
        "polling_date": header.polling_date,
        "first_voter": fit_text(clean(header.first_voter), 145, 16, lines=2),
        "last_voter": fit_text(clean(header.last_voter), 145, 16, lines=2),
        # The running header: one line each, 8.5 pt, in a 135 mm margin box.
        "run_election": fit_text(election, 130, 8.5),
        "run_center": fit_text(f"{code}{SEPARATOR}{center}", 130, 8.5),
        "provenance": _provenance(header),
        "set_status": fit_text(clean(header.set_status), 165, 12, lines=2),
    }


def _mm(value: float) -> str:
    return f"{value:.3f}mm"


def _css() -> dict[str, str]:
    """Stylesheet values as strings: a float through the template would be localized."""
    margins = (layout.MARGIN_TOP, layout.MARGIN_RIGHT, layout.MARGIN_BOTTOM, layout.MARGIN_LEFT)
    return {
        "page_margin": " ".join(map(_mm, margins)),
        "font_family": metrics.css_font_family(),
        "arabic_family": metrics.FONT_STACK[0].css_family,
        "arabic_range": metrics.css_unicode_range(metrics.ARABIC_RANGES),
        "font_size": f"{layout.FONT_SIZE_PT:.2f}pt",
        "heads_font_size": f"{layout.HEADS_FONT_SIZE_PT:.2f}pt",
        "heads_height": _mm(layout.COLUMN_HEADS_HEIGHT),
        "text_inset": _mm(layout.TEXT_INSET),
        "content_width": _mm(layout.CONTENT_WIDTH),
        "row_height": _mm(layout.ROW_HEIGHT),
        "row_tile": layout.row_tile_data_url(),
        "tile_size": f"{_mm(layout.CONTENT_WIDTH)} {_mm(2 * layout.ROW_HEIGHT)}",
    }


def render_html(header: RollHeader, voters: Sequence[RollVoter]) -> str:
    _check(header, voters)
    columns, pages = roll_pages(voters)
    return render_to_string(
        TEMPLATE,
        {
            "header": _header_context(header),
            "heads": heads_line(columns),
            "pages": pages,
            "roll_pages": len(pages),
            "last_row": len(voters),
            "total_pages": len(pages) + 1,
        },
    )


@contextmanager
def _collection_paused():
    """No cyclic garbage collection while one document is built.

    A document allocates a few hundred thousand short-lived objects; each of the resulting
    collections also walks every long-lived object of Django and WeasyPrint. Pausing saves
    about 10% of a station's time; the cycles left behind are collected once it is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_local = threading.local()


@atexit.register
def _forget_setup() -> None:
    # Let the font configuration delete its temporary font folder while the interpreter can
    # still do so (its __del__ fails once shutdown has cleared modules).
    _local.__dict__.clear()


def _weasyprint_setup():
    """The font configuration and the parsed stylesheet, made once per thread.

    The stylesheet does not depend on the station, so it is parsed once, and its @font-face
    fonts are registered once instead of for every station.
    """
    setup = getattr(_local, "setup", None)
    if setup is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = render_to_string(STYLESHEET, {"css": _css()})
        setup = _local.setup = (font_config, CSS(string=css, font_config=font_config))
    return setup


def render_station_roll(header: RollHeader, voters: Sequence[RollVoter]) -> RenderedRoll:
    """The station's roll as PDF bytes; every voter once, in the given order."""
    from weasyprint import HTML

    html = render_html(header, voters)
    expected = expected_pages(len(voters))
    font_config, stylesheet = _weasyprint_setup()
    with _collection_paused():
        document = HTML(string=html, base_url=".").render(
            font_config=font_config, stylesheets=[stylesheet]
        )
        pages = len(document.pages)
        if pages != expected:
            raise RollLayoutError(
                f"station {header.station_number} of {header.center_code}: rendered {pages}"
                f" pages, expected {expected}"
            )
        pdf = document.write_pdf()
    logger.debug(
        "Rendered roll of %s station %s: %d voters, %d pages, %d bytes",
        header.center_code,
        header.station_number,
        len(voters),
        pages,
        len(pdf),
    )
    return RenderedRoll(pdf=pdf, pages=pages)
