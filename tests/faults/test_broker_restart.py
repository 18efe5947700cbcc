"""RabbitMQ restarted in the middle of a run: workers reconnect, the tasks that were running
when the connection dropped are delivered again, and the run completes exactly."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from rolls.launch import run_start
from rolls.models import RollFile
from tests.faults.support import (
    assert_run_output_exact,
    requires_services,
    wait_settled,
    wait_until,
)
from tests.support.builders import build_election

pytestmark = [
    pytest.mark.integration,
    pytest.mark.rabbitmq,
    pytest.mark.django_db(transaction=True),
    requires_services,
]

DOWN_SECONDS = 3


def rabbitmqctl(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def rabbitmq_answers() -> bool:
    from tests.services import rabbitmq_problem

    return rabbitmq_problem() is None


def ensure_rabbitmq_running() -> None:
    """Bring the broker back whatever state the test left it in."""
    if rabbitmq_answers():
        return
    if rabbitmqctl("start_app").returncode != 0:
        # The whole node is down, not only the app.
        subprocess.run(["rabbitmq-server", "-detached"], check=False, timeout=60)
        rabbitmqctl("wait", "--timeout", "60", "--pid", "0", timeout=90)
        rabbitmqctl("await_startup", timeout=90)
    wait_until(rabbitmq_answers, timeout=90, what="RabbitMQ to answer again", every=0.5)


@pytest.fixture
def restartable_rabbitmq():
    if shutil.which("rabbitmqctl") is None or rabbitmqctl("status", timeout=60).returncode:
        pytest.skip("needs rabbitmqctl and a local RabbitMQ node to restart")
    try:
        yield
    finally:
        ensure_rabbitmq_running()


def test_workers_reconnect_after_a_rabbitmq_restart_and_the_run_completes(
    workers, restartable_rabbitmq
):
    # 40 stations: with the renderer warm from the worker's start, 8 of them were all rendered
    # before the broker was down, and the run was over before its outage began.
    election = build_election(
        name=None, centers={f"C{i}": 2500 for i in range(8)}, max_per_station=500
    )
    worker = workers.start(concurrency=2)
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )
    wait_until(
        lambda: RollFile.objects.filter(run=run).count() >= 1,
        timeout=120,
        what="the first roll",
        every=0.02,
    )

    stopped = rabbitmqctl("stop_app")
    assert stopped.returncode == 0, stopped.stderr
    try:
        assert not rabbitmq_answers()
        time.sleep(DOWN_SECONDS)
        run.refresh_from_db()
        assert run.is_active  # the outage really happened mid-run
    finally:
        started = rabbitmqctl("start_app")
    assert started.returncode == 0, started.stderr

    wait_settled(run, workers.namespace)
    assert_run_output_exact(run, election)
    log = worker.log()
    assert "consumer: Connection to broker lost" in log
    assert log.count("Connected to amqp://") >= 2  # and it reconnected
