"""Starting and resuming runs: the one owner of "run strategy X on this election".

Entry points (admin actions, ``manage.py`` commands, beat's ``start_scheduled_run``) call
:func:`run_start` or :func:`run_resume`. Each validates, writes the run through the ledger
(:mod:`rolls.services.runs`), and queues its tasks once the transaction commits; if the
broker refuses, the run fails at once instead of blocking its election.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from enum import Enum

from celery import Signature, group
from django.db import transaction
from django.utils import timezone

from rolls import tasks
from rolls.models import DEFAULT_PURPOSE, AssignmentMode, Benchmark, Run
from rolls.services import recovery
from rolls.services.benchmarks import (
    BenchmarkRefused,
    benchmark_claim_step,
    benchmark_create,
    benchmark_fail,
    benchmark_finish_if_done,
)
from rolls.services.carry_over import run_carry_over_unchanged
from rolls.services.fingerprints import template_version
from rolls.services.render_plan import run_plan_renders
from rolls.services.run_tasks import run_link_result_tree
from rolls.services.runs import (
    RunRefused,
    run_center_ids,
    run_create,
    run_fail,
    run_finish_if_complete,
    run_mark_launched,
)
from rolls.services.workers import worker_setup_in_process, worker_setup_probe
from rolls.strategies import UnknownStrategy, canvases, strategy_get

logger = logging.getLogger(__name__)

Launcher = Callable[[Run], None]


def run_start(
    *,
    election_id: int,
    strategy: str,
    started_by: str,
    center_ids: Iterable[int] | None = None,
    mode: str = AssignmentMode.BALANCED,
    purpose: str = DEFAULT_PURPOSE,
    changed_only: bool = False,
    launch: Launcher | None = None,
    benchmark_id: int | None = None,
    benchmark_position: int | None = None,
) -> Run:
    """Create a queued run and queue its strategy's canvas once the transaction commits.

    The run records the worker setup it will be measured on, asked of the workers before
    the run is written (a second's wait at most, outside the run's row); a run launched in
    process (``launch``) records that instead, its tasks never reach a worker.

    ``purpose``: what the rolls are for (``RunPurpose``), printed on every page; only final
    rolls can be published. Callers that do not ask staff get ``DEFAULT_PURPOSE`` (final).
    ``changed_only``: first carry every center that is unchanged since the official set over
    from it (see :mod:`rolls.services.carry_over`); the canvas then covers the others only.
    ``launch`` replaces queuing the canvas (tests that apply tasks in-process)."""
    try:
        chosen = strategy_get(strategy)
    except UnknownStrategy as exc:
        raise RunRefused(str(exc)) from None
    setup = worker_setup_probe() if launch is None else worker_setup_in_process()
    run = run_create(
        election_id=election_id,
        strategy=chosen.name,
        renders=chosen.renders,
        started_by=started_by,
        center_ids=center_ids,
        mode=mode,
        purpose=purpose,
        changed_only=changed_only,
        template_version=template_version(),
        worker_setup=setup,
        benchmark_id=benchmark_id,
        benchmark_position=benchmark_position,
    )
    launcher = launch or canvases.strategy_launch
    if changed_only:
        launcher = carrying_over_first(launcher)
    transaction.on_commit(lambda: launch_or_fail(run, launcher))
    return run


def carrying_over_first(launcher: Launcher) -> Launcher:
    def launch(run: Run) -> None:
        outcome = run_carry_over_unchanged(run=run)
        logger.info(
            "run %s: %s centers carried over from run %s (%s files), %s to split and render",
            run.pk,
            outcome.carried,
            outcome.official_run_id,
            outcome.files,
            outcome.changed,
        )
        if run_center_ids(run):
            launcher(run)
        else:
            run_finish_if_complete(run_id=run.pk)  # nothing changed: the set is complete

    return launch


def run_resume(*, run_id: int, started_by: str, launch: Launcher | None = None) -> Run:
    """Re-activate a failed run and queue only what it is missing (see
    :func:`rolls.services.recovery.run_resume_plan`); refusals as
    :func:`rolls.services.recovery.run_reactivate` explains."""
    run = recovery.run_reactivate(run_id=run_id, started_by=started_by)
    launcher = launch or queue_missing
    transaction.on_commit(lambda: launch_or_fail(run, launcher))
    return run


def launch_or_fail(run: Run, launcher: Launcher) -> None:
    """Queue the run's tasks; if the broker refuses, the run fails instead of staying
    'queued' (and blocking the election)."""
    try:
        launcher(run)
    except Exception as exc:
        run_fail(
            run_id=run.pk, error=f"Could not queue the run's tasks: {type(exc).__name__}: {exc}"
        )
        raise RunRefused(f"Could not queue run {run.pk}: {exc}") from exc
    run_mark_launched(run_id=run.pk)


def resume_signatures(run: Run, plan: recovery.ResumePlan) -> list[Signature]:
    """The tasks that do what ``plan`` says: assign (and render) each missing center, and
    render the missing stations in batches planned for the live workers, as ours does."""
    if not run.renders:
        return [tasks.assign_center.si(run.pk, c) for c in plan.centers]
    batches = run_plan_renders(run=run, stations=plan.stations).batches if plan.stations else []
    return [tasks.assign_and_render_center.si(run.pk, c) for c in plan.centers] + [
        tasks.render_stations.si(run.pk, batch) for batch in batches
    ]


def queue_missing(run: Run) -> None:
    plan = recovery.run_resume_plan(run)
    if plan.empty:
        if not run_finish_if_complete(run_id=run.pk):
            run.refresh_from_db()
            run_fail(
                run_id=run.pk,
                error=(
                    "Resumed with nothing left to do, but the counts do not add up: "
                    f"centers {run.centers_assigned}/{run.centers_total}, "
                    f"stations {run.stations_done}/{run.stations_total}"
                ),
            )
        return
    result = group(resume_signatures(run, plan)).apply_async()
    run_link_result_tree(run_id=run.pk, result=result)
    logger.info(
        "run %s resumed: %s centers to assign, %s stations to render",
        run.pk,
        len(plan.centers),
        len(plan.stations),
    )


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
    previous = benchmark.runs.order_by("-benchmark_position").first()
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
        run_start(
            election_id=benchmark.election_id,
            strategy=strategy,
            started_by=benchmark.started_by,
            center_ids=benchmark.center_ids,
            mode=benchmark.assignment_mode,
            benchmark_id=benchmark.pk,
            benchmark_position=position,
        )
    except RunRefused as exc:
        benchmark_fail(benchmark_id=benchmark_id, error=f"Run {position + 1}: {exc}")
        return Step.NOTHING
    return Step.STARTED
