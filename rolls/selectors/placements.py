"""A run's voter-to-station list: every placement of its split, read in chunks.

A changed-only run's carried centers keep their split in the run they come from
(``RunCenter.source_run``): the list reads each center's placements from the run that split
it, so it is the whole set the run stands for.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from operator import or_

from django.db.models import Q

from rolls.models import Placement, Run, RunCenter, Station

CHUNK = 5_000
ORDERS = {
    "by-number": ("voter_number",),
    "by-station": ("station__center__code", "station__number", "position"),
}
COLUMNS = (
    "voter_number",
    "family_name",
    "given_name",
    "station__center__code",
    "station__center__name",
    "station__number",
    "position",
)


def centers_placements(run_id: int, center_ids) -> Q:
    """The placements a run made for some of its centers, read through the run's stations of
    those centers. Never as the run's placements filtered by center: a run of per-center
    tasks writes placements faster than PostgreSQL's statistics follow, and the planner then
    read every placement the run had written so far (a nested loop over 956,000 rows, 3 s a
    center at 1M voters: the center chord's run took 14 minutes, not 4)."""
    stations = Station.objects.filter(run_id=run_id, center_id__in=center_ids)
    return Q(station__in=stations.values("id"))


def run_split_filter(run: Run) -> Q:
    """The placements of the run's split: its own, and each carried center's in its source."""
    carried: dict[int, list[int]] = {}
    for center_id, source in RunCenter.objects.filter(
        run=run, source_run__isnull=False
    ).values_list("center_id", "source_run_id"):
        carried.setdefault(source, []).append(center_id)
    parts = [Q(run_id=run.pk)]
    parts += [centers_placements(source, ids) for source, ids in carried.items()]
    return reduce(or_, parts)


def run_placement_rows(run: Run, order: str) -> Iterator[tuple]:
    """(voter number, family name, given name, center code, center name, station, row) of
    every voter of the run's split, in ``order`` (a key of ORDERS), streamed."""
    return (
        Placement.objects.filter(run_split_filter(run))
        .order_by(*ORDERS[order])
        .values_list(*COLUMNS)
        .iterator(chunk_size=CHUNK)
    )
