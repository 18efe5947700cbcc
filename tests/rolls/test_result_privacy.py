"""Observers read how each task ended, never a value that may hold a voter's name: the
arguments, result, traceback and meta of task results are for election staff."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from rolls.formatting import error_without_details
from rolls.models import Run, RunStatus, TaskState
from tests.support.runs import make_finished_run, record_result
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

NAME = "Salazarquintero"


@pytest.fixture
def failed_result():
    """A result as a task that quoted a voter stores it (a search, a refused row)."""
    return TaskResult.objects.create(
        task_id="4f0c2b9e-failed",
        task_name="rolls.tasks.find_voter",
        status="FAILURE",
        task_args=json.dumps([f"{NAME} Ana"]),
        task_kwargs=json.dumps({"family_name": NAME}),
        result=json.dumps({"exc_type": "ValueError", "exc_message": [f"no voter {NAME}"]}),
        traceback=f'Traceback (most recent call last):\n  File "x.py"\nValueError: no voter {NAME}',
        meta=json.dumps({"children": [], "searched": NAME}),
    )


def page(result: TaskResult) -> str:
    return reverse("admin:django_celery_results_taskresult_change", args=[result.pk])


def test_an_observer_sees_the_outcome_of_a_failed_task_but_no_name(client, failed_result):
    client.force_login(make_user("watcher", OBSERVER))

    response = client.get(page(failed_result))

    assert response.status_code == 200
    text = response.content.decode()
    assert NAME not in text
    assert "failed with ValueError (details shown to election staff only)" in text
    assert "find_voter" in text  # what ran is no secret


def test_election_staff_still_read_the_traceback_and_arguments(client, failed_result):
    client.force_login(make_user("clerk", STAFF))

    text = client.get(page(failed_result)).content.decode()

    assert f"ValueError: no voter {NAME}" in text
    assert f"{NAME} Ana" in text


def test_an_observer_cannot_find_a_name_by_searching_task_arguments(client, failed_result):
    changelist = reverse("admin:django_celery_results_taskresult_changelist")

    client.force_login(make_user("watcher", OBSERVER))
    observer = client.get(changelist, {"q": NAME}).content.decode()
    client.force_login(make_user("clerk", STAFF))
    staff = client.get(changelist, {"q": NAME}).content.decode()

    assert "4f0c2b9e" not in observer
    assert "4f0c2b9e" in staff


def test_an_observer_reads_no_traceback_on_the_run_page(client, election):
    run = make_finished_run(election)
    record_result(
        run, f"run{run.pk}-refused", "render_station", "w1@vm", 11, 0.1, 0.2,
        state=TaskState.FAILED,
        traceback=f"IntegrityError: Failing row contains (7, {NAME}, Ana)",
    )  # fmt: skip
    page = reverse("admin:rolls_run_change", args=[run.pk])

    client.force_login(make_user("watcher", OBSERVER))
    observer = client.get(page).content.decode()
    client.force_login(make_user("clerk", STAFF))
    staff = client.get(page).content.decode()

    # The failed tasks are listed for both; their tracebacks only for staff.
    assert observer.count('class="rolls-failed"') == staff.count('class="rolls-failed"') == 2
    assert observer.count('class="rolls-traceback"') == 0 and NAME not in observer
    assert f'data-task="run{run.pk}-refused"' in staff
    assert f"Failing row contains (7, {NAME}, Ana)" in staff


def test_an_observer_reads_a_runs_error_without_the_exceptions_message(client, election):
    """A run's recorded error ends in the failed task's exception message, which may quote
    a voter: Observers read which task failed and with what kind of error, staff the rest."""
    run = make_finished_run(election)
    error = f"rolls.tasks.render_station [abc] failed: ValueError: no row for {NAME}, Ana"
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=error)
    urls = [
        reverse("admin:rolls_run_change", args=[run.pk]),
        reverse("admin:rolls_run_progress", args=[run.pk]),
        reverse("admin:lab_benchmark_compare", args=[election.pk]),
    ]

    client.force_login(make_user("watcher", OBSERVER))
    observer = [client.get(url).content.decode() for url in urls]
    client.force_login(make_user("clerk", STAFF))
    staff = client.get(urls[0]).content.decode()

    for text in observer:
        assert NAME not in text
    assert (
        "render_station [abc] failed: ValueError (details shown to election staff only)"
        in (observer[0])
    )
    assert f"ValueError: no row for {NAME}, Ana" in staff


def test_an_error_without_an_exception_reads_whole():
    text = "The run's rolls do not prove it complete: run-1/center-2/station-001.pdf missing"
    assert error_without_details(text) == text
    assert error_without_details("on_error handler: ChordError: Dependency 7 raised x") == (
        "on_error handler: ChordError (details shown to election staff only)"
    )
