"""The database connection of a worker process dropped in the middle of a task (here
PostgreSQL ends the backend, as a restart or failover would): the task is retried with a
fresh connection and succeeds, and the run completes exactly."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from config.celery import queue_name
from rolls.launch import run_start
from tests.faults.support import (
    assert_run_output_exact,
    requires_services,
    run_results,
    wait_for_started,
    wait_settled,
    wait_until,
)
from tests.support.builders import build_election
from tests.support.workers import database_url_for_current_connection

pytestmark = [
    pytest.mark.integration,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    requires_services,
]

APPLICATION = "faults-db-drop-worker"
FAN_OUT = "rolls.tasks.fan_out_renders"


def terminate_worker_backends() -> int:
    """End every PostgreSQL backend of the worker's processes (libpq names them after
    PGAPPNAME), never this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = %s",
            [APPLICATION],
        )
        return cursor.fetchone()[0]


def dsn() -> str:
    return database_url_for_current_connection()


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = %s AND wait_event_type = 'Lock'",
            [APPLICATION],
        )
        return cursor.fetchone()[0] > 0


def test_a_task_whose_database_connection_drops_is_retried_and_succeeds(workers):
    # The big station renders for about a second (151 pages): its connection is ended while
    # it still has its rolls to record.
    election = build_election(name=None, centers={"BIG": 6000, "S1": 300}, max_per_station=6000)
    worker = workers.start(concurrency=2, extra_env={"PGAPPNAME": APPLICATION})
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )

    # The big station's task: on a fast machine the small one also runs past 0.3 s, and
    # ends before its connection is missed.
    row = wait_for_started(run, "rolls.tasks.render_station", running_for=0.3, center="BIG")
    assert terminate_worker_backends() >= 1

    wait_settled(run, workers.namespace)
    assert_run_output_exact(run, election)
    row.refresh_from_db()
    assert row.status == "SUCCESS"
    log = worker.log()
    assert f"Task rolls.tasks.render_station[{row.task_id}] retry: Retry in" in log
    assert "OperationalError" in log or "InterfaceError" in log
    assert "INTERNAL ERROR" not in log and "Task handler raised error" not in log


def test_a_connection_dropped_outside_a_transaction_is_closed_before_the_retry(workers):
    """Outside ``atomic`` Django keeps a connection the server ended (it is only closed by
    the next task's start); the retry must not store its RETRY state through it."""
    election = build_election(name=None, centers={"A": 300, "B": 200}, max_per_station=300)
    workers.start(concurrency=1, queues=[queue_name("db", workers.namespace)], node="db")
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )
    wait_until(
        lambda: run_results(run).filter(task_name=FAN_OUT, status="SUCCESS").exists(),
        timeout=60,
        what="the render tasks to be queued",
    )
    with psycopg.connect(dsn(), autocommit=False) as locker:
        # Renders read stations first, outside any transaction: make them wait there.
        locker.execute("LOCK TABLE rolls_station IN ACCESS EXCLUSIVE MODE")
        worker = workers.start(
            concurrency=1,
            queues=[queue_name("render", workers.namespace)],
            node="render",
            extra_env={"PGAPPNAME": APPLICATION},
        )
        wait_until(waiting_on_a_lock, timeout=60, what="a render to wait for the station lock")
        assert terminate_worker_backends() >= 1
        locker.rollback()

    wait_settled(run, workers.namespace)
    assert_run_output_exact(run, election)
    log = worker.log()
    assert " retry: Retry in " in log and "terminating connection" in log
    assert "INTERNAL ERROR" not in log and "raised unexpected" not in log
