"""A task the run outlived without a word from it: its process was killed after its work was
done (another task redid it, or it had recorded its station), on a broker that does not hand
its message back, so nothing ever marked it ended. The run page says so, in the staff
member's language, instead of showing it running, its time growing, for ever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from rolls.admin.run_page import run_page_context
from rolls.models import Run, RunStatus, RunTask
from rolls.models.task import TaskState
from tests.support.builders import build_election
from tests.support.runs import full_run

pytestmark = pytest.mark.django_db

SILENT = "no word since the run ended"


@pytest.fixture
def run(private_media) -> Run:
    run = full_run(build_election())
    assert run.status == RunStatus.SUCCEEDED, run.error
    start = run.started_at or run.queued_at
    RunTask.objects.create(
        run=run,
        task_id="done-1",
        task_name="rolls.tasks.render_stations",
        state=TaskState.SUCCEEDED,
        started_at=start,
        ended_at=start + timedelta(seconds=1),
        worker="render@a",
        pid=101,
    )
    RunTask.objects.create(
        run=run,
        task_id="killed-1",
        task_name="rolls.tasks.render_stations",
        state=TaskState.STARTED,
        started_at=start,
        worker="render@a",
        pid=102,
    )
    return run


def row(context: dict, task_id: str):
    return next(r for r in context["task_rows"] if r.task_id == task_id)


def test_a_task_the_ended_run_never_heard_from_again_is_not_shown_running(run):
    context = run_page_context(run)

    killed, done = row(context, "killed-1"), row(context, "done-1")
    assert SILENT in killed.state and killed.state.startswith("STARTED")
    assert killed.state_class == "silent" and killed.runtime == "—"
    assert SILENT not in done.state and done.state_class == "succeeded"
    # Its bar ends where the run ended, drawn as ended, not stretched to now.
    assert 'class="task running"' not in context["timeline"]


def test_the_same_task_of_a_run_still_going_is_running(run):
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, finished_at=None)
    context = run_page_context(Run.objects.get(pk=run.pk))

    killed = row(context, "killed-1")
    assert SILENT not in killed.state and killed.state_class == "running"
    assert killed.runtime != "—"
    assert 'class="task running"' in context["timeline"]


def test_the_run_page_says_it_in_the_staff_members_language(staff_client, run):
    url = reverse("admin:rolls_run_change", args=[run.pk])
    assert SILENT in staff_client.get(url).content.decode()
    with translation.override("fr"):
        killed = row(run_page_context(run), "killed-1")
    assert "aucune nouvelle depuis la fin de" in killed.state
