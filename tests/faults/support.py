"""What the fault tests share: the services they need, waiting for a
moment to inject a fault, and the one check of a run's output every survivor must pass."""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from celery import states
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django_celery_results.models import TaskResult
from pypdf import PdfReader

from config.celery import all_queue_names, app
from elections.models import Election, Registration
from rolls.models import DocumentKind, RollFile, Run, RunStatus, RunTask, TaskState
from rolls.pdf import center_set_pages
from rolls.services.assignment import station_sizes
from rolls.services.storage import run_folder as storage_run_folder
from tests.rolls.helpers import voter_numbers_in_run

TIMEOUT = 120


def services_problem() -> str | None:
    broker = settings.CELERY_BROKER_URL.split(":", 1)[0]
    if broker in ("amqp", "pyamqp") and connection.vendor == "postgresql":
        return None
    return (
        f"fault tests need RabbitMQ + PostgreSQL (this run uses {broker} + {connection.vendor}): "
        "the filesystem broker loses acks_late messages when a worker dies, so crash recovery "
        "is a RabbitMQ property. Run them with DATABASE_URL=postgresql://... "
        "CELERY_BROKER_URL=amqp://..."
    )


requires_services = pytest.mark.skipif(
    services_problem() is not None, reason=services_problem() or ""
)


def use_media_root(settings, root: Path) -> None:
    """Store PDFs under ``root``, here and in workers started from now on."""
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }


def planned_stations(election: Election) -> list[int]:
    """Voters of every station the balanced split makes, over all centers."""
    return [size for sizes in planned_centers(election) for size in sizes]


def planned_centers(election: Election) -> list[list[int]]:
    """The station sizes of each center, in center code order."""
    return [
        station_sizes(center.registrations.count(), election.max_voters_per_station)
        for center in election.centers.order_by("code")
    ]


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, every=0.05):
    """Poll ``predicate`` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def run_results(run: Run):
    return TaskResult.objects.filter(task_id__in=RunTask.objects.filter(run=run).values("task_id"))


def wait_for_started(
    run: Run, task_name: str, *, running_for: float = 0.0, center: str | None = None
) -> TaskResult:
    """A task of the run (of the center with code *center*, when given) that a worker process
    is executing right now (task_track_started stores its pid), started at least
    ``running_for`` seconds ago."""

    center_id = None if center is None else run.election.centers.get(code=center).pk

    def started():
        # Every task running now, not the first found: a short one picked first ended while
        # it was watched, then the next, until the long one the test needs had ended too.
        results = run_results(run).filter(task_name=task_name, status=states.STARTED)
        if center_id is not None:
            mine = run.tasks.filter(center_id=center_id).values("task_id")
            results = results.filter(task_id__in=mine)
        rows = list(results)
        if not rows or running_for <= 0:
            return rows[0] if rows else None
        time.sleep(running_for)
        for row in rows:
            row.refresh_from_db()
        return next((row for row in rows if row.status == states.STARTED), None)

    return wait_until(started, timeout=TIMEOUT, what=f"a {task_name} task of run {run.pk} to start")


def started_pid(row: TaskResult) -> int:
    """The worker process running (or that last ran) the task, as the run's task table says."""
    return RunTask.objects.get(task_id=row.task_id).pid


def messages_waiting(namespace: str) -> int:
    """Ready messages in the namespace's queues (unacknowledged ones are not counted)."""
    from amqp.exceptions import NotFound

    total = 0
    with app.connection_for_write() as conn:
        for name in all_queue_names(namespace):
            channel = conn.channel()
            try:
                total += channel.queue_declare(name, passive=True).message_count
            except NotFound:
                pass
            finally:
                with contextlib.suppress(Exception):
                    channel.close()
    return total


def wait_for_run(run: Run, *, timeout: float = TIMEOUT) -> Run:
    def finished():
        run.refresh_from_db()
        return not run.is_active

    wait_until(finished, timeout=timeout, what=f"run {run.pk} to finish", every=0.1)
    return run


def wait_settled(run: Run, namespace: str, *, timeout: float = TIMEOUT) -> Run:
    """The run finished and nothing of it is still running, retrying or queued, so the files
    checked next cannot change under the test. (Not ``wait_for(drained=True)``: after a
    crash the chord callback may never run, as Celery's chord counter is not redelivery-safe;
    completion does not depend on it.)"""
    wait_for_run(run, timeout=timeout)

    def quiet():
        # The run's own record: a task lost with its worker stays STARTED in the audit log,
        # but is revoked in the run's record once the run is marked stale.
        busy = run.tasks.filter(state__in=[TaskState.STARTED, TaskState.RETRY]).exists()
        return not busy and messages_waiting(namespace) == 0

    wait_until(quiet, timeout=timeout, what=f"run {run.pk}'s tasks to settle", every=0.2)
    return run


def run_folder(run: Run, root: Path | None = None) -> Path:
    root = Path(settings.MEDIA_ROOT) if root is None else root
    return root / storage_run_folder(election_id=run.election_id, run_id=run.pk)


def files_in(folder: Path) -> tuple[set[str], set[str]]:
    """(PDFs under their final names, leftover partial files) below ``folder``, relative to
    the media root."""
    root = Path(settings.MEDIA_ROOT)
    final, partial = set(), set()
    for path in folder.rglob("*"):
        if path.is_file():
            (partial if path.name.startswith(".") else final).add(str(path.relative_to(root)))
    return final, partial


def assert_run_output_exact(run: Run, election: Election) -> None:
    """Succeeded, one roll and one door sign per station and a list per center, each PDF
    whole (sha256 and page count match the manifest, pypdf opens it), pages add up, and
    every voter is printed exactly once."""
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    sizes = planned_stations(election)
    files = list(RollFile.objects.filter(run=run))
    rolls = [f for f in files if f.kind == DocumentKind.ROLL]
    assert len(rolls) == len(sizes) == run.stations_done == run.stations_total
    with_voters = sum(1 for center in planned_centers(election) if center)
    assert len(files) == 2 * len(sizes) + with_voters
    assert len({(f.center_id, f.station_number, f.kind) for f in files}) == len(files)
    assert run.centers_assigned == run.centers_total == election.centers.count()
    for roll in files:
        with default_storage.open(roll.path, "rb") as handle:
            data = handle.read()
        assert len(data) == roll.bytes, roll.path
        assert hashlib.sha256(data).hexdigest() == roll.sha256, roll.path
        assert len(PdfReader(io.BytesIO(data)).pages) == roll.pages, roll.path
    assert sum(f.pages for f in files) == run.pages
    assert run.pages == sum(center_set_pages(center) for center in planned_centers(election))
    final, _partial = files_in(run_folder(run))
    assert final == {f.path for f in files}  # no stray or duplicate PDF under a final name
    expected = set(
        Registration.objects.filter(election=election).values_list("voter__voter_number", flat=True)
    )
    seen = voter_numbers_in_run(run)
    assert set(seen) == expected
    assert max(seen.values()) == 1
