"""The lab's tasks that start runs: a benchmark's next step, and beat's safety net for
steps whose message was lost. They start runs through the lab's launcher, so they sit
beside it (``<app>.launch_tasks``, found by autodiscovery like the console's)."""

from __future__ import annotations

from celery import shared_task

from lab import task_names as lab_names
from lab.launch import Step, benchmark_advance
from lab.ledger import benchmark_queue_step, benchmarks_running

# A benchmark step whose previous run still has tasks ending queues itself again this much
# later: nothing waits on a result.
RETRY_SECONDS = 1.0


@shared_task(name=lab_names.BENCHMARK_STEP, queue_kind="db")
def benchmark_step(benchmark_id: int) -> dict:
    """When one of a benchmark's runs ends, the ledger queues this: start the next run."""
    step = benchmark_advance(benchmark_id=benchmark_id)
    if step is Step.WAITING:
        benchmark_queue_step(benchmark_id=benchmark_id, countdown=RETRY_SECONDS)
    return {"benchmark": benchmark_id, "step": step.value}


@shared_task(name=lab_names.ADVANCE_BENCHMARKS, queue_kind="db")
def advance_benchmarks() -> list[int]:
    """Beat's safety net: a step whose message was lost (a broker restart) would leave its
    benchmark waiting for ever; this advances every running one (a no-op when a run of it
    is still active, and claimed steps never start twice)."""
    return [
        benchmark_id
        for benchmark_id in benchmarks_running()
        if benchmark_advance(benchmark_id=benchmark_id) is Step.STARTED
    ]
