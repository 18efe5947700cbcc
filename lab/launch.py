"""Starting a benchmark and each of its steps: the lab's own launcher, above the console's.

A benchmark runs its plan one run at a time. Each run is started through the console's
launcher (:func:`rolls.launch.run_start`) like any other; the lab links it to the benchmark
in the same transaction. When a run ends, the console says so (``rolls.events.run_ended``)
and the lab's receiver queues the next step (:mod:`lab.receivers`): the console itself
starts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import Enum

from django.db import transaction
from django.utils import timezone

from lab.ledger import (
    BenchmarkRefused,
    benchmark_claim_step,
    benchmark_create,
    benchmark_fail,
    benchmark_finish_if_done,
)
from lab.models import Benchmark, BenchmarkRun
from rolls.launch import run_start
from rolls.models import AssignmentMode
from rolls.services.ledger import RunRefused

# A failed run's subtasks can still be running (the join strategy): the next run of a
# benchmark waits for them, as long as this past the run's end (a lost message never ends).
DRAIN_GRACE = timedelta(seconds=60)


class Step(Enum):
    STARTED = "started"  # the next run is queued
    WAITING = "waiting"  # the previous run's tasks are still ending: ask again shortly
    FINISHED = "finished"
    NOTHING = "nothing"  # not this caller's turn (a duplicate step) or no longer running


def benchmark_start(
    *,
    election_id: int,
    strategies: Iterable[str],
    repeats: int,
    started_by: str,
    center_ids: list[int] | None = None,
    mode: str = AssignmentMode.BALANCED,
) -> Benchmark:
    """Create a benchmark and start its first run; each run's end starts the next
    (:func:`benchmark_advance`, from the ``benchmark_step`` task), one at a time."""
    benchmark = benchmark_create(
        election_id=election_id,
        strategies=strategies,
        repeats=repeats,
        started_by=started_by,
        center_ids=center_ids,
        mode=mode,
    )
    if benchmark_advance(benchmark_id=benchmark.pk) is Step.NOTHING:
        benchmark.refresh_from_db()
        raise BenchmarkRefused(
            f"Benchmark {benchmark.pk} could not start its first run. {benchmark.error}".strip()
        )
    return benchmark


def benchmark_advance(*, benchmark_id: int) -> Step:
    """Start the benchmark's next run if the previous one has ended (tasks included), or
    finish the benchmark. Safe to call twice: the step is claimed before the run starts.
    A refused start (another run on the election) fails the benchmark, saying why."""
    benchmark = Benchmark.objects.filter(pk=benchmark_id).first()
    if benchmark is None:
        return Step.NOTHING
    previous = benchmark.runs.order_by("-benchmark_entry__position").first()
    still_ending = (
        previous is not None
        and not previous.is_active
        and previous.finished_at is not None
        and timezone.now() - previous.finished_at < DRAIN_GRACE
        and not previous.tasks.drained()
    )
    if still_ending:
        return Step.WAITING
    if benchmark_finish_if_done(benchmark_id=benchmark_id):
        return Step.FINISHED
    claimed = benchmark_claim_step(benchmark_id=benchmark_id)
    if claimed is None:
        return Step.NOTHING
    position, strategy = claimed
    try:
        # The run and the lab's link to it commit together (its tasks are queued on
        # commit): a claimed position always has its run.
        with transaction.atomic():
            run = run_start(
                election_id=benchmark.election_id,
                strategy=strategy,
                started_by=benchmark.started_by,
                center_ids=benchmark.center_ids,
                mode=benchmark.assignment_mode,
            )
            BenchmarkRun.objects.create(benchmark=benchmark, position=position, run=run)
    except RunRefused as exc:
        benchmark_fail(benchmark_id=benchmark_id, error=f"Run {position + 1}: {exc}")
        return Step.NOTHING
    return Step.STARTED
