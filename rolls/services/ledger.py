"""Runs: create one (refusing a second active run), and account for its progress.

Every write here is safe to repeat: a center or station is counted by inserting its unique
row (``RunCenter`` / ``RollFile``) and only the insert that succeeds increments the run; the
run then finishes through a conditional UPDATE that exactly one caller wins. This does not
depend on the django-db chord counter, which a redelivered header task decrements twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from elections.models import Election, PollingCenter, RegisterImport, Registration
from rolls.events import run_ended
from rolls.models import (
    ACTIVE_STATUSES,
    DEFAULT_PURPOSE,
    AssignmentMode,
    DocumentKind,
    RollFile,
    Run,
    RunCenter,
    RunPurpose,
    RunStatus,
    Station,
)
from rolls.planning import station_sizes
from rolls.services.completeness import run_problems
from rolls.services.printed_pages import PrintedDocument, printed_pages_record

logger = logging.getLogger(__name__)


class RunRefused(Exception):
    """A run cannot start (bad arguments, or one is already active); nothing was created."""


def run_create(
    *,
    election_id: int,
    strategy: str,
    renders: bool,
    started_by: str,
    center_ids: Iterable[int] | None = None,
    mode: str = AssignmentMode.BALANCED,
    purpose: str = DEFAULT_PURPOSE,
    changed_only: bool = False,
    template_version: str = "",
    worker_setup: dict | None = None,
) -> Run:
    """Create a queued run (refusing a second active one). Queuing its tasks is the
    launcher's (:mod:`rolls.launch`); the ledger never sees a strategy, only its name."""
    try:
        mode = AssignmentMode.checked(mode)
        purpose = RunPurpose.checked(purpose)
    except ValueError as exc:
        raise RunRefused(str(exc)) from None
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise RunRefused(f"Election {election_id} does not exist")
    if election.personal_data_closed_at is not None:
        raise RunRefused(
            gettext("The personal data of %(election)s was closed: no run can start.")
            % {"election": election.name}
        )
    importing = RegisterImport.objects.active().filter(election=election).first()
    if importing is not None:
        raise RunRefused(
            f"An import of {election.name}'s register is under way (import {importing.pk}): "
            "start the run when it has finished, so that it splits one register"
        )
    if changed_only:
        if center_ids is not None:
            raise RunRefused("A changed-only run covers the whole election; choose no centers")
        if not renders:
            raise RunRefused(f"A changed-only run renders rolls; {strategy} does not")
        if not Run.objects.official().filter(election=election).exists():
            raise RunRefused(
                f"{election.name} has no official roll set yet: a changed-only run compares "
                "with it. Publish a complete run first, or start a full run."
            )
        _check_carried_words(election, purpose)
    centers = PollingCenter.objects.for_election(election)
    if center_ids is not None:
        wanted = sorted(set(center_ids))
        if not wanted:
            raise RunRefused("Choose at least one center")
        centers = centers.filter(id__in=wanted)
        if centers.count() != len(wanted):
            raise RunRefused(f"Some of the chosen centers are not centers of {election.name}")
    counts = Registration.objects.filter(center__in=centers).counts_by_center()
    center_total = centers.count()
    if center_total == 0:
        raise RunRefused(f"{election.name} has no polling centers")
    planned = sum(
        len(station_sizes(n, election.max_voters_per_station, mode)) for n in counts.values()
    )
    fields = {
        "election": election,
        "strategy": strategy,
        "assignment_mode": mode,
        "center_ids": wanted if center_ids is not None else None,
        "renders": renders,
        "changed_only": changed_only,
        "purpose": purpose,
        "started_by": started_by[:200],
        "centers_total": center_total,
        "stations_total": planned,
        "voters_total": sum(counts.values()),
        "template_version": template_version,
        "worker_setup": worker_setup or {},
    }
    try:
        run = _create_run(fields)
    except IntegrityError:
        # A run whose tasks were never queued blocks nobody: fail it and try once more.
        if not runs_fail_unlaunched(election_id=election.pk):
            raise run_refused_active(election) from None
        try:
            run = _create_run(fields)
        except IntegrityError:
            raise run_refused_active(election) from None
    logger.info("run %s queued: %s on election %s by %s", run.pk, strategy, election.pk, started_by)
    return run


def _check_carried_words(election: Election, purpose: RunPurpose) -> None:
    """A changed-only run reuses the official set's files as they are, words included: they
    must say what the new run is for, or the set would print two purposes (and a final set
    the legacy "not the official set")."""
    official = Run.objects.official().filter(election=election).only("pk", "purpose").first()
    if official is None or official.purpose == purpose:
        return
    raise RunRefused(
        f"A changed-only run carries the official set's pages over as they are, and they "
        f"were printed as {RunPurpose(official.purpose).label.lower()} (run {official.pk}), "
        f"not as {purpose.label.lower()}: start a full run"
    )


