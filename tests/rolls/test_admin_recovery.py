"""Staff recover a run whose worker vanished: mark it failed as stale, then resume it."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from rolls import launch
from rolls.models import Run, RunStatus
from rolls.services.ledger import run_fail
from tests.factories import ElectionFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:rolls_run_changelist"


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user("maria", password="x" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name="Election staff"))
    client.force_login(user)
    return user


def make_run(**fields) -> Run:
    return Run.objects.create(
        election=ElectionFactory(), strategy="all_in_one", started_by="cli", **fields
    )


def post_action(client, action: str, runs: list[Run]):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, helpers.ACTION_CHECKBOX_NAME: [r.pk for r in runs]},
        follow=True,
    )


def test_a_run_with_no_progress_for_long_is_marked_failed_and_a_fresh_one_is_left_alone(
    client, staff
):
    stale = make_run(status=RunStatus.RUNNING)
    Run.objects.filter(pk=stale.pk).update(queued_at=timezone.now() - timedelta(hours=2))
    fresh = make_run(status=RunStatus.RUNNING)

    response = post_action(client, "mark_stale_failed", [stale, fresh])

    text = response.content.decode()
    assert f"Run {stale.pk} marked failed as stale." in text
    assert f"Run {fresh.pk} is not stale" in text
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == RunStatus.FAILED and stale.error.startswith("Stale: no task progress")
    assert fresh.status == RunStatus.RUNNING


def test_a_failed_run_is_resumed_and_a_succeeded_one_is_refused(
    client, staff, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(launch, "queue_missing", queued.append)
    failed = make_run(status=RunStatus.RUNNING)
    run_fail(run_id=failed.pk, error="worker vanished")
    done = make_run(status=RunStatus.SUCCEEDED)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_action(client, "resume_runs", [failed, done])

    text = response.content.decode()
    assert f"Run {failed.pk} resumed" in text
    assert f"Run {done.pk} not resumed: Run {done.pk} cannot be resumed: it succeeded" in text
    failed.refresh_from_db()
    assert failed.is_active and "resumed by admin:maria" in failed.started_by
    assert [run.pk for run in queued] == [failed.pk]


def test_observers_are_not_offered_recovery_actions(client):
    user = get_user_model().objects.create_user("olga", password="x" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name="Observer"))
    client.force_login(user)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "mark_stale_failed" not in page and "resume_runs" not in page
    run = make_run(status=RunStatus.RUNNING)
    response = post_action(client, "mark_stale_failed", [run])
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert response.status_code in (200, 403)
