"""What a strategy's numbers mean, in words: the run "waited on" its longest task only when
that task ran on alone after the other processes had run out of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from lab.explanations import explain, ran_alone_seconds
from lab.management.commands.compare_strategies import summary_table
from lab.statistics import Spread, StrategyResult
from rolls.models import Run, RunStatus
from rolls.selectors.run_figures import RunMetrics, TaskSpan

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def span(name: str, pid: int, start: float, end: float, number: int | None = None) -> TaskSpan:
    return TaskSpan(
        task_id=f"{name}-{pid}-{start}",
        name=name,
        state="SUCCESS",
        worker="w1@host",
        pid=pid,
        processes=2,
        started=T0 + timedelta(seconds=start),
        finished=T0 + timedelta(seconds=end),
        seconds=end - start,
        process_number=number,
    )


def metrics(spans: list[TaskSpan], wall: float) -> RunMetrics:
    work = [s for s in spans if s.name != "finalize_run"]
    longest = max(work, key=lambda s: s.seconds)
    return RunMetrics(
        tasks=len(spans),
        wall_seconds=wall,
        queued_seconds=0.0,
        task_seconds=sum(s.seconds for s in work),
        longest_task_seconds=longest.seconds,
        longest_task_name=longest.name,
        longest_task_center_id=None,
        worker_processes=2,
        efficiency=sum(s.seconds for s in work) / (wall * 2),
        pages=100,
        pages_per_second=100 / wall,
        overhead_ms=None,
        spans=spans,
    )


def explained(name: str, m: RunMetrics) -> str:
    run = Run(pk=1, strategy=name, status=RunStatus.SUCCEEDED)
    return explain(StrategyResult(name=name, runs=[run], metrics={1: m}))


def test_a_big_center_running_on_alone_is_what_the_run_waited_on():
    # The chord by center: one process ends its small centers at 1.5 s, the big one runs to
    # 4 s, then the chord's callback.
    m = metrics(
        [
            span("assign_and_render_center", 1, 0.0, 4.0),
            span("assign_and_render_center", 2, 0.0, 0.8),
            span("assign_and_render_center", 2, 0.8, 1.5),
            span("finalize_run", 2, 4.05, 4.1),
        ],
        wall=4.2,
    )
    assert ran_alone_seconds(m) == pytest.approx(2.5)
    assert "took 4.0 s of 4.2 s wall time: the run waited on it" in explained("chord", m)


def test_a_long_first_batch_beside_a_busy_process_is_no_wait():
    # Ours: a 2.4 s first batch on one process while the other renders batches until the end.
    m = metrics(
        [
            span("render_stations", 1, 0.0, 2.4),
            span("render_stations", 1, 2.4, 4.1),
            span("render_stations", 2, 0.0, 1.9),
            span("render_stations", 2, 1.9, 4.0),
            span("finalize_run", 2, 4.15, 4.2),
        ],
        wall=4.2,
    )
    assert ran_alone_seconds(m) == pytest.approx(0.0, abs=0.2)
    said = explained("ours", m)
    assert "waited on it" not in said
    assert "took 2.4 s of 4.2 s wall time, while the other processes kept working" in said
    assert "used 2 of 2 processes" in said


def test_a_process_replaced_after_its_memory_limit_is_still_one_of_the_pools_processes():
    # Process 1 of the pool was replaced twice (pids 11, 12, 13), process 2 once: two
    # processes used, and process 1's last batch did not run alone beside its own earlier pid.
    m = metrics(
        [
            span("render_stations", 11, 0.0, 1.0, number=1),
            span("render_stations", 12, 1.0, 2.0, number=1),
            span("render_stations", 13, 2.0, 4.0, number=1),
            span("render_stations", 21, 0.0, 2.0, number=2),
            span("render_stations", 22, 2.0, 3.9, number=2),
        ],
        wall=4.1,
    )
    assert "used 2 of 2 processes" in explained("ours", m)
    assert ran_alone_seconds(m) == pytest.approx(0.1)
    # Counted by pid, the same run would have used five processes of two.
    by_pid = metrics([span(s.name, s.pid, 0.0, s.seconds) for s in m.spans], wall=4.1)
    assert "used 5 of 2 processes" in explained("ours", by_pid)


def test_one_task_on_one_of_two_processes_ran_alone_all_along():
    m = metrics([span("all_in_one", 1, 0.0, 3.0)], wall=3.1)
    assert ran_alone_seconds(m) == pytest.approx(3.0)
    assert "the run waited on it" in explained("all_in_one", m)


def test_the_command_marks_the_measured_fastest_as_fastest_and_a_tie_as_a_tie():
    def result(name, fastest=False, tied=()):
        return StrategyResult(
            name=name,
            runs=[],
            metrics={},
            wall=Spread(2.0, 1.0, 3.0),
            fastest=fastest,
            tied_with=list(tied),
        )

    lines = summary_table(
        SimpleNamespace(
            results=[result("ours", fastest=True), result("a", tied=["b"]), result("c")]
        )
    )
    assert lines[2].rstrip().endswith(" fastest") and lines[2].split()[0] == "ours"
    assert lines[3].rstrip().endswith(" tie")
    assert not lines[4].rstrip().endswith(("fastest", "tie"))
