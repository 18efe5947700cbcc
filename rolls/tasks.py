"""Celery tasks: thin wrappers that take ids, call one service, return a small dict.

``run_id`` is always the first argument or a keyword: the base class
(:mod:`rolls.task_base`) records each task in its run's task table and fails the run on an
error. Results say run, center/station, pages, seconds and the worker process, for
django-celery-results, the audit log of every task. Assignment and rendering are idempotent,
so they acknowledge late and are redelivered if the worker process dies
(``reject_on_worker_lost``).
"""

from __future__ import annotations

import time

from celery import chord, group, shared_task
from django.db import InterfaceError, OperationalError

from rolls import task_names
from rolls.models import Run
from rolls.services import ledger as run_services
from rolls.services import pipeline, run_tasks
from rolls.services.render_batches import run_plan_renders
from rolls.services.station_render import station_render
from rolls.task_base import RunBoundTask, where

IDEMPOTENT = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A dropped database connection (server restart, failover, an admin ending backends) is
    # transient: run the task again a little later instead of failing the whole run.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 30,
    "max_retries": 3,
}


def _timed(started: float, **values) -> dict:
    return {**values, "seconds": round(time.perf_counter() - started, 4), **where()}


@shared_task(
    name=task_names.ASSIGN_CENTER, base=RunBoundTask, bind=True, queue_kind="db", **IDEMPOTENT
)
def assign_center(self, run_id: int, center_id: int) -> dict:
    started = time.perf_counter()
    outcome = pipeline.center_assign_for_run(run=Run.objects.get(pk=run_id), center_id=center_id)
    return _timed(started, run=run_id, center=center_id, **outcome)


@shared_task(
    name=task_names.ASSIGN_ELECTION, base=RunBoundTask, bind=True, queue_kind="db", **IDEMPOTENT
)
def assign_election(self, run_id: int) -> dict:
    """Ours: the whole election (or the run's centers) in one set-based statement."""
    started = time.perf_counter()
    centers = pipeline.election_assign_for_run(run=Run.objects.get(pk=run_id))
    return _timed(started, run=run_id, centers=centers)


@shared_task(
    name=task_names.RENDER_STATION, base=RunBoundTask, bind=True, queue_kind="render", **IDEMPOTENT
)
def render_station(self, run_id: int, center_id: int, station_number: int) -> dict:
    rendered = station_render(
        run=Run.objects.get(pk=run_id),
        center_id=center_id,
        station_number=station_number,
        task_id=self.request.id or "",
        before_storing=self.check_soft_time_limit,
    )
    return {
        "run": run_id,
        "center": rendered.center_code,
        "station": rendered.station_number,
        "pages": rendered.pages,
        "seconds": round(rendered.seconds, 4),
        "counted": rendered.counted,
        **where(),
    }


@shared_task(
    name=task_names.RENDER_STATIONS, base=RunBoundTask, bind=True, queue_kind="render", **IDEMPOTENT
)
def render_stations(self, run_id: int, stations: list[list[int]]) -> dict:
    """Ours: a batch of stations balanced by page count, rendered one after another."""
    started = time.perf_counter()
    pages = pipeline.stations_render_for_run(
        run=Run.objects.get(pk=run_id),
        stations=stations,
        task_id=self.request.id or "",
        before_storing=self.check_soft_time_limit,
    )
    return _timed(started, run=run_id, stations=len(stations), pages=pages)


@shared_task(
    name=task_names.ASSIGN_AND_RENDER_CENTER,
    base=RunBoundTask,
    bind=True,
    queue_kind="render",
    **IDEMPOTENT,
)
def assign_and_render_center(self, run_id: int, center_id: int) -> dict:
    started = time.perf_counter()
    run = Run.objects.get(pk=run_id)
    pipeline.center_assign_for_run(run=run, center_id=center_id)
    pages = pipeline.center_render_for_run(
        run=run,
        center_id=center_id,
        task_id=self.request.id,
        before_storing=self.check_soft_time_limit,
    )
    return _timed(started, run=run_id, center=center_id, pages=pages)


@shared_task(name=task_names.FAN_OUT_RENDERS, base=RunBoundTask, bind=True, queue_kind="db")
def fan_out_renders(self, run_id: int, layout: str) -> dict:
    """After assignment: queue the render tasks for the stations that now exist, as one
    starmap task, a chord of one task per station, or a chord of balanced batches."""
    queued = _fan_out(Run.objects.get(pk=run_id), layout)
    return {"run": run_id, "layout": layout, "queued": queued, **where()}


def _fan_out(run: Run, layout: str) -> int:
    stations = pipeline.stations_of_run(run)
    if not stations:
        run_services.run_finish_if_complete(run_id=run.pk)
        return 0
    if layout == "starmap":
        canvas = render_station.starmap([(run.pk, c, n) for c, n, _ in stations])
        # Celery's starmap task is not of our class: it cannot link itself to the run when
        # it starts, so it is linked before it can (freezing fixes its id).
        run_tasks.run_link_result_tree(
            run_id=run.pk, result=canvas.freeze(), names=run_tasks.canvas_task_names(canvas)
        )
        canvas.apply_async()
        return 1
    if layout == "chord":
        header = group(render_station.si(run.pk, c, n) for c, n, _ in stations)
        canvas = chord(header, finalize_run.s(run_id=run.pk))
        queued = len(stations)
    elif layout == "balanced":
        # Batches for the live workers' processes, shrinking to a short tail (batching.py).
        plan = run_plan_renders(run=run, stations=stations)
        header = group(render_stations.si(run.pk, batch) for batch in plan.batches)
        canvas = chord(header, finalize_run.s(run_id=run.pk))
        queued = plan.count
    else:
        raise ValueError(f"unknown fan-out layout {layout!r}")
    run_tasks.run_queue_canvas(run_id=run.pk, canvas=canvas)
    return queued


@shared_task(name=task_names.FINALIZE_RUN, base=RunBoundTask, bind=True, queue_kind="db")
def finalize_run(self, results, run_id: int) -> dict:
    """Chord callback. Completion itself is counted per station; this only cross-checks."""
    pages = sum(r.get("pages", 0) for r in results if isinstance(r, dict))
    finished = run_services.run_finish_if_complete(run_id=run_id)
    return {
        "run": run_id,
        "tasks": len(results),
        "pages_in_results": pages,
        "finished_here": finished,
        **where(),
    }


@shared_task(name=task_names.FAIL_UNLAUNCHED_RUNS, queue_kind="db", ignore_result=True)
def fail_unlaunched_runs() -> list[int]:
    """Beat, every few seconds: fail runs whose tasks never reached the broker."""
    return run_services.runs_fail_unlaunched()
