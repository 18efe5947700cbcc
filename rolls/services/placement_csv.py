"""The voter-to-station list of a run as CSV, for SMS and web lookup services.

One row per voter: number, names, center code and name, station, and the page and row where
the voter is on the station's roll. ``page`` is the page number the PDF prints in its
"Page X of Y" footer: the cover is page 1, so row r is on page 2 + (r - 1) // ROWS_PER_PAGE.
Cells a spreadsheet would take for formulas are neutralised; rows are written as they are
read, so a million voters never sit in memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from elections.spreadsheets import spreadsheet_safe
from rolls.models import Run
from rolls.planning import ROWS_PER_PAGE
from rolls.selectors.placements import ORDERS, run_placement_rows
from rolls.services.manifest import set_label, zip_folder

HEADER = (
    "voter_number",
    "family_name",
    "given_name",
    "center_code",
    "center_name",
    "station",
    "page",
    "row",
)
LINES_PER_CHUNK = 2_000


def roll_page(position: int) -> int:
    """The PDF page (as its footer numbers it) that shows row ``position``."""
    return 2 + (position - 1) // ROWS_PER_PAGE


def export_name(run: Run, order: str) -> str:
    if order not in ORDERS:
        raise ValueError(f"Unknown order {order!r}: {' or '.join(ORDERS)}")
    return f"{zip_folder(run)}-{set_label(run)}-voters-{order}.csv"


def export_lines(rows: Iterable[tuple]) -> Iterator[str]:
    """The CSV text, header first, in chunks of a few thousand lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n, (number, family, given, code, name, station, position) in enumerate(rows, 1):
        writer.writerow(
            [
                spreadsheet_safe(value)
                for value in (number, family, given, code, name, station, roll_page(position))
            ]
            + [position]
        )
        if n % LINES_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def run_export_lines(run: Run, order: str) -> Iterator[str]:
    """The run's voter-to-station list in ``order`` ("by-number" or "by-station")."""
    if order not in ORDERS:
        raise ValueError(f"Unknown order {order!r}: {' or '.join(ORDERS)}")
    return export_lines(run_placement_rows(run, order))
