"""A run's figures: the audit-log rows of its tasks (django-celery-results) and its timing
figures (wall time, task CPU, pages/s, efficiency) from the run's own task table. What the
run page lists is in :mod:`rolls.selectors.run_records`; what a run would produce, in
:mod:`rolls.selectors.plans`.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import F, Max, Sum
from django.utils import timezone
from django_celery_results.models import TaskResult

from rolls import task_kinds
from rolls.models import RollFile, Run, RunTask


def run_task_results(run: Run):
    """The django-celery-results rows of a run's tasks (the audit log), by task id."""
    ids = RunTask.objects.filter(run=run).values("task_id")
    return TaskResult.objects.filter(task_id__in=ids).order_by("date_started", "date_done")


def short_task_name(task_name: str) -> str:
    """``rolls.tasks.render_station`` -> ``render_station``."""
    return (task_name or "?").rsplit(".", 1)[-1]


@dataclass(frozen=True)
class TaskSpan:
    task_id: str
    name: str
    state: str
    worker: str
    pid: int | None
    processes: int | None
    started: datetime
    finished: datetime
    seconds: float
    center_id: int | None = None
    cpu_seconds: float | None = None
    process_number: int | None = None


@dataclass(frozen=True)
class RunMetrics:
    tasks: int
    wall_seconds: float | None
    queued_seconds: float | None
    task_seconds: float
    longest_task_seconds: float
    longest_task_name: str
    longest_task_center_id: int | None
    worker_processes: int
    efficiency: float | None
    pages: int  # every page of the run's set, carried over or rendered
    pages_per_second: float | None  # of the pages it rendered
    overhead_ms: float | None
    spans: list[TaskSpan]
    pages_carried: int = 0
    # The CPU time of the work that can run side by side (every work task but those that
    # take the whole run in one go, e.g. the assignment), and the wall time of those that
    # cannot; None where a task's CPU time was not recorded.
    parallel_cpu_seconds: float | None = None
    serial_seconds: float = 0.0

    @property
    def pages_rendered(self) -> int:
        return self.pages - self.pages_carried

    @property
    def floor_seconds(self) -> float | None:
        """What the run would take with nothing but its work: the serial tasks one after
        the other, then the rest's CPU spread evenly over every process, with no time spent
        waiting (for the database, the broker or the last batch)."""
        if self.parallel_cpu_seconds is None or not self.worker_processes:
            return None
        return self.serial_seconds + self.parallel_cpu_seconds / self.worker_processes


def process_key(worker: str, process_number: int | None, pid: int | None) -> tuple | None:
    """Which process of which worker ran a task: its place in the worker's pool where it was
    recorded (a process that replaces another, after the memory limit, takes its place),
    else its pid; None when the task did not say."""
    if process_number is not None:
        return (worker, "process", process_number)
    if pid is not None:
        return (worker, "pid", pid)
    return None


def span_process(span: TaskSpan) -> tuple | None:
    return process_key(span.worker, span.process_number, span.pid)


class TaskRow(NamedTuple):
    """One row of a run's task table, as the run page and the run's figures read it."""

    task_id: str
    task_name: str
    state: str
    worker: str
    pid: int | None
    process_number: int | None
    processes: int | None
    started_at: datetime | None
    ended_at: datetime | None
    center_id: int | None
    station_number: int | None
    cpu_seconds: float | None


def run_task_rows(run: Run) -> list[TaskRow]:
    """Every task of the run: those that started in the order they did, then those still
    waiting in the order they were queued. Rows, not model instances: a run of the
    assign-and-lists chord at 1M voters has 3,540 tasks, and building each as a model took
    most of its page's time; the page reads them once for its list and its figures."""
    rows = (
        RunTask.objects.filter(run=run)
        .order_by(F("started_at").asc(nulls_last=True), "ended_at", "first_seen")
        .values_list(*TaskRow._fields)
    )
    return [TaskRow(*row) for row in rows]


def run_spans(run: Run, rows: list[TaskRow] | None = None) -> list[TaskSpan]:
    """The run's tasks that started and ended, as their worker processes recorded them
    (from ``rows`` when the caller has read them already)."""
    ended = [
        row
        for row in (run_task_rows(run) if rows is None else rows)
        if row.started_at is not None and row.ended_at is not None
    ]
    ended.sort(key=lambda row: (row.started_at, row.ended_at))
    return [
        TaskSpan(
            task_id=row.task_id,
            name=short_task_name(row.task_name),
            state=row.state,
            worker=row.worker or "?",
            pid=row.pid,
            process_number=row.process_number,
            processes=row.processes,
            started=row.started_at,
            finished=row.ended_at,
            seconds=(row.ended_at - row.started_at).total_seconds(),
            center_id=row.center_id,
            cpu_seconds=row.cpu_seconds,
        )
        for row in ended
    ]


