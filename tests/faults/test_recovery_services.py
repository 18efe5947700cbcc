"""Stale runs and resuming them, without a broker (any database): what counts as stale,
what failing one does to its tasks, what a resume queues, and what it refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import states
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_results.models import TaskResult

from config.celery import app
from rolls import launch
from rolls.launch import resume_signatures, run_resume, run_start
from rolls.models import RollFile, Run, RunStatus, RunTask, TaskState
from rolls.services import pipeline
from rolls.services.ledger import RunRefused, run_fail
from rolls.services.recovery import ResumePlan, run_mark_stale, run_resume_plan, runs_find_stale
from tests.support.builders import build_election

pytestmark = pytest.mark.django_db

QUIET = timedelta(minutes=10)


@pytest.fixture(autouse=True)
def revokes(monkeypatch) -> list[list[str]]:
    """The revoke broadcasts, recorded instead of sent to whatever workers share the broker."""
    sent: list[list[str]] = []
    monkeypatch.setattr(app.control, "revoke", lambda ids, **kwargs: sent.append(list(ids)))
    return sent


def no_launch(run):
    """Stand-in for the broker: nothing is queued."""


def queued_run(election, strategy="assign_stations_and_generate_lists_with_chord") -> Run:
    return run_start(
        election_id=election.pk, strategy=strategy, started_by="admin:ann", launch=no_launch
    )


def age(run: Run, minutes: float) -> None:
    """Pretend everything the run did so far happened ``minutes`` ago."""
    then = timezone.now() - timedelta(minutes=minutes)
    Run.objects.filter(pk=run.pk).update(queued_at=then, started_at=then)
    RunTask.objects.filter(run=run).update(first_seen=then)
    RunTask.objects.filter(run=run, started_at__isnull=False).update(started_at=then)
    RunTask.objects.filter(run=run, ended_at__isnull=False).update(ended_at=then)
    RollFile.objects.filter(run=run).update(rendered_at=then)
    run.run_centers.update(assigned_at=then)
    TaskResult.objects.filter(task_id__in=RunTask.objects.filter(run=run).values("task_id")).update(
        date_done=then
    )


@pytest.fixture
def election():
    # Centers of 120 and 50 voters, 50 a station: 3 + 1 stations.
    return build_election(name=None, centers={"A": 120, "B": 50}, max_per_station=50)


@pytest.fixture
def half_done(election) -> Run:
    """A running run that assigned center A and rendered one of its three stations."""
    run = queued_run(election)
    center_a = election.centers.get(code="A")
    pipeline.center_assign_for_run(run=run, center_id=center_a.pk)
    from rolls.services.station_render import station_render

    station_render(run=run, center_id=center_a.pk, station_number=2, task_id="first-attempt")
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    return run


def test_an_active_run_without_progress_for_the_threshold_is_stale(election):
    run = queued_run(election)
    assert not runs_find_stale(older_than=QUIET).exists()
    age(run, minutes=11)
    assert list(runs_find_stale(older_than=QUIET)) == [run]
    assert runs_find_stale(older_than=QUIET).get().last_activity < timezone.now() - QUIET


def test_any_recent_progress_keeps_a_run_from_being_stale(half_done):
    age(half_done, minutes=30)
    assert list(runs_find_stale(older_than=QUIET)) == [half_done]
    RollFile.objects.filter(run=half_done).update(rendered_at=timezone.now())
    assert not runs_find_stale(older_than=QUIET).exists()
    age(half_done, minutes=30)
    RunTask.objects.create(run=half_done, task_id="t-late", task_name="rolls.tasks.x")
    RunTask.objects.filter(task_id="t-late").update(
        first_seen=timezone.now() - QUIET * 3,
        state=TaskState.STARTED,
        started_at=timezone.now(),
    )
    assert not runs_find_stale(older_than=QUIET).exists()  # the task just started


def test_finished_runs_are_never_stale(election):
    run = queued_run(election)
    run_fail(run_id=run.pk, error="boom")
    age(run, minutes=60)
    assert not runs_find_stale(older_than=QUIET).exists()


def test_marking_a_run_stale_fails_it_clearly_and_revokes_its_unfinished_tasks(half_done, revokes):
    now = timezone.now()
    for task_id, name, state, ended in [
        ("started", "render_station", TaskState.STARTED, None),
        ("never-ran", "finalize_run", TaskState.QUEUED, None),
        ("done", "assign_center", TaskState.SUCCEEDED, now),
    ]:
        RunTask.objects.create(
            run=half_done,
            task_id=task_id,
            task_name=f"rolls.tasks.{name}",
            state=state,
            started_at=now if state != TaskState.QUEUED else None,
            ended_at=ended,
        )
    # The audit log as Celery wrote it: nothing for the task that never ran.
    TaskResult.objects.create(task_id="started", status=states.STARTED)
    TaskResult.objects.create(task_id="done", status=states.SUCCESS, result="{}")
    age(half_done, minutes=15)
    assert not half_done.tasks.drained()

    assert run_mark_stale(run_id=half_done.pk, older_than=QUIET)

    half_done.refresh_from_db()
    assert half_done.status == RunStatus.FAILED and half_done.finished_at is not None
    assert half_done.error.startswith("Stale: no task progress for 15 min (last activity ")
    assert "1/4 stations rendered" in half_done.error
    assert "Resume it to do only what is missing" in half_done.error
    tasks = {task.task_id: task for task in half_done.tasks.all()}
    assert tasks["started"].state == tasks["never-ran"].state == TaskState.REVOKED
    assert tasks["started"].ended_at >= now and tasks["never-ran"].ended_at >= now
    assert tasks["done"].state == TaskState.SUCCEEDED
    assert tasks["done"].ended_at < now  # aged, and left alone
    statuses = dict(TaskResult.objects.values_list("task_id", "status"))
    assert statuses == {"started": states.STARTED, "done": states.SUCCESS}  # audit log untouched
    assert half_done.tasks.drained()
    assert [sorted(ids) for ids in revokes] == [["never-ran", "started"]]
    assert not run_mark_stale(run_id=half_done.pk)  # already failed


def test_a_run_that_moved_since_it_was_listed_is_not_marked_stale(half_done):
    assert not run_mark_stale(run_id=half_done.pk, older_than=QUIET)
    half_done.refresh_from_db()
    assert half_done.is_active


def test_resume_plans_only_the_unassigned_centers_and_unrendered_stations(half_done, election):
    plan = run_resume_plan(half_done)
    a, b = (election.centers.get(code=code).pk for code in "AB")
    assert plan.centers == [b]
    assert [(c, n) for c, n, _ in plan.stations] == [(a, 1), (a, 3)]
    signatures = resume_signatures(half_done, plan)
    names = sorted(s.task for s in signatures)
    half_done.refresh_from_db()  # the batches are planned for its workers (here: in process)
    assert half_done.planned_processes == 1
    assert (
        names
        == ["rolls.tasks.assign_and_render_center"]
        + ["rolls.tasks.render_stations"] * half_done.planned_batches
    )
    batches = [s.args[1] for s in signatures if s.task.endswith("render_stations")]
    assert sorted(tuple(s) for batch in batches for s in batch) == [(a, 1), (a, 3)]
    assignment_only = Run(pk=half_done.pk, renders=False)
    assert [s.task for s in resume_signatures(assignment_only, ResumePlan(centers=[b]))] == [
        "rolls.tasks.assign_center"
    ]


def test_resume_reactivates_the_same_run_and_keeps_what_was_done(
    half_done, django_capture_on_commit_callbacks
):
    launched = []
    before = list(RollFile.objects.filter(run=half_done).values())
    run_mark_stale(run_id=half_done.pk)

    with django_capture_on_commit_callbacks(execute=True):
        run = run_resume(run_id=half_done.pk, started_by="admin:bob", launch=launched.append)

    assert run.pk == half_done.pk and [r.pk for r in launched] == [run.pk]
    assert run.status == RunStatus.RUNNING and run.error == "" and run.finished_at is None
    assert run.started_by == "admin:ann; resumed by admin:bob"
    assert run.started_at == half_done.started_at
    assert (run.stations_done, run.centers_assigned) == (1, 1)
    assert list(RollFile.objects.filter(run=run).values()) == before


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("running", r"cannot be resumed: it is still active \(mark it stale first\)"),
        ("succeeded", "cannot be resumed: it succeeded"),
        ("later", r"already has a run in progress \(run \d+"),
        ("missing", "does not exist"),
    ],
)
def test_resume_is_refused_with_a_reason(half_done, election, state, message):
    run_id = half_done.pk
    if state == "succeeded":
        Run.objects.filter(pk=run_id).update(status=RunStatus.SUCCEEDED)
    elif state == "later":
        run_mark_stale(run_id=run_id)
        queued_run(election)
    elif state == "missing":
        run_id = 987654
    with pytest.raises(RunRefused, match=message):
        run_resume(run_id=run_id, started_by="admin:bob", launch=no_launch)


def test_a_later_finished_run_does_not_stop_a_resume(half_done, election):
    """Each run owns its split: a later run cannot have changed this run's stations."""
    run_mark_stale(run_id=half_done.pk)
    later = queued_run(election)
    run_fail(run_id=later.pk, error="stopped by test")
    stations_before = list(half_done.stations.values_list("id", "voter_count"))

    resumed = run_resume(run_id=half_done.pk, started_by="admin:bob", launch=no_launch)

    assert resumed.is_active
    assert list(half_done.stations.values_list("id", "voter_count")) == stations_before


