"""An import's files have an end, and a stuck import lets go of its election.

The uploaded register and its rejected-rows CSV hold every voter's name and number. They are
deleted ``REGISTER_UPLOAD_RETENTION_DAYS`` after the import ended (beat, daily) or at once by
staff; the record keeps what proves the import (the file's name, size and SHA-256, the counts
and the errors by line). Beat also fails, every minute, the imports and previews whose
progress stopped ``REGISTER_IMPORT_STALE_MINUTES`` ago: their worker vanished.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from elections.models import ACTIVE_IMPORT_STATES, ImportState, RegisterImport

logger = logging.getLogger(__name__)

# Whose files may go: an import that is reading its file (a preview) or writing (queued,
# running) keeps them until it ends.
BUSY_STATES = (ImportState.PREVIEWING, *ACTIVE_IMPORT_STATES)
RETENTION_DELETER = "retention"


class FilesNotDeleted(Exception):
    """The import's files cannot be deleted now (it is reading or writing)."""


def stale_after() -> timedelta:
    return timedelta(minutes=settings.REGISTER_IMPORT_STALE_MINUTES)


def upload_retention() -> timedelta:
    return timedelta(days=settings.REGISTER_UPLOAD_RETENTION_DAYS)


def stale_import_message() -> str:
    return gettext(
        "The import stopped: no progress for %(minutes)s minutes (its worker vanished). "
        "Nothing was written. Import again."
    ) % {"minutes": settings.REGISTER_IMPORT_STALE_MINUTES}


def imports_fail_stale(*, election_id: int | None = None) -> int:
    """Fail the imports and previews (of one election, or all) whose progress stopped longer
    than ``REGISTER_IMPORT_STALE_MINUTES`` ago; a merge that never committed wrote nothing,
    so the register is as it was. A conditional UPDATE: safe beside a worker finishing."""
    stale = RegisterImport.objects.filter(
        state__in=BUSY_STATES, heartbeat_at__lt=timezone.now() - stale_after()
    )
    if election_id is not None:
        stale = stale.filter(election_id=election_id)
    failed = stale.update(
        state=ImportState.FAILED,
        phase="done",
        finished_at=timezone.now(),
        message=stale_import_message(),
    )
    if failed:
        logger.warning("%s stale register import(s) failed", failed)
    return failed


def register_import_files_delete(*, import_id: int, deleted_by: str) -> RegisterImport:
    """Delete the import's uploaded file and rejected-rows CSV now; the record stays.

    A preview still waiting for confirmation cannot be imported without its file: it ends,
    failed, saying why. The deregistration sample (voters' names, read from the file) goes
    with the files."""
    record = RegisterImport.objects.get(pk=import_id)
    if record.state in BUSY_STATES:
        raise FilesNotDeleted(
            gettext("Import %(id)s is %(state)s: its files can be deleted once it has ended.")
            % {"id": record.pk, "state": record.get_state_display().lower()}
        )
    _files_delete(record, deleted_by=deleted_by)
    record.refresh_from_db()
    return record


def _files_delete(record: RegisterImport, *, deleted_by: str) -> None:
    # Files first: a crash between the two leaves a record pointing at nothing (found and
    # finished by the next pass), never a file nobody knows of.
    for path in (record.file_path, record.rejected_path):
        if path:
            default_storage.delete(path)
    changes = {
        "file_path": "",
        "rejected_path": "",
        "deregistration_sample": [],
        "files_deleted_at": timezone.now(),
        "files_deleted_by": deleted_by[:160],
    }
    unconfirmed = RegisterImport.objects.filter(pk=record.pk, state=ImportState.PREVIEWED).update(
        **changes,
        state=ImportState.FAILED,
        finished_at=timezone.now(),
        message=gettext(
            "The preview was not confirmed and its file was deleted; upload it again to import."
        ),
    )
    if not unconfirmed:
        RegisterImport.objects.filter(pk=record.pk).exclude(state__in=BUSY_STATES).update(**changes)


def register_uploads_purge(*, older_than: timedelta | None = None) -> int:
    """Delete the files of imports that ended more than ``older_than`` (the setting's days)
    ago, and of previews left unconfirmed as long. Returns how many imports lost files."""
    cutoff = timezone.now() - (upload_retention() if older_than is None else older_than)
    due = (
        RegisterImport.objects.filter(files_deleted_at__isnull=True)
        .exclude(state__in=BUSY_STATES)
        .filter(
            Q(finished_at__lt=cutoff)
            | Q(finished_at__isnull=True, heartbeat_at__lt=cutoff)
            | Q(finished_at__isnull=True, heartbeat_at__isnull=True, created_at__lt=cutoff)
        )
    )
    count = 0
    # Read first, then written one by one: no cursor stays open across the writes.
    for record in list(due.only("pk", "file_path", "rejected_path")):
        _files_delete(record, deleted_by=RETENTION_DELETER)
        count += 1
    if count:
        logger.info("files of %s register import(s) deleted (retention)", count)
    return count
