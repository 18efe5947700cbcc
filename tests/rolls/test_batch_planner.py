"""The render planner: batches shrinking from the target duration to a short tail for the
live workers' processes (pure, with given numbers), and the fan-out recording its plan on
the run."""

import pytest

from config.celery import queue_name
from rolls.models import Run
from rolls.planning import FALLBACK_PROCESSES, batch_sizes, fill_batches, plan_batches
from rolls.services.render_batches import (
    batch_pages,
    processes_for,
    render_processes,
    run_plan_renders,
)
from tests.factories import ElectionFactory

# 1,000 stations of 13 pages: 13,000 pages, 195 s of rendering at 15 ms a page.
STATIONS = [(c, n, 13) for c in range(1, 101) for n in range(1, 11)]


def stats(*nodes: tuple[str, int, list[str] | None]) -> dict:
    """A worker setup as the probe returns it: node name, pool processes, queues."""
    return {
        "answered": bool(nodes),
        "nodes": {
            name: {"processes": processes, "pool": "prefork", "queues": queues}
            for name, processes, queues in nodes
        },
    }


@pytest.mark.parametrize("processes", [1, 2, 3, 16, 64, 256])
def test_batches_shrink_from_the_target_duration_to_the_tail(processes):
    plan = plan_batches(
        STATIONS, processes=processes, seconds_per_page=0.015, target_seconds=3, tail_seconds=0.25
    )
    loads = [13 * len(b) for b in plan.batches]
    assert sum(loads) == 13_000
    assert loads == sorted(loads, reverse=True), "queued longest first"
    # None much longer than the target (a station is indivisible: one more at most) ...
    assert max(loads) * 0.015 <= 3 + 13 * 0.015
    # ... every process gets a batch in the first round, and the last round is one station
    # each: the most one process can end after another is one short batch.
    assert plan.count >= processes
    assert loads[-processes:] == [13] * processes


def test_batch_sizes_halve_what_is_left_per_round_between_target_and_tail():
    # 324 pages at 20 ms on 2 processes: 150 pages at most (3 s), 12.5 at least (0.25 s).
    sizes = batch_sizes(pages=324, processes=2, seconds_per_page=0.020, target_seconds=3,
                        tail_seconds=0.25)  # fmt: skip
    assert sizes == [81, 81, 40.5, 40.5, 20.25, 20.25, 12.5, 12.5, 12.5, 3]
    # Big runs: target-sized batches until half of what is left fits one round of them.
    sizes = batch_sizes(pages=13_000, processes=4, seconds_per_page=0.015, target_seconds=3,
                        tail_seconds=0.25)  # fmt: skip
    assert sizes[:60] == [200] * 60 and sizes[60:64] == [125] * 4
    assert sum(sizes) == pytest.approx(13_000)
    assert min(sizes[:-1]) == pytest.approx(0.25 / 0.015)
    # Slower pages, shorter batches (in pages); one process still ends on short batches.
    slower = batch_sizes(pages=13_000, processes=4, seconds_per_page=0.030, target_seconds=3)
    assert max(slower) == 100 and len(slower) > len(sizes)
    assert batch_sizes(pages=0, processes=4, seconds_per_page=0.015) == []


def test_long_stations_go_to_the_long_batches_and_short_ones_to_the_tail():
    stations = [(1, n, 40) for n in range(1, 5)] + [(2, n, 5) for n in range(1, 9)]
    batches = fill_batches(stations, [90, 90, 20, 20])
    pages = {(c, n): p for c, n, p in stations}
    assert [[pages[tuple(s)] for s in b] for b in batches] == [
        [40, 40, 5],
        [40, 40, 5],
        [5, 5, 5],
        [5, 5, 5],
    ]
    assert fill_batches([], [10.0]) == []


def test_every_station_is_in_exactly_one_batch_heaviest_first():
    plan = plan_batches(STATIONS[:37], processes=8, seconds_per_page=0.015)
    flat = sorted(tuple(s) for b in plan.batches for s in b)
    assert flat == sorted((c, n) for c, n, _ in STATIONS[:37])
    sizes = [len(b) for b in plan.batches]
    assert sizes == sorted(sizes, reverse=True)


def test_only_processes_of_nodes_taking_render_tasks_count():
    render = queue_name("render")
    setup = stats(
        ("db@a", 2, [queue_name("db"), queue_name("default")]),
        ("render@b", 8, [render]),
        ("render@c", 4, [render, queue_name("db")]),
        ("old@d", 2, None),  # did not say its queues: it takes all of them
    )
    assert render_processes(setup, render_queue=render) == 14
    assert render_processes(stats(), render_queue=render) is None


@pytest.mark.django_db
def test_the_live_answer_wins_then_the_start_then_the_fallback_each_saying_which():
    election = ElectionFactory()
    at_start = stats(("w1@a", 6, None))
    run = Run.objects.create(election=election, strategy="x", worker_setup=at_start)

    live = processes_for(
        run, probe=lambda timeout, limit: stats(("w1@a", 6, None), ("w2@b", 10, None))
    )
    assert (live.count, live.source) == (16, "live: 2 nodes answered")

    late = processes_for(run, probe=lambda timeout, limit: stats(("w2@b", 10, None)))
    assert late.count == 16, "w1 answered at the start, only too slowly now"
    assert late.source == (
        "live: 1 node answered, and 6 processes of nodes that answered at the start"
    )

    silent = processes_for(run, probe=lambda timeout, limit: stats())
    assert silent.count == 6 and "when the run started" in silent.source

    run.worker_setup = {}
    nobody = processes_for(run, probe=lambda timeout, limit: stats())
    assert nobody.count == FALLBACK_PROCESSES and nobody.source.startswith("fallback")


@pytest.mark.django_db
def test_the_live_probe_stops_waiting_once_as_many_nodes_answer_as_at_the_start():
    asked = []

    def probe(timeout, limit):
        asked.append((timeout, limit))
        return stats(("w1@a", 2, None))

    two_nodes = stats(("w1@a", 2, None), ("w2@b", 2, None))
    run = Run.objects.create(election=ElectionFactory(), strategy="x", worker_setup=two_nodes)
    assert processes_for(run, probe=probe).count == 4
    run.worker_setup = {}
    assert processes_for(run, probe=probe).count == 2
    assert asked == [(0.5, 2), (0.5, None)], "none known at the start: the full wait"


def test_a_batch_weighs_each_station_by_every_page_its_task_renders():
    # Roll (cover + 12 pages), door sign, and the center list with station 1: the speed the
    # plan uses is measured over all of them, so the weights must count them too.
    stations = [(7, n, 480) for n in range(1, 17)] + [(8, 1, 30)]
    assert batch_pages(stations) == [(7, 1, 13 + 1 + 2)] + [(7, n, 14) for n in range(2, 17)] + [
        (8, 1, 2 + 1 + 1)
    ]


@pytest.mark.django_db
def test_the_fan_out_plan_is_recorded_on_the_run():
    run = Run.objects.create(election=ElectionFactory(), strategy="x")
    stations = [(c, n, 480) for c, n, _ in STATIONS[:200]]  # 13 pages each
    plan = run_plan_renders(
        run=run, stations=stations, probe=lambda timeout, limit: stats(("w@a", 3, None))
    )
    run.refresh_from_db()
    assert (run.planned_batches, run.planned_processes) == (plan.count, 3)
    assert plan.count >= 3
    assert run.planned_from.startswith("live: 1 node answered; 15.0 ms a page (default")
