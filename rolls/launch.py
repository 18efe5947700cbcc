"""Starting and resuming runs: the one owner of "run strategy X on this election".

Entry points (admin actions, ``manage.py`` commands, beat's ``start_scheduled_run``) call
:func:`run_start` or :func:`run_resume`. Each validates, writes the run through the ledger
(:mod:`rolls.services.ledger`), and queues its tasks once the transaction commits; if the
broker refuses, the run fails at once instead of blocking its election.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from celery import Signature, group
from django.db import transaction

from rolls import tasks
from rolls.models import DEFAULT_PURPOSE, AssignmentMode, Run
from rolls.services import recovery
from rolls.services.carry_over import run_carry_over_unchanged
from rolls.services.fingerprints import template_version
from rolls.services.ledger import (
    RunRefused,
    run_center_ids,
    run_create,
    run_fail,
    run_finish_if_complete,
    run_mark_launched,
)
from rolls.services.render_batches import run_plan_renders
from rolls.services.run_tasks import run_queue_canvas
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
    run_queue_canvas(run_id=run.pk, canvas=group(resume_signatures(run, plan)))
    logger.info(
        "run %s resumed: %s centers to assign, %s stations to render",
        run.pk,
        len(plan.centers),
        len(plan.stations),
    )
