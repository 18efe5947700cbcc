"""The lab listens to the console: when a run a benchmark started ends, queue the
benchmark's next step (on commit of the transaction that ended the run)."""

from __future__ import annotations

from django.dispatch import receiver

from lab.ledger import benchmark_queue_step
from lab.models import BenchmarkRun
from rolls.events import run_ended
from rolls.models import Run


@receiver(run_ended, sender=Run, dispatch_uid="lab.next_benchmark_step")
def next_benchmark_step(sender, run_id: int, **kwargs) -> None:
    benchmark_id = (
        BenchmarkRun.objects.filter(run_id=run_id).values_list("benchmark_id", flat=True).first()
    )
    if benchmark_id:
        benchmark_queue_step(benchmark_id=benchmark_id)
