"""Retention on a schedule, as deployed: a real beat sends the upkeep tasks through the broker
and a real worker runs them. A stuck import is failed with its reason, and the uploaded files
of an import that ended longer ago than the retention are deleted (a recent one's stay)."""

from __future__ import annotations

import io
import os
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from elections.models import ImportState, RegisterImport
from elections.services.registers.records import register_import_create
from tests.elections.registers import csv_bytes, import_now
from tests.factories import ElectionFactory
from tests.support.processes import running, wait_for_log
from tests.support.workers import database_url_for_current_connection

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROWS = [["0001", "Martin", "Paul", "C1", ""], ["0002", "Leroy", "Zoé", "C1", ""]]
TIMEOUT = 90
# Beat's intervals, shortened for the test (the defaults: a minute and a day).
FAST = {"REGISTER_IMPORT_STALE_CHECK_SECONDS": "1", "REGISTER_UPLOAD_PURGE_EVERY_SECONDS": "2"}


def wait_until(check, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert time.monotonic() < deadline, f"beat and the worker did not {what}"
        time.sleep(0.5)


def test_beat_fails_a_stuck_import_and_deletes_uploads_past_their_time(workers, tmp_path):
    stuck = register_import_create(
        election=ElectionFactory(),
        upload=io.BytesIO(csv_bytes(ROWS)),
        file_name="stuck.csv",
        username="t",
        state=ImportState.RUNNING,
    )
    RegisterImport.objects.filter(pk=stuck.pk).update(
        heartbeat_at=timezone.now() - timedelta(minutes=settings.REGISTER_IMPORT_STALE_MINUTES + 1)
    )
    old = import_now(ElectionFactory(), csv_bytes(ROWS))
    recent = import_now(ElectionFactory(), csv_bytes(ROWS))
    RegisterImport.objects.filter(pk=old.pk).update(
        finished_at=timezone.now()
        - timedelta(days=settings.REGISTER_UPLOAD_RETENTION_DAYS, hours=1)
    )
    worker = workers.start(concurrency=1, node="upkeep", extra_env=FAST)
    env = {
        **os.environ,
        **FAST,
        "DATABASE_URL": database_url_for_current_connection(),
        "CELERY_QUEUE_NAMESPACE": workers.namespace,
        "VAR_DIR": str(settings.VAR_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "INFO", "--pidfile="]
    with running(command, env, tmp_path / "beat.log") as beat:
        wait_for_log(beat, tmp_path / "beat.log", r"beat: Starting")

        def released() -> bool:
            stuck.refresh_from_db()
            return stuck.state == ImportState.FAILED

        def purged() -> bool:
            old.refresh_from_db()
            return old.files_deleted_at is not None

        wait_until(released, "fail the stuck import")
        wait_until(purged, "delete the old upload")

    assert "no progress for" in stuck.message and stuck.finished_at is not None
    assert not default_storage.exists(f"{old.folder}/import-{old.pk}.csv")
    assert old.file_path == "" and old.file_sha256 and old.files_deleted_by == "retention"
    recent.refresh_from_db()
    assert recent.files_deleted_at is None and default_storage.exists(recent.file_path)
    log = worker.log()
    assert "elections.tasks.fail_stale_imports" in log
    assert "elections.tasks.purge_register_uploads" in log
