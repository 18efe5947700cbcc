"""The real planner's plans for elections of 1M and 10M voters on 2 to 256 worker processes,
run through the simulation with the measured per-task overhead and per-page render time."""

import pytest

from bench.simulation import election_stations, node_sizes, simulate_election
from rolls.planning import DEFAULT_SECONDS_PER_PAGE, DEFAULT_TASK_OVERHEAD

MEASURED = {"seconds_per_page": DEFAULT_SECONDS_PER_PAGE, "task_overhead": DEFAULT_TASK_OVERHEAD}


@pytest.mark.parametrize("voters", [1_000_000, 10_000_000])
@pytest.mark.parametrize("processes", [2, 16, 64, 256])
def test_planned_efficiency_is_at_least_90_percent_and_no_process_idles_beside_a_backlog(
    voters, processes
):
    result = simulate_election(voters, processes, **MEASURED)

    assert result.efficiency >= 0.90, result
    # Whenever a process had nothing to take, no other node held more than one unstarted
    # batch per process (with prefetch 1 and acks_late it holds none at all).
    assert result.backlog_while_idle <= 1, result
    assert result.batches >= min(processes, len(election_stations(voters)))


def test_the_simulation_sees_the_idle_processes_a_large_prefetch_causes():
    """Celery's default prefetch (4) lets the first nodes take every batch of a short run
    while later nodes idle: the check above would catch a setup that did that."""
    result = simulate_election(1_000_000, 64, **MEASURED, prefetch_multiplier=4)
    assert result.backlog_while_idle > 1
    assert result.efficiency < 0.90


def test_an_election_splits_as_a_run_does():
    stations = election_stations(100_000)
    assert sum(1 for _ in stations) >= 100  # about one center per 1,000 voters, 500 a station
    assert all(2 <= pages <= 14 for _, _, pages in stations)
    assert node_sizes(20) == [8, 8, 4] and node_sizes(2) == [2]


@pytest.mark.parametrize("voters", [10_000, 100_000, 1_000_000])
@pytest.mark.parametrize("jitter", [0.0, 0.3])
def test_processes_finish_within_a_short_batch_of_each_other(voters, jitter):
    """The last batches are the shortest: on 2 processes no process waits more than a few
    hundred ms for the other at the end, even when batches take up to 30% more or less than
    planned (equal batches of a few seconds each would leave one process idle for a second
    or more)."""
    result = simulate_election(voters, 2, **MEASURED, jitter=jitter)
    assert result.finish_spread <= 0.3, result
    assert result.efficiency >= 0.90, result
