"""Every strategy end to end with a real worker process (embedded default, and RabbitMQ +
PostgreSQL in the services run), checked by reading the PDFs and results back."""

from __future__ import annotations

import pytest
from celery import states
from django.core.files.storage import default_storage
from django.utils import timezone

from elections.models import Registration
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.models import Placement, PrintedPage, RollFile, Run, RunStatus, TaskState
from rolls.pdf import center_set_pages
from rolls.selectors.run_figures import run_metrics, run_task_results
from rolls.strategies import DEFAULT_STRATEGY, STRATEGIES
from tests.rolls.helpers import voter_numbers_in_run
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CENTER_SIZES = {"A": 45, "B": 130, "E": 0}  # max 50 -> stations: 1 + 3, and one empty center
TIMEOUT = 240


@pytest.fixture
def election():
    return build_election(name=None, centers=CENTER_SIZES)


def run_to_the_end(election, strategy: str) -> Run:
    run = run_start(election_id=election.pk, strategy=strategy, started_by="test")
    return wait_for(run, timeout=TIMEOUT, drained=True)


def expected_total_pages() -> int:
    """Rolls, door signs and center lists of the two centers with voters."""
    return center_set_pages([45]) + center_set_pages([44, 43, 43])


def assert_every_voter_printed_once(run: Run) -> None:
    expected = set(Registration.objects.values_list("voter__voter_number", flat=True))
    seen = voter_numbers_in_run(run)
    assert set(seen) == expected
    assert max(seen.values()) == 1


RENDERING = [
    name
    for name, s in STRATEGIES.items()
    if s.renders
    and name not in {"parallelize_tasks_by_center_with_join", "group_with_error_in_sub_task"}
]


@pytest.mark.parametrize("strategy", RENDERING)
def test_rendering_strategy_prints_every_voter_once_and_finishes_once(
    shared_worker, election, strategy
):
    run = run_to_the_end(election, strategy)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.centers_assigned, run.centers_total) == (3, 3)
    assert (run.stations_done, run.stations_total) == (4, 4)
    assert run.pages == expected_total_pages()
    assert run.empty_centers == ["E"]
    assert run.finished_at >= run.started_at >= run.queued_at
    files = RollFile.objects.filter(run=run)
    assert files.rolls().count() == 4
    assert files.count() == 4 + 4 + 2  # rolls, door signs, one list per center with voters
    for roll in files:
        assert default_storage.size(roll.path) == roll.bytes
    assert_every_voter_printed_once(run)
    # Every page the worker printed is answerable by its verification code.
    assert PrintedPage.objects.filter(run_id=run.pk).count() == run.pages


def test_assignment_only_strategy_assigns_every_center_and_renders_nothing(shared_worker, election):
    run = run_to_the_end(election, "assign_all_stations_in_parallel")

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.centers_assigned, run.stations_total, run.stations_done) == (3, 4, 0)
    assert not RollFile.objects.filter(run=run).exists()
    assert Placement.objects.filter(run=run).count() == Registration.objects.count()
    names = {r.task_name for r in run_task_results(run)}
    assert names == {"rolls.tasks.assign_center", "rolls.tasks.finalize_run"}


def test_join_inside_a_task_fails_as_celery_makes_it_fail_but_subtasks_finish(
    shared_worker, election
):
    run = run_to_the_end(election, "parallelize_tasks_by_center_with_join")

    assert run.status == RunStatus.FAILED
    assert "RuntimeError: Never call result.get() within a task!" in run.error
    # The group was queued before the parent failed: its tasks still ran and are visible.
    assert run.stations_done == 4
    assert run.pages == expected_total_pages()
    children = run_task_results(run).filter(task_name="rolls.tasks.assign_and_render_center")
    assert children.count() == 3
    assert set(children.values_list("status", flat=True)) == {states.SUCCESS}
    parent = run_task_results(run).get(task_name="rolls.tasks.by_center_with_join")
    assert parent.status == states.FAILURE and "Never call result.get()" in parent.result


