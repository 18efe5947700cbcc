"""The benchmark ledger: a benchmark's plan, claiming its next step, finishing it.

Each step is claimed with a conditional UPDATE on ``next_position`` (proceed only if one row
changed), so a step delivered twice, or the CLI and a worker racing, start one run per
position. Starting the run itself is the lab's launcher's (:mod:`lab.launch`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from elections.models import Election
from lab import task_names as lab_names
from lab.models import Benchmark, BenchmarkStatus, interleaved
from rolls.models import AssignmentMode
from rolls.strategies import UnknownStrategy, strategy_get

logger = logging.getLogger(__name__)

DEFAULT_REPEATS = 3
MAX_REPEATS = 20


class BenchmarkRefused(ValueError):
    """The benchmark cannot be created as asked; the message says why."""


def benchmark_create(
    *,
    election_id: int,
    strategies: Iterable[str],
    repeats: int = DEFAULT_REPEATS,
    started_by: str,
    center_ids: list[int] | None = None,
    mode: str = AssignmentMode.BALANCED,
) -> Benchmark:
    names = list(dict.fromkeys(strategies))
    if not names:
        raise BenchmarkRefused("Choose at least one strategy to benchmark")
    try:
        names = [strategy_get(name).name for name in names]
    except UnknownStrategy as exc:
        raise BenchmarkRefused(str(exc)) from None
    if not 1 <= repeats <= MAX_REPEATS:
        raise BenchmarkRefused(f"Repeat each strategy 1 to {MAX_REPEATS} times, not {repeats}")
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise BenchmarkRefused(f"Election {election_id} does not exist")
    return Benchmark.objects.create(
        election=election,
        strategies=names,
        repeats=repeats,
        plan=interleaved(names, repeats),
        assignment_mode=AssignmentMode.checked(mode),
        center_ids=sorted(center_ids) if center_ids else None,
        started_by=started_by[:200],
    )


def benchmark_claim_step(*, benchmark_id: int) -> tuple[int, str] | None:
    """Claim the next position of a running benchmark whose previous run has finished:
    (position, strategy), or None if it is not this caller's to start."""
    benchmark = Benchmark.objects.filter(pk=benchmark_id, status=BenchmarkStatus.RUNNING).first()
    if benchmark is None or benchmark.next_position >= len(benchmark.plan):
        return None
    runs = benchmark.runs
    # Every claimed position has its run (a caller between claim and start would otherwise
    # let a second one claim the next position and race it onto the election).
    if runs.active().exists() or runs.count() != benchmark.next_position:
        return None
    position = benchmark.next_position
    claimed = Benchmark.objects.filter(
        pk=benchmark_id, status=BenchmarkStatus.RUNNING, next_position=position
    ).update(next_position=F("next_position") + 1)
    return (position, benchmark.plan[position]) if claimed else None


def benchmark_finish_if_done(*, benchmark_id: int) -> bool:
    """Mark the benchmark finished once every planned run has been started and ended."""
    benchmark = Benchmark.objects.filter(pk=benchmark_id, status=BenchmarkStatus.RUNNING).first()
    if benchmark is None or benchmark.next_position < len(benchmark.plan):
        return False
    runs = benchmark.runs
    if runs.active().exists() or runs.count() < len(benchmark.plan):
        return False
    done = Benchmark.objects.filter(pk=benchmark_id, status=BenchmarkStatus.RUNNING).update(
        status=BenchmarkStatus.FINISHED, finished_at=timezone.now()
    )
    if done:
        logger.info("benchmark %s finished", benchmark_id)
    return bool(done)


def benchmark_fail(*, benchmark_id: int, error: str) -> bool:
    return bool(
        Benchmark.objects.filter(pk=benchmark_id, status=BenchmarkStatus.RUNNING).update(
            status=BenchmarkStatus.FAILED, finished_at=timezone.now(), error=error[:10_000]
        )
    )


def benchmark_queue_step(*, benchmark_id: int, countdown: float = 0) -> None:
    """Ask a worker for the benchmark's next step once this transaction commits. Sent by
    name: the step starts runs through the lab's launcher, which this ledger sits below."""
    # robust: a broker refusing the step must not turn the run's own failure into another
    # error; beat's advance_benchmarks picks the benchmark up again.
    transaction.on_commit(
        lambda: current_app.send_task(
            lab_names.BENCHMARK_STEP, args=(benchmark_id,), countdown=countdown or None
        ),
        robust=True,
    )


def benchmarks_running() -> list[int]:
    return list(
        Benchmark.objects.filter(status=BenchmarkStatus.RUNNING).values_list("pk", flat=True)
    )
