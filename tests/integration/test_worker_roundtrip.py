"""A real worker process consumes from the configured broker (filesystem folders on the
embedded default, RabbitMQ in the services run) and stores its result in django-db."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django_celery_results.models import TaskResult

from elections.services.fake_data import create_fake_voter_data
from elections.tasks import count_registrations
from tests.support.workers import private_queues

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_round_trip_reads_the_database_and_records_timings(worker):
    election = create_fake_voter_data(voters=1_234, election_name="Round trip", seed=1).election

    result = count_registrations.delay(election.pk)
    payload = result.get(timeout=60)

    assert payload["registrations"] == 1_234
    assert payload["database"] == connection.vendor
    assert payload["pid"] in worker.child_pids()
    row = TaskResult.objects.get(task_id=result.id)
    assert row.status == "SUCCESS"
    assert row.task_name == "elections.tasks.count_registrations"
    assert row.worker.startswith(f"{worker.name}.")
    assert row.date_started is not None and row.date_done >= row.date_started
    assert '"registrations": 1234' in row.result
    scheme = settings.CELERY_BROKER_URL.split(":")[0]
    assert f".> transport:   {scheme}:" in worker.log()


def test_check_worker_says_a_worker_answered_from_the_same_database(worker, capsys):
    create_fake_voter_data(voters=321, election_name="Check", seed=2)

    call_command("check_worker", "--timeout", "60")

    out = capsys.readouterr().out
    assert f"from the same {connection.vendor} database: 321 registrations in Check." in out


def test_check_worker_fails_clearly_when_no_worker_answers():
    # Queues of its own: the session's shared worker (started by an earlier test) must not
    # be the one that answers.
    with private_queues(), pytest.raises(CommandError, match="No worker answered within 1 s"):
        call_command("check_worker", "--timeout", "1")
