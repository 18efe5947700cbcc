"""The run's own task table: the task base class's hooks record each task's state, times and
worker process; what they cannot see (a worker process lost under a task that is not
redelivered) comes from Celery's signal; and existing runs are filled from the audit log."""

from __future__ import annotations

import importlib
import json
import os
import time
from datetime import timedelta

import pytest
from billiard.exceptions import WorkerLostError
from celery import signals, states
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.nodenames import gethostname
from django.apps import apps as django_apps
from django.utils import timezone
from django_celery_results.models import TaskResult

from lab import tasks as lab_tasks
from rolls import tasks
from rolls.launch import run_start
from rolls.models import Run, RunStatus, RunTask, TaskState
from tests.support.runs import no_launch

pytestmark = pytest.mark.django_db

state_migration = importlib.import_module("rolls.migrations.0006_runtask_state_from_task_results")


@pytest.fixture
def run(election) -> Run:
    return run_start(
        election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
    )


def test_a_task_that_succeeds_records_its_start_end_and_worker_process(run, election):
    center = election.centers.get(code="A")
    before = timezone.now()

    result = tasks.assign_center.apply(args=(run.pk, center.pk))

    task = RunTask.objects.get(task_id=result.id)
    assert (task.run_id, task.task_name) == (run.pk, "rolls.tasks.assign_center")
    assert (task.center_id, task.station_number) == (center.pk, None)
    assert task.state == TaskState.SUCCEEDED
    assert before <= task.started_at <= task.ended_at <= timezone.now()
    assert task.pid == os.getpid()
    assert task.worker == gethostname()
    assert task.processes >= 1
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.started_at is not None


def test_a_task_that_fails_records_its_end_and_fails_the_run(run, election):
    center = election.centers.get(code="A")

    result = lab_tasks.fail_on_purpose.apply(args=(run.pk, center.pk))

    task = RunTask.objects.get(task_id=result.id)
    assert task.state == TaskState.FAILED
    assert task.started_at <= task.ended_at
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and result.id in run.error


def test_a_failed_chord_header_task_fails_the_callback_that_will_never_run(run, election):
    center = election.centers.get(code="A")
    RunTask.objects.create(run=run, task_id="callback", task_name="queued")
    callback = tasks.finalize_run.s(run_id=run.pk).set(task_id="callback")
    header = lab_tasks.fail_on_purpose
    header.push_request(id="header", chord=dict(callback))
    try:
        header.on_failure(ValueError("x"), "header", (run.pk, center.pk), {}, None)
    finally:
        header.pop_request()

    task = RunTask.objects.get(task_id="callback")
    assert task.state == TaskState.FAILED and task.ended_at is not None
    assert (task.task_name, task.started_at) == ("rolls.tasks.finalize_run", None)


def _started(run: Run, task_id: str, **fields) -> RunTask:
    return RunTask.objects.create(
        run=run,
        task_id=task_id,
        task_name="rolls.tasks.render_station",
        state=TaskState.STARTED,
        started_at=timezone.now(),
        **fields,
    )


def test_a_retry_waits_for_the_next_attempt_but_never_undoes_an_end(run, election):
    center = election.centers.get(code="B")
    _started(run, "retrying")
    RunTask.objects.create(run=run, task_id="ended-first", task_name="x", state=TaskState.SUCCEEDED)
    args = (run.pk, center.pk, 1)

    tasks.render_station.on_retry(OSError("x"), "retrying", args, {}, None)
    tasks.render_station.on_retry(OSError("x"), "ended-first", args, {}, None)

    states_now = dict(RunTask.objects.values_list("task_id", "state"))
    assert states_now == {"retrying": TaskState.RETRY, "ended-first": TaskState.SUCCEEDED}
    assert not run.tasks.drained()


def test_a_worker_process_lost_under_a_task_that_is_not_redelivered_ends_it_failed(run):
    _started(run, "lost", pid=4242, worker="w1@host")

    signals.task_failure.send(
        sender=lab_tasks.all_in_one,
        task_id="lost",
        exception=WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL)."),
        args=(run.pk,),
        kwargs={},
        traceback=None,
        einfo=None,
    )

    task = RunTask.objects.get(task_id="lost")
    assert task.state == TaskState.FAILED and task.ended_at is not None
    assert (task.pid, task.worker) == (4242, "w1@host")  # where it ran stays on record
    assert run.tasks.drained()


def test_existing_tasks_are_filled_from_their_result_rows(run):
    then = timezone.now() - timedelta(minutes=5)
    for task_id, status, result in [
        ("done", states.SUCCESS, {"pages": 3, "pid": 101, "processes": 2}),
        ("running", states.STARTED, {"pid": 202, "hostname": "w2@host"}),
        ("broke", states.FAILURE, {"exc_type": "ValueError"}),
    ]:
        RunTask.objects.create(run=run, task_id=task_id, task_name=f"rolls.tasks.{task_id}")
        row = TaskResult.objects.create(
            task_id=task_id,
            status=status,
            worker=f"{task_id}@host",
            result=json.dumps(result),
            date_started=then,
        )
        TaskResult.objects.filter(pk=row.pk).update(date_done=then + timedelta(seconds=2))
    RunTask.objects.create(run=run, task_id="waiting", task_name="queued")

    state_migration.fill_from_task_results(django_apps, None)

    tasks_now = {task.task_id: task for task in RunTask.objects.all()}
    done, running, broke, waiting = (tasks_now[k] for k in ["done", "running", "broke", "waiting"])
    assert (done.state, done.pid, done.processes, done.worker) == ("succeeded", 101, 2, "done@host")
    assert done.started_at == then and done.ended_at == then + timedelta(seconds=2)
    assert (running.state, running.pid, running.ended_at) == ("started", 202, None)
    assert (broke.state, broke.pid) == ("failed", None)
    assert (waiting.state, waiting.started_at, waiting.worker) == ("queued", None, "")


def test_a_render_past_its_soft_time_limit_is_stopped_before_it_stores_anything():
    """The soft limit's signal can be swallowed by library code mid-render; the check
    renders call before storing a roll raises it then, so nothing is written or counted."""
    tasks.render_station.push_request(timelimit=(10, 1), started_monotonic=time.monotonic() - 2)
    try:
        with pytest.raises(SoftTimeLimitExceeded, match="soft time limit of 1 s"):
            tasks.render_station.check_soft_time_limit()
    finally:
        tasks.render_station.pop_request()
    tasks.render_station.push_request(timelimit=(10, 5), started_monotonic=time.monotonic())
    try:
        tasks.render_station.check_soft_time_limit()  # within its limit: goes on
    finally:
        tasks.render_station.pop_request()
