"""What a run's page shows: progress, its tasks, their timeline, and its roll files.

Reads only; the figures come from the run row (kept by the run services) and from
django-celery-results, through ``rolls.selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from celery import states
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from elections.models import PollingCenter
from rolls.admin.charts import Bar, timeline_svg
from rolls.formatting import format_duration
from rolls.models import RollFile, Run, RunStatus, RunTask
from rolls.selectors import parse_result, run_metrics, run_task_results

TASK_ROWS_SHOWN = 300


def wrappable(name: str) -> SafeString:
    """A long snake_case name that may wrap after an underscore instead of mid-word."""
    return mark_safe(escape(name).replace("_", "_<wbr>"))  # noqa: S308 - escaped first


def elapsed_seconds(run: Run, now: datetime | None = None) -> float:
    end = run.finished_at or now or timezone.now()
    return max(0.0, (end - run.queued_at).total_seconds())


def run_progress(run: Run) -> dict:
    """The progress figures the page shows and the JSON endpoint returns."""
    if run.renders:
        unit, done, total = "stations", run.stations_done, run.stations_total
    else:
        unit, done, total = "centers", run.centers_assigned, run.centers_total
    percent = 100 if run.status == RunStatus.SUCCEEDED else int(run.progress * 100)
    elapsed = elapsed_seconds(run)
    known = RunTask.objects.filter(run=run)
    ended = run_task_results(run).filter(status__in=states.READY_STATES).count()
    tasks = known.count()
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.is_active,
        "renders": run.renders,
        "unit": unit,
        "done": done,
        "total": total,
        "percent": percent,
        "pages": run.pages,
        "centers_assigned": run.centers_assigned,
        "centers_total": run.centers_total,
        "stations_done": run.stations_done,
        "stations_total": run.stations_total,
        "elapsed_seconds": round(elapsed, 2),
        "elapsed": format_duration(elapsed),
        "tasks_total": tasks,
        "tasks_ended": ended,
        "drained": ended >= tasks,
        "error": run.error.splitlines()[0] if run.error else "",
        "summary": progress_summary(unit, done, total, percent, run.pages, run.renders),
    }


def progress_summary(unit: str, done: int, total: int, percent: int, pages: int, renders: bool):
    text = f"{done} / {total} {unit} · {percent}%"
    return f"{text} · {pages} pages" if renders else f"{text} · assignment only, no PDFs"


@dataclass(frozen=True)
class TaskRow:
    task_id: str
    name: str
    where: str
    worker: str
    pid: int | None
    started: datetime | None
    runtime: str
    state: str
    traceback: str
    result_pk: int | None

    @property
    def failed(self) -> bool:
        return self.state == states.FAILURE

    @property
    def state_class(self) -> str:
        return {
            states.SUCCESS: "succeeded",
            states.FAILURE: "failed",
            states.STARTED: "running",
            states.RETRY: "running",
        }.get(self.state, "queued")


def _where(link: RunTask | None, result: dict, codes: dict[int, str]) -> str:
    if link is not None and link.center_id:
        code = codes.get(link.center_id, f"center {link.center_id}")
        if link.station_number:
            return f"{code} · station {link.station_number}"
        return code
    for key, noun in [("stations", "station"), ("centers", "center")]:
        count = result.get(key)
        if isinstance(count, int):
            return f"{count} {noun}{'' if count == 1 else 's'}"
    return "—"


def _short(task_name: str) -> str:
    return (task_name or "?").rsplit(".", 1)[-1]


def run_page_context(run: Run) -> dict:
    links = {link.task_id: link for link in RunTask.objects.filter(run=run)}
    results = list(run_task_results(run))
    codes = dict(
        PollingCenter.objects.filter(
            id__in={link.center_id for link in links.values() if link.center_id}
        ).values_list("id", "code")
    )
    now = timezone.now()
    rows: list[TaskRow] = []
    bars: list[Bar] = []
    for row in results:
        link = links.get(row.task_id)
        value = parse_result(row)
        where = _where(link, value, codes)
        name = _short(row.task_name or (link.task_name if link else ""))
        pid = value.get("pid") if isinstance(value.get("pid"), int) else None
        seconds = None
        if row.date_started:
            seconds = ((row.date_done or now) - row.date_started).total_seconds()
        rows.append(
            TaskRow(
                task_id=row.task_id,
                name=name,
                where=where,
                worker=row.worker or "",
                pid=pid,
                started=row.date_started,
                runtime=format_duration(seconds),
                state=row.status,
                traceback=row.traceback or "",
                result_pk=row.pk,
            )
        )
        if row.date_started:
            running = row.status not in states.READY_STATES
            start = (row.date_started - run.queued_at).total_seconds()
            end = ((row.date_done if not running else now) - run.queued_at).total_seconds()
            bars.append(
                Bar(
                    row=f"{row.worker or 'unknown worker'} · " + (f"pid {pid}" if pid else "pid ?"),
                    name=name,
                    start=start,
                    end=end,
                    failed=row.status == states.FAILURE,
                    running=running,
                    title=f"{name} · {where} · {format_duration(seconds)} · {row.status}",
                )
            )
    seen = {row.task_id for row in results}
    waiting = [link for task_id, link in links.items() if task_id not in seen]
    for link in sorted(waiting, key=lambda link: link.first_seen):
        rows.append(
            TaskRow(
                task_id=link.task_id,
                name=_short(link.task_name),
                where=_where(link, {}, codes),
                worker="",
                pid=None,
                started=None,
                runtime="—",
                state="QUEUED",
                traceback="",
                result_pk=None,
            )
        )
    first_start = min((bar.start for bar in bars), default=None)
    finished = (run.finished_at - run.queued_at).total_seconds() if run.finished_at else None
    failures = [row for row in rows if row.failed]
    shown = rows[:TASK_ROWS_SHOWN]
    shown += [row for row in failures if row not in shown]
    files = list(
        RollFile.objects.filter(run=run)
        .select_related("center")
        .order_by("center__code", "station_number")
    )
    return {
        "progress": run_progress(run),
        "metrics": metrics_display(run_metrics(run)) if not run.is_active else {},
        "task_rows": shown,
        "task_count": len(rows),
        "task_failures": len(failures),
        "task_rows_hidden": len(rows) - len(shown),
        "timeline": timeline_svg(bars, queued_until=first_start, finished=finished),
        "timeline_processes": len({bar.row for bar in bars if not bar.row.endswith("pid ?")}),
        "roll_files": files,
        "roll_bytes": sum(f.bytes for f in files),
    }


def metrics_display(metrics) -> dict[str, str]:
    """A run's timing figures as the console prints them."""
    if metrics is None:
        return {}
    overhead = getattr(metrics, "overhead_ms", None)
    return {
        "wall": format_duration(metrics.wall_seconds),
        "queued": format_duration(metrics.queued_seconds),
        "task_time": format_duration(metrics.task_seconds),
        "longest": format_duration(metrics.longest_task_seconds),
        "longest_name": metrics.longest_task_name,
        "efficiency": "—" if metrics.efficiency is None else f"{metrics.efficiency:.0%}",
        "pages_per_second": "—"
        if metrics.pages_per_second is None
        else f"{metrics.pages_per_second:.1f}",
        "overhead": "—" if overhead is None else f"{overhead:.0f} ms",
        "tasks": str(metrics.tasks),
        "processes": str(metrics.worker_processes),
    }
