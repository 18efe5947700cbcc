"""The base class of the run's tasks, and the hooks that keep the run's own task table.

Every execution of a run's task is recorded in ``RunTask`` as it happens: started (with its
worker and process), retrying, succeeded or failed. The run's page, its progress and its
timing figures read that table; django-celery-results stays the audit log of every task
(results and tracebacks). Each hook is one cheap write: tasks can be milliseconds apart.
"""

from __future__ import annotations

import inspect
import logging
import os
import resource
import socket
import time
from pathlib import Path

import billiard.pool
import billiard.process
from billiard.exceptions import WorkerLostError
from celery import Task, current_app, signals
from celery.canvas import maybe_signature
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core import checks
from django.db import connections, reset_queries

from rolls.models import Run, TaskState
from rolls.pdf.roll import freeze_start_up
from rolls.pdf.warm import warm_up
from rolls.services import ledger as run_services
from rolls.services import run_tasks

logger = logging.getLogger(__name__)
# The language the renderer is made ready in at a worker's start (its labels and stylesheet;
# the fonts of every script are read whatever it is).
WARM_LANGUAGE = "en"


def close_broken_connections() -> None:
    """Drop database connections an error left unusable, so that what follows the error in
    this process (storing the retry or failure, failing the run) reconnects instead of failing
    again. Celery's Django fixup does the same, but only when the next task starts."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()


class RunGone(LookupError):
    """The task's run was deleted (with its election) after the task was queued."""


def pool_process_number() -> int | None:
    """This process's place in its worker's pool, from 1 (billiard numbers a pool's processes
    from 0, and a process that replaces another takes its index); None outside a pool."""
    index = getattr(billiard.process.current_process(), "index", None)
    return index + 1 if isinstance(index, int) else None


def worker_process() -> dict:
    """The process running this code, its place in its worker's pool and the pool's size."""
    return {
        "pid": os.getpid(),
        "process_number": pool_process_number(),
        "processes": current_app.conf.worker_concurrency or os.cpu_count() or 1,
    }


def where() -> dict:
    """Which worker process ran a task, as its result reports it."""
    process = worker_process()
    return {"pid": process["pid"], "host": socket.gethostname(), "processes": process["processes"]}


