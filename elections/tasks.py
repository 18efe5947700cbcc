import contextlib
import logging
import os
from collections.abc import Iterator

from celery import shared_task
from django.db import connection

from elections import task_names
from elections.models import Registration
from elections.services.registers.imports import register_import_execute, register_import_preview
from elections.services.registers.retention import imports_fail_stale, register_uploads_purge

logger = logging.getLogger(__name__)


class RegisterTaskFailed(Exception):
    """What a failed register task leaves in its task result: which import, the kind of
    error and where in the file, never what the file said there.

    The error that stopped it may quote a row (PostgreSQL's "Failing row contains (...)", a
    cell's value in a parse error), and task results are kept for weeks and shown to
    Observers. The import's own page, for staff, says what to do."""


def _where(exc: Exception) -> str:
    """``" at line 3, column 7"`` when the error says where (XML parsers, JSON), else ``""``:
    numbers only, taken from attributes, never from the message."""
    position = getattr(exc, "position", None)  # xml.etree's ParseError: (line, column)
    if (
        isinstance(position, tuple)
        and len(position) == 2
        and all(isinstance(n, int) for n in position)
    ):
        return f" at line {position[0]}, column {position[1]}"
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if isinstance(line, int):
        return f" at line {line}" + (f", column {column}" if isinstance(column, int) else "")
    return ""


@contextlib.contextmanager
def row_contents_kept_out(import_id: int, doing: str) -> Iterator[None]:
    """Re-raise any error as :class:`RegisterTaskFailed`, ``from None``: Celery stores the
    exception it sees and prints its chain in the traceback, so the original (and its
    message) must be neither the one raised nor the context shown."""
    try:
        yield
    except Exception as exc:
        # The original, with its message, for an operator who turns DEBUG on; never at INFO.
        logger.debug("register import %s failed while %s", import_id, doing, exc_info=exc)
        raise RegisterTaskFailed(
            f"Register import {import_id} failed while {doing}: {type(exc).__name__}"
            f"{_where(exc)}. The import's page says what to do."
        ) from None


@shared_task(name=task_names.COUNT_REGISTRATIONS, queue_kind="db")
def count_registrations(election_id: int) -> dict:
    """A round trip through broker, worker, database and result backend (``manage.py
    check_worker``): how many voters the worker sees registered in an election."""
    return {
        "election_id": election_id,
        "registrations": Registration.objects.filter(election_id=election_id).count(),
        "database": connection.vendor,
        "pid": os.getpid(),
    }


@shared_task(
    name=task_names.PREVIEW_REGISTER_IMPORT,
    queue_kind="db",
    acks_late=True,
    reject_on_worker_lost=True,
)
def preview_register_import(import_id: int) -> dict:
    """Read an uploaded register and count what importing it would change."""
    with row_contents_kept_out(import_id, "previewing"):
        record = register_import_preview(import_id=import_id)
    return {"import_id": record.pk, "state": record.state, "rows": record.rows_read}


# acks_late: a worker killed mid-import leaves the message with the broker, and the next
# worker runs the import again from the file (the killed one committed nothing).
@shared_task(
    name=task_names.IMPORT_REGISTER, queue_kind="db", acks_late=True, reject_on_worker_lost=True
)
def import_register(import_id: int) -> dict:
    """Merge a confirmed register import into its election, all or nothing."""
    with row_contents_kept_out(import_id, "importing"):
        record = register_import_execute(import_id=import_id)
    return {"import_id": record.pk, "state": record.state, "rows": record.rows_read}


# Beat's upkeep (elections/apps.py). Their results are counts, no names.
@shared_task(name=task_names.FAIL_STALE_IMPORTS, queue_kind="db", ignore_result=True)
def fail_stale_imports() -> int:
    """Beat, every minute: fail the imports whose progress stopped (their worker vanished)."""
    return imports_fail_stale()


@shared_task(name=task_names.PURGE_REGISTER_UPLOADS, queue_kind="db", ignore_result=True)
def purge_register_uploads() -> int:
    """Beat, daily: delete the uploaded registers and rejected-rows CSVs past their time."""
    return register_uploads_purge()
