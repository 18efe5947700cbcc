"""PDF voter roll of one polling station: a cover for the door, then 40 voters a page."""

from __future__ import annotations

from rolls.pdf.data import ROWS_PER_PAGE, RenderedRoll, RollHeader, RollVoter, expected_pages
from rolls.pdf.documents import center_set_pages
from rolls.pdf.engine import harfbuzz_subset_available
from rolls.pdf.render import RollLayoutError, render_station_roll

__all__ = [
    "ROWS_PER_PAGE",
    "RenderedRoll",
    "RollHeader",
    "RollLayoutError",
    "RollVoter",
    "center_set_pages",
    "expected_pages",
    "harfbuzz_subset_available",
    "render_station_roll",
]
