"""Pool processes replaced while a run goes on, after a task that left one past the worker's
memory limit: the run completes with every voter printed once, each replaced process logs
the peak it reached (what `make bench` reads), and the run's record counts the pool's
processes by their place in it, not by the pids that held those places."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import billiard.process
import pytest
from celery import signals
from django.db import connection

from bench.processes import EXITED_PEAK
from lab.explanations import explain
from lab.statistics import StrategyResult
from rolls.admin.run_page import run_page_context
from rolls.launch import run_start
from rolls.models import Run, RunTask
from rolls.selectors.run_figures import run_metrics
from rolls.strategies import DEFAULT_STRATEGY
from tests.faults.support import assert_run_output_exact, use_media_root, wait_for_run
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """A media folder of the test's own, here and in the worker it starts (run ids restart
    with every test database: a shared folder would hold an earlier run's PDFs)."""
    use_media_root(settings, tmp_path / "media")


@pytest.mark.parametrize(
    "limit",
    [
        # Celery's absolute limit, below any process's size: replaced after every task.
        {"CELERY_WORKER_MAX_MEMORY_PER_CHILD": "1"},
        # Ours, relative to each process's size fresh from the fork: 1 MiB is less than
        # rendering a batch adds, so a process is replaced after its first batch.
        {"WORKER_MEMORY_GROWTH_MB": "1"},
    ],
    ids=["absolute", "growth"],
)
def test_processes_replaced_past_the_memory_limit_are_counted_by_their_place(workers, limit):
    election = build_election(
        name=None, centers={"A": 900, "B": 700, "C": 400}, max_per_station=200
    )
    worker = workers.start(concurrency=2, extra_env=limit)
    run = run_start(election_id=election.pk, strategy=DEFAULT_STRATEGY, started_by="test")
    wait_for_run(run, timeout=180)

    assert_run_output_exact(run, election)
    renders = RunTask.objects.filter(run=run, task_name__endswith="render_stations")
    started = RunTask.objects.filter(run=run, started_at__isnull=False)
    assert set(started.values_list("process_number", flat=True)) <= {1, 2}
    # Every render after a process's first ran in a new process, in one of the two places.
    assert renders.values("pid").distinct().count() == renders.count() > 2
    log = worker.log()
    exits = re.findall(r"Pool process (\d+) exits \(code [^)]*\): peak RSS ([0-9.]+) MiB", log)
    assert len(exits) >= renders.count() - 2
    assert {int(pid) for pid, _ in exits} <= set(started.values_list("pid", flat=True))
    assert all(100 < float(mb) < 2000 for _, mb in exits)
    assert len(EXITED_PEAK.findall(log)) == len(exits)  # the benchmark reads the same lines

    assert run_page_context(run)["timeline_processes"] == len(
        set(started.values_list("worker", "process_number"))
    )
    metrics = run_metrics(run)
    assert metrics.worker_processes == 2
    said = explain(StrategyResult(name="ours", runs=[run], metrics={run.pk: metrics}))
    used = started.values("worker", "process_number").distinct().count()
    assert f"used {used} of 2 processes" in said


def test_a_task_leaves_no_query_log_behind_in_its_process(settings):
    # DEBUG (the embedded default) has every connection keep its last 9,000 queries; in a
    # worker nothing reads them, and a process that rendered 300 stations held them all.
    settings.DEBUG = True
    list(Run.objects.all()[:1])
    assert connection.queries, "DEBUG logs queries"
    signals.task_postrun.send(sender=None, task_id="t", task=None, args=(), kwargs={})
    assert connection.queries == []


def test_a_pool_process_whose_billiard_worker_is_not_found_says_it_has_no_limit(
    monkeypatch, caplog
):
    # The limit is set on billiard's Worker, the pool process's target; a billiard that kept
    # it elsewhere would leave the processes unbounded without a word.
    unknown = SimpleNamespace(index=0, _target=object())
    monkeypatch.setattr(billiard.process, "current_process", lambda: unknown)
    caplog.set_level(logging.WARNING, logger="rolls.task_base")
    signals.worker_process_init.send(sender=None)
    assert "has no memory limit" in caplog.text
    caplog.clear()
    not_a_pool = SimpleNamespace(_target=None)  # the worker's main process, a solo pool
    monkeypatch.setattr(billiard.process, "current_process", lambda: not_a_pool)
    signals.worker_process_init.send(sender=None)
    assert "memory limit" not in caplog.text
