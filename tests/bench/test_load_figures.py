"""The load part's verdicts (a run's wall time against its floor, and the worker's peak RSS
from the smallest size to the largest), the strategies part's sizes and the setups a run
measures on."""

from __future__ import annotations

import argparse

import pytest
from django.core.management.base import CommandError

from bench import suite
from bench.suite import (
    CONTENDERS,
    STRATEGY_SIZES,
    Command,
    floor_line,
    peaks_line,
    rss_line,
    setups_argument,
    sizes_argument,
    strategies_at,
)


def figures(wall: float, serial: float, cpu: float | None, processes: int = 2) -> dict:
    floor = None if cpu is None else serial + cpu / processes
    return {
        "wall": wall,
        "floor": floor,
        "serial": serial,
        "parallel_cpu": cpu,
        "processes": processes,
    }


def test_a_wall_within_ten_percent_of_the_floor_says_so():
    line = floor_line(figures(wall=108.0, serial=8.0, cpu=200.0))
    assert "wall 108.0 s against the floor 108.0 s" in line
    assert "assignment 8.0 s + 200.0 s CPU / 2 processes" in line
    assert "1.00x, within 10%" in line
    assert "1.11x, over 10%" in floor_line(figures(wall=120.0, serial=8.0, cpu=200.0))


def test_a_run_without_cpu_times_has_no_floor():
    assert "not measured" in floor_line(figures(wall=10.0, serial=1.0, cpu=None))


def test_peak_rss_compares_the_largest_process_at_the_ends():
    line = rss_line({10_000: [180.0, 190.0], 1_000_000: [195.0, 209.0], 100_000: [300.0]})
    assert line == "peak RSS, largest process: 190 MB at 10,000 voters, 209 MB at 1,000,000 (+10%)"
    assert "too few sizes" in rss_line({10_000: [180.0]})


def test_peaks_of_many_replaced_processes_are_summed_up_not_listed():
    assert peaks_line(10_000, [137.4, 138.2], 0) == (
        "peak RSS per worker process,    10,000 voters: 137 MB, 138 MB "
        "(0 replaced past the memory limit)"
    )
    line = peaks_line(1_000_000, [140.0, 141.0, 146.0, 147.0, 149.0, 150.0], 4)
    assert line.endswith(
        "largest 150 MB, median 146 MB of 6 processes (4 replaced past the memory limit)"
    )


def test_the_peaks_read_include_the_processes_replaced_before_the_end(tmp_path):
    # As rolls/task_base.py logs a pool process's exit, between two lines of a worker's log.
    log = tmp_path / "worker.log"
    log.write_text(
        "[2026-12-06 04:24:41,081: INFO/ForkPoolWorker-2] Task ... succeeded in 0.88s\n"
        "[2026-12-06 04:24:41,399: INFO/ForkPoolWorker-3] Pool process 30561 exits "
        "(code 0): peak RSS 146.3 MiB\n"
        "[2026-12-06 04:24:43,802: INFO/ForkPoolWorker-4] Pool process 30670 exits "
        "(code None): peak RSS 149.0 MiB\n"
    )
    reader = suite.worker({})
    reader.log = log.open("a")
    reader.process = argparse.Namespace(pid=2**22 + 1)  # no such process: no live children
    try:
        assert reader.peak_rss_mb() == [146.3, 149.0]
        assert reader.replaced() == 2
    finally:
        reader.log.close()


def test_strategy_sizes_are_whole_numbers_of_a_thousand_or_more():
    assert sizes_argument("10000,100_000") == [10_000, 100_000]
    for wrong in ("", "10k", "500", "10000,,x"):
        with pytest.raises(argparse.ArgumentTypeError):
            sizes_argument(wrong)


def test_every_strategy_is_compared_at_ten_thousand_and_the_contenders_above():
    """A million voters alone compares the three contenders, not the one-process strategies
    (an hour and more a run there); the default sizes are where ours has to win."""
    assert strategies_at(10_000) == ()
    assert strategies_at(1_000_000) == ("--strategies", ",".join(CONTENDERS))
    assert "assign_in_database_then_balanced_batches" in CONTENDERS
    assert STRATEGY_SIZES == [10_000, 100_000, 1_000_000]
    options = Command().create_parser("manage.py", "bench").parse_args([])
    assert options.strategy_sizes == STRATEGY_SIZES


def test_setups_name_sqlite_or_postgresql_in_the_pages_order():
    assert setups_argument("postgresql") == ["PostgreSQL"]
    assert setups_argument("PostgreSQL, sqlite") == ["SQLite", "PostgreSQL"]
    for wrong in ("", "mysql", "sqlite,oracle", ","):
        with pytest.raises(argparse.ArgumentTypeError, match="sqlite, postgresql"):
            setups_argument(wrong)


def test_a_run_on_sqlite_alone_measures_no_postgresql(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    command = Command()
    command.setups = ["SQLite"]
    assert list(command.databases()) == ["SQLite"]


def test_a_run_on_postgresql_alone_without_it_is_an_error(settings, tmp_path, monkeypatch):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(suite, "postgres_problem", lambda url: "connection refused")
    command = Command()
    command.setups = ["PostgreSQL"]
    with pytest.raises(CommandError, match=r"PostgreSQL is not reachable \(connection refused\)"):
        command.databases()
