"""A task past its time limit is stopped and the run says which task it was: failed, not
left 'running'. The soft limit raises inside the task; the hard limit kills its process and
the worker's main process reports it."""

from __future__ import annotations

import pytest
from django_celery_results.models import TaskResult

from rolls.launch import run_start
from rolls.models import RollFile, RunStatus, TaskState
from tests.faults.support import requires_services, wait_for_run, wait_until
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), requires_services]

RENDER = "rolls.tasks.render_station"

# Imported by the worker at start-up (``sitecustomize`` on its PYTHONPATH): pool processes
# install this as their soft-time-limit signal handler.
DEAF_TO_SOFT_LIMIT = """
import billiard.pool

billiard.pool.soft_timeout_sighandler = lambda signum, frame: None
"""


@pytest.fixture
def slow_station_election():
    # One 12,000-voter station (301 pages): over two seconds of rendering on the 2-core
    # development machine, whose renderer does 140-150 pages/s a core, so well past the
    # 1 s limits; its assignment takes far less. (4,000 voters ran past 1 s until the
    # renderer got faster, then finished inside it.)
    return build_election(name=None, centers={"SLOW": 12000}, max_per_station=12000)


def start_run(election):
    return run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )


def failed_task(run, name: str) -> TaskResult:
    return wait_until(
        lambda: TaskResult.objects.filter(
            task_id__in=run.tasks.values("task_id"), task_name=name, status="FAILURE"
        ).first(),
        timeout=60,
        what=f"the failure of {name} to be stored",
    )


def test_a_task_past_its_soft_time_limit_is_stopped_and_fails_the_run(
    workers, slow_station_election
):
    workers.start(
        concurrency=1,
        extra_env={"CELERY_TASK_SOFT_TIME_LIMIT": "1", "CELERY_TASK_TIME_LIMIT": "5"},
    )
    run = wait_for_run(start_run(slow_station_election), timeout=60)

    assert run.status == RunStatus.FAILED
    row = failed_task(run, RENDER)
    assert "SoftTimeLimitExceeded" in row.result
    assert f"{RENDER} [{row.task_id}] exceeded its time limit and was stopped" in run.error
    assert run.finished_at is not None
    assert not RollFile.objects.filter(run=run).exists()


def test_a_task_killed_at_its_hard_time_limit_fails_the_run_and_names_the_task(
    workers, slow_station_election, tmp_path
):
    """The hard limit is what stops a task that does not answer its soft limit (stuck in C
    code, or swallowing the exception). The worker's processes are made deaf to it."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(DEAF_TO_SOFT_LIMIT)
    worker = workers.start(
        concurrency=1,
        extra_env={
            "CELERY_TASK_SOFT_TIME_LIMIT": "1",
            "CELERY_TASK_TIME_LIMIT": "1",
            "PYTHONPATH": str(hooks),
        },
    )
    run = wait_for_run(start_run(slow_station_election), timeout=60)

    assert run.status == RunStatus.FAILED
    row = failed_task(run, RENDER)
    assert "TimeLimitExceeded" in row.result
    assert run.error == (
        f"{RENDER} [{row.task_id}] exceeded its hard time limit (1 s) and its worker process "
        "was killed"
    )
    assert f"Hard time limit (1s) exceeded for {RENDER}[{row.task_id}]" in worker.log()
    # Recorded by on_failure in the worker's main process, the pool process being gone.
    task = run.tasks.get(task_id=row.task_id)
    assert task.state == TaskState.FAILED and task.ended_at >= task.started_at
    assert not RollFile.objects.filter(run=run).exists()
    # The main process replaced the killed child and the worker still takes tasks.
    wait_until(lambda: len(worker.child_pids()) == 1, timeout=30, what="a replacement process")
    assert worker.process.poll() is None
