"""Run bookkeeping without a broker: refusals, and counting that survives redelivery."""

import pytest

from lab import tasks as lab_tasks
from rolls import tasks
from rolls.launch import run_start
from rolls.models import RollFile, Run, RunStatus
from rolls.services.ledger import (
    RunRefused,
    run_fail,
    run_finish_if_complete,
    run_record_assigned_centers,
    run_record_center,
)
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters

pytestmark = pytest.mark.django_db


def no_launch(run):
    """Stand-in for the broker: the run stays queued, tasks are applied in-process."""


@pytest.fixture
def election():
    election = ElectionFactory(max_voters_per_station=50)
    center = PollingCenterFactory(election=election, code="A")
    register_voters(center, [(f"Fam{i:03d}", "Ann") for i in range(60)])
    return election


def test_a_second_start_on_the_same_election_is_refused_not_queued(election):
    first = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
    )
    with pytest.raises(
        RunRefused, match=rf"already has a run in progress \(run {first.pk}, all_in_one"
    ):
        run_start(
            election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
        )
    assert Run.objects.count() == 1


def test_a_finished_run_lets_the_next_one_start(election):
    first = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
    )
    run_fail(run_id=first.pk, error="stopped by test")
    second = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
    )
    assert second.status == RunStatus.QUEUED


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"strategy": "fastest_please"},
            "Unknown strategy 'fastest_please'; choose one of: all_in_one",
        ),
        ({"mode": "alphabetical"}, "Unknown assignment mode 'alphabetical'"),
        ({"election_id": 987654}, "Election 987654 does not exist"),
        ({"center_ids": [987654]}, "not centers of"),
        ({"center_ids": []}, "at least one center"),
    ],
)
def test_bad_arguments_are_refused_clearly_and_create_nothing(election, kwargs, message):
    arguments = {"election_id": election.pk, "strategy": "all_in_one", "started_by": "t", **kwargs}
    with pytest.raises(RunRefused, match=message):
        run_start(**arguments, launch=no_launch)
    assert not Run.objects.exists()


def test_a_broker_that_refuses_fails_the_run_instead_of_leaving_it_queued(
    election, django_capture_on_commit_callbacks
):
    def broken(run):
        raise ConnectionRefusedError("broker down")

    with (
        pytest.raises(RunRefused, match="Could not queue run"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_start(election_id=election.pk, strategy="all_in_one", started_by="t", launch=broken)
    run = Run.objects.get()
    assert run.status == RunStatus.FAILED
    assert "ConnectionRefusedError: broker down" in run.error


def test_a_station_task_delivered_twice_is_counted_once(election):
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
        launch=no_launch,
    )
    center_id = election.centers.get().pk
    tasks.assign_center.apply(args=(run.pk, center_id)).get()
    tasks.assign_center.apply(args=(run.pk, center_id)).get()  # redelivered
    first = tasks.render_station.apply(args=(run.pk, center_id, 1)).get()
    again = tasks.render_station.apply(args=(run.pk, center_id, 1)).get()  # redelivered
    tasks.render_station.apply(args=(run.pk, center_id, 2)).get()

    run.refresh_from_db()
    assert (first["counted"], again["counted"]) == (True, False)
    assert (run.centers_assigned, run.stations_total, run.stations_done) == (1, 2, 2)
    # Two stations of 30 voters (a cover and one page each), a door sign each, a center list.
    assert run.pages == 2 * (1 + 1) + 2 + 1
    assert RollFile.objects.rolls().filter(run=run).count() == 2
    assert run.status == RunStatus.SUCCEEDED
    finished_at = run.finished_at
    assert run_finish_if_complete(run_id=run.pk) is False  # finishes exactly once
    run.refresh_from_db()
    assert run.finished_at == finished_at


def test_a_failing_task_fails_its_run_with_the_task_named(election):
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="t", launch=no_launch
    )
    result = lab_tasks.fail_on_purpose.apply(args=(run.pk, 1))
    assert result.failed()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert (
        "rolls.tasks.fail_on_purpose" in run.error and "ValueError: simulated failure" in run.error
    )


def test_centers_assigned_together_are_each_counted_once_in_one_transaction(
    election, django_assert_max_num_queries
):
    PollingCenterFactory(election=election, code="EMPTY")
    other = PollingCenterFactory(election=election, code="B")
    register_voters(other, [(f"Bee{i:03d}", "Bo") for i in range(20)])
    run = run_start(
        election_id=election.pk,
        strategy="assign_in_database_then_balanced_batches",
        started_by="test",
        launch=no_launch,
    )
    centers = {c.code: c.pk for c in election.centers.all()}
    # Center B was counted on its own first (as a per-center task would).
    assert run_record_center(run_id=run.pk, center_id=centers["B"], stations=1, voters=20)

    # The whole election's recording: a handful of queries however many centers.
    with django_assert_max_num_queries(12):
        run_record_assigned_centers(run=run, center_ids=list(centers.values()))
    run_record_assigned_centers(run=run, center_ids=list(centers.values()))  # redelivered

    run.refresh_from_db()
    assert (run.centers_assigned, run.centers_total) == (3, 3)
    assert run.empty_centers == ["EMPTY"]
    assert run.run_centers.count() == 3
    assert dict(run.run_centers.values_list("center__code", "voters")) == {
        "A": 60,
        "B": 20,
        "EMPTY": 0,
    }
    assert not run_record_center(run_id=run.pk, center_id=centers["A"], stations=2, voters=60)