def test_error_in_a_sub_task_runs_the_on_error_handler_and_names_the_task(shared_worker, election):
    run = run_to_the_end(election, "group_with_error_in_sub_task")

    assert run.status == RunStatus.FAILED
    failed = run_task_results(run).get(task_name="rolls.tasks.fail_on_purpose")
    assert failed.status == states.FAILURE
    assert f"rolls.tasks.fail_on_purpose [{failed.task_id}] failed: ValueError" in run.error
    assert "on_error handler:" in run.error and failed.task_id in run.error
    assert "simulated failure" in run.error
    # The chord callback never ran successfully.
    assert (
        not run_task_results(run)
        .filter(task_name="rolls.tasks.finalize_run", status=states.SUCCESS)
        .exists()
    )
    # The run's record agrees, and nothing of the run is left waiting.
    callback = run.tasks.get(task_name="rolls.tasks.finalize_run")
    assert callback.state == TaskState.FAILED and callback.started_at is None
    assert run.tasks.drained()


def test_task_results_carry_what_comparing_strategies_needs(shared_worker, election):
    run = run_to_the_end(election, "assign_stations_and_generate_lists_with_chord")

    rows = list(run_task_results(run))
    renders = [r for r in rows if r.task_name == "rolls.tasks.render_station"]
    assert len(renders) == 4
    for row in rows:
        assert row.worker and row.worker.startswith("shared.")
        assert row.date_started is not None and row.date_done >= row.date_started
        assert row.task_args is not None
    assert all('"pages": ' in r.result and '"pid": ' in r.result for r in renders)
    assert set(shared_worker.child_pids()) >= {
        int(r.result.split('"pid": ')[1].split(",")[0]) for r in renders
    }

    metrics = run_metrics(run)
    assert metrics.tasks == len(rows)
    assert metrics.worker_processes == 2
    assert metrics.task_seconds > 0
    assert 0 < metrics.queued_seconds < metrics.wall_seconds
    assert 0 < metrics.efficiency <= 1.0
    assert metrics.pages_per_second == pytest.approx(run.pages / metrics.wall_seconds)
    assert metrics.longest_task_seconds == max(
        s.seconds for s in metrics.spans if s.name != "finalize_run"
    )


def test_each_task_records_its_cpu_time_and_the_run_its_floor(shared_worker, election):
    run = run_to_the_end(election, DEFAULT_STRATEGY)
    assert run.status == RunStatus.SUCCEEDED, run.error

    metrics = run_metrics(run)
    for span in metrics.spans:
        # Measured in the worker process that ran the task: never more than its wall time.
        assert span.cpu_seconds is not None, span
        assert 0 < span.cpu_seconds <= span.seconds + 0.02, span
    renders = [s for s in metrics.spans if s.name == "render_stations"]
    assert renders and metrics.parallel_cpu_seconds >= sum(s.cpu_seconds for s in renders)
    assigned = [s for s in metrics.spans if s.name == "assign_election"]
    assert assigned and metrics.serial_seconds == pytest.approx(sum(s.seconds for s in assigned))
    assert metrics.floor_seconds == pytest.approx(
        metrics.serial_seconds + metrics.parallel_cpu_seconds / 2
    )
    assert 0 < metrics.floor_seconds < metrics.wall_seconds


def test_each_task_records_its_state_times_and_worker_process(shared_worker, election):
    """Celery's own starmap task included: it is one of the run's tasks but not of our class."""
    run = run_to_the_end(election, "assign_stations_and_generate_lists_with_starmap")

    tasks = list(run.tasks.all())
    names = sorted(task.task_name for task in tasks)
    assert names == ["celery.starmap"] + ["rolls.tasks.assign_center"] * len(CENTER_SIZES) + [
        "rolls.tasks.fan_out_renders"
    ]
    pids = set(shared_worker.child_pids())
    for task in tasks:
        assert task.state == TaskState.SUCCEEDED, task
        assert run.queued_at <= task.started_at <= task.ended_at <= timezone.now()
        assert task.worker.startswith("shared.") and task.pid in pids
        assert task.processes >= 1
    # The audit log agrees on where each task ran.
    reported = {r.task_id: r.worker for r in run_task_results(run)}
    assert reported == {task.task_id: task.worker for task in tasks}
    assert run.tasks.drained()


def test_every_task_of_the_run_is_linked_to_its_result_row(shared_worker, election):
    run = run_to_the_end(election, "queue_tasks_by_center_with_chord")
    rows = run_task_results(run)
    assert rows.count() == 4  # three centers + the chord callback
    assert set(rows.values_list("status", flat=True)) == {states.SUCCESS}
    assert rows.filter(task_name="rolls.tasks.finalize_run").count() == 1