class RunBoundTask(Task):
    """Keeps the run's record of each execution (linked to its run, with its state, times and
    worker process) and marks the run failed, with the task's name and error, when the task
    fails. Each hook is one cheap write: tasks can be milliseconds apart."""

    queue_kind = "db"

    def arguments(self, args, kwargs) -> dict:
        """The call's arguments by name (positional ones included, e.g. from starmap)."""
        try:
            return inspect.signature(self.run).bind_partial(*args, **kwargs).arguments
        except TypeError:
            return dict(kwargs)

    def run_id_of(self, args, kwargs) -> int | None:
        run_id = self.arguments(args, kwargs).get("run_id")
        return run_id if isinstance(run_id, int) else None

    def check_soft_time_limit(self) -> None:
        """Raise SoftTimeLimitExceeded if this execution is past its soft time limit.

        The soft limit is a signal raised wherever the task happens to be; inside a library
        that catches broad exceptions (WeasyPrint does, in places) it is swallowed and the
        task goes on past its limit, to be stopped only by the hard limit, or not at all if
        it ends before it. Renders call this before storing a roll, so a task past its limit
        never writes or counts one."""
        started = getattr(self.request, "started_monotonic", None)
        limits = self.request.timelimit or (None, None)
        soft = limits[1] if limits[1] is not None else self.soft_time_limit
        soft = soft if soft is not None else current_app.conf.task_soft_time_limit
        if started is not None and soft and time.monotonic() - started > soft:
            raise SoftTimeLimitExceeded(f"past the soft time limit of {soft} s")

    def cpu_seconds(self) -> float | None:
        """CPU time this process spent on the running task; None where it did not start it
        (the worker's main process learning of a killed child)."""
        started = getattr(self.request, "started_cpu", None)
        return None if started is None else max(0.0, time.process_time() - started)

    def before_start(self, task_id, args, kwargs):
        self.request.started_monotonic = time.monotonic()
        self.request.started_cpu = time.process_time()
        arguments = self.arguments(args, kwargs)
        run_id = arguments.get("run_id")
        if not isinstance(run_id, int):
            return
        if not Run.objects.filter(pk=run_id).exists():
            raise RunGone(
                f"Run {run_id} no longer exists (its election was deleted?); nothing to do"
            )
        run_tasks.run_task_start(
            run_id=run_id,
            task_id=task_id,
            task_name=self.name,
            center_id=arguments.get("center_id"),
            station=arguments.get("station_number"),
            worker=self.request.hostname or "",
            **worker_process(),
        )
        run_services.run_mark_started(run_id=run_id)

    def on_success(self, retval, task_id, args, kwargs):
        if self.run_id_of(args, kwargs) is not None:
            run_tasks.run_task_end(
                task_id=task_id, state=TaskState.SUCCEEDED, cpu_seconds=self.cpu_seconds()
            )

    def retry(self, *args, **kwargs):
        close_broken_connections()
        return super().retry(*args, **kwargs)

    def on_retry(self, exc, task_id, args, kwargs, einfo):
        if self.run_id_of(args, kwargs) is not None:
            run_tasks.run_task_retry(task_id=task_id)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Also runs in the worker's main process, with TimeLimitExceeded, when the hard time
        limit killed the task's process (Celery 5.7, celery/celery#10226)."""
        run_id = self.run_id_of(args, kwargs)
        if run_id is None:
            return
        close_broken_connections()
        if isinstance(exc, SoftTimeLimitExceeded):
            message = f"{self.name} [{task_id}] exceeded its time limit and was stopped"
        elif isinstance(exc, TimeLimitExceeded):
            seconds = exc.args[0] if exc.args else "?"
            message = (
                f"{self.name} [{task_id}] exceeded its hard time limit ({seconds} s)"
                " and its worker process was killed"
            )
        else:
            message = f"{self.name} [{task_id}] failed: {type(exc).__name__}: {exc}"
        # The task's end first, then the run's failure: whoever sees the run failed (its page,
        # a script waiting on it) finds the task that failed it ended, not still started.
        run_tasks.run_task_end(
            task_id=task_id, state=TaskState.FAILED, cpu_seconds=self.cpu_seconds()
        )
        run_services.run_fail(run_id=run_id, error=message)
        # A failed header task dooms its chord: the callback is failed unrun. (In the main
        # process, after a hard time limit, the task's request and so its chord are unknown.)
        callback = maybe_signature(getattr(self.request, "chord", None), app=self.app)
        if callback is not None and callback.id:
            run_tasks.run_task_abandon(
                run_id=run_id, task_id=callback.id, task_name=callback.task or ""
            )


# What the hooks above cannot see. Celery's own canvas tasks (``celery.starmap``, which a
# run queues and links) take Celery's base class, not ours; and when a worker process dies
# under a task that is not redelivered, only the worker's main process learns of it, through
# the ``task_failure`` signal, without calling the task's ``on_failure``.


def _celery_canvas_task(task) -> bool:
    return not isinstance(task, RunBoundTask) and task.name.startswith("celery.")


@signals.task_prerun.connect
def _canvas_task_started(sender=None, task_id=None, task=None, **kwargs):
    if task is not None and _celery_canvas_task(task):
        run_tasks.run_task_start(
            task_id=task_id,
            task_name=task.name,
            worker=task.request.hostname or "",
            **worker_process(),
        )


@signals.task_success.connect
def _canvas_task_succeeded(sender=None, **kwargs):
    if sender is not None and _celery_canvas_task(sender) and sender.request.id:
        run_tasks.run_task_end(task_id=sender.request.id, state=TaskState.SUCCEEDED)


