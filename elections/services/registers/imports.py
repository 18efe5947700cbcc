"""Importing a register file into an election: preview, then the all-or-nothing merge.

Both read the file kept in storage (so a Celery worker on another machine reads it too),
check every row, and load the valid ones into a temporary staging table; the preview then
counts what would change, the import merges the staging table in one transaction, the
record's success written in that same transaction. A crash anywhere before the commit leaves
the previous register exactly as it was and the record not "succeeded". The record's life
before that (upload, confirmation) is :mod:`.records`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from elections.guards import import_blocked
from elections.models import ACTIVE_IMPORT_STATES, Election, ImportMode, ImportState, RegisterImport
from elections.services.registers.guard import SAMPLE_SIZE, deregistrations_refused
from elections.services.registers.plan import leaving_sample, renamed_by_election, staging_plan
from elections.services.registers.reading import (
    RegisterFileError,
    header_checked,
    readable_fields,
    source_rows,
)
from elections.services.registers.rejected import Rejections, voter_numbers_on
from elections.services.registers.retention import stale_import_message
from elections.services.registers.rows import (
    ColumnsError,
    column_positions,
    register_row,
    row_fields,
    row_problems,
    staged_values,
)
from elections.services.registers.staging import BATCH, CENTERS, REGISTRATIONS, VOTERS, Staging

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 20_000


@dataclass(frozen=True)
class Outcome:
    counts: dict
    error_count: int
    message: str  # a file-level problem; empty when the file could be read
    # See RegisterImport.deregistration_sample and .renamed_elsewhere.
    sample: list = field(default_factory=list)
    elsewhere: list = field(default_factory=list)
    # The file cannot be imported whatever the options: the import ends (a missing column
    # does not end a preview: staff may map another one).
    failed: bool = False


def unexpected_failure(exc: BaseException) -> str:
    """What staff read when reading or merging broke on something unforeseen: the error's
    kind only (its text may quote the file's rows, which not everyone who sees the import
    may read)."""
    if isinstance(exc, SoftTimeLimitExceeded):
        return (
            "The import took longer than a task may run (CELERY_TASK_SOFT_TIME_LIMIT); "
            "nothing was written. Split the register into smaller files (add mode), or ask "
            "an operator to raise the limit."
        )
    return (
        f"The import stopped on an unexpected error ({type(exc).__name__}); nothing was "
        "written. Check that the file is a register saved as CSV UTF-8 or Excel .xlsx and "
        "upload it again; if it is, the server's log has the details."
    )


def _log_failure(what: str, import_id: int, exc: BaseException) -> None:
    """The error's kind at ERROR; its message and traceback, which may quote a row of the
    file (a voter's name), only at DEBUG, which production does not log."""
    logger.error("%s %s failed: %s", what, import_id, type(exc).__name__)
    logger.debug("%s %s failed", what, import_id, exc_info=exc)


def _progress(import_id: int, **fields) -> None:
    RegisterImport.objects.filter(pk=import_id).update(heartbeat_at=timezone.now(), **fields)


def _stage(record: RegisterImport, staging: Staging, rejections: Rejections) -> None:
    """Read and check every row; the valid ones go into the staging table."""
    election = record.election
    limit = settings.REGISTER_UPLOAD_MAX_BYTES
    if record.file_size > limit:
        raise RegisterFileError(
            f"The file is {record.file_size:,} bytes, over the limit of {limit:,} "
            "(REGISTER_UPLOAD_MAX_BYTES)"
        )
    with default_storage.open(record.file_path, "rb") as raw:
        rows = source_rows(raw, record.file_format)
        header = next(rows, None)
        if header is None:
            raise RegisterFileError("The file has no header line")
        record.headers = header_checked(header)
        RegisterImport.objects.filter(pk=record.pk).update(headers=header.values)
        positions = column_positions(header.values, record.columns)
        rejections.start(header.values, voter_number_at=positions["voter_number"])
        width = len(header.values)
        counter = {"read": 0, "written": 0}

        def batches() -> Iterator[list[tuple]]:
            # This body runs between two batches' COPY statements, so it may write the
            # kept voter numbers and the progress on the same connection.
            batch: list[tuple] = []
            kept: list[str] = []
            for row in rows:
                counter["read"] += 1
                readable_fields(row, positions)
                fields = row_fields(row.values, positions)
                problems = row_problems(fields, len(row.values), width)
                if problems:
                    rejections.add(row.line, "; ".join(problems), row.values)
                    numbers = voter_numbers_on(row.values, positions["voter_number"], width)
                    if numbers:
                        kept.extend(numbers)
                    else:
                        rejections.add_unreadable(row.line)
                else:
                    batch.append(staged_values(row.line, register_row(fields), election))
                if len(kept) >= BATCH:
                    staging.keep(kept)
                    kept = []
                if len(batch) >= BATCH:
                    counter["written"] += len(batch)
                    yield batch
                    batch = []
                if counter["read"] % PROGRESS_EVERY == 0:
                    _progress(record.pk, rows_read=counter["read"], rows_written=counter["written"])
            staging.keep(kept)
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
        rejections.add_duplicates(group[0]["voter_number"], [row["line"] for row in group])
    staging.drop_duplicates()
    rejections.note_imported_lines(staging)


def _unreadable_refusal(rejections: Rejections) -> str:
    """Why a snapshot skipping invalid rows cannot go ahead: a rejected line whose voter
    number cannot be read (empty, too long, a control character) might be any registered
    voter's, and guessing whom it protects could deregister a voter who is in the file.
    Refusing costs a corrected line or an add-mode import; a guess could cost a voter."""
    lines = ", ".join(str(line) for line in rejections.unreadable[:5])
    more = rejections.unreadable_count - min(len(rejections.unreadable), 5)
    if more:
        lines += f" and {more:,} more"
    plural = rejections.unreadable_count > 1
    return (
        f"Line{'s' if plural else ''} {lines}: rejected, and {'their' if plural else 'its'} "
        "voter number cannot be read, so this snapshot cannot tell whom it would deregister. "
        "Correct the line, or import in add mode. Nothing was written."
    )


def _outcome(
    record: RegisterImport, staging: Staging, rejections: Rejections, *, message: str = ""
) -> Outcome:
    """The plan of the staged file: counts, and what staff should see before confirming."""
    snapshot = record.mode == ImportMode.SNAPSHOT
    elsewhere = dict(renamed_by_election(staging, election_id=record.election_id))
    elections = Election.objects.filter(pk__in=elsewhere).order_by("slug")
    return Outcome(
        counts=staging_plan(staging, election_id=record.election_id, snapshot=snapshot),
        error_count=rejections.count,
        message=message,
        sample=(
            leaving_sample(staging, election_id=record.election_id, limit=SAMPLE_SIZE)
            if snapshot
            else []
        ),
        elsewhere=[
            {"slug": other.slug, "name": other.name, "voters": elsewhere[other.pk]}
            for other in elections
        ],
    )


def _run(record: RegisterImport, *, write: bool) -> Outcome:
    staging = Staging(record.pk)
    rejections = Rejections(record)
    snapshot = record.mode == ImportMode.SNAPSHOT
    try:
        try:
            _stage(record, staging, rejections)
        except ColumnsError as exc:
            return Outcome(counts={}, error_count=0, message=str(exc))
        except RegisterFileError as exc:
            return Outcome(counts={}, error_count=0, message=str(exc), failed=True)
        rejections.save()
        refusal = ""
        if snapshot and record.skip_invalid and rejections.unreadable_count:
            refusal = _unreadable_refusal(rejections)
        if not write or refusal or (rejections.count and not record.skip_invalid):
            return _outcome(record, staging, rejections, message=refusal)
        _progress(record.pk, phase="merging")
        with transaction.atomic():
            Election.objects.select_for_update().filter(pk=record.election_id).first()
            reason = import_blocked(record.election_id)
            if reason:
                return Outcome(counts={}, error_count=rejections.count, message=reason)
            # Counted again under the lock: the confirmation holds for this count only.
            outcome = _outcome(record, staging, rejections)
            refused = deregistrations_refused(outcome.counts, record.confirmed_deregistrations)
            if refused:
                return replace(outcome, message=refused)
            staging.merge(record.election_id, snapshot)
            # Only an import still running succeeds: one released as stale meanwhile (beat,
            # retention.imports_fail_stale) may have let another import in; its merge is undone.
            succeeded = RegisterImport.objects.filter(
                pk=record.pk, state=ImportState.RUNNING
            ).update(
                state=ImportState.SUCCEEDED,
                phase="done",
                counts=outcome.counts,
                deregistration_sample=outcome.sample,
                renamed_elsewhere=outcome.elsewhere,
                error_count=rejections.count,
                errors=rejections.first,
                rejected_path=rejections.path,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
            if not succeeded:
                transaction.set_rollback(True)
                return replace(outcome, message=stale_import_message())
        return outcome
    finally:
        staging.drop()
        rejections.close()


def _finish(record: RegisterImport, outcome: Outcome, state: str) -> None:
    RegisterImport.objects.filter(pk=record.pk).exclude(state=ImportState.SUCCEEDED).update(
        state=state,
        phase="done",
        counts=outcome.counts,
        deregistration_sample=outcome.sample,
        renamed_elsewhere=outcome.elsewhere,
        error_count=outcome.error_count,
        message=outcome.message,
        finished_at=timezone.now() if state == ImportState.FAILED else None,
        heartbeat_at=timezone.now(),
    )


def register_import_preview(*, import_id: int) -> RegisterImport:
    """Count what the import would change, write nothing to the register. Whatever goes
    wrong while reading ends the preview: failed, with a message staff can act on."""
    record = RegisterImport.objects.select_related("election").get(pk=import_id)
    if record.state != ImportState.PREVIEWING:
        return record  # a redelivered preview of a record that moved on
    try:
        outcome = _run(record, write=False)
    except Exception as exc:
        _log_failure("preview of import", record.pk, exc)
        outcome = Outcome(counts={}, error_count=0, message=unexpected_failure(exc), failed=True)
    _finish(record, outcome, ImportState.FAILED if outcome.failed else ImportState.PREVIEWED)
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
        _log_failure("import", record.pk, exc)
        outcome = Outcome(counts={}, error_count=0, message=unexpected_failure(exc), failed=True)
    record.refresh_from_db()
    if record.state != ImportState.SUCCEEDED:
        if not outcome.message and outcome.error_count:
            outcome = replace(
                outcome,
                message=(
                    f"{outcome.error_count:,} invalid row{'s' if outcome.error_count > 1 else ''}"
                    ": nothing was written. Correct the file, or import with skip invalid rows."
                ),
            )
        _finish(record, outcome, ImportState.FAILED)
        record.refresh_from_db()
    if record.state == ImportState.SUCCEEDED and connection.vendor == "postgresql":
        # Fresh statistics after a bulk load (as after fake data), so the planner of the next
        # assignment sees the register as it now is.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {VOTERS}, {REGISTRATIONS}, {CENTERS}")
    logger.info("import %s into election %s %s", record.pk, record.election_id, record.state)
    return record


def register_import_discard(*, import_id: int) -> None:
    """Remove a dry run's record and its files, whatever its preview found: a dry run writes
    nothing, its record included (the command has printed what it found). Only a preview
    that never started importing can go: an import that ran is a record."""
    record = (
        RegisterImport.objects.filter(
            pk=import_id,
            state__in=[ImportState.PREVIEWING, ImportState.FAILED, ImportState.PREVIEWED],
        )
        .filter(started_at__isnull=True)
        .first()
    )
    if record is None:
        return
    for path in (record.file_path, record.rejected_path):
        if path:
            default_storage.delete(path)
    record.delete()
