"""Reads that span runs and django-celery-results: a run's tasks and its timing figures."""

from __future__ import annotations

import itertools
import json
import statistics
from dataclasses import dataclass
from datetime import datetime

from django_celery_results.models import TaskResult

from rolls.models import Run, RunTask


def run_task_results(run: Run):
    """The TaskResult rows of a run's tasks (linked by task id when each task started)."""
    ids = RunTask.objects.filter(run=run).values("task_id")
    return TaskResult.objects.filter(task_id__in=ids).order_by("date_started", "date_done")


def parse_result(row: TaskResult) -> dict:
    try:
        value = json.loads(row.result) if row.result else None
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class TaskSpan:
    task_id: str
    name: str
    status: str
    worker: str
    pid: int | None
    started: datetime
    finished: datetime
    seconds: float
    result: dict


@dataclass(frozen=True)
class RunMetrics:
    tasks: int
    wall_seconds: float | None
    queued_seconds: float | None
    task_seconds: float
    longest_task_seconds: float
    longest_task_name: str
    worker_processes: int
    efficiency: float | None
    pages: int
    pages_per_second: float | None
    overhead_ms: float | None
    spans: list[TaskSpan]


def _process_key(span: TaskSpan) -> tuple[str, int | None]:
    return (span.worker, span.pid)


def run_spans(run: Run) -> list[TaskSpan]:
    spans = []
    for row in run_task_results(run):
        if row.date_started is None or row.date_done is None:
            continue
        result = parse_result(row)
        spans.append(
            TaskSpan(
                task_id=row.task_id,
                name=(row.task_name or "").rsplit(".", 1)[-1],
                status=row.status,
                worker=row.worker or "?",
                pid=result.get("pid"),
                started=row.date_started,
                finished=row.date_done,
                seconds=(row.date_done - row.date_started).total_seconds(),
                result=result,
            )
        )
    return spans


def run_metrics(run: Run) -> RunMetrics:
    """Wall time is queued -> the end of the run's last task or its finish, whichever is
    later (what staff wait for); queued time is until the first task started; efficiency is
    task time over wall time times the worker processes that ran the run's tasks."""
    spans = run_spans(run)
    # A failed run can still have tasks finishing (the join strategy's subtasks): the work
    # ends with the last of them, not when the run was marked failed.
    ends = [s.finished for s in spans] + ([run.finished_at] if run.finished_at else [])
    end = max(ends) if run.finished_at else None
    wall = (end - run.queued_at).total_seconds() if end else None
    first_start = min((s.started for s in spans), default=None)
    queued = (first_start - run.queued_at).total_seconds() if first_start else None
    # Orchestration tasks that only queue others (or wait) are not work.
    work = [
        s for s in spans if s.name not in {"finalize_run", "fan_out_renders", "record_chord_error"}
    ]
    task_seconds = sum(s.seconds for s in work)
    longest = max(work, key=lambda s: s.seconds, default=None)
    processes: dict[str, int] = {}
    for span in spans:
        processes[span.worker] = max(
            processes.get(span.worker, 0), int(span.result.get("processes") or 1)
        )
    worker_processes = sum(processes.values())
    gaps = _gaps_between_tasks(spans)
    efficiency = task_seconds / (wall * worker_processes) if wall and worker_processes else None
    return RunMetrics(
        tasks=len(spans),
        wall_seconds=wall,
        queued_seconds=queued,
        task_seconds=task_seconds,
        longest_task_seconds=longest.seconds if longest else 0.0,
        longest_task_name=longest.name if longest else "",
        worker_processes=worker_processes,
        efficiency=efficiency,
        pages=run.pages,
        pages_per_second=run.pages / wall if wall and run.pages else None,
        overhead_ms=statistics.median(gaps) * 1000 if gaps else None,
        spans=spans,
    )


def _gaps_between_tasks(spans: list[TaskSpan]) -> list[float]:
    """Idle time between one task's end and the next task's start on the same worker
    process, while the run still had work: Celery's own overhead per task (fetching the
    message, acknowledging, storing the result), measured rather than estimated."""
    by_process: dict[tuple[str, int | None], list[TaskSpan]] = {}
    for span in spans:
        if span.pid is not None:
            by_process.setdefault(_process_key(span), []).append(span)
    gaps = []
    for own in by_process.values():
        own.sort(key=lambda s: s.started)
        gaps.extend(
            max(0.0, (nxt.started - cur.finished).total_seconds())
            for cur, nxt in itertools.pairwise(own)
        )
    return gaps
