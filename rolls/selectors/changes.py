"""What changed between two runs' splits: who was added, removed, moved or renamed.

Staff use it to know which stations to reprint. A run's split is its own placements, and
for the centers a changed-only run carried over, the placements of the run it carried them
from; both sides are read that way, in SQL (a million voters a side never passes through
Python memory at once). A voter whose row number shifted because someone was added above
them is not a change: their station's roll is reprinted anyway.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext_lazy as _

from elections.models import PollingCenter
from elections.spreadsheets import spreadsheet_safe
from rolls.models import Placement, Run, RunCenter, Station

KINDS = ("added", "removed", "moved", "renamed", "moved and renamed")
# The kinds as the run page names them (the CSV keeps the words above: they are its data).
KIND_LABELS = {
    "added": _("added"),
    "removed": _("removed"),
    "moved": _("moved"),
    "renamed": _("renamed"),
    "moved and renamed": _("moved and renamed"),
}

_SPLIT = """
SELECT p.voter_id, p.voter_number, p.family_name, p.given_name,
       s.center_id, s.number AS station, p.position
FROM {placement} p
JOIN {station} s ON s.id = p.station_id
JOIN {runcenter} rc ON rc.center_id = s.center_id AND rc.run_id = %s
WHERE p.run_id = COALESCE(rc.source_run_id, rc.run_id)
"""

_DIFF = """
WITH a AS ({split}), b AS ({split})
SELECT 'removed', a.voter_number, a.family_name, a.given_name, a.center_id, a.station,
       a.position, NULL, NULL, NULL, NULL, NULL
FROM a LEFT JOIN b ON b.voter_id = a.voter_id WHERE b.voter_id IS NULL
UNION ALL
SELECT 'added', b.voter_number, NULL, NULL, NULL, NULL, NULL,
       b.family_name, b.given_name, b.center_id, b.station, b.position
FROM b LEFT JOIN a ON a.voter_id = b.voter_id WHERE a.voter_id IS NULL
UNION ALL
SELECT 'changed', b.voter_number, a.family_name, a.given_name, a.center_id, a.station,
       a.position, b.family_name, b.given_name, b.center_id, b.station, b.position
FROM a JOIN b ON b.voter_id = a.voter_id
WHERE a.center_id <> b.center_id OR a.station <> b.station
   OR a.family_name <> b.family_name OR a.given_name <> b.given_name
ORDER BY 2
"""

CSV_HEADER = [
    "change",
    "voter_number",
    "family_name_before",
    "given_name_before",
    "center_before",
    "station_before",
    "row_before",
    "family_name_after",
    "given_name_after",
    "center_after",
    "station_after",
    "row_after",
]


@dataclass(frozen=True)
class SplitChanges:
    before: Run
    after: Run
    counts: dict[str, int]
    stations_to_reprint: list[tuple[str, int]]  # (center code, station) of the later run

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        """(the kind in the staff member's language, its count), in the order of KINDS."""
        return [(str(KIND_LABELS.get(kind, kind)), count) for kind, count in self.counts.items()]


def _kind(row: tuple) -> str:
    if row[0] != "changed":
        return row[0]
    moved = row[4] != row[9] or row[5] != row[10]
    renamed = row[2] != row[7] or row[3] != row[8]
    return "moved and renamed" if moved and renamed else ("moved" if moved else "renamed")


def _rows(before: Run, after: Run) -> Iterator[tuple]:
    split = _SPLIT.format(
        placement=Placement._meta.db_table,
        station=Station._meta.db_table,
        runcenter=RunCenter._meta.db_table,
    )
    with connection.cursor() as cursor:
        cursor.execute(_DIFF.format(split=split), [before.pk, after.pk])
        while batch := cursor.fetchmany(5000):
            yield from batch


def run_changes_rows(before: Run, after: Run) -> Iterator[list]:
    """Each change as a CSV row (see :data:`CSV_HEADER`), centers by their codes."""
    codes = dict(
        PollingCenter.objects.filter(election_id=after.election_id).values_list("pk", "code")
    )
    for row in _rows(before, after):
        yield [
            _kind(row),
            row[1],
            row[2] or "",
            row[3] or "",
            codes.get(row[4], "") if row[4] else "",
            row[5] or "",
            row[6] or "",
            row[7] or "",
            row[8] or "",
            codes.get(row[9], "") if row[9] else "",
            row[10] or "",
            row[11] or "",
        ]


def run_changes(before: Run, after: Run) -> SplitChanges:
    """Counts of each kind of change from ``before`` to ``after``, and the stations of
    ``after`` that hold a changed voter (or, for a removal, lost one)."""
    if before.election_id != after.election_id:
        raise ValueError("Both runs must be of the same election")
    counts: Counter = Counter({kind: 0 for kind in KINDS})
    stations: set[tuple[int, int]] = set()
    lost_voters: set[int] = set()
    for row in _rows(before, after):
        counts[_kind(row)] += 1
        if row[9]:
            stations.add((row[9], row[10]))
        if row[4] and row[0] == "removed":
            lost_voters.add(row[4])
    for center_id in lost_voters:
        stations.update(_stations_now_holding_center(after, center_id))
    codes = dict(
        PollingCenter.objects.filter(election_id=after.election_id).values_list("pk", "code")
    )
    return SplitChanges(
        before=before,
        after=after,
        counts=dict(counts),
        stations_to_reprint=sorted((codes.get(c, str(c)), n) for c, n in stations),
    )


def _stations_now_holding_center(run: Run, center_id: int) -> set[tuple[int, int]]:
    """A removal shortens every roll of its center in the later run."""
    center = RunCenter.objects.filter(run=run, center_id=center_id).first()
    if center is None:
        return set()
    return {(center_id, number) for number in range(1, center.stations + 1)}


def write_changes_csv(before: Run, after: Run, handle) -> None:
    """Every change as CSV into ``handle``; names are neutralised against formulas."""
    writer = csv.writer(handle)
    writer.writerow(CSV_HEADER)
    for row in run_changes_rows(before, after):
        writer.writerow([spreadsheet_safe(cell) for cell in row])


def official_run(election_id: int) -> Run | None:
    return Run.objects.official().filter(election_id=election_id).first()
