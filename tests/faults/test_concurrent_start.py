"""Two staff members start the same election at the same moment: one run, one clear refusal.

The one-active-run-per-election constraint decides, not a read-then-write check that both
could pass. Runs on the configured database; on PostgreSQL the SQLite case runs as well, in
a child pytest on the embedded default."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection

from rolls.launch import run_start
from rolls.models import Run, RunStatus
from rolls.services.ledger import RunRefused
from tests.support.builders import build_election

ROUNDS = 5


def no_launch(run):
    """The race is about creating the run; nothing needs to be queued."""


def start_together(election_id: int, people: int = 2) -> list[object]:
    """``people`` threads, each with its own database connection, call run_start at once;
    returns each one's run or exception."""
    barrier = threading.Barrier(people)
    outcomes: list[object] = [None] * people

    def start(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = run_start(
                election_id=election_id,
                strategy="assign_in_database_then_balanced_batches",
                started_by=f"admin:staff{index}",
                launch=no_launch,
            )
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=start, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_starts_make_one_run_and_one_clear_refusal():
    for _ in range(ROUNDS):
        election = build_election(name=None, centers={"A": 30}, max_per_station=50)

        outcomes = start_together(election.pk)

        runs = [o for o in outcomes if isinstance(o, Run)]
        refusals = [o for o in outcomes if isinstance(o, RunRefused)]
        assert len(runs) == 1 and len(refusals) == 1, outcomes
        (run,), (refusal,) = runs, refusals
        assert str(refusal) == (
            f"{election.name} already has a run in progress "
            f"(run {run.pk}, assign_in_database_then_balanced_batches, queued)"
        )
        assert list(Run.objects.filter(election=election)) == [run]
        assert run.status == RunStatus.QUEUED


def test_two_simultaneous_starts_on_sqlite_too(tmp_path):
    if connection.vendor == "sqlite":
        pytest.skip("this session already runs the race on SQLite")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL"}
    }
    env["VAR_DIR"] = str(tmp_path / "var")
    race = test_two_simultaneous_starts_make_one_run_and_one_clear_refusal.__name__
    test = f"{Path(__file__).resolve()}::{race}"
    child = subprocess.run(
        [sys.executable, "-m", "pytest", test, "-q", "-p", "no:cacheprovider"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    assert "1 passed" in child.stdout
