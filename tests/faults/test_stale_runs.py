"""A run whose worker vanished for good: its task was acknowledged early (the starmap task
renders station after station) and died with the worker, so nothing will ever finish it.
It is found stale, marked failed, and resumed on a new worker, which renders only the
stations that were missing."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from rolls.launch import run_resume, run_start
from rolls.models import RollFile, RunStatus
from rolls.services.recovery import run_mark_stale, runs_find_stale
from tests.faults.support import (
    assert_run_output_exact,
    messages_waiting,
    requires_services,
    wait_settled,
    wait_until,
)
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), requires_services]

QUIET = timedelta(seconds=1)


def snapshot(run, media_root) -> dict:
    """Each rendered station's manifest row and file identity (a re-render replaces the
    file: new inode and mtime)."""
    rows = {}
    for roll in RollFile.objects.rolls().filter(run=run):
        stat = os.stat(media_root / roll.path)
        rows[(roll.center_id, roll.station_number)] = (
            roll.pk,
            roll.rendered_at,
            roll.task_id,
            roll.sha256,
            stat.st_ino,
            stat.st_mtime_ns,
        )
    return rows


def test_a_run_whose_worker_vanished_is_failed_as_stale_and_resumed_without_rerendering(
    workers, media_root
):
    election = build_election(
        name=None, centers={f"C{i}": 900 for i in range(4)}, max_per_station=300
    )
    doomed = workers.start(concurrency=2, node="vanishing")
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_starmap",
        started_by="admin:ann",
    )
    wait_until(
        lambda: RollFile.objects.rolls().filter(run=run).count() >= 3,
        timeout=120,
        what="three rolls",
        every=0.02,
    )
    doomed.kill()
    run.refresh_from_db()
    assert run.is_active and 3 <= run.stations_done < run.stations_total == 12
    assert run not in runs_find_stale()  # not with the default threshold: it just moved
    assert messages_waiting(workers.namespace) == 0  # the starmap task is gone for good

    stale = wait_until(
        lambda: list(runs_find_stale(older_than=QUIET)),
        timeout=30,
        what="the run to look stale",
        every=0.2,
    )
    assert stale == [run]
    before = snapshot(run, media_root)
    assert len(before) == run.stations_done

    assert run_mark_stale(run_id=run.pk, older_than=QUIET)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith("Stale: no task progress for ")
    assert run.tasks.drained()  # its lost tasks are marked revoked

    workers.start(concurrency=2, node="rescuer")
    resumed = run_resume(run_id=run.pk, started_by="admin:bob")
    assert resumed.pk == run.pk and resumed.status == RunStatus.RUNNING

    wait_settled(run, workers.namespace)
    assert_run_output_exact(run, election)
    assert run.tasks.drained()
    after = snapshot(run, media_root)
    assert {key: after[key] for key in before} == before  # finished stations untouched
    assert len(after) == 12
    assert run.started_by == "admin:ann; resumed by admin:bob"
