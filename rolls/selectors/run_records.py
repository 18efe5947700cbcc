"""What the console's run pages read: a run's tasks (its own record of them, with what only
the audit log holds), how many have ended, its roll files."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext, ngettext

from elections.models import PollingCenter
from rolls import task_kinds, task_names
from rolls.models import (
    ENDED_TASK_STATES,
    Download,
    RollFile,
    Run,
    RunCenter,
    RunTask,
    TaskState,
)
from rolls.selectors.run_figures import (
    TaskRow,
    run_task_results,
    run_task_rows,
    short_task_name,
)


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
    # Which stations (center code, number) or centers a task without one center covered: a
    # batch's stations from its arguments, the run's centers for a whole-election task.
    covered_stations: tuple[tuple[str, int], ...] = ()
    covered_centers: tuple[str, ...] = ()
    process_number: int | None = None  # its place in its worker's pool, from 1

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


def _task_args(raw: str | None) -> tuple:
    """A task's positional arguments from the audit log, which keeps Celery's repr of them
    JSON-encoded (``'"(5, [[1, 2]])"'``); () when absent or not plain literals."""
    try:
        value = json.loads(raw) if raw else None
        if isinstance(value, str):
            value = _literal(value)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return ()
    return tuple(value) if isinstance(value, list | tuple) else ()


def _literal(text: str):
    """A repr of ints and lists: read as JSON when it is one once its outer parentheses are
    brackets (a batch's ``(5, [[1, 2], ...])``: ~40x faster than ``ast.literal_eval``, which
    compiles the text; 150 batches took 40 ms), else as a Python literal."""
    if text.startswith("(") and text.endswith(")"):
        try:
            return json.loads(f"[{text[1:-1].rstrip(',')}]")
        except ValueError:
            pass
    return ast.literal_eval(text)


def _batch_stations(args: tuple) -> list[tuple[int, int]]:
    """The (center id, station number) pairs of a ``render_stations(run_id, stations)``."""
    if len(args) < 2 or not isinstance(args[1], list | tuple):
        return []
    return [
        (pair[0], pair[1])
        for pair in args[1]
        if isinstance(pair, list | tuple)
        and len(pair) == 2
        and all(isinstance(n, int) for n in pair)
    ]


def _run_center_codes(run: Run) -> tuple[str, ...]:
    centers = PollingCenter.objects.filter(election_id=run.election_id)
    if run.center_ids:
        centers = centers.filter(id__in=run.center_ids)
    return tuple(centers.order_by("code").values_list("code", flat=True))


CENTERS_NAMED_IN_SCOPE = 5  # past this many, a run's scope says "and N more"


def _named_centers(codes: list[str], total: int) -> str:
    named = ", ".join(codes[:CENTERS_NAMED_IN_SCOPE])
    extra = total - min(len(codes), CENTERS_NAMED_IN_SCOPE)
    text = ngettext("center %(codes)s", "centers %(codes)s", total) % {"codes": named}
    if extra:
        text = gettext("%(centers)s and %(count)s more") % {"centers": text, "count": extra}
    return text


def run_scope(run: Run) -> str:
    """What the run covers and how, as the queued message, the run list and the run page
    name it: ``whole election``, ``centers A, B``, ``changed-only · rendered center C04,
    11 carried over``. A changed-only run renders only what changed and carries the rest
    over from the official set, so its figures are not a whole set's: it says so."""
    if not run.changed_only:
        if not run.center_ids:
            return gettext("whole election")
        codes = PollingCenter.objects.filter(election_id=run.election_id, id__in=run.center_ids)
        return _named_centers(
            list(codes.order_by("code").values_list("code", flat=True)), len(run.center_ids)
        )
    carried = set(
        RunCenter.objects.filter(run=run, source_run__isnull=False).values_list(
            "center_id", flat=True
        )
    )
    if not carried and not run.run_centers.exists():
        # Not compared with the official set yet.
        return gettext("changed-only · whole election")
    rendered = list(
        PollingCenter.objects.for_election(run.election_id)
        .exclude(id__in=carried)
        .order_by("code")
        .values_list("code", flat=True)
    )
    kept = gettext("%(count)s carried over") % {"count": len(carried)}
    if not rendered:
        return gettext("changed-only · nothing changed, %(kept)s") % {"kept": kept}
    return gettext("changed-only · rendered %(centers)s, %(kept)s") % {
        "centers": _named_centers(rendered, len(rendered)),
        "kept": kept,
    }


def _unknown_center(center_id: int) -> str:
    # Asked for only when a center has no code: a batch of a million-voter run covers
    # thousands of stations, and a translated default for each cost ~0.1 s a page.
    return gettext("center %(id)s") % {"id": center_id}


