"""An import's record from upload to confirmation: the kept file, the one-active-import
rule (the database's partial unique index decides; a stale import is released by
:mod:`.retention`), and a preview's new options.
"""

from __future__ import annotations

import hashlib
import tempfile
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from elections.guards import election_closed, import_blocked
from elections.models import (
    Election,
    ImportMode,
    ImportState,
    RegisterImport,
)
from elections.services.registers.guard import deregistrations_refused
from elections.services.registers.reading import file_format
from elections.services.registers.retention import imports_fail_stale

CHUNK = 1024 * 1024


class ImportRefused(Exception):
    """The import cannot start (another one is under way, a run is active); nothing changed."""


def import_file_path(record: RegisterImport) -> str:
    """Named by the import's id, never by the uploaded name."""
    return f"{record.folder}/import-{record.pk}.{record.file_format}"


def register_import_create(
    *,
    election: Election,
    upload: BinaryIO,
    file_name: str,
    username: str,
    user=None,
    mode: str = ImportMode.SNAPSHOT,
    skip_invalid: bool = False,
    columns: dict[str, str] | None = None,
    state: str = ImportState.PREVIEWING,
    confirmed_deregistrations: int | None = None,
) -> RegisterImport:
    """Record an import and keep its file in storage, hashed as it is copied.

    ``confirmed_deregistrations``: the number of voters staff expect a snapshot to
    deregister (the command line confirms before it has seen the count; the merge checks)."""
    if mode not in ImportMode.values:
        raise ImportRefused(f"Unknown mode {mode!r}: snapshot or add")
    if closed := election_closed(election.pk):
        raise ImportRefused(closed)
    head = upload.read(4)
    record_fields = {
        "election": election,
        "created_by": user,
        "username": username[:150],
        "file_name": file_name[-255:],
        "file_format": file_format(head),
        "mode": mode,
        "skip_invalid": skip_invalid,
        "columns": {k: v for k, v in (columns or {}).items() if v},
        "state": state,
        "started_at": timezone.now() if state == ImportState.RUNNING else None,
        "confirmed_deregistrations": confirmed_deregistrations,
    }
    try:
        with transaction.atomic():
            record = RegisterImport.objects.create(**record_fields, heartbeat_at=timezone.now())
    except IntegrityError:
        if not imports_fail_stale(election_id=election.pk):
            raise import_refused_active(election) from None
        with transaction.atomic():
            record = RegisterImport.objects.create(**record_fields, heartbeat_at=timezone.now())
    digest, size = hashlib.sha256(head), len(head)
    path = import_file_path(record)
    default_storage.delete(path)
    # Copied through a temporary file (in memory up to a few MiB): flat memory for any size.
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as copy:
        copy.write(head)
        while chunk := upload.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            copy.write(chunk)
        copy.seek(0)
        saved = default_storage.save(path, File(copy))
    RegisterImport.objects.filter(pk=record.pk).update(
        file_path=saved, file_sha256=digest.hexdigest(), file_size=size
    )
    record.refresh_from_db()
    return record


def import_refused_active(election: Election) -> ImportRefused:
    active = RegisterImport.objects.active().filter(election=election).first()
    detail = f" (import {active.pk} by {active.username}, {active.state})" if active else ""
    return ImportRefused(
        f"Another import into {election.name} is under way{detail}: wait for it to finish"
    )


def register_import_confirm(
    *,
    import_id: int,
    mode: str | None = None,
    skip_invalid: bool | None = None,
    confirmed_deregistrations: int | None = None,
) -> RegisterImport:
    """Previewed -> queued, refusing a second active import of the election (the database's
    partial unique index decides, not a check beforehand) and an active run.

    A snapshot that deregisters many voters needs ``confirmed_deregistrations`` equal to
    the preview's count (see :mod:`.guard`); the merge checks it again against its own."""
    record = RegisterImport.objects.select_related("election").get(pk=import_id)
    if record.state != ImportState.PREVIEWED:
        raise ImportRefused(f"Import {record.pk} is {record.get_state_display().lower()}")
    if record.message:
        raise ImportRefused(f"The file cannot be imported: {record.message}")
    skipping = record.skip_invalid if skip_invalid is None else skip_invalid
    if record.error_count and not skipping:
        raise ImportRefused(
            f"The preview found {record.error_count:,} invalid rows: correct the file, or "
            "choose to skip invalid rows"
        )
    if mode is None or mode == record.mode:
        refused = deregistrations_refused(record.counts, confirmed_deregistrations)
        if refused:
            raise ImportRefused(refused)
    reason = import_blocked(record.election_id)
    if reason:
        raise ImportRefused(reason)
    changes = {
        "state": ImportState.QUEUED,
        "confirmed_deregistrations": confirmed_deregistrations,
        "heartbeat_at": timezone.now(),
        "rows_total": record.rows_read,
        "rows_read": 0,
        "rows_written": 0,
        "phase": "",
    }
    if mode is not None:
        changes["mode"] = mode
    if skip_invalid is not None:
        changes["skip_invalid"] = skip_invalid
    for attempt in range(2):
        try:
            with transaction.atomic():
                claimed = RegisterImport.objects.filter(
                    pk=record.pk, state=ImportState.PREVIEWED
                ).update(**changes)
            break
        except IntegrityError:
            if attempt or not imports_fail_stale(election_id=record.election_id):
                raise import_refused_active(record.election) from None
    if not claimed:
        raise ImportRefused(f"Import {record.pk} was confirmed already")
    record.refresh_from_db()
    return record


def register_import_remap(
    *, import_id: int, columns: dict[str, str], mode: str, skip_invalid: bool
) -> RegisterImport:
    """New column mapping or options for a preview: it is read again."""
    RegisterImport.objects.filter(
        pk=import_id, state__in=[ImportState.PREVIEWED, ImportState.PREVIEWING]
    ).update(
        columns={k: v for k, v in columns.items() if v},
        mode=mode,
        skip_invalid=skip_invalid,
        state=ImportState.PREVIEWING,
        counts={},
        deregistration_sample=[],
        renamed_elsewhere=[],
        confirmed_deregistrations=None,
        errors=[],
        error_count=0,
        message="",
    )
    return RegisterImport.objects.get(pk=import_id)
