"""The run's own record of its tasks: each task's state, start, end and worker process,
written from the task base class's hooks (one UPDATE each: tasks are ~14 ms apart), and the
tasks of a canvas linked to the run when it is queued. django-celery-results stays the audit
log of every task; nothing here writes to it.
"""

from __future__ import annotations

from celery.canvas import Signature
from django.db import IntegrityError, transaction
from django.utils import timezone

from rolls.models import RunTask, TaskState


def run_task_start(
    *,
    task_id: str,
    task_name: str,
    worker: str,
    pid: int,
    processes: int,
    process_number: int | None = None,
    run_id: int | None = None,
    center_id: int | None = None,
    station: int | None = None,
) -> None:
    """A worker process starts the task (again, for a retry or a redelivery): record where it
    runs and since when, with its center and station.

    One UPDATE when the run linked the task as it queued it. A task it did not link (queued
    by another task) is linked here, given ``run_id``; without one (Celery's own canvas
    tasks) an unlinked task is none of a run's business.
    """
    fields = {
        "task_name": task_name[:255],
        "state": TaskState.STARTED,
        "started_at": timezone.now(),
        "ended_at": None,
        "cpu_seconds": None,
        "worker": worker[:255],
        "pid": pid,
        "process_number": process_number,
        "processes": processes,
    }
    if run_id is not None:
        fields.update(center_id=center_id, station_number=station)
    if RunTask.objects.filter(task_id=task_id).update(**fields) or run_id is None:
        return
    try:
        with transaction.atomic():
            RunTask.objects.create(run_id=run_id, task_id=task_id, **fields)
    except IntegrityError:  # the queuing process linked it in the meantime
        RunTask.objects.filter(task_id=task_id).update(**fields)


def run_task_end(*, task_id: str, state: TaskState, cpu_seconds: float | None = None) -> None:
    """The task's attempt ended: it succeeded or failed (revoking is :func:`run_tasks_revoke`'s),
    with the CPU time its process spent on it when that process could tell."""
    RunTask.objects.filter(task_id=task_id).update(
        state=state, ended_at=timezone.now(), cpu_seconds=cpu_seconds
    )


def run_task_abandon(*, run_id: int, task_id: str, task_name: str) -> None:
    """A queued task that will never run ends failed: the callback of a chord whose header
    failed, which Celery fails in its result without running it.

    The header task can fail before the process that queued the chord has linked its tasks
    (a worker picks the first task up at once): the callback's row is then written here,
    failed, and the linking that follows leaves it as it is.
    """
    fields = {"task_name": task_name[:255], "state": TaskState.FAILED, "ended_at": timezone.now()}
    queued = RunTask.objects.filter(task_id=task_id, state=TaskState.QUEUED)
    if queued.update(**fields):
        return
    try:
        with transaction.atomic():
            RunTask.objects.create(run_id=run_id, task_id=task_id, **fields)
    except IntegrityError:  # there is a row: linked in the meantime, or it already ended
        queued.update(**fields)


def run_task_retry(*, task_id: str) -> None:
    """The task will run again later. Only a started attempt turns into a retry: the next one
    may already have ended (a retry can be due at once), and that outcome stands."""
    RunTask.objects.filter(task_id=task_id, state=TaskState.STARTED).update(state=TaskState.RETRY)


def run_tasks_revoke(*, run_id: int) -> list[str]:
    """Mark the run's tasks that never ended revoked, so the run is drained; returns their
    ids. A task that is really still running goes on and records its own end."""
    tasks = RunTask.objects.filter(run_id=run_id)
    unended = list(tasks.unended().values_list("task_id", flat=True))
    if unended:
        tasks.filter(task_id__in=unended).unended().update(
            state=TaskState.REVOKED, ended_at=timezone.now()
        )
    return unended


def canvas_task_names(canvas) -> dict[str, str]:
    """Task id -> task name of every task in a frozen canvas (chord header and body, chain,
    group members); a canvas that was not frozen has no ids yet and gives nothing."""
    names: dict[str, str] = {}
    stack = [canvas]
    while stack:
        node = stack.pop()
        members = getattr(node, "tasks", None)  # a chord's is its header group
        if isinstance(members, Signature):
            stack.append(members)
        elif members is not None:
            stack.extend(members)
        else:
            task_id = node.options.get("task_id")
            if task_id:
                names[task_id] = node.task
        body = getattr(node, "body", None)
        if body is not None:
            stack.append(body)
    return names


def run_queue_canvas(*, run_id: int, canvas):
    """Queue a run's canvas and link its tasks to the run under their names (a task still
    queued is listed as what it will run). Ids are fixed by freezing before sending."""
    canvas.freeze()
    names = canvas_task_names(canvas)
    result = canvas.apply_async()
    run_link_result_tree(run_id=run_id, result=result, names=names)
    return result


def run_link_result_tree(*, run_id: int, result, names: dict[str, str] | None = None) -> None:
    """Link every task of a just-queued canvas (chord header and body, chain, group members),
    named from ``names`` (:func:`canvas_task_names`) where it knows them.

    Group ids are skipped: they never get a result row of their own.
    """
    names = names or {}
    found: dict[str, str] = {}
    stack = [result]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        members = getattr(node, "results", None)
        if members is not None:
            stack.extend(members)
        elif node.id not in found:
            found[node.id] = names.get(node.id, "queued")
        stack.append(getattr(node, "parent", None))
    existing = set(RunTask.objects.filter(task_id__in=found).values_list("task_id", flat=True))
    RunTask.objects.bulk_create(
        [
            RunTask(run_id=run_id, task_id=task_id, task_name=name)
            for task_id, name in found.items()
            if task_id not in existing
        ],
        ignore_conflicts=True,
    )
