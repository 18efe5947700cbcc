"""``make bench`` parts for scale: the planner's simulated efficiency on clusters this
machine does not have (``planner``), and a real run over two render nodes (``two-nodes``).

Each is a function the bench command calls; ``--skip planner,two-nodes`` leaves them out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings

from bench.simulation import simulate_election
from config.celery import queue_name
from rolls import task_names
from rolls.models import RollFile, Run, RunTask
from rolls.pdf import render_station_roll
from rolls.planning import DEFAULT_TASK_OVERHEAD
from tests.pdf_data import synthetic_header, synthetic_voters

VOTERS = (1_000_000, 10_000_000)
PROCESSES = (2, 16, 64, 256)


def measured_seconds_per_page(repeats: int = 3) -> float:
    """CPU seconds per page of one 500-voter station rendered here (one core)."""
    voters = synthetic_voters(500)
    header = synthetic_header(voters)
    render_station_roll(header, voters)  # warm-up
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        pages = render_station_roll(header, voters).pages
        best = min(best, (time.process_time() - started) / pages)
    return best


def planner_table(write) -> None:
    seconds_per_page = measured_seconds_per_page()
    write(
        f"\n== Batch planner, simulated: {seconds_per_page * 1000:.1f} ms a page (measured "
        f"here), {DEFAULT_TASK_OVERHEAD * 1000:.0f} ms overhead a task (measured), "
        "prefetch 1, nodes of 8 processes =="
    )
    write(
        f"{'voters':>11} {'processes':>9} {'batches':>8} {'pages':>8} {'wall s':>8} "
        f"{'efficiency':>10} {'tail s':>7} {'idle beside backlog':>20}"
    )
    for voters in VOTERS:
        for processes in PROCESSES:
            r = simulate_election(
                voters,
                processes,
                seconds_per_page=seconds_per_page,
                task_overhead=DEFAULT_TASK_OVERHEAD,
            )
            idle = "never" if r.backlog_while_idle <= 1 else "YES"
            write(
                f"{voters:>11,} {processes:>9} {r.batches:>8,} {r.pages:>8,} {r.makespan:>8.1f} "
                f"{r.efficiency:>10.1%} {r.finish_spread:>7.2f} {idle:>20}"
            )


def start_node(env: dict[str, str], name: str, queues: list[str], processes: int, folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", str(processes),
         "-l", "INFO", "-n", f"{name}{os.getpid()}@%h", "--without-gossip", "--without-mingle",
         "-Q", ",".join(queues)],
        cwd=folder, env={**os.environ, **env, "PYTHONPATH": str(settings.BASE_DIR)},
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    return process


class nodes:
    """A database node and two render nodes of 2 processes each, in folders of their own."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.stack = ExitStack()

    def __enter__(self):
        ns = self.env["CELERY_QUEUE_NAMESPACE"]
        root = Path(settings.VAR_DIR) / "bench" / "nodes"
        layout = [
            ("dbnode", [queue_name("db", ns), queue_name("default", ns)], 1),
            ("render-a", [queue_name("render", ns)], 2),
            ("render-b", [queue_name("render", ns)], 2),
        ]
        for name, queues, processes in layout:
            process = start_node(self.env, name, queues, processes, root / name)
            self.stack.callback(stop, process)
        return self

    def __exit__(self, *exc):
        self.stack.close()


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


def part_split(_: int) -> dict:
    """The latest run's plan and what each node rendered (batches, pages)."""
    run = Run.objects.order_by("-pk").first()
    worker_of = dict(
        RunTask.objects.filter(run=run, task_name=task_names.RENDER_STATIONS).values_list(
            "task_id", "worker"
        )
    )
    batches: dict[str, int] = defaultdict(int)
    pages: dict[str, int] = defaultdict(int)
    for worker in worker_of.values():
        batches[worker.split("@")[0]] += 1
    for task_id, count in RollFile.objects.filter(run=run).values_list("task_id", "pages"):
        pages[worker_of.get(task_id, "?").split("@")[0]] += count
    return {
        "status": run.status,
        "planned_batches": run.planned_batches,
        "planned_processes": run.planned_processes,
        "planned_from": run.planned_from,
        "nodes": {name: [batches[name], pages[name]] for name in sorted(batches)},
    }
