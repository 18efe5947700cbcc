import os

from celery import shared_task
from django.db import connection

from elections.models import Registration
from elections.services.registers.imports import register_import_execute, register_import_preview


@shared_task(queue_kind="db")
def count_registrations(election_id: int) -> dict:
    """A round trip through broker, worker, database and result backend (``manage.py
    check_worker``): how many voters the worker sees registered in an election."""
    return {
        "election_id": election_id,
        "registrations": Registration.objects.filter(election_id=election_id).count(),
        "database": connection.vendor,
        "pid": os.getpid(),
    }


@shared_task(queue_kind="db", acks_late=True, reject_on_worker_lost=True)
def preview_register_import(import_id: int) -> dict:
    """Read an uploaded register and count what importing it would change."""
    record = register_import_preview(import_id=import_id)
    return {"import_id": record.pk, "state": record.state, "rows": record.rows_read}


# acks_late: a worker killed mid-import leaves the message with the broker, and the next
# worker runs the import again from the file (the killed one committed nothing).
@shared_task(queue_kind="db", acks_late=True, reject_on_worker_lost=True)
def import_register(import_id: int) -> dict:
    """Merge a confirmed register import into its election, all or nothing."""
    record = register_import_execute(import_id=import_id)
    return {"import_id": record.pk, "state": record.state, "rows": record.rows_read}
