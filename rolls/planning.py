"""The arithmetic of a run's plan, pure: no database, no broker, no Django. Station sizes,
the pages each document takes, and render batches sized to the cluster and balanced by
pages. The assignment's SQL, the renderer, the confirmation page, the batch planner's
caller and the benchmarks all take their figures from here, so a plan shown before a run
and the run itself cannot disagree. Callers measure (live worker processes, seconds per
page) and pass the figures in, so every decision here is unit-testable with given numbers.

Render batches shrink as the run goes on: the first ones are long (few tasks, little
overhead), the last ones a station or two, so whichever process is free takes the next
short batch and every process ends within about one short batch of the others, at any
size. (Workers run with prefetch 1 and late acknowledgement: a process takes a batch only
when it is free, so queue order is the order batches start in.)
"""

from __future__ import annotations

import heapq
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
# A batch should take a few seconds of rendering at most: long enough that Celery's
# per-task overhead (~15 ms between two tasks on a process, measured) stays under 1%,
# short enough that the run's progress moves.
TARGET_BATCH_SECONDS = 3.0
# The last batches take about this long: the most one process can end after the others
# (a station is indivisible, so a batch is never less than one station). Shorter than a
# 500-voter station (~0.2 s), so the last round is one station a batch: at 0.25 s two
# stations could share the last batch, and at 10,000 voters one process ended 0.46 s
# after the other (measured: 0.04 s at 0.1 s, for three more tasks of ~20 ms overhead).
TAIL_SECONDS = 0.1
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
    """What the fan-out queues: ``batches`` in queue order (longest first), for
    ``processes`` worker processes."""

    batches: list[list[list[int]]]
    processes: int
    seconds_per_page: float
    target_seconds: float

    @property
    def count(self) -> int:
        return len(self.batches)


def batch_sizes(
    *,
    pages: int,
    processes: int,
    seconds_per_page: float,
    target_seconds: float = TARGET_BATCH_SECONDS,
    tail_seconds: float = TAIL_SECONDS,
) -> list[float]:
    """The batches' loads in pages, in queue order, adding up to ``pages``: rounds of one
    batch per process, each batch half of what is left divided among the processes
    (guided self-scheduling), at most ``target_seconds`` and at least ``tail_seconds``
    long. While the first half of the work runs, the rest is cut finer and finer, so the
    last batches, which decide when the run ends, are the shortest."""
    processes = max(1, processes)
    seconds_per_page = max(seconds_per_page, 1e-9)
    longest = max(target_seconds / seconds_per_page, 1.0)
    shortest = min(max(tail_seconds / seconds_per_page, 1.0), longest)
    sizes: list[float] = []
    left = float(pages)
    while left > 1e-9:
        size = min(longest, max(shortest, left / (2 * processes)))
        for _ in range(processes):
            take = min(size, left)
            sizes.append(take)
            left -= take
            if left <= 1e-9:
                break
    return sizes


def plan_batches(
    stations: list[tuple[int, int, int]],
    *,
    processes: int,
    seconds_per_page: float = DEFAULT_SECONDS_PER_PAGE,
    target_seconds: float = TARGET_BATCH_SECONDS,
    tail_seconds: float = TAIL_SECONDS,
) -> BatchPlan:
    """Batches for ``processes`` live worker processes, shrinking from ``target_seconds``
    of rendering at ``seconds_per_page`` to ``tail_seconds`` (see :func:`batch_sizes`),
    filled longest station first (see :func:`fill_batches`).

    ``stations`` are ``(center id, station number, pages)``."""
    sizes = batch_sizes(
        pages=sum(p for _, _, p in stations),
        processes=processes,
        seconds_per_page=seconds_per_page,
        target_seconds=target_seconds,
        tail_seconds=tail_seconds,
    )
    return BatchPlan(
        batches=fill_batches(stations, sizes),
        processes=max(1, processes),
        seconds_per_page=seconds_per_page,
        target_seconds=target_seconds,
    )


def fill_batches(stations: list[tuple[int, int, int]], sizes: list[float]) -> list[list[list[int]]]:
    """Stations into batches of the given loads (pages), longest station first, each to
    the batch with the most room left: the long stations land in the long first batches,
    the short ones fill the short last ones. Batches come longest first (queue order);
    none is empty.

    ``stations`` are ``(center id, station number, pages)``; each batch lists
    ``[center id, station number]`` pairs (JSON-friendly task arguments)."""
    if not stations:
        return []
    sizes = sizes or [float(sum(p for _, _, p in stations))]
    loads = [0] * len(sizes)
    members: list[list[list[int]]] = [[] for _ in sizes]
    # A heap of (-room, batch index): the roomiest batch in O(log n), so 10M voters on a few
    # thousand batches plan in well under a second. Ties go to the earlier batch.
    heap = [(-size, i) for i, size in enumerate(sizes)]
    heapq.heapify(heap)
    for center_id, number, pages in sorted(stations, key=lambda s: -s[2]):
        room, index = heapq.heappop(heap)
        members[index].append([center_id, number])
        loads[index] += pages
        heapq.heappush(heap, (room + pages, index))
    order = sorted((i for i in range(len(sizes)) if members[i]), key=lambda i: (-loads[i], i))
    return [members[i] for i in order]


def balanced_batches(stations: list[tuple[int, int, int]], batches: int) -> list[list[list[int]]]:
    """Longest-processing-time-first into ``batches`` equal batches: biggest stations
    first, each to the lightest batch (Graham's bound: none ends more than one station
    after the mean). Batches come heaviest first; none is empty."""
    count = max(1, batches)
    total = sum(p for _, _, p in stations)
    return fill_batches(stations, [total / count] * count)