def run_refused_active(election: Election) -> RunRefused:
    """The refusal for a second active run of ``election``, naming the one that is."""
    active = Run.objects.active().filter(election=election).first()
    detail = f" (run {active.pk}, {active.strategy}, {active.status})" if active else ""
    return RunRefused(f"{election.name} already has a run in progress{detail}")


def _create_run(fields: dict) -> Run:
    with transaction.atomic():
        return Run.objects.create(**fields)


# How long a run may wait for its tasks to reach the broker. Queuing takes milliseconds to a
# few seconds (a chord of thousands of tasks); beat checks every LAUNCH_CHECK_EVERY, so a run
# whose starting process died is failed within a minute.
LAUNCH_GRACE = timedelta(seconds=40)
LAUNCH_CHECK_EVERY = timedelta(seconds=15)


def runs_fail_unlaunched(
    *, older_than: timedelta = LAUNCH_GRACE, election_id: int | None = None
) -> list[int]:
    """Fail active runs whose tasks were never queued (the process starting them died between
    creating the run and queuing its tasks). Returns the ids of the runs it failed."""
    cutoff = timezone.now() - older_than
    runs = Run.objects.active().filter(launch_pending_since__lt=cutoff)
    if election_id is not None:
        runs = runs.filter(election_id=election_id)
    failed = []
    for run in runs:
        error = (
            f"Never queued: its tasks did not reach the broker within "
            f"{int(older_than.total_seconds())} s of {run.launch_pending_since:%Y-%m-%d %H:%M:%S} "
            "UTC (the process starting it stopped first). Start a new run."
        )
        if Run.objects.filter(pk=run.pk, launch_pending_since__lt=cutoff).exists() and run_fail(
            run_id=run.pk, error=error
        ):
            failed.append(run.pk)
    return failed


def run_mark_launched(*, run_id: int) -> None:
    """Its tasks are in the broker: the run is no longer waiting to be queued."""
    Run.objects.filter(pk=run_id).update(launch_pending_since=None)


def run_set_root_task(*, run_id: int, task_id: str) -> None:
    Run.objects.filter(pk=run_id).update(root_task_id=task_id)


def run_center_ids(run: Run) -> list[int]:
    """The centers the run's tasks work on: all it covers but those a changed-only run
    carried over from the official set (recorded before anything is queued)."""
    carried = set(
        RunCenter.objects.filter(run=run, source_run__isnull=False).values_list(
            "center_id", flat=True
        )
    )
    return [center_id for center_id in run.planned_center_ids() if center_id not in carried]


def run_mark_started(*, run_id: int) -> None:
    Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )


def run_record_center(
    *, run_id: int, center_id: int, stations: int, voters: int, fingerprint: str = ""
) -> bool:
    """Count a center's assignment once. Returns False for a repeat.

    Until every center is assigned, ``stations_total`` is the plan made from registration
    counts when the run was queued; once all are, it becomes the exact sum of what was
    assigned (registrations may have changed in between).
    """
    counted = _record_centers(run_id=run_id, centers={center_id: (stations, voters, fingerprint)})
    return bool(counted)


def _record_centers(*, run_id: int, centers: dict[int, tuple[int, int, str]]) -> int:
    """Count the assignment of ``centers`` (center id -> stations, voters, fingerprint),
    each once, in one transaction; returns how many were new. The run's row is locked
    first, by every caller, so two recorders of the same run (a redelivered task beside its
    first attempt) take turns and neither counts a center the other counted."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        counted = set(
            RunCenter.objects.filter(run_id=run_id, center_id__in=list(centers)).values_list(
                "center_id", flat=True
            )
        )
        new = [center_id for center_id in centers if center_id not in counted]
        if not new:
            return 0
        RunCenter.objects.bulk_create(
            [
                RunCenter(
                    run_id=run_id,
                    center_id=center_id,
                    stations=centers[center_id][0],
                    voters=centers[center_id][1],
                    fingerprint=centers[center_id][2],
                )
                for center_id in new
            ],
            batch_size=500,
        )
        run.centers_assigned += len(new)
        fields = ["centers_assigned"]
        empty = [center_id for center_id in new if centers[center_id][1] == 0]
        if empty:
            codes = PollingCenter.objects.filter(pk__in=empty).values_list("code", flat=True)
            run.empty_centers = sorted({*run.empty_centers, *codes})
            fields.append("empty_centers")
        if run.centers_assigned >= run.centers_total:
            run.stations_total = RunCenter.objects.filter(run_id=run_id).aggregate(
                total=Sum("stations")
            )["total"]
            fields.append("stations_total")
        run.save(update_fields=fields)
    run_finish_if_complete(run_id=run_id)
    return len(new)


@dataclass(frozen=True)
class RecordedDocument:
    """A station's door sign or a center's list, recorded with the station's roll."""

    kind: str
    station_number: int
    voters: int
    path: str
    pages: int
    size: int
    sha256: str


