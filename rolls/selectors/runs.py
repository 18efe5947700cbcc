"""What the console's run pages read: a run's tasks (its own record of them, with what only
the audit log holds), how many have ended, its roll files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F

from elections.models import PollingCenter
from rolls.models import ENDED_TASK_STATES, Download, RollFile, Run, RunTask, TaskState
from rolls.selectors import run_task_results, short_task_name


@dataclass(frozen=True)
class TaskEntry:
    """One task of a run as its page lists it."""

    task_id: str
    name: str
    state: str
    state_label: str
    worker: str
    pid: int | None
    started: datetime | None
    ended: datetime | None
    center_id: int | None
    center_code: str | None  # None when the task has no center or the center is gone
    station_number: int | None
    # From the audit log: the result row to link to, the traceback of a failure, and what
    # the task says it covered when it names no center ({"stations": 12}, {"centers": 3}).
    result_pk: int | None
    traceback: str
    covered: dict[str, int]

    @property
    def has_ended(self) -> bool:
        return self.state in ENDED_TASK_STATES

    @property
    def failed(self) -> bool:
        return self.state == TaskState.FAILED


@dataclass(frozen=True)
class TaskTally:
    total: int
    ended: int
    drained: bool


def _covered(result: str | None) -> dict[str, int]:
    try:
        value = json.loads(result) if result else None
    except (TypeError, ValueError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {key: value[key] for key in ("stations", "centers") if isinstance(value.get(key), int)}


def run_task_entries(run: Run) -> list[TaskEntry]:
    """Every task of the run: those that started in the order they did, then those still
    waiting in the order they were queued."""
    tasks = list(
        RunTask.objects.filter(run=run).order_by(
            F("started_at").asc(nulls_last=True), "ended_at", "first_seen"
        )
    )
    audit = {
        task_id: (pk, traceback, result)
        for task_id, pk, traceback, result in run_task_results(run).values_list(
            "task_id", "pk", "traceback", "result"
        )
    }
    codes = dict(
        PollingCenter.objects.filter(
            id__in={task.center_id for task in tasks if task.center_id}
        ).values_list("id", "code")
    )
    entries = []
    for task in tasks:
        result_pk, traceback, result = audit.get(task.task_id, (None, "", None))
        entries.append(
            TaskEntry(
                task_id=task.task_id,
                name=short_task_name(task.task_name),
                state=task.state,
                state_label=task.get_state_display(),
                worker=task.worker,
                pid=task.pid,
                started=task.started_at,
                ended=task.ended_at,
                center_id=task.center_id,
                center_code=codes.get(task.center_id) if task.center_id else None,
                station_number=task.station_number,
                result_pk=result_pk,
                traceback=traceback or "",
                covered=_covered(result) if not task.center_id else {},
            )
        )
    return entries


def run_task_tally(run: Run) -> TaskTally:
    """How many of the run's tasks there are and have ended, and whether all have."""
    tasks = RunTask.objects.filter(run=run)
    return TaskTally(total=tasks.count(), ended=tasks.ended().count(), drained=tasks.drained())


def run_roll_files(run: Run, center_id: int | None = None) -> list[RollFile]:
    """The run's station PDFs (or one center's) with their centers, in center and station
    order."""
    rolls = RollFile.objects.filter(run=run).select_related("center")
    if center_id is not None:
        rolls = rolls.filter(center_id=center_id)
    return list(rolls.order_by("center__code", "center_id", "station_number"))


def run_downloads(run: Run, limit: int = 50) -> list[Download]:
    """The latest downloads of the run's rolls and zips (the audit trail)."""
    return list(Download.objects.filter(run=run).order_by("-at")[:limit])


def run_roll_file(*, run_id: int, file_id: int) -> RollFile | None:
    """One station PDF of the run, with its run, election and center (None if not the run's)."""
    return (
        RollFile.objects.select_related("run__election", "center")
        .filter(pk=file_id, run_id=run_id)
        .first()
    )
