"""The arithmetic of a run's plan, pure: no database, no broker, no Django. Station sizes,
the pages each document takes, and render batches sized to the cluster and balanced by
pages. The assignment's SQL, the renderer, the confirmation page, the batch planner's
caller and the benchmarks all take their figures from here, so a plan shown before a run
and the run itself cannot disagree. Callers measure (live worker processes, seconds per
page) and pass the figures in, so every decision here is unit-testable with given numbers."""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

# --- stations ---------------------------------------------------------------------------
# The assignment modes' values (rolls.models.AssignmentMode, compared as strings here).
SEQUENTIAL = "sequential"


class PlanningError(ValueError):
    """The figures cannot make a plan; the message says why."""


def station_sizes(voters: int, maximum: int, mode: str = "balanced") -> list[int]:
    """The station sizes the assignment's SQL produces for a center of ``voters``: at most
    ``maximum`` each; balanced (sizes differ by at most one, the larger first) or sequential
    (full stations, then the remainder)."""
    if maximum < 1:
        raise PlanningError("The maximum number of voters per station must be at least 1")
    if voters <= 0:
        return []
    stations = -(-voters // maximum)
    if mode == SEQUENTIAL:
        return [maximum] * (stations - 1) + [voters - maximum * (stations - 1)]
    base, extra = voters // stations, voters % stations
    return [base + 1] * extra + [base] * (stations - extra)


# --- pages ------------------------------------------------------------------------------
# Voters on a roll page, and stations on a center list page: the renderer lays pages out to
# these figures (rolls.pdf), the CSV export says on which page a voter is, and plans count
# pages with them.
ROWS_PER_PAGE = 40
STATIONS_PER_LIST_PAGE = 15


def expected_pages(voter_count: int) -> int:
    """A station's roll: a cover, then ROWS_PER_PAGE voters a page; the last page may be
    shorter."""
    if voter_count < 1:
        raise ValueError("a polling station always has at least one voter")
    return 1 + -(-voter_count // ROWS_PER_PAGE)


def list_pages(stations: int) -> int:
    """Pages of a center list of ``stations`` stations (at least one)."""
    return max(1, -(-stations // STATIONS_PER_LIST_PAGE))


def center_set_pages(station_sizes: Sequence[int]) -> int:
    """Pages of a center's whole set: each station's roll and door sign (one page), and
    its list."""
    if not station_sizes:
        return 0
    return sum(expected_pages(n) + 1 for n in station_sizes) + list_pages(len(station_sizes))


# --- render batches ---------------------------------------------------------------------
# A batch should take a few seconds of rendering: long enough that Celery's per-task
# overhead (~15 ms between two tasks on a process, measured) stays under 1%, short enough
# that the tail after the last batch starts is short and the run's progress moves.
TARGET_BATCH_SECONDS = 3.0
# Render time per page when no earlier run of this console measured one: what
# ``python -m bench.pdf`` measures on the 2-core development machine, plus the
# database read and the storage write of each station.
DEFAULT_SECONDS_PER_PAGE = 0.015
# Celery's overhead per task (median idle gap between two tasks on one process), measured
# on RabbitMQ and on the filesystem broker: 14-18 ms.
DEFAULT_TASK_OVERHEAD = 0.016
# When no worker answers the probe (and the run recorded none when it started), plan for
# this many processes: what the fan-out always used before it asked the workers.
FALLBACK_PROCESSES = 16


@dataclass(frozen=True)
class BatchPlan:
    """What the fan-out queues: ``batches`` in queue order (heaviest first), for
    ``processes`` worker processes."""

    batches: list[list[list[int]]]
    processes: int
    seconds_per_page: float
    target_seconds: float

    @property
    def count(self) -> int:
        return len(self.batches)


def batch_count(
    *, stations: int, pages: int, processes: int, seconds_per_page: float, target_seconds: float
) -> int:
    """How many batches: enough that none takes much longer than ``target_seconds``, a
    whole number of rounds of ``processes`` (a last round of a few batches would leave the
    other processes idle while they render), never more than there are stations."""
    if stations < 1:
        return 0
    processes = max(1, processes)
    by_duration = max(1, math.ceil(pages * seconds_per_page / max(target_seconds, 1e-9)))
    rounds = math.ceil(by_duration / processes)
    return min(stations, rounds * processes)


def plan_batches(
    stations: list[tuple[int, int, int]],
    *,
    processes: int,
    seconds_per_page: float = DEFAULT_SECONDS_PER_PAGE,
    target_seconds: float = TARGET_BATCH_SECONDS,
) -> BatchPlan:
    """Batches for ``processes`` live worker processes, each about ``target_seconds`` of
    rendering at ``seconds_per_page``, balanced longest-first (see :func:`balanced_batches`).

    ``stations`` are ``(center id, station number, pages)``."""
    count = batch_count(
        stations=len(stations),
        pages=sum(p for _, _, p in stations),
        processes=processes,
        seconds_per_page=seconds_per_page,
        target_seconds=target_seconds,
    )
    return BatchPlan(
        batches=balanced_batches(stations, count),
        processes=max(1, processes),
        seconds_per_page=seconds_per_page,
        target_seconds=target_seconds,
    )


def balanced_batches(stations: list[tuple[int, int, int]], batches: int) -> list[list[list[int]]]:
    """Longest-processing-time-first: biggest stations first, each to the lightest batch,
    so every worker process finishes at about the same time (no long tail).

    ``stations`` are ``(center id, station number, pages)``; each batch lists
    ``[center id, station number]`` pairs (JSON-friendly task arguments). Batches come
    heaviest first: queued in this order, the light ones fill the gaps at the end.
    """
    count = max(1, batches)
    loads = [0] * count
    members: list[list[list[int]]] = [[] for _ in range(count)]
    # A heap of (load, batch index): the lightest batch in O(log n), so 10M voters on a few
    # thousand batches plan in well under a second.
    heap = [(0, i) for i in range(count)]
    for center_id, number, pages in sorted(stations, key=lambda s: -s[2]):
        load, index = heapq.heappop(heap)
        members[index].append([center_id, number])
        loads[index] = load + pages
        heapq.heappush(heap, (loads[index], index))
    order = sorted(range(count), key=lambda i: -loads[i])
    return [members[i] for i in order if members[i]]
