"""Runs made in-process: a finished run with sample files and worker-like task records,
a full run really rendered, and a snapshot of a run's record."""

from __future__ import annotations

import functools
import hashlib
import io
import json
from datetime import timedelta

from celery import states
from django.core.files.storage import default_storage
from django_celery_results.models import TaskResult
from pypdf import PdfWriter

from rolls import tasks
from rolls.launch import run_start
from rolls.models import DocumentKind, Placement, RollFile, Run, RunTask, Station, TaskState
from rolls.pdf import expected_pages
from rolls.services import pipeline
from rolls.services.ledger import RecordedDocument, run_record_station
from rolls.services.station_render import station_render
from rolls.services.storage import center_list_path, roll_path, sign_path, write_whole


def no_launch(run: Run) -> None:
    """Stand-in for the broker: the run stays queued until tasks are applied in-process."""


@functools.cache
def sample_pdf() -> bytes:
    """A small valid PDF standing in for a rendered roll. These tests check access, pages and
    downloads, not rendering (tests/rolls/test_pdf.py and the browser test render for real),
    so they do not depend on WeasyPrint and stay fast."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Sample voter roll"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def store_sample_roll(
    run: Run, station: Station, *, path: str | None = None, data: bytes | None = None
) -> str:
    """Write a sample PDF for ``station`` (at its own path unless told) and count it, with a
    sample door sign and (for station 1) a sample center list beside it."""
    data = sample_pdf() if data is None else data
    names = {
        "election_id": run.election_id,
        "run_id": run.pk,
        "center_id": station.center_id,
        "center_code": station.center.code,
    }
    path = path or roll_path(**names, station_number=station.number)
    write_whole(path, data)
    documents = [
        (DocumentKind.SIGN, station.number, sign_path(**names, station_number=station.number))
    ]
    if station.number == 1:
        documents.append((DocumentKind.CENTER_LIST, 0, center_list_path(**names)))
    for _, _, name in documents:
        write_whole(name, sample_pdf())
    run_record_station(
        run_id=run.pk,
        center_id=station.center_id,
        station_number=station.number,
        voters=station.voter_count,
        path=path,
        pages=expected_pages(station.voter_count),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        documents=[
            RecordedDocument(
                kind=kind,
                station_number=number,
                voters=station.voter_count,
                path=name,
                pages=1,
                size=len(sample_pdf()),
                sha256=hashlib.sha256(sample_pdf()).hexdigest(),
            )
            for kind, number, name in documents
        ],
    )
    return path


def make_finished_run(election, strategy: str = "all_in_one") -> Run:
    """A succeeded run: real station assignment, a stored PDF per station, and its tasks as
    a worker would have recorded them (two processes, and one failed task with a traceback).
    """
    run = run_start(
        election_id=election.pk, strategy=strategy, started_by="admin:someone", launch=no_launch
    )
    tasks.assign_election.apply(args=(run.pk,)).get()
    for station in Station.objects.filter(run=run).select_related("center"):
        store_sample_roll(run, station)
    run.refresh_from_db()
    # The in-process task above stored no result row: forget it, keep the worker-like ones.
    RunTask.objects.filter(run=run).delete()
    center_ids = list(election.centers.order_by("code").values_list("id", flat=True))
    prefix = f"run{run.pk}"
    record_result(run, f"{prefix}-assign", "assign_center", "w1@host", 101, 0.2, 0.5, center_ids[0])
    record_result(
        run, f"{prefix}-render-1", "render_station", "w1@host", 101, 0.8, 1.5, center_ids[1], 1
    )
    record_result(
        run, f"{prefix}-render-2", "render_station", "w2@host", 202, 0.9, 1.2, center_ids[1], 2
    )
    record_result(
        run,
        f"{prefix}-render-3",
        "render_station",
        "w2@host",
        202,
        2.2,
        0.3,
        center_ids[1],
        3,
        state=TaskState.FAILED,
        traceback='Traceback (most recent call last):\n  File "x.py"\nValueError: <disk full>',
    )
    return run


AUDIT_STATUS = {TaskState.SUCCEEDED: states.SUCCESS, TaskState.FAILED: states.FAILURE}


def record_result(
    run: Run,
    task_id: str,
    name: str,
    worker: str,
    pid: int,
    start: float,
    seconds: float,
    center: int | None = None,
    station: int | None = None,
    *,
    state: TaskState = TaskState.SUCCEEDED,
    traceback: str = "",
) -> TaskResult:
    """A task of ``run`` as a worker records it: the run's task row (state, times, worker
    process, written by the task's hooks) and its django-celery-results row (the audit log,
    where the pages find tracebacks; its result names no process)."""
    started = run.queued_at + timedelta(seconds=start)
    ended = started + timedelta(seconds=seconds)
    RunTask.objects.update_or_create(
        task_id=task_id,
        defaults={
            "run": run,
            "task_name": f"rolls.tasks.{name}",
            "center_id": center,
            "station_number": station,
            "state": state,
            "started_at": started,
            "ended_at": ended,
            "worker": worker,
            "pid": pid,
            "processes": 2,
        },
    )
    result = (
        {"exc_type": "ValueError", "exc_message": ["disk full"]}
        if state == TaskState.FAILED
        else {"run": run.pk, "pages": 2}
    )
    row = TaskResult.objects.create(
        task_id=task_id,
        task_name=f"rolls.tasks.{name}",
        status=AUDIT_STATUS[state],
        worker=worker,
        result=json.dumps(result),
        traceback=traceback or None,
        date_started=started,
    )
    # date_done is auto_now: set it afterwards.
    TaskResult.objects.filter(pk=row.pk).update(date_done=ended)
    row.refresh_from_db()
    return row


def full_run(election, *, changed_only: bool = False, center_ids=None, callbacks=None) -> Run:
    """A run done in-process: assignment, then every station really rendered."""

    def start() -> Run:
        return run_start(
            election_id=election.pk,
            strategy="assign_in_database_then_balanced_batches",
            started_by="test",
            changed_only=changed_only,
            center_ids=center_ids,
            launch=no_launch,
        )

    if callbacks is None:
        run = start()
    else:  # the launcher runs on commit: a changed-only run carries centers over there
        with callbacks(execute=True):
            run = start()
    run.refresh_from_db()
    if run.is_active:
        pipeline.election_assign_for_run(run=run)
        for station in Station.objects.filter(run=run):
            station_render(run=run, center_id=station.center_id, station_number=station.number)
    run.refresh_from_db()
    return run


def snapshot(run: Run) -> dict:
    """Everything an earlier run's record consists of, files' bytes included."""
    files = {}
    for roll in RollFile.objects.filter(run=run):
        with default_storage.open(roll.path, "rb") as handle:
            files[roll.path] = (roll.sha256, hashlib.sha256(handle.read()).hexdigest())
    return {
        "stations": sorted(
            Station.objects.filter(run=run).values_list("id", "center_id", "number", "voter_count")
        ),
        "placements": sorted(
            Placement.objects.filter(run=run).values_list(
                "voter_id", "station_id", "position", "family_name"
            )
        ),
        "files": files,
        "counts": Run.objects.filter(pk=run.pk).values_list("stations_done", "pages").get(),
    }