def test_resume_with_nothing_missing_finishes_or_says_why_not(
    election, django_capture_on_commit_callbacks
):
    run = queued_run(election, strategy="assign_all_stations_in_parallel")
    for center in election.centers.all():
        pipeline.center_assign_for_run(run=run, center_id=center.pk)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="lost")
    with django_capture_on_commit_callbacks(execute=True):
        run_resume(run_id=run.pk, started_by="cli")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED


def test_stale_runs_command_lists_fails_and_resumes(
    half_done, monkeypatch, capsys, django_capture_on_commit_callbacks
):
    launched = []
    monkeypatch.setattr(launch, "queue_missing", launched.append)
    call_command("stale_runs")
    assert "No stale runs (active with no progress for 10 min)." in capsys.readouterr().out

    age(half_done, minutes=12)
    call_command("stale_runs", "--older-than", "5")
    out = capsys.readouterr().out
    assert f"Run {half_done.pk}: " in out and "no progress for 12 min, stations 1/4" in out
    half_done.refresh_from_db()
    assert half_done.is_active  # listing changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        call_command("stale_runs", "--older-than", "5", "--fail", "--resume", str(half_done.pk))
    out = capsys.readouterr().out
    assert "-> marked failed" in out
    assert f"Run {half_done.pk} resumed (running): 1 centers to assign, 2 stations to render" in out
    assert [r.pk for r in launched] == [half_done.pk]

    with pytest.raises(CommandError, match="it is still active"):
        call_command("stale_runs", "--resume", str(half_done.pk))
    with pytest.raises(CommandError, match="--older-than: a number of minutes above 0"):
        call_command("stale_runs", "--older-than", "0")