@signals.task_failure.connect
def _task_failed_unseen(sender=None, task_id=None, exception=None, **kwargs):
    if sender is None or task_id is None:
        return
    if _celery_canvas_task(sender) or isinstance(exception, WorkerLostError):
        close_broken_connections()
        run_tasks.run_task_end(task_id=task_id, state=TaskState.FAILED)


class WorkerChecksFailed(SystemExit):
    """The system checks found an error at a worker's start: it exits instead of taking
    tasks (a SystemExit, which Celery's signal dispatch does not swallow as it does errors)."""


@signals.worker_init.connect
def _checks_pass(sender=None, **kwargs):
    """Run the system checks ``manage.py check`` runs (rolls/checks.py and Django's own, not
    the database's) before the worker takes a task: a render node set up on a machine of its
    own, with a WeasyPrint whose internals the rolls were not tested with, exits at start with
    the check's words instead of failing every roll it is given. Warnings are logged."""
    messages = [m for m in checks.run_checks() if not m.is_silenced()]
    for message in messages:
        if not message.is_serious():
            logger.warning("System check: %s", message)
    errors = [str(m) for m in messages if m.is_serious()]
    if errors:
        raise WorkerChecksFailed(
            "The worker does not start: the system checks found errors.\n" + "\n".join(errors)
        )


@signals.worker_init.connect
def _renderer_ready(sender=None, **kwargs):
    """Make the renderer ready in the worker's main process, before its pool processes are
    forked from it (rolls/pdf/warm.py): they start with the fonts and stylesheets loaded, and
    with all of that frozen, out of the collector's reach (roll.freeze_start_up), so that
    collecting each station's garbage costs about a millisecond."""
    try:
        warm_up(WARM_LANGUAGE)
    except Exception as error:  # never a reason not to start: the first task pays instead
        logger.warning("The renderer could not be made ready at start: %s", error)
    frozen = freeze_start_up()
    logger.info("Start-up objects frozen for the pool processes: %s", frozen)


def resident_kib() -> int | None:
    """This process's resident memory now (VmRSS), in KiB; None where /proc cannot say."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


@signals.worker_process_init.connect
def _pool_process_memory_limit(**kwargs):
    """Give this pool process its memory limit: its size now, fresh from the fork, plus
    settings.WORKER_MEMORY_GROWTH_MB. Billiard checks the limit after each task and, past it,
    replaces the process with a fresh fork of the worker's main process (warm renderer, same
    place in the pool). Set here, in the process, because that is where its starting size
    can be read (the main process holds more than a fork starts with), and before billiard's
    loop reads the limit from its Worker, this process's target. An absolute limit
    (CELERY_WORKER_MAX_MEMORY_PER_CHILD, --max-memory-per-child) is left as given."""
    pool_worker = getattr(billiard.process.current_process(), "_target", None)
    if not isinstance(pool_worker, billiard.pool.Worker):
        if pool_process_number() is not None:  # a pool process, but not billiard's as known
            logger.warning(
                "This pool process has no memory limit: its billiard Worker was not found"
            )
        return
    if pool_worker.max_memory_per_child:
        return
    growth, base = settings.WORKER_MEMORY_GROWTH_MB, resident_kib()
    if growth and base is not None:
        pool_worker.max_memory_per_child = base + growth * 1024


@signals.task_postrun.connect
def _forget_queries(**kwargs):
    """Empty Django's log of this process's queries after each task. With DEBUG on (the
    embedded default) every connection keeps its last 9,000 queries' SQL, and nothing in a
    worker ever reads or empties it: a station takes ~30 queries, so a process that has
    rendered 300 stations holds ~9,000 SQL strings for nothing."""
    reset_queries()


@signals.worker_process_shutdown.connect
def _pool_process_peak(exitcode=None, **kwargs):
    """A pool process's peak memory, logged as it exits (replaced past its memory limit, or
    with its worker): what it reached is otherwise gone with it. ``make bench`` reads it."""
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    logger.info(
        "Pool process %s exits (code %s): peak RSS %.1f MiB", os.getpid(), exitcode, peak_kib / 1024
    )
