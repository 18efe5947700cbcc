"""Beat as staff see it in the console: a schedule's "Last run" is written when it fires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.beat import HeartbeatScheduler
from config.celery import app
from tests.support.workers import private_queues


@pytest.mark.django_db(transaction=True)  # the scheduler manages its own connections
def test_each_schedule_beat_sends_shows_its_last_run_at_once(settings, tmp_path):
    """Beat used to write "Last run" every 3 minutes only (its first send forced one write):
    the second schedule to fire stayed "-" in the console. Messages go to queues nobody
    consumes; the task is one that needs no arguments (a roll schedule without valid ones
    would be switched off)."""
    settings.BEAT_HEARTBEAT_FILE = tmp_path / "beat-heartbeat"
    every_hour = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.HOURS)
    long_ago = timezone.now() - timedelta(days=1)
    names = ["first schedule", "second schedule"]
    for name in names:
        PeriodicTask.objects.create(
            name=name,
            task="rolls.tasks.fail_unlaunched_runs",
            interval=every_hour,
            last_run_at=long_ago,
        )
    with private_queues():
        scheduler = HeartbeatScheduler(app=app)
        try:
            # What tick() does with each due entry (its heap would first wait out beat's
            # own 15 s upkeep): take the entry's next run, send the task.
            for name in names:
                entry = scheduler.schedule[name]
                assert entry.is_due().is_due
                scheduler.apply_entry(scheduler.reserve(entry))
            # Read while beat runs: stopping it (close) writes everything anyway.
            last_runs = dict(
                PeriodicTask.objects.filter(name__in=names).values_list("name", "last_run_at")
            )
        finally:
            scheduler.close()
    assert all(last > long_ago for last in last_runs.values()), last_runs
