"""What a run's page shows: progress, its tasks, their timeline, and its roll files.

Formatting only: the figures come from the run row (kept by the run services) and from the
run's own task table, with tracebacks from django-celery-results, through the selectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from rolls.admin.charts import Bar, timeline_svg
from rolls.formatting import format_duration
from rolls.models import Run, RunStatus, TaskState
from rolls.selectors.run_figures import (
    process_key,
    run_metrics,
    run_pages_carried,
    run_task_rows,
    run_wall_seconds,
)
from rolls.selectors.run_records import (
    TaskEntry,
    run_roll_files_page,
    run_task_entries,
    run_task_tally,
)

# Past this many, the table lists the first ones and every failure (the timeline shows
# them all; Task results lists every one). 1M voters on 2 processes plan ~150 batches.
TASK_ROWS_SHOWN = 50


def wrappable(name: str) -> SafeString:
    """A long snake_case name that may wrap after an underscore instead of mid-word."""
    return mark_safe(escape(name).replace("_", "_<wbr>"))  # noqa: S308 - escaped first


def run_progress(run: Run) -> dict:
    """The progress figures the page shows and the JSON endpoint returns."""
    if run.renders:
        unit, done, total = "stations", run.stations_done, run.stations_total
    else:
        unit, done, total = "centers", run.centers_assigned, run.centers_total
    # The figures the JSON carries are for scripts; the sentences are in the staff member's
    # language, with figures grouped as it writes them.
    percent = 100 if run.status == RunStatus.SUCCEEDED else int(run.progress * 100)
    elapsed = run_wall_seconds(run)
    tally = run_task_tally(run)
    carried = run_pages_carried(run)
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
        "tasks_total": tally.total,
        "tasks_ended": tally.ended,
        "drained": tally.drained,
        # The words the page prints (the script puts them in place as the figures change).
        "tasks_text": gettext("%(ended)s / %(total)s tasks ended")
        % {"ended": intcomma(tally.ended), "total": intcomma(tally.total)},
        "error": run.error.splitlines()[0] if run.error else "",
        "pages_carried": carried,
        "summary": progress_summary(unit, done, total, percent, run.pages, run.renders, carried),
    }


def pages_text(pages: int, carried: int = 0) -> str:
    """``93 pages``, or for a changed-only run what it rendered and what it carried over."""
    if not carried:
        return ngettext("%(pages)s page", "%(pages)s pages", pages) % {"pages": intcomma(pages)}
    rendered = pages - carried
    return ngettext(
        "rendered %(rendered)s page, carried over %(carried)s",
        "rendered %(rendered)s pages, carried over %(carried)s",
        rendered,
    ) % {"rendered": intcomma(rendered), "carried": intcomma(carried)}


def progress_summary(
    unit: str, done: int, total: int, percent: int, pages: int, renders: bool, carried: int = 0
):
    figures = {"done": intcomma(done), "total": intcomma(total), "percent": percent}
    if unit == "stations":
        text = ngettext(
            "%(done)s / %(total)s station · %(percent)s%%",
            "%(done)s / %(total)s stations · %(percent)s%%",
            total,
        )
    else:
        text = ngettext(
            "%(done)s / %(total)s center · %(percent)s%%",
            "%(done)s / %(total)s centers · %(percent)s%%",
            total,
        )
    text %= figures
    if not renders:
        return text + " · " + gettext("assignment only, no PDFs")
    return f"{text} · {pages_text(pages, carried)}"


STATE_CLASSES = {
    TaskState.SUCCEEDED: "succeeded",
    TaskState.FAILED: "failed",
    TaskState.STARTED: "running",
    TaskState.RETRY: "running",
}


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
    state_class: str
    failed: bool
    traceback: str
    result_pk: int | None


CENTERS_NAMED = 8  # past this many, a task's place says "and N more centers"


def _numbers(numbers: list[int]) -> str:
    """``1-3, 5``: consecutive station numbers as ranges."""
    spans: list[list[int]] = []
    for number in sorted(set(numbers)):
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _more(named: list[str], total: int) -> str:
    extra = total - len(named)
    more = ngettext("and %(count)s more center", "and %(count)s more centers", extra)
    return "; ".join(named) + (f"; {more % {'count': intcomma(extra)}}" if extra else "")


def _where(task: TaskEntry) -> str:
    """Which centers and stations the task covered, by code and number."""
    if task.center_id:
        code = task.center_code or gettext("center %(id)s") % {"id": task.center_id}
        if task.station_number:
            return f"{code} · " + gettext("station %(number)s") % {"number": task.station_number}
        return code
    if task.covered_stations:
        by_center: dict[str, list[int]] = {}
        for code, number in task.covered_stations:
            by_center.setdefault(code, []).append(number)
        named = [
            f"{code} · "
            + ngettext("station %(numbers)s", "stations %(numbers)s", len(numbers))
            % {"numbers": _numbers(numbers)}
            for code, numbers in list(by_center.items())[:CENTERS_NAMED]
        ]
        return _more(named, len(by_center))
    if task.covered_centers:
        centers = list(task.covered_centers)
        label = _more(centers[:CENTERS_NAMED], len(centers))
        whole = ngettext(
            "the run's %(count)s center", "the run's %(count)s centers", len(centers)
        ) % {"count": intcomma(len(centers))}
        return f"{label} ({whole})"
    stations, centers_count = task.covered.get("stations"), task.covered.get("centers")
    if stations is not None:
        return ngettext("%(count)s station", "%(count)s stations", stations) % {
            "count": intcomma(stations)
        }
    if centers_count is not None:
        return ngettext("%(count)s center", "%(count)s centers", centers_count) % {
            "count": intcomma(centers_count)
        }
    return "—"


def _process_label(task: TaskEntry) -> str:
    """A timeline row's process: its place in the worker's pool (a process that replaced
    another after the memory limit keeps its row), else its pid."""
    if task.process_number:
        return gettext("process %(number)s") % {"number": task.process_number}
    return f"pid {task.pid}" if task.pid else "pid ?"


def run_page_context(run: Run, files_page: str | None = None) -> dict:
    now = timezone.now()
    rows: list[TaskRow] = []
    bars: list[Bar] = []
    processes: set[tuple] = set()
    # A task the run outlived without a word from it (its process killed after it had done
    # its work, on a broker that does not hand its message back): not running for ever.
    run_ended = None if run.is_active else run.finished_at
    tasks = run_task_rows(run)  # once, for the list and the figures
    for task in run_task_entries(run, tasks):
        where = _where(task)
        silent = run_ended is not None and not task.has_ended
        seconds = None
        if task.started and not silent:
            seconds = ((task.ended or now) - task.started).total_seconds()
        runtime = format_duration(seconds)
        state, state_class = task.state_label, STATE_CLASSES.get(task.state, "queued")
        if silent:
            state = gettext("%(state)s, no word since the run ended") % {"state": state}
            state_class = "silent"
        rows.append(
            TaskRow(
                task_id=task.task_id,
                name=task.name,
                where=where,
                worker=task.worker,
                pid=task.pid,
                started=task.started,
                runtime=runtime,
                state=state,
                state_class=state_class,
                failed=task.failed,
                traceback=task.traceback,
                result_pk=task.result_pk,
            )
        )
        if task.started:
            running = not task.has_ended and not silent
            end = now if running else task.ended or run_ended or now
            process = process_key(task.worker, task.process_number, task.pid)
            if process is not None:
                processes.add(process)
            title = f"{task.name} · {where} · {runtime} · {state}"
            if task.pid and task.process_number:
                # The row names the pool's process; its pid tells a replaced one apart.
                title += " · " + gettext("pid %(pid)s") % {"pid": task.pid}
            bars.append(
                Bar(
                    row=(task.worker or gettext("unknown worker")) + " · " + _process_label(task),
                    name=task.name,
                    start=(task.started - run.queued_at).total_seconds(),
                    end=(end - run.queued_at).total_seconds(),
                    failed=task.failed,
                    running=running,
                    title=title,
                )
            )
    first_start = min((bar.start for bar in bars), default=None)
    # The end line is the run's duration, the figure its header and the run list print.
    finished = run_wall_seconds(run, now) if run.finished_at else None
    failures = [row for row in rows if row.failed]
    shown = rows[:TASK_ROWS_SHOWN]
    shown += [row for row in failures if row not in shown]
    files = run_roll_files_page(run, files_page)
    return {
        "progress": run_progress(run),
        "metrics": metrics_display(run_metrics(run, tasks)) if not run.is_active else {},
        "task_rows": shown,
        "task_count": len(rows),
        "task_failures": len(failures),
        "task_rows_hidden": len(rows) - len(shown),
        "timeline": timeline_svg(bars, queued_until=first_start, finished=finished),
        "timeline_processes": len(processes),
        "roll_files": files.files,
        "roll_page": files,
    }


def percent_text(share: float) -> str:
    """``35%`` as the staff member's language writes it (``35 %`` in French)."""
    return gettext("%(percent)s%%") % {"percent": number_format(share * 100, 0, use_l10n=True)}


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
        "efficiency": "—" if metrics.efficiency is None else percent_text(metrics.efficiency),
        "pages_per_second": "—"
        if metrics.pages_per_second is None
        else number_format(metrics.pages_per_second, 1, use_l10n=True, force_grouping=True),
        # Pages/s counts the rendered ones: the carried-over files are named apart.
        "pages": pages_text(metrics.pages, getattr(metrics, "pages_carried", 0)),
        "overhead": "—"
        if overhead is None
        else pgettext("duration", "%(milliseconds)s ms")
        % {"milliseconds": number_format(overhead, 0, use_l10n=True)},
        "tasks": intcomma(metrics.tasks),
        "processes": intcomma(metrics.worker_processes),
    }
