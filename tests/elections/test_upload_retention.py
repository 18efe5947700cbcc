"""An import's files have an end: deleted a set time after the import ends, or at once by
staff; the record keeps the file's SHA-256, counts and errors. A stuck import is failed on a
schedule, with the reason on its page. The staging table never outlives its import."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from elections.models import ImportState, RegisterImport
from elections.services.registers.records import register_import_create
from elections.services.registers.retention import (
    FilesNotDeleted,
    imports_fail_stale,
    register_import_files_delete,
    register_uploads_purge,
)
from elections.services.registers.staging import staging_name
from rolls.models import Download
from tests.elections.registers import csv_bytes, import_now, preview
from tests.factories import ElectionFactory
from tests.support.pages import text_of
from tests.support.users import STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ROWS = [["0001", "Quennevillier", "Odile", "C1", "North"], ["0002", "Martin", "Paul", "C1", ""]]
BAD = [*ROWS, ["0003", "", "Nobody", "C1", ""]]


@pytest.fixture
def election():
    return ElectionFactory(slug="general-2026")


def ended_days_ago(record: RegisterImport, days: float) -> None:
    RegisterImport.objects.filter(pk=record.pk).update(
        finished_at=timezone.now() - timedelta(days=days)
    )


def test_files_go_after_the_retention_and_the_record_keeps_hash_counts_and_errors(
    election, settings
):
    settings.REGISTER_UPLOAD_RETENTION_DAYS = 7
    data = csv_bytes(BAD)
    old = import_now(election, data, skip_invalid=True)
    recent = import_now(ElectionFactory(), csv_bytes(ROWS))
    assert old.state == ImportState.SUCCEEDED and old.rejected_path
    kept_paths = [old.file_path, old.rejected_path]
    assert all(default_storage.exists(path) for path in kept_paths)
    ended_days_ago(old, 8)
    ended_days_ago(recent, 6)

    assert register_uploads_purge() == 1

    old.refresh_from_db()
    assert not any(default_storage.exists(path) for path in kept_paths)
    assert (old.file_path, old.rejected_path) == ("", "")
    assert old.files_deleted_at is not None and old.files_deleted_by == "retention"
    assert old.file_sha256 == hashlib.sha256(data).hexdigest() and old.file_size == len(data)
    assert old.counts["rows"] == 2 and old.error_count == 1
    assert old.errors == [{"line": 4, "reason": "empty family_name"}]
    recent.refresh_from_db()
    assert recent.files_deleted_at is None and default_storage.exists(recent.file_path)
    assert register_uploads_purge() == 0  # nothing left to do: safe to run again


def test_a_preview_left_unconfirmed_past_the_retention_ends_with_its_files(election, settings):
    settings.REGISTER_UPLOAD_RETENTION_DAYS = 7
    record = preview(election, csv_bytes(ROWS))
    assert record.state == ImportState.PREVIEWED
    RegisterImport.objects.filter(pk=record.pk).update(
        heartbeat_at=timezone.now() - timedelta(days=8)
    )

    assert register_uploads_purge() == 1

    record.refresh_from_db()
    assert record.state == ImportState.FAILED and "not confirmed" in record.message
    assert not default_storage.exists(import_path(record))


def import_path(record: RegisterImport) -> str:
    return f"{record.folder}/import-{record.pk}.{record.file_format}"


def test_a_snapshot_deregistration_sample_goes_with_the_files(election):
    import_now(election, csv_bytes(ROWS))
    record = import_now(election, csv_bytes(ROWS[1:]))
    assert record.deregistration_sample  # Quennevillier, deregistered by the snapshot
    register_import_files_delete(import_id=record.pk, deleted_by="admin:clerk")
    record.refresh_from_db()
    assert record.deregistration_sample == [] and record.counts["deregistered"] == 1


def test_files_of_an_import_still_reading_are_not_deleted(election):
    record = register_import_create(
        election=election,
        upload=io.BytesIO(csv_bytes(ROWS)),
        file_name="r.csv",
        username="t",
    )
    with pytest.raises(FilesNotDeleted, match="can be deleted once it has ended"):
        register_import_files_delete(import_id=record.pk, deleted_by="admin:clerk")
    assert default_storage.exists(record.file_path)


def test_staff_delete_an_imports_files_from_its_page_after_a_confirmation(client, election):
    client.force_login(make_user("clerk", STAFF))
    record = import_now(election, csv_bytes(BAD), skip_invalid=True)
    page_url = reverse("admin:elections_registerimport_change", args=[record.pk])
    rejected_url = reverse("admin:elections_registerimport_rejected", args=[record.pk])
    page = client.get(page_url).content.decode()
    assert 'id="delete-files-link"' in page and "deleted 7 days after the import ends" in page

    confirm = client.get(reverse("admin:elections_registerimport_delete_files", args=[record.pk]))
    listed = text_of(confirm.content.decode(), "files-to-delete")
    assert "the uploaded register register.csv" in listed and "(1 row)" in listed
    assert default_storage.exists(record.file_path)  # showing the page deletes nothing

    done = client.post(
        reverse("admin:elections_registerimport_delete_files", args=[record.pk]), follow=True
    )
    assert "were deleted; its record stays" in done.content.decode()
    assert not default_storage.exists(record.file_path)
    assert not default_storage.exists(record.rejected_path)
    after = text_of(client.get(page_url).content.decode(), "import-files-deleted")
    assert "were deleted on" in after and "(admin:clerk)" in after
    gone = client.get(rejected_url)
    assert gone.status_code == 410 and "were deleted on" in gone.content.decode()
    assert not Download.objects.exists()  # nothing was served, so nothing recorded


def test_a_rejected_rows_download_is_on_the_download_trail(client, election):
    client.force_login(make_user("clerk", STAFF))
    record = import_now(election, csv_bytes(BAD), skip_invalid=True)
    response = client.get(reverse("admin:elections_registerimport_rejected", args=[record.pk]))
    assert response.status_code == 200
    (download,) = Download.objects.all()
    assert (download.username, download.import_number) == ("clerk", record.pk)


def test_a_stuck_import_is_failed_with_the_reason_on_its_page(client, election, settings):
    settings.REGISTER_IMPORT_STALE_MINUTES = 10
    stuck = preview(election, csv_bytes(ROWS))
    RegisterImport.objects.filter(pk=stuck.pk).update(
        state=ImportState.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=11)
    )
    fresh = preview(ElectionFactory(), csv_bytes(ROWS))
    RegisterImport.objects.filter(pk=fresh.pk).update(
        state=ImportState.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=9)
    )

    assert imports_fail_stale() == 1

    stuck.refresh_from_db()
    assert stuck.state == ImportState.FAILED and stuck.finished_at is not None
    client.force_login(make_user("clerk", STAFF))
    page = client.get(reverse("admin:elections_registerimport_change", args=[stuck.pk]))
    message = text_of(page.content.decode(), "import-message")
    assert "no progress for 10 minutes" in message and "Nothing was written" in message
    fresh.refresh_from_db()
    assert fresh.state == ImportState.RUNNING


def test_a_merge_released_as_stale_meanwhile_is_undone(election, monkeypatch):
    """Beat fails a running import while its merge is under way: the merge must not commit
    (another import may have been let in)."""
    from elections.services.registers import imports

    original = imports.Staging.merge

    def merge_then_released(self, election_id, snapshot):
        original(self, election_id, snapshot)
        RegisterImport.objects.filter(election_id=election_id).update(state=ImportState.FAILED)

    monkeypatch.setattr(imports.Staging, "merge", merge_then_released)
    record = import_now(election, csv_bytes(ROWS))
    assert record.state == ImportState.FAILED and "no progress for" in record.message
    assert not election.registrations.exists()


def staging_tables() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'register_import%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_temp_master WHERE type = 'table' "
                "AND name LIKE 'register_import%'"
            )
        return [row[0] for row in cursor.fetchall()]


def test_the_staging_table_is_gone_after_every_import_success_or_failure(election):
    succeeded = import_now(election, csv_bytes(ROWS))
    assert succeeded.state == ImportState.SUCCEEDED
    assert staging_tables() == []
    failed = import_now(election, csv_bytes(BAD))  # invalid rows, not skipped: fails
    assert failed.state == ImportState.FAILED
    assert staging_tables() == []
    previewed = preview(election, csv_bytes(ROWS))
    assert previewed.state == ImportState.PREVIEWED
    assert staging_tables() == [] and staging_name(previewed.pk) not in staging_tables()
