"""Runs whose workers vanished: find them, fail them, and resume them where they stopped.

A run is *stale* when it is still active (queued or running) but nothing of it has moved for
a while: no task linked, started or ended, no center assigned, no station rendered.
That is what a run looks like once its tasks are lost for good: a worker killed while running
a task that acknowledges early (the starmap task, the chord callback, ``all_in_one``), every
worker gone for good, messages lost by the filesystem broker, a purged queue. RabbitMQ hands
the late-acknowledged tasks of a killed worker to the next worker, so those runs are not
stale: they go on as soon as a worker consumes their queue.

The threshold must be longer than any single task and than the time a run may wait in the
queue behind others; the default, :data:`STALE_AFTER`, is 10 minutes.

Resuming re-activates the same run and queues only what is missing: centers without a
``RunCenter`` row are assigned (and rendered), stations without a ``RollFile`` row are
rendered. Both rows are unique per run and only their insert counts, so a station rendered
once more by a late task of the first attempt is still counted once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from rolls.formatting import format_duration
from rolls.models import RollFile, Run, RunCenter, RunStatus, RunTask, Station
from rolls.services.ledger import RunRefused, run_center_ids, run_fail, run_refused_active
from rolls.services.run_tasks import run_tasks_revoke

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)


def _latest(queryset: QuerySet, name: str) -> Subquery:
    return Subquery(
        queryset.filter(**{f"{name}__isnull": False}).order_by(f"-{name}").values(name)[:1]
    )


def runs_with_last_activity(runs: QuerySet | None = None) -> QuerySet:
    """Annotate ``last_activity``: the latest moment anything of the run moved (queued,
    started, a task linked, started or ended, a center assigned, a station rendered)."""
    runs = Run.objects.all() if runs is None else runs
    run = OuterRef("pk")
    tasks = RunTask.objects.filter(run=run)
    moments = [
        _latest(tasks, "first_seen"),
        _latest(tasks, "started_at"),
        _latest(tasks, "ended_at"),
        _latest(RunCenter.objects.filter(run=run), "assigned_at"),
        _latest(RollFile.objects.filter(run=run), "rendered_at"),
        F("started_at"),
    ]
    # GREATEST skips NULLs on PostgreSQL but not on SQLite: coalesce each to queued_at.
    return runs.annotate(
        last_activity=Greatest(F("queued_at"), *(Coalesce(m, F("queued_at")) for m in moments))
    )


def runs_find_stale(*, older_than: timedelta = STALE_AFTER) -> QuerySet:
    """Active runs with no activity for ``older_than``, annotated with ``last_activity``."""
    cutoff = timezone.now() - older_than
    return (
        runs_with_last_activity(Run.objects.active())
        .filter(last_activity__lt=cutoff)
        .select_related("election")
        .order_by("last_activity")
    )


def run_mark_stale(*, run_id: int, older_than: timedelta | None = None) -> bool:
    """Fail an active run whose tasks are gone, saying since when nothing moved.

    With ``older_than``, only if the run is (still) stale by that threshold. Its tasks that
    never ended are marked revoked, so the run counts as drained and workers that are still
    connected drop those tasks if they ever get them. Returns True if this call failed it.
    """
    run = runs_with_last_activity(Run.objects.active().filter(pk=run_id)).first()
    if run is None:
        return False
    now = timezone.now()
    if older_than is not None and run.last_activity >= now - older_than:
        return False
    progress = (
        f"{run.stations_done}/{run.stations_total} stations rendered"
        if run.renders
        else f"{run.centers_assigned}/{run.centers_total} centers assigned"
    )
    quiet = format_duration(now - run.last_activity, coarse=True)
    message = (
        f"Stale: no task progress for {quiet} (last activity "
        f"{_moment(run.last_activity)}), {progress}. Its tasks were presumably lost with "
        "their worker; the run was marked failed. Resume it to do only what is missing."
    )
    failed = run_fail(run_id=run.pk, error=message)
    if failed:
        _revoke_unfinished_tasks(run, reason=f"run {run.pk} marked stale")
    return failed


@dataclass(frozen=True)
class ResumePlan:
    """What resuming a run would queue: centers to assign (and render), stations to render."""

    centers: list[int] = field(default_factory=list)
    stations: list[tuple[int, int, int]] = field(default_factory=list)  # center, number, voters

    @property
    def empty(self) -> bool:
        return not self.centers and not self.stations


def run_resume_plan(run: Run) -> ResumePlan:
    """Centers of the run without a ``RunCenter`` row, and (for rendering runs) the
    stations of its assigned centers without a ``RollFile`` row."""
    assigned = set(RunCenter.objects.filter(run=run).values_list("center_id", flat=True))
    centers = [c for c in run_center_ids(run) if c not in assigned]
    if not run.renders:
        return ResumePlan(centers=centers)
    rendered = set(
        RollFile.objects.rolls().filter(run=run).values_list("center_id", "station_number")
    )
    stations = [
        (center_id, number, voters)
        for center_id, number, voters in Station.objects.filter(run=run, center_id__in=assigned)
        .order_by("center_id", "number")
        .values_list("center_id", "number", "voter_count")
        if (center_id, number) not in rendered
    ]
    return ResumePlan(centers=centers, stations=stations)


def run_reactivate(*, run_id: int, started_by: str) -> Run:
    """Make a failed run active again so that what it is missing can be queued (by
    :func:`rolls.launch.run_resume`, once the transaction commits).

    Refused (:class:`RunRefused`, nothing changed) when the run does not exist, is not failed,
    or another run of the election is active. Later runs do not matter: each run has its own
    split, so the stations its finished rolls were made from are still there.
    """
    run = Run.objects.select_related("election").filter(pk=run_id).first()
    if run is None:
        raise RunRefused(f"Run {run_id} does not exist")
    if run.status != RunStatus.FAILED:
        why = "it is still active (mark it stale first)" if run.is_active else "it succeeded"
        raise RunRefused(f"Run {run_id} cannot be resumed: {why}")
    who = f"{run.started_by}; resumed by {started_by}"[:200]
    try:
        with transaction.atomic():
            changed = Run.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
                status=RunStatus.RUNNING if run.started_at else RunStatus.QUEUED,
                finished_at=None,
                error="",
                started_by=who,
                launch_pending_since=timezone.now(),
            )
    except IntegrityError:
        raise run_refused_active(run.election) from None
    if not changed:
        raise RunRefused(f"Run {run_id} changed while it was being resumed; try again")
    logger.warning("run %s resumed by %s after: %s", run.pk, started_by, run.error[:500])
    # Whatever of the first attempt is still queued somewhere is superseded.
    _revoke_unfinished_tasks(run, reason=f"run {run.pk} resumed")
    run.refresh_from_db()
    return run


def _revoke_unfinished_tasks(run: Run, *, reason: str) -> list[str]:
    """Mark the run's tasks that never ended revoked (so the run is drained) and broadcast a
    revoke, which workers connected now honour if the task reaches them."""
    unfinished = run_tasks_revoke(run_id=run.pk)
    if not unfinished:
        return []
    logger.info("run %s: %s unfinished tasks revoked (%s)", run.pk, len(unfinished), reason)
    try:
        current_app.control.revoke(unfinished)
    except Exception as exc:  # the broker may be what is down; the run's own record is enough
        logger.warning("run %s: could not broadcast the revoke: %s", run.pk, exc)
    return unfinished


def _moment(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")
