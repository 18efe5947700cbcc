from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from config.celery import app
from rolls.models import RollFile, Run, RunStatus
from rolls.services.retention import runs_purge
from tests.factories import ElectionFactory, PollingCenterFactory

pytestmark = pytest.mark.django_db


def make_run(election, center, *, status, finished_days_ago, name):
    finished = timezone.now() - timedelta(days=finished_days_ago) if finished_days_ago else None
    run = Run.objects.create(
        election=election,
        strategy="all_in_one",
        started_by="t",
        status=status,
        finished_at=finished,
    )
    path = default_storage.save(f"rolls/test/run-{run.pk}/{name}.pdf", ContentFile(b"%PDF-1.7 x"))
    RollFile.objects.create(
        run=run, center=center, station_number=1, voters=1, path=path, pages=2, bytes=10, sha256="0"
    )
    return run, path


def test_old_finished_runs_go_with_their_files_and_the_rest_stay():
    election = ElectionFactory()
    center = PollingCenterFactory(election=election)
    old, old_path = make_run(
        election, center, status=RunStatus.SUCCEEDED, finished_days_ago=40, name="old"
    )
    recent, recent_path = make_run(
        election, center, status=RunStatus.FAILED, finished_days_ago=2, name="recent"
    )
    active, active_path = make_run(
        ElectionFactory(), center, status=RunStatus.RUNNING, finished_days_ago=None, name="active"
    )

    assert runs_purge(older_than=timedelta(days=30), dry_run=True).runs == 1
    assert default_storage.exists(old_path)  # a dry run deletes nothing

    result = runs_purge(older_than=timedelta(days=30))

    assert (result.runs, result.files) == (1, 1)
    assert not default_storage.exists(old_path)
    assert not Run.objects.filter(pk=old.pk).exists()
    assert default_storage.exists(recent_path) and default_storage.exists(active_path)
    assert set(Run.objects.values_list("pk", flat=True)) == {recent.pk, active.pk}


def test_purge_command_reports_and_refuses_negative_days(capsys):
    call_command("purge_old_runs", "--days", "30")
    assert "Deleted 0 runs" in capsys.readouterr().out
    with pytest.raises(
        CommandError,
        match="--days: days must be a whole number written with the digits 0-9",
    ):
        call_command("purge_old_runs", "--days", "-1")


@pytest.mark.django_db(transaction=True)  # the scheduler manages its own connections
def test_beat_installs_the_result_cleanup_task():
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery import app

    scheduler = DatabaseScheduler(app=app, lazy=True)
    scheduler.setup_schedule()
    cleanup = PeriodicTask.objects.get(name="celery.backend_cleanup")
    assert cleanup.task == "celery.backend_cleanup" and cleanup.enabled
    assert app.conf.result_expires.days >= 1


def test_task_results_quoting_a_voter_expire_with_every_other_result():
    """A failed task's result may quote a voter (an exception's message): beat's daily
    ``celery.backend_cleanup`` deletes every result older than ``result_expires``."""
    expired = TaskResult.objects.create(
        task_id="old", status="FAILURE", result='{"exc_message": ["Quennevillier, Odile"]}'
    )
    fresh = TaskResult.objects.create(task_id="new", status="SUCCESS", result='{"run": 1}')
    TaskResult.objects.filter(pk=expired.pk).update(
        date_done=timezone.now() - app.conf.result_expires - timedelta(hours=1)
    )

    app.backend.cleanup()

    assert list(TaskResult.objects.values_list("task_id", flat=True)) == [fresh.task_id]
