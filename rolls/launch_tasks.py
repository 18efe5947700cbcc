"""The task that starts runs for beat: the entry point of schedules.

They start runs through :mod:`rolls.launch`, so they sit beside the admin and the CLI, not
with the tasks runs are made of (:mod:`rolls.tasks`, which the launcher queues and which
therefore never import it). Celery finds them by autodiscovery, as ``<app>.launch_tasks``
(``config/celery.py``); their names are pinned in :mod:`rolls.task_names`, because beat's
rows and the admin's schedules store them.
"""

from __future__ import annotations

from celery import shared_task

from elections.references import UnknownElection, election_resolve
from rolls import task_names
from rolls.launch import run_start
from rolls.models import DEFAULT_PURPOSE
from rolls.services.ledger import RunRefused
from rolls.services.schedules import schedulable_strategies
from rolls.strategies import STRATEGIES


class ScheduleError(ValueError):
    """A periodic task's arguments are wrong; stored as the task's failure message."""


@shared_task(name=task_names.START_SCHEDULED_RUN, bind=True, queue_kind="db")
def start_scheduled_run(
    self,
    election: str = "",
    strategy: str = "",
    mode: str = "balanced",
    changed_only=False,
    purpose: str = DEFAULT_PURPOSE,
) -> dict:
    """What django-celery-beat schedules call. Bad kwargs (hand-edited in the admin) fail
    this one task with a clear message in its TaskResult; beat itself keeps running.
    ``purpose`` (provisional or final) defaults to final rolls, as runs were before it."""
    headers = getattr(self.request, "headers", None) or {}
    schedule = (
        getattr(self.request, "periodic_task_name", None)
        or headers.get("periodic_task_name")
        or "unnamed schedule"
    )
    if not isinstance(changed_only, bool):
        raise ScheduleError(
            f"Schedule {schedule!r}: changed_only must be true or false, not {changed_only!r}"
        )
    # A schedule saved before the lab's strategies left Generate rolls (or edited by hand)
    # may name one: it is refused when it fires, as it would be when saved.
    # (A name that is not one, e.g. a list, is refused by run_start with the choices.)
    schedulable = schedulable_strategies()
    if isinstance(strategy, str) and strategy in STRATEGIES and strategy not in schedulable:
        raise ScheduleError(
            f"Schedule {schedule!r}: {strategy} is a teaching strategy of the strategy lab: "
            f"schedules generate rolls with {', '.join(schedulable)}; edit the schedule"
        )
    try:
        target = election_resolve(election)
    except UnknownElection as exc:
        raise ScheduleError(f"Schedule {schedule!r}: {exc}") from None
    try:
        run = run_start(
            election_id=target.pk,
            strategy=strategy,
            started_by=f"schedule:{schedule}",
            mode=mode,
            purpose=purpose,
            changed_only=changed_only,
        )
    except RunRefused as exc:
        raise ScheduleError(f"Schedule {schedule!r}: {exc}") from None
    return {
        "run": run.pk,
        "election": target.slug,
        "strategy": strategy,
        "purpose": run.purpose,
        "schedule": schedule,
    }
