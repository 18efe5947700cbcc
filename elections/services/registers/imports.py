"""Importing a register file into an election: preview, then the all-or-nothing merge.

Both read the file kept in storage (so a Celery worker on another machine reads it too),
check every row, and load the valid ones into a temporary staging table; the preview then
counts what would change, the import merges the staging table in one transaction, the
record's success written in that same transaction. A crash anywhere before the commit leaves
the previous register exactly as it was and the record not "succeeded".
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from elections.guards import import_blocked
from elections.models import (
    ACTIVE_IMPORT_STATES,
    Election,
    ImportMode,
    ImportState,
    RegisterImport,
)
from elections.services.registers.reading import RegisterFileError, file_format, source_rows
from elections.services.registers.rejected import Rejections
from elections.services.registers.rows import (
    ColumnsError,
    column_positions,
    register_row,
    row_fields,
    row_problems,
    staged_values,
)
from elections.services.registers.staging import BATCH, Staging

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 20_000
# An active import whose heartbeat is older than this lost its worker: it blocks no one.
STALE_AFTER = timedelta(minutes=10)
CHUNK = 1024 * 1024


class ImportRefused(Exception):
    """The import cannot start (another one is under way, a run is active); nothing changed."""


@dataclass(frozen=True)
class Outcome:
    counts: dict
    error_count: int
    message: str  # a file-level problem; empty when the file could be read


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
) -> RegisterImport:
    """Record an import and keep its file in storage, hashed as it is copied."""
    if mode not in ImportMode.values:
        raise ImportRefused(f"Unknown mode {mode!r}: snapshot or add")
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


def imports_fail_stale(*, election_id: int) -> int:
    """Fail the election's active imports whose worker vanished (no heartbeat for
    ``STALE_AFTER``); their merge never committed, so the register is as it was."""
    return RegisterImport.objects.filter(
        election_id=election_id,
        state__in=ACTIVE_IMPORT_STATES,
        heartbeat_at__lt=timezone.now() - STALE_AFTER,
    ).update(
        state=ImportState.FAILED,
        finished_at=timezone.now(),
        message="The import stopped (its worker vanished); nothing was written. Import again.",
    )


def register_import_confirm(
    *, import_id: int, mode: str | None = None, skip_invalid: bool | None = None
) -> RegisterImport:
    """Previewed -> queued, refusing a second active import of the election (the database's
    partial unique index decides, not a check beforehand) and an active run."""
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
    reason = import_blocked(record.election_id)
    if reason:
        raise ImportRefused(reason)
    changes = {
        "state": ImportState.QUEUED,
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
        errors=[],
        error_count=0,
        message="",
    )
    return RegisterImport.objects.get(pk=import_id)


def _progress(import_id: int, **fields) -> None:
    RegisterImport.objects.filter(pk=import_id).update(heartbeat_at=timezone.now(), **fields)


def _stage(record: RegisterImport, staging: Staging, rejections: Rejections) -> None:
    """Read and check every row; the valid ones go into the staging table."""
    election = record.election
    with default_storage.open(record.file_path, "rb") as raw:
        rows = source_rows(raw, record.file_format)
        header = next(rows, None)
        if header is None:
            raise RegisterFileError("The file has no header line")
        record.headers = header.values
        RegisterImport.objects.filter(pk=record.pk).update(headers=header.values)
        positions = column_positions(header.values, record.columns)
        width = len(header.values)
        counter = {"read": 0, "written": 0}

        def batches() -> Iterator[list[tuple]]:
            batch: list[tuple] = []
            for row in rows:
                counter["read"] += 1
                fields = row_fields(row.values, positions)
                problems = row_problems(fields, len(row.values), width)
                if problems:
                    rejections.add(row.line, "; ".join(problems), fields)
                else:
                    batch.append(staged_values(row.line, register_row(fields), election))
                if len(batch) >= BATCH:
                    counter["written"] += len(batch)
                    yield batch
                    batch = []
                if counter["read"] % PROGRESS_EVERY == 0:
                    _progress(record.pk, rows_read=counter["read"], rows_written=counter["written"])
            counter["written"] += len(batch)
            yield batch

        staging.create()
        _progress(record.pk, phase="reading")
        # A savepoint only inside a caller's transaction (a test's): a file refused halfway
        # through COPY must not abort it. Otherwise autocommit, so progress is seen at once.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            staging.load(batches())
    _progress(record.pk, rows_read=counter["read"], rows_written=counter["written"])
    staging.index()
    for group in staging.duplicates():
        lines = ", ".join(str(row["line"]) for row in group)
        for row in group:
            rejections.add(
                row["line"],
                f"voter number {row['voter_number']} is in the file {len(group)} times "
                f"(lines {lines})",
                row,
            )
    staging.drop_duplicates()


def _run(record: RegisterImport, *, write: bool) -> Outcome:
    staging = Staging(record.pk)
    rejections = Rejections(record)
    snapshot = record.mode == ImportMode.SNAPSHOT
    try:
        try:
            _stage(record, staging, rejections)
        except (RegisterFileError, ColumnsError) as exc:
            return Outcome(counts={}, error_count=0, message=str(exc))
        rejections.save()
        if not write or (rejections.count and not record.skip_invalid):
            return Outcome(
                counts=staging.plan(record.election_id, snapshot),
                error_count=rejections.count,
                message="",
            )
        _progress(record.pk, phase="merging")
        with transaction.atomic():
            Election.objects.select_for_update().filter(pk=record.election_id).first()
            reason = import_blocked(record.election_id)
            if reason:
                return Outcome(counts={}, error_count=rejections.count, message=reason)
            counts = staging.plan(record.election_id, snapshot)
            staging.merge(record.election_id, snapshot)
            RegisterImport.objects.filter(pk=record.pk).update(
                state=ImportState.SUCCEEDED,
                phase="done",
                counts=counts,
                error_count=rejections.count,
                errors=rejections.first,
                rejected_path=rejections.path,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
        return Outcome(counts=counts, error_count=rejections.count, message="")
    finally:
        staging.drop()
        rejections.close()


def _finish(record: RegisterImport, outcome: Outcome, state: str) -> None:
    RegisterImport.objects.filter(pk=record.pk).exclude(state=ImportState.SUCCEEDED).update(
        state=state,
        phase="done",
        counts=outcome.counts,
        error_count=outcome.error_count,
        message=outcome.message,
        finished_at=timezone.now() if state == ImportState.FAILED else None,
        heartbeat_at=timezone.now(),
    )


def register_import_preview(*, import_id: int) -> RegisterImport:
    """Count what the import would change, write nothing to the register."""
    record = RegisterImport.objects.select_related("election").get(pk=import_id)
    if record.state != ImportState.PREVIEWING:
        return record  # a redelivered preview of a record that moved on
    outcome = _run(record, write=False)
    _finish(record, outcome, ImportState.PREVIEWED)
    record.refresh_from_db()
    return record


def register_import_execute(*, import_id: int) -> RegisterImport:
    """Run a confirmed import (safe to run again after a crash: nothing was committed)."""
    claimed = RegisterImport.objects.filter(pk=import_id, state__in=ACTIVE_IMPORT_STATES).update(
        state=ImportState.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    record = RegisterImport.objects.select_related("election").get(pk=import_id)
    if not claimed:
        return record  # succeeded or failed already: a late redelivery does nothing
    logger.info("import %s into election %s started", record.pk, record.election_id)
    try:
        outcome = _run(record, write=True)
    except Exception as exc:
        logger.exception("import %s failed", record.pk)
        outcome = Outcome(counts={}, error_count=0, message=f"{type(exc).__name__}: {exc}")
    record.refresh_from_db()
    if record.state != ImportState.SUCCEEDED:
        if not outcome.message and outcome.error_count:
            outcome = Outcome(
                counts=outcome.counts,
                error_count=outcome.error_count,
                message=(
                    f"{outcome.error_count:,} invalid row{'s' if outcome.error_count > 1 else ''}"
                    ": nothing was written. Correct the file, or import with skip invalid rows."
                ),
            )
        _finish(record, outcome, ImportState.FAILED)
        record.refresh_from_db()
    logger.info("import %s into election %s %s", record.pk, record.election_id, record.state)
    return record