def run_work_ended_at(run: Run) -> datetime | None:
    """When the run's work ended: its finish or the end of its last task, whichever is later
    (a failed run can have subtasks still finishing after it was marked failed, e.g. the join
    strategy's). None while the run is in progress. The run list annotates
    ``last_task_ended_at`` (:meth:`RunQuerySet.with_last_task_end`) to save a query a row."""
    if run.finished_at is None:
        return None
    if hasattr(run, "last_task_ended_at"):
        last_task = run.last_task_ended_at
    else:
        last_task = RunTask.objects.filter(run=run).aggregate(last=Max("ended_at"))["last"]
    return max(run.finished_at, last_task) if last_task else run.finished_at


def run_wall_seconds(run: Run, now: datetime | None = None) -> float:
    """A run's duration, the one every surface prints (its page's header, the run list, the
    wall time of its metrics and the comparison, the timeline's end line): queued -> the end
    of its work, or -> now while it is in progress."""
    end = run_work_ended_at(run) or now or timezone.now()
    return max(0.0, (end - run.queued_at).total_seconds())


def run_pages_carried(run: Run) -> int:
    """The pages of the files a changed-only run carried over from the official set instead
    of rendering them (0 for any other run, without a query)."""
    if not run.changed_only:
        return 0
    carried = RollFile.objects.filter(run=run, source_run__isnull=False)
    return carried.aggregate(pages=Sum("pages"))["pages"] or 0


def run_metrics(run: Run, rows: list[TaskRow] | None = None) -> RunMetrics:
    """Wall time is :func:`run_wall_seconds` of a finished run (what staff wait for);
    queued time is until the first task started; efficiency is task time over wall time
    times the worker processes that ran the run's tasks. Pages per second counts the pages
    the run rendered: a changed-only run's carried-over files took none of its time.
    ``rows``: the run's tasks (:func:`run_task_rows`) when the caller has read them."""
    spans = run_spans(run, rows)
    wall = run_wall_seconds(run) if run.finished_at else None
    first_start = min((s.started for s in spans), default=None)
    queued = (first_start - run.queued_at).total_seconds() if first_start else None
    # Orchestration tasks that only queue others (or wait) are not work.
    orchestration = {short_task_name(name) for name in task_kinds.ORCHESTRATION}
    work = [s for s in spans if s.name not in orchestration]
    task_seconds = sum(s.seconds for s in work)
    longest = max(work, key=lambda s: s.seconds, default=None)
    processes: dict[str, int] = {}
    for span in spans:
        processes[span.worker] = max(processes.get(span.worker, 0), span.processes or 1)
    worker_processes = sum(processes.values())
    gaps = _gaps_between_tasks(spans)
    efficiency = task_seconds / (wall * worker_processes) if wall and worker_processes else None
    carried = run_pages_carried(run)
    rendered = run.pages - carried
    whole_run = {short_task_name(name) for name in task_kinds.WHOLE_RUN}
    parallel = [s.cpu_seconds for s in work if s.name not in whole_run]
    return RunMetrics(
        tasks=len(spans),
        wall_seconds=wall,
        queued_seconds=queued,
        task_seconds=task_seconds,
        longest_task_seconds=longest.seconds if longest else 0.0,
        longest_task_name=longest.name if longest else "",
        longest_task_center_id=longest.center_id if longest else None,
        worker_processes=worker_processes,
        efficiency=efficiency,
        pages=run.pages,
        pages_per_second=rendered / wall if wall and rendered else None,
        overhead_ms=statistics.median(gaps) * 1000 if gaps else None,
        spans=spans,
        pages_carried=carried,
        parallel_cpu_seconds=None if None in parallel else sum(parallel),
        serial_seconds=sum(s.seconds for s in work if s.name in whole_run),
    )


def _gaps_between_tasks(spans: list[TaskSpan]) -> list[float]:
    """Idle time between one task's end and the next task's start on the same worker
    process, while the run still had work: Celery's own overhead per task (fetching the
    message, acknowledging, storing the result), measured rather than estimated."""
    by_process: dict[tuple, list[TaskSpan]] = {}
    for span in spans:
        if (key := span_process(span)) is not None:
            by_process.setdefault(key, []).append(span)
    gaps = []
    for own in by_process.values():
        own.sort(key=lambda s: s.started)
        gaps.extend(
            max(0.0, (nxt.started - cur.finished).total_seconds())
            for cur, nxt in itertools.pairwise(own)
        )
    return gaps
