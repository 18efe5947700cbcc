import os

from celery import shared_task
from django.db import connection

from elections.models import Registration


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