def run_record_station(
    *,
    run_id: int,
    center_id: int,
    station_number: int,
    voters: int,
    path: str,
    pages: int,
    size: int,
    sha256: str,
    task_id: str = "",
    documents: Iterable[RecordedDocument] = (),
) -> bool:
    """Count a rendered station once, with its other documents recorded first in the same
    transaction (each adds its pages once). Returns False for a repeat (a redelivered task).
    """
    documents = list(documents)
    with transaction.atomic():
        extra_pages = 0
        for document in documents:
            _, new = RollFile.objects.update_or_create(
                run_id=run_id,
                center_id=center_id,
                station_number=document.station_number,
                kind=document.kind,
                defaults={
                    "voters": document.voters,
                    "path": document.path,
                    "pages": document.pages,
                    "bytes": document.size,
                    "sha256": document.sha256,
                    "task_id": task_id or "",
                },
            )
            extra_pages += document.pages if new else 0
        if extra_pages:
            Run.objects.filter(pk=run_id).update(pages=F("pages") + extra_pages)
        _, created = RollFile.objects.update_or_create(
            run_id=run_id,
            center_id=center_id,
            station_number=station_number,
            kind=DocumentKind.ROLL,
            defaults={
                "voters": voters,
                "path": path,
                "pages": pages,
                "bytes": size,
                "sha256": sha256,
                "task_id": task_id or "",
            },
        )
        if created:
            Run.objects.filter(pk=run_id).update(
                stations_done=F("stations_done") + 1, pages=F("pages") + pages
            )
        # Their verification codes, with the documents: a page counted is a page answerable.
        printed_pages_record(
            run_id=run_id,
            center_id=center_id,
            documents=[
                *(PrintedDocument(d.kind, d.station_number, d.pages) for d in documents),
                PrintedDocument(DocumentKind.ROLL, station_number, pages),
            ],
        )
    if created:
        run_finish_if_complete(run_id=run_id)
    return created


def run_finish_if_complete(*, run_id: int) -> bool:
    """Mark the run succeeded if everything is accounted for and its files prove it (see
    :mod:`rolls.services.completeness`); True only for the one caller that finished it.

    A run whose counts are complete but whose files do not add up fails, naming what is
    wrong: it never reports success with a voter missing.
    """
    done = Q(centers_assigned=F("centers_total")) & (
        Q(renders=False) | Q(stations_done__gte=F("stations_total"))
    )
    candidate = Run.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).filter(done).first()
    if candidate is None:
        return False
    problems = run_problems(candidate)
    if problems:
        run_fail(
            run_id=run_id,
            error="The run's rolls do not prove it complete: " + "; ".join(problems),
        )
        return False
    finished = (
        Run.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES)
        .filter(done)
        .update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    )
    if finished:
        logger.info("run %s succeeded", run_id)
        _announce_end(run_id, RunStatus.SUCCEEDED)
    return bool(finished)


def run_fail(*, run_id: int, error: str) -> bool:
    """Mark an active run failed with ``error``; on an already failed run, add the detail."""
    changed = Run.objects.filter(pk=run_id, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:10_000]
    )
    if not changed:
        with transaction.atomic():
            run = Run.objects.select_for_update().filter(pk=run_id).first()
            if run is not None and run.status == RunStatus.FAILED and error not in run.error:
                run.error = f"{run.error}\n{error}".strip()[:10_000]
                run.save(update_fields=["error"])
    else:
        logger.warning("run %s failed: %s", run_id, error.splitlines()[0] if error else "")
        _announce_end(run_id, RunStatus.FAILED)
    return bool(changed)


def _announce_end(run_id: int, status: str) -> None:
    """Tell whoever listens (the strategy lab's benchmarks) that a run has ended, exactly
    once: only the caller whose conditional UPDATE ended the run gets here. A listener that
    raises is logged and does not undo the run's end."""
    for receiver, result in run_ended.send_robust(sender=Run, run_id=run_id, status=status):
        if isinstance(result, Exception):
            logger.error(
                "run %s: a run-ended receiver %s failed: %s",
                run_id,
                getattr(receiver, "__qualname__", receiver),
                type(result).__name__,
            )


def run_record_assigned_centers(
    *, run: Run, center_ids: list[int], fingerprints: dict[int, str] | None = None
) -> None:
    """Count centers assigned together: a few queries in one transaction whatever their
    number (each still counted once), not a transaction per center (a thousand of them
    held up the start of a million-voter run's rendering)."""
    stations = dict(
        Station.objects.filter(run=run, center_id__in=center_ids)
        .order_by()
        .values_list("center_id")
        .annotate(n=Count("id"))
    )
    voters = Registration.objects.filter(center_id__in=center_ids).counts_by_center()
    _record_centers(
        run_id=run.pk,
        centers={
            center_id: (
                stations.get(center_id, 0),
                voters.get(center_id, 0),
                (fingerprints or {}).get(center_id, ""),
            )
            for center_id in center_ids
        },
    )
