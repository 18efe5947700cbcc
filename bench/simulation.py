"""What the batch planner's plan does on a cluster this machine does not have: a
discrete-event simulation of worker nodes taking the planned batches from the broker.

Pure (no database, no broker). It models what matters to the tail: each node holds at most
``processes x prefetch multiplier`` unacknowledged messages (``acks_late``: the running
ones count), a process that ends a batch takes the next one its node holds, and a node
refills from the broker as its processes acknowledge. A batch takes the per-task overhead
plus its pages times the per-page render time. A development tool beside the benchmarks,
not part of the console: the planner it drives is :mod:`rolls.planning`.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass

from elections.services.fake_data import center_sizes
from rolls.planning import BatchPlan, expected_pages, plan_batches, station_sizes

VOTERS_PER_CENTER = 1000  # as create_fake_voter_data draws them
STATION_MAXIMUM = 500


@dataclass(frozen=True)
class Simulated:
    voters: int
    processes: int
    nodes: int
    batches: int
    pages: int
    makespan: float
    render_seconds: float
    # The most batches one node held unstarted, per process of that node, at any moment a
    # process elsewhere had nothing left to take: above 1 means a process idled while
    # another had more than one batch queued.
    backlog_while_idle: float
    # How long before the end the first process had nothing left to take: the tail, how
    # far apart the processes finish.
    finish_spread: float = 0.0

    @property
    def efficiency(self) -> float:
        """Render time over the processes' wall time: what overhead and the tail cost."""
        return self.render_seconds / (self.processes * self.makespan) if self.makespan else 1.0


def election_stations(voters: int, *, seed: int = 2014) -> list[tuple[int, int, int]]:
    """``(center, station, pages)`` of a fake election of ``voters``, split as a run does."""
    centers = max(1, voters // VOTERS_PER_CENTER)
    sizes = center_sizes(voters, centers, random.Random(seed))
    return [
        (center, number, expected_pages(size))
        for center, total in enumerate(sizes, start=1)
        for number, size in enumerate(station_sizes(total, STATION_MAXIMUM), start=1)
    ]


def node_sizes(processes: int, per_node: int = 8) -> list[int]:
    """``processes`` spread over machines of ``per_node`` processes (the last may be smaller)."""
    full, rest = divmod(processes, per_node)
    return [per_node] * full + ([rest] if rest else [])


def simulate_plan(
    plan: BatchPlan,
    pages_of: dict[tuple[int, int], int],
    *,
    nodes: list[int],
    seconds_per_page: float,
    task_overhead: float,
    prefetch_multiplier: int = 1,
    voters: int = 0,
    jitter: float = 0.0,
    seed: int = 2014,
) -> Simulated:
    durations = [sum(pages_of[(c, n)] for c, n in batch) for batch in plan.batches]
    # A real machine is not this regular (a warm-up, another process on the core): with
    # ``jitter`` each batch takes up to that fraction more or less than its pages say.
    rng = random.Random(seed)
    slowdown = [1 + rng.uniform(-jitter, jitter) for _ in durations]
    broker = deque(range(len(durations)))
    held: list[deque[int]] = [deque() for _ in nodes]
    running = [0] * len(nodes)
    events: list[tuple[float, int]] = []  # (time a process of the node ends its batch, node)
    backlog = 0.0
    first_idle: float | None = None

    def refill(node: int) -> None:
        while broker and len(held[node]) + running[node] < nodes[node] * prefetch_multiplier:
            held[node].append(broker.popleft())

    def start(node: int, now: float) -> bool:
        if not held[node]:
            return False
        batch = held[node].popleft()
        running[node] += 1
        cost = task_overhead + durations[batch] * seconds_per_page * slowdown[batch]
        heapq.heappush(events, (now + cost, node))
        return True

    def idle(now: float) -> None:  # a process has nothing to take: how much waits elsewhere?
        nonlocal backlog, first_idle
        if first_idle is None:
            first_idle = now
        waiting = max(len(h) / size for h, size in zip(held, nodes, strict=True))
        backlog = max(backlog, waiting)

    for node in range(len(nodes)):
        refill(node)
    for node, size in enumerate(nodes):
        for _ in range(size):
            if not start(node, 0.0):
                idle(0.0)
    makespan = 0.0
    while events:
        now, node = heapq.heappop(events)
        makespan = now
        running[node] -= 1
        refill(node)
        if not start(node, now):
            idle(now)
    pages = sum(durations)
    return Simulated(
        voters=voters,
        processes=sum(nodes),
        nodes=len(nodes),
        batches=len(durations),
        pages=pages,
        makespan=makespan,
        render_seconds=sum(d * s for d, s in zip(durations, slowdown, strict=True))
        * seconds_per_page,
        backlog_while_idle=backlog,
        finish_spread=makespan - (makespan if first_idle is None else first_idle),
    )


def simulate_election(
    voters: int,
    processes: int,
    *,
    seconds_per_page: float,
    task_overhead: float,
    prefetch_multiplier: int = 1,
    jitter: float = 0.0,
) -> Simulated:
    """The real planner's plan for a fake election of ``voters`` on ``processes``."""
    stations = election_stations(voters)
    plan = plan_batches(stations, processes=processes, seconds_per_page=seconds_per_page)
    return simulate_plan(
        plan,
        {(c, n): p for c, n, p in stations},
        nodes=node_sizes(processes),
        seconds_per_page=seconds_per_page,
        task_overhead=task_overhead,
        prefetch_multiplier=prefetch_multiplier,
        voters=voters,
        jitter=jitter,
    )
