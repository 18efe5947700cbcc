"""Hostile input: an election deleted while its run is still queued. Its tasks reach a
worker with a run that no longer exists: they fail once, cleanly, are not retried or
redelivered, write nothing, and the other elections' runs are not disturbed."""

from __future__ import annotations

import pytest
from celery import states
from django_celery_results.models import TaskResult

from rolls.launch import run_start
from rolls.models import Run
from rolls.services.storage import election_folder
from tests.faults.support import (
    assert_run_output_exact,
    files_in,
    messages_waiting,
    requires_services,
    wait_settled,
    wait_until,
)
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), requires_services]


def test_deleting_an_election_with_a_queued_run_does_not_crash_loop_or_lose_other_work(
    workers, media_root
):
    doomed = build_election(name=None, centers={"A": 120, "B": 80}, max_per_station=50)
    kept = build_election(name=None, centers={"K": 130}, max_per_station=50)
    orphan = run_start(
        election_id=doomed.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )
    queued = list(orphan.tasks.values_list("task_id", flat=True))  # the chord's header + body
    doomed_folder = election_folder(election_id=doomed.pk)
    doomed.delete()  # cascades to the run and its task links; the messages stay queued
    assert not Run.objects.filter(pk=orphan.pk).exists()

    worker = workers.start(concurrency=2)
    other = run_start(
        election_id=kept.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )
    wait_settled(other, workers.namespace)
    assert_run_output_exact(other, kept)

    headers = wait_until(
        lambda: (
            list(
                TaskResult.objects.filter(task_id__in=queued, task_name="rolls.tasks.assign_center")
            )
            if TaskResult.objects.filter(task_id__in=queued, status__in=states.READY_STATES).count()
            == len(queued)
            else None
        ),
        timeout=60,
        what="the orphaned tasks to end",
    )
    assert len(headers) == 2
    assert {row.status for row in headers} == {states.FAILURE}
    assert all("no longer exists" in row.result for row in headers)
    log = worker.log()
    for row in headers:
        assert log.count(f"Task rolls.tasks.assign_center[{row.task_id}] received") == 1
        assert f"{row.task_id}] retry" not in log
    assert messages_waiting(workers.namespace) == 0
    assert files_in(media_root / doomed_folder) == (set(), set())
    assert worker.process.poll() is None
