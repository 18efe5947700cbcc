"""Waiting for a benchmark from the lab's commands."""

from __future__ import annotations

import time

from django.core.management.base import CommandError

from lab.models import Benchmark, BenchmarkStatus


def wait_for_benchmark(benchmark: Benchmark, *, timeout: float) -> Benchmark:
    """Poll until the benchmark is no longer running (its last run has ended)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        benchmark.refresh_from_db()
        if benchmark.status != BenchmarkStatus.RUNNING:
            return benchmark
        time.sleep(0.5)
    raise CommandError(
        f"Benchmark {benchmark.pk} still running after {timeout:.0f}s "
        f"({benchmark.next_position}/{len(benchmark.plan)} runs started). Is a worker running?"
    )
