"""Plan a run's render batches for the workers that are there now, and record the plan.

The planner itself (:mod:`rolls.planning`) is pure; this module measures what it
needs: how many processes take render tasks (one short broadcast to the live workers), and
how long a page takes to render here (the latest run of the balanced strategy that
rendered enough pages to say). The run records how many batches for how many processes,
and where the process count came from.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from config.celery import queue_name
from rolls import task_names
from rolls.models import RollFile, Run, RunStatus, RunTask
from rolls.planning import (
    DEFAULT_SECONDS_PER_PAGE,
    FALLBACK_PROCESSES,
    BatchPlan,
    expected_pages,
    list_pages,
    plan_batches,
)
from rolls.services.workers import worker_setup_probe

logger = logging.getLogger(__name__)

# The fan-out waits at most this long for the workers' answers.
LIVE_PROBE_TIMEOUT = 0.5
BALANCED_STRATEGY = "assign_in_database_then_balanced_batches"
# A measurement from a run smaller than this is mostly start-up, not rendering.
MEASURED_MIN_PAGES = 200


@dataclass(frozen=True)
class Processes:
    count: int
    source: str  # said on the run page: where the count comes from


def render_processes(setup: dict, *, render_queue: str) -> int | None:
    """The processes of the nodes in ``setup`` that consume ``render_queue`` (a node that
    did not say which queues it takes counts), or None when no node said how many."""
    counts = [
        node["processes"]
        for node in (setup.get("nodes") or {}).values()
        if isinstance(node.get("processes"), int)
        and (node.get("queues") is None or render_queue in node["queues"])
    ]
    return sum(counts) if counts else None


def processes_for(run: Run, *, probe=worker_setup_probe) -> Processes:
    """Live first, then what the workers said when the run started, then the fallback."""
    render_queue = queue_name("render")
    if run.worker_setup.get("in_process"):
        return Processes(1, "in process (no workers: tasks applied here)")
    # As many answers as nodes answered at the start end the wait: the 0.5 s a broadcast
    # otherwise waits out in full was a tenth of a 10k run, both processes idle. A node
    # that joined since may miss it (it takes batches all the same); one that is missed
    # because another answered first is counted from the start below.
    limit = len(run.worker_setup.get("nodes") or {}) or None
    live = probe(timeout=LIVE_PROBE_TIMEOUT, limit=limit)
    answered = live.get("nodes") or {}
    if render_processes(live, render_queue=render_queue):
        # A node busy enough to miss the short probe (measured: on a loaded machine) but
        # that answered when the run started still counts: fewer batches than processes
        # would idle it, one round too many costs a few per cent at most.
        silent = {
            name: node
            for name, node in (run.worker_setup.get("nodes") or {}).items()
            if name not in answered
        }
        count = render_processes({"nodes": {**silent, **answered}}, render_queue=render_queue)
        nodes = len(answered)
        source = f"live: {nodes} node{'s' * (nodes != 1)} answered"
        late = render_processes({"nodes": silent}, render_queue=render_queue)
        if late:
            source += f", and {late} processes of nodes that answered at the start"
        return Processes(count or 0, source)
    at_start = render_processes(run.worker_setup, render_queue=render_queue)
    if at_start:
        return Processes(
            at_start,
            f"no worker answered within {LIVE_PROBE_TIMEOUT:g} s: the workers' answer "
            "when the run started",
        )
    return Processes(
        FALLBACK_PROCESSES,
        f"fallback: no worker answered within {LIVE_PROBE_TIMEOUT:g} s, now or at the start",
    )


def measured_seconds_per_page(*, before_run_id: int) -> tuple[float, int | None]:
    """Render seconds per page of the latest balanced run that rendered enough pages (its
    batch tasks' run time over its rendered pages), with that run's id; the default
    (and None) when there is none."""
    candidates = Run.objects.filter(
        pk__lt=before_run_id,
        strategy=BALANCED_STRATEGY,
        status=RunStatus.SUCCEEDED,
        pages__gte=MEASURED_MIN_PAGES,
    ).order_by("-pk")
    for run_id in candidates.values_list("pk", flat=True)[:3]:
        spans = RunTask.objects.filter(
            run_id=run_id,
            task_name=task_names.RENDER_STATIONS,
            started_at__isnull=False,
            ended_at__isnull=False,
        ).values_list("started_at", "ended_at")
        seconds = sum((end - start).total_seconds() for start, end in spans)
        pages = sum(
            RollFile.objects.filter(run_id=run_id, source_run__isnull=True).values_list(
                "pages", flat=True
            )
        )
        if seconds > 0 and pages >= MEASURED_MIN_PAGES:
            return seconds / pages, run_id
    return DEFAULT_SECONDS_PER_PAGE, None


def batch_pages(stations: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """``(center, number, pages)`` of each station as its batch task renders it: its roll, its
    door sign and, for station 1, its center's list. The pages the speed was measured on are
    the same documents (measured_seconds_per_page counts every file a run wrote)."""
    per_center = Counter(center for center, _, _ in stations)
    return [
        (
            center,
            number,
            expected_pages(voters) + 1 + (list_pages(per_center[center]) if number == 1 else 0),
        )
        for center, number, voters in stations
    ]


def run_plan_renders(
    *, run: Run, stations: list[tuple[int, int, int]], probe=worker_setup_probe
) -> BatchPlan:
    """Plan the batches of ``stations`` (``(center, number, voters)``) for the live workers
    and record the plan on the run. ``probe`` replaces the broadcast (tests)."""
    processes = processes_for(run, probe=probe)
    seconds_per_page, measured_on = measured_seconds_per_page(before_run_id=run.pk)
    plan = plan_batches(
        batch_pages(stations),
        processes=processes.count,
        seconds_per_page=seconds_per_page,
    )
    speed = f"measured on run {measured_on}" if measured_on else "default, nothing measured yet"
    planned_from = f"{processes.source}; {seconds_per_page * 1000:.1f} ms a page ({speed})"
    Run.objects.filter(pk=run.pk).update(
        planned_batches=plan.count,
        planned_processes=plan.processes,
        planned_seconds_per_page=seconds_per_page,
        planned_from=planned_from[:300],
    )
    logger.info(
        "run %s: %s render batches for %s processes (%s)",
        run.pk,
        plan.count,
        plan.processes,
        planned_from,
    )
    return plan
