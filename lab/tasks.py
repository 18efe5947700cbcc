"""The tasks only the talk's teaching strategies use: everything in one task, waiting on a
group inside a task (the anti-pattern), and a chord whose sub-task fails with its
``on_error`` handler. Thin, like the console's tasks (:mod:`rolls.tasks`), whose base class
records each in its run; the lab queues them, the console never does."""

from __future__ import annotations

import time

from celery import group, shared_task

from lab import task_names as lab_names
from rolls import tasks
from rolls.models import Run
from rolls.services import ledger, pipeline, run_tasks
from rolls.task_base import RunBoundTask, where


@shared_task(name=lab_names.ALL_IN_ONE, base=RunBoundTask, bind=True, queue_kind="render")
def all_in_one(self, run_id: int) -> dict:
    started = time.perf_counter()
    run = Run.objects.get(pk=run_id)
    pages = 0
    for center_id in ledger.run_center_ids(run):
        pipeline.center_assign_for_run(run=run, center_id=center_id)
        pages += pipeline.center_render_for_run(
            run=run,
            center_id=center_id,
            task_id=self.request.id,
            before_storing=self.check_soft_time_limit,
        )
    seconds = round(time.perf_counter() - started, 4)
    return {"run": run_id, "pages": pages, "seconds": seconds, **where()}


@shared_task(name=lab_names.BY_CENTER_WITH_JOIN, base=RunBoundTask, bind=True, queue_kind="db")
def by_center_with_join(self, run_id: int) -> dict:
    """The anti-pattern the talk warns about: wait for subtasks inside a task.

    The group is queued first, so its tasks still run and finish; then ``.get()`` raises
    Celery's ``RuntimeError("Never call result.get() within a task!")`` and the run fails
    with that message.
    """
    run = Run.objects.get(pk=run_id)
    subtasks = group(
        tasks.assign_and_render_center.s(run_id, c) for c in ledger.run_center_ids(run)
    )
    result = run_tasks.run_queue_canvas(run_id=run_id, canvas=subtasks)
    pages = sum(r["pages"] for r in result.get())  # raises RuntimeError inside a worker
    return {"run": run_id, "pages": pages}


@shared_task(name=lab_names.FAIL_ON_PURPOSE, base=RunBoundTask, bind=True, queue_kind="db")
def fail_on_purpose(self, run_id: int, center_id: int) -> dict:
    """The talk's error-handling lesson: one sub-task of the group fails."""
    raise ValueError(f"simulated failure while processing center {center_id} (on purpose)")


@shared_task(name=lab_names.RECORD_CHORD_ERROR, queue_kind="db")
def record_chord_error(request, exc, traceback, run_id: int) -> dict:
    """A chord's ``on_error`` handler: record which task failed and why on the run.

    Not bound on purpose: Celery calls unbound three-argument errbacks in place with the
    failure (a bound one would be sent as an old-style errback with only a task id). For a
    chord, ``exc`` is a ChordError naming the header task that failed.
    """
    message = f"on_error handler: the chord callback did not run: {type(exc).__name__}: {exc}"
    ledger.run_fail(run_id=run_id, error=message)
    return {"run": run_id, "error": str(exc), **where()}
