"""The step that drives a benchmark from the workers: when one of its runs ends, the ledger
queues this task, which starts the next run (through :mod:`rolls.launch`, so it sits beside
the admin, the CLI and beat, not with the tasks runs are made of). Nothing waits on a
result: a step whose previous run still has tasks ending queues itself again a second later.
"""

from __future__ import annotations

from celery import shared_task

from rolls.launch import Step, benchmark_advance
from rolls.services.benchmarks import (
    BENCHMARK_STEP_TASK,
    benchmark_queue_step,
    benchmarks_running,
)

RETRY_SECONDS = 1.0


@shared_task(name=BENCHMARK_STEP_TASK, queue_kind="db")
def benchmark_step(benchmark_id: int) -> dict:
    step = benchmark_advance(benchmark_id=benchmark_id)
    if step is Step.WAITING:
        benchmark_queue_step(benchmark_id=benchmark_id, countdown=RETRY_SECONDS)
    return {"benchmark": benchmark_id, "step": step.value}


@shared_task(name="rolls.benchmark_tasks.advance_benchmarks", queue_kind="db")
def advance_benchmarks() -> list[int]:
    """Beat's safety net: a step whose message was lost (a broker restart) would leave its
    benchmark waiting for ever; this advances every running one (a no-op when a run of it
    is still active, and claimed steps never start twice)."""
    return [
        benchmark_id
        for benchmark_id in benchmarks_running()
        if benchmark_advance(benchmark_id=benchmark_id) is Step.STARTED
    ]