def run_task_entries(run: Run, rows: list[TaskRow] | None = None) -> list[TaskEntry]:
    """Every task of the run in :func:`run_task_rows`' order (``rows`` when the caller has
    read them already)."""
    tasks = run_task_rows(run) if rows is None else rows
    state_labels = {state: str(label) for state, label in TaskState.choices}
    audit = {
        task_id: (pk, traceback, result, args)
        for task_id, pk, traceback, result, args in run_task_results(run).values_list(
            "task_id", "pk", "traceback", "result", "task_args"
        )
    }
    batch_ids = {t.task_id for t in tasks if t.task_name == task_names.RENDER_STATIONS}
    batches = {
        task_id: _batch_stations(_task_args(args))
        for task_id, (_, _, _, args) in audit.items()
        if task_id in batch_ids
    }
    center_ids = {task.center_id for task in tasks if task.center_id}
    center_ids |= {center for pairs in batches.values() for center, _ in pairs}
    codes = dict(PollingCenter.objects.filter(id__in=center_ids).values_list("id", "code"))
    whole_run = (
        _run_center_codes(run) if any(t.task_name in task_kinds.WHOLE_RUN for t in tasks) else ()
    )
    entries = []
    for task in tasks:
        result_pk, traceback, result, _ = audit.get(task.task_id, (None, "", None, None))
        name = short_task_name(task.task_name)
        entries.append(
            TaskEntry(
                task_id=task.task_id,
                name=name,
                state=task.state,
                state_label=state_labels.get(task.state, task.state),
                worker=task.worker,
                pid=task.pid,
                process_number=task.process_number,
                started=task.started_at,
                ended=task.ended_at,
                center_id=task.center_id,
                center_code=codes.get(task.center_id) if task.center_id else None,
                station_number=task.station_number,
                result_pk=result_pk,
                traceback=traceback or "",
                covered=_covered(result) if not task.center_id else {},
                covered_stations=tuple(
                    (codes[center] if center in codes else _unknown_center(center), number)
                    for center, number in batches.get(task.task_id, [])
                ),
                covered_centers=whole_run if task.task_name in task_kinds.WHOLE_RUN else (),
            )
        )
    return entries


def run_task_tally(run: Run) -> TaskTally:
    """How many of the run's tasks there are and have ended, and whether all have."""
    # One query (the progress JSON is polled every second by every open run page).
    counts = RunTask.objects.filter(run=run).aggregate(
        total=Count("id"), ended=Count("id", filter=Q(state__in=ENDED_TASK_STATES))
    )
    return TaskTally(
        total=counts["total"], ended=counts["ended"], drained=counts["total"] == counts["ended"]
    )


# The run page lists the files a page at a time: at 1M voters a run has ~2,500 of them.
ROLL_FILES_PER_PAGE = 100


@dataclass(frozen=True)
class RollFilePage:
    files: list[RollFile]
    number: int  # 1-based
    pages: int
    first: int  # 1-based position of files[0] in the run's list
    total: int
    bytes: int
    centers: int

    @property
    def last(self) -> int:
        return self.first + len(self.files) - 1


def run_roll_files_page(
    run: Run, number: int | str | None, per_page: int = ROLL_FILES_PER_PAGE
) -> RollFilePage:
    """One page of the run's station PDFs in center and station order, with the run's
    totals (one aggregate query, then the page). A bad or past-the-end number gives the
    nearest page."""
    totals = RollFile.objects.filter(run=run).aggregate(
        total=Count("id"), bytes=Sum("bytes"), centers=Count("center_id", distinct=True)
    )
    total = totals["total"] or 0
    pages = max(1, -(-total // per_page))
    try:
        page = min(max(1, int(number or 1)), pages)
    except (TypeError, ValueError):
        page = 1
    start = (page - 1) * per_page
    files = list(
        RollFile.objects.filter(run=run)
        .select_related("center")
        .order_by("center__code", "center_id", "station_number", "kind")[start : start + per_page]
    )
    return RollFilePage(
        files=files,
        number=page,
        pages=pages,
        first=start + 1,
        total=total,
        bytes=totals["bytes"] or 0,
        centers=totals["centers"] or 0,
    )


def run_roll_files(run: Run, center_id: int | None = None) -> list[RollFile]:
    """The run's station PDFs (or one center's) with their centers, in center and station
    order."""
    rolls = RollFile.objects.filter(run=run).select_related("center")
    if center_id is not None:
        rolls = rolls.filter(center_id=center_id)
    return list(rolls.order_by("center__code", "center_id", "station_number", "kind"))


def run_downloads(run: Run, limit: int = 50) -> list[Download]:
    """The latest downloads of the run's rolls and zips (the audit trail)."""
    downloads = Download.objects.filter(run=run).select_related("roll_file")
    return list(downloads.order_by("-at")[:limit])


def run_roll_file(*, run_id: int, file_id: int) -> RollFile | None:
    """One station PDF of the run, with its run, election and center (None if not the run's)."""
    return (
        RollFile.objects.select_related("run__election", "center")
        .filter(pk=file_id, run_id=run_id)
        .first()
    )
