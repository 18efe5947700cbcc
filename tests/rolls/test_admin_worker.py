"""Schedules as beat sends them, through a real worker: a hand-edited schedule with bad kwargs
fails its one task with a clear message stored in its result; a good one starts a run
labelled with the schedule's name."""

from __future__ import annotations

import pytest
from celery import states
from django_celery_results.models import TaskResult

from rolls.launch_tasks import start_scheduled_run
from rolls.management.commands._common import wait_for
from rolls.models import Run, RunStatus
from rolls.strategies import DEFAULT_STRATEGY
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TIMEOUT = 120


def test_a_schedule_with_bad_kwargs_fails_with_a_clear_message_in_its_result(shared_worker):
    result = start_scheduled_run.apply_async(
        kwargs={"election": "nope", "strategy": DEFAULT_STRATEGY},
        headers={"periodic_task_name": "nightly"},
    )
    result.get(timeout=TIMEOUT, propagate=False)

    row = TaskResult.objects.get(task_id=result.id)
    assert row.status == states.FAILURE
    assert "ScheduleError" in row.result
    assert "Schedule 'nightly': No election with slug 'nope'" in row.result
    assert "ScheduleError" in row.traceback
    assert not Run.objects.exists()


@pytest.mark.parametrize(
    ("strategy", "reason"),
    [
        # An unknown name, with the choices.
        ("fastest_please", "Unknown strategy 'fastest_please'; choose one of: all_in_one"),
        # A stored schedule of a teaching strategy, saved before the lab took it.
        ("all_in_one", "Schedule 'nightly': all_in_one is a teaching strategy of the strategy lab"),
    ],
)
def test_a_schedule_of_a_strategy_it_may_not_run_fails_with_the_reason(
    shared_worker, strategy, reason
):
    election = build_election()

    result = start_scheduled_run.apply_async(
        kwargs={"election": election.slug, "strategy": strategy},
        headers={"periodic_task_name": "nightly"},
    )
    result.get(timeout=TIMEOUT, propagate=False)

    row = TaskResult.objects.get(task_id=result.id)
    assert row.status == states.FAILURE
    assert reason in row.result
    assert not Run.objects.exists()


def test_a_good_schedule_starts_a_run_labelled_with_the_schedule(shared_worker):
    election = build_election()

    result = start_scheduled_run.apply_async(
        kwargs={
            "election": election.slug,
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
        headers={"periodic_task_name": "nightly"},
    )
    payload = result.get(timeout=TIMEOUT)

    run = Run.objects.get(pk=payload["run"])
    assert run.started_by == "schedule:nightly"
    assert payload["schedule"] == "nightly"
    run = wait_for(run, timeout=TIMEOUT, drained=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert TaskResult.objects.get(task_id=result.id).status == states.SUCCESS
