"""What a run would produce, shown on the confirmation page before anything is queued.

Read-only: one grouped count of registrations per center (served by the registration
indexes, also at a million voters), then the same station arithmetic the assignment uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext

from elections.models import Election, PollingCenter, Registration
from rolls.models import AssignmentMode
from rolls.planning import center_set_pages, station_sizes


@dataclass(frozen=True)
class RunPlan:
    election: Election
    centers: int
    empty_centers: int
    voters: int
    stations: int
    pages: int
    pages_sequential: int
    center_ids: list[int] | None = None
    center_codes: list[str] | None = None

    @property
    def nothing_to_do(self) -> str:
        """Why a run of this plan would produce nothing ("" when it would): said on the
        confirmation page, before anything is queued."""
        if not self.centers:
            return gettext("no polling centers")
        if not self.voters:
            return (
                gettext("no registered voters in these centers")
                if self.center_ids
                else gettext("no registered voters")
            )
        return ""


def _pages(counts: Iterable[int], maximum: int, mode: str) -> tuple[int, int]:
    stations = pages = 0
    for voters in counts:
        sizes = station_sizes(voters, maximum, mode)
        stations += len(sizes)
        pages += center_set_pages(sizes)
    return stations, pages


def run_plans(elections: Iterable[Election]) -> list[RunPlan]:
    """The plan of a whole-election run for each election."""
    elections = list(elections)
    ids = [e.pk for e in elections]
    centers: dict[int, int] = dict(
        PollingCenter.objects.filter(election_id__in=ids)
        .order_by()
        .values_list("election_id")
        .annotate(n=Count("id"))
    )
    per_center: dict[int, list[int]] = defaultdict(list)
    for election_id, _center, n in (
        Registration.objects.filter(election_id__in=ids)
        .order_by()
        .values_list("election_id", "center_id")
        .annotate(n=Count("id"))
    ):
        per_center[election_id].append(n)
    plans = []
    for election in elections:
        counts = per_center.get(election.pk, [])
        maximum = election.max_voters_per_station
        stations, pages = _pages(counts, maximum, AssignmentMode.BALANCED)
        _, sequential = _pages(counts, maximum, AssignmentMode.SEQUENTIAL)
        total_centers = centers.get(election.pk, 0)
        plans.append(
            RunPlan(
                election=election,
                centers=total_centers,
                empty_centers=total_centers - len(counts),
                voters=sum(counts),
                stations=stations,
                pages=pages,
                pages_sequential=sequential,
            )
        )
    return plans


def centers_plan(election: Election, centers: list[PollingCenter]) -> RunPlan:
    """The plan of a run limited to some centers of one election."""
    ids = [c.pk for c in centers]
    counts = Registration.objects.filter(center_id__in=ids).counts_by_center()
    maximum = election.max_voters_per_station
    stations, pages = _pages(counts.values(), maximum, AssignmentMode.BALANCED)
    _, sequential = _pages(counts.values(), maximum, AssignmentMode.SEQUENTIAL)
    return RunPlan(
        election=election,
        centers=len(ids),
        empty_centers=len(ids) - len(counts),
        voters=sum(counts.values()),
        stations=stations,
        pages=pages,
        pages_sequential=sequential,
        center_ids=sorted(ids),
        center_codes=[c.code for c in centers],
    )
