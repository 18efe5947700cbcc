"""Tasks that start runs: beat's entry point for schedules, and a benchmark's next step.

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
from rolls.launch import Step, benchmark_advance, run_start
from rolls.models import DEFAULT_PURPOSE
from rolls.services.benchmarks import benchmark_queue_step, benchmarks_running
from rolls.services.runs import RunRefused

# A benchmark step whose previous run still has tasks ending queues itself again this much
# later: nothing waits on a result.
RETRY_SECONDS = 1.0


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


@shared_task(name=task_names.BENCHMARK_STEP, queue_kind="db")
def benchmark_step(benchmark_id: int) -> dict:
    """When one of a benchmark's runs ends, the ledger queues this: start the next run."""
    step = benchmark_advance(benchmark_id=benchmark_id)
    if step is Step.WAITING:
        benchmark_queue_step(benchmark_id=benchmark_id, countdown=RETRY_SECONDS)
    return {"benchmark": benchmark_id, "step": step.value}


@shared_task(name=task_names.ADVANCE_BENCHMARKS, queue_kind="db")
def advance_benchmarks() -> list[int]:
    """Beat's safety net: a step whose message was lost (a broker restart) would leave its
    benchmark waiting for ever; this advances every running one (a no-op when a run of it
    is still active, and claimed steps never start twice)."""
    return [
        benchmark_id
        for benchmark_id in benchmarks_running()
        if benchmark_advance(benchmark_id=benchmark_id) is Step.STARTED
    ]
