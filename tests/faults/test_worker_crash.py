"""A worker process, or a whole worker, killed with SIGKILL in the middle of a run: RabbitMQ
redelivers the late-acknowledged tasks, they run again, and every roll is written and
counted exactly once."""

from __future__ import annotations

import os
import signal

import pytest
from django_celery_results.models import TaskResult

from rolls.launch import run_start
from rolls.models import RollFile
from tests.faults.support import (
    assert_run_output_exact,
    requires_services,
    started_pid,
    wait_for_started,
    wait_settled,
    wait_until,
)
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), requires_services]


def test_a_render_process_killed_mid_render_is_redelivered_and_every_roll_written_once(workers):
    # One 6,000-voter station (151 pages) takes about a second to render: long enough to
    # kill it mid-way (2,000 voters now render in under half a second).
    election = build_election(
        name=None, centers={"BIG": 6000, "S1": 150, "S2": 60}, max_per_station=6000
    )
    worker = workers.start(concurrency=2)
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )

    # The big station's task, 0.3 s into its second of rendering (a small one could be
    # caught as it records its station, which is another test's case).
    row = wait_for_started(run, "rolls.tasks.render_station", running_for=0.3, center="BIG")
    victim = started_pid(row)
    assert victim in worker.child_pids()
    os.kill(victim, signal.SIGKILL)

    wait_settled(run, workers.namespace)
    assert_run_output_exact(run, election)
    row.refresh_from_db()
    assert row.status == "SUCCESS"
    assert started_pid(row) != victim  # the station was rendered again by another process
    assert f"pid:{victim} exited with 'signal 9 (SIGKILL)'" in worker.log()


def test_a_whole_worker_killed_mid_run_is_finished_by_the_next_worker(workers):
    election = build_election(
        name=None, centers={f"C{i}": 1000 for i in range(4)}, max_per_station=500
    )
    first = workers.start(concurrency=2, node="doomed")
    run = run_start(
        election_id=election.pk,
        strategy="assign_in_database_then_balanced_batches",
        started_by="test",
    )
    wait_until(
        lambda: RollFile.objects.filter(run=run).count() >= 1,
        timeout=120,
        what="the first roll",
        every=0.02,
    )
    first.kill()  # SIGKILL to the worker's whole process group: no warm shutdown, no acks
    done_before = RollFile.objects.filter(run=run).count()
    run.refresh_from_db()
    assert run.is_active and done_before < run.stations_total

    workers.start(concurrency=2, node="rescuer")
    wait_settled(run, workers.namespace)
    assert_run_output_exact(run, election)
    # The batches the dead worker held were redelivered and finished on the new one.
    finished_on = set(
        TaskResult.objects.filter(task_id__in=run.tasks.values("task_id"), status="SUCCESS")
        .exclude(task_name="rolls.tasks.assign_election")
        .values_list("worker", flat=True)
    )
    assert any(name.startswith("rescuer.") for name in finished_on)
