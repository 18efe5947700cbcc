"""PDF voter roll of one polling station: a cover for the door, then 40 voters a page."""

from __future__ import annotations

from rolls.pdf.data import RenderedRoll, RollHeader, RollVoter
from rolls.pdf.engine import harfbuzz_subset_available
from rolls.pdf.roll import RollLayoutError, render_station_roll
from rolls.planning import ROWS_PER_PAGE, center_set_pages, expected_pages

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
