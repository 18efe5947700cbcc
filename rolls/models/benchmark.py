from __future__ import annotations

from django.db import models
from django.urls import reverse


class BenchmarkStatus(models.TextChoices):
    RUNNING = "running", "Running"
    FINISHED = "finished", "Finished"
    FAILED = "failed", "Failed"


def interleaved(strategies: list[str], repeats: int) -> list[str]:
    """A B C A B C ...: drift on a shared machine (another job, a warm cache) then hits
    every strategy alike instead of all the runs of one."""
    return [name for _ in range(repeats) for name in strategies]


class Benchmark(models.Model):
    """Strategies run ``repeats`` times each, one run at a time and interleaved, on the same
    work: one comparison record whose runs are ``Run.benchmark`` in ``benchmark_position``
    order. ``plan`` is the order decided up front; ``next_position`` is claimed with a
    conditional UPDATE so each step starts at most one run however often it is delivered."""

    election = models.ForeignKey(
        "elections.Election", on_delete=models.CASCADE, related_name="benchmarks"
    )
    strategies = models.JSONField()
    repeats = models.PositiveIntegerField()
    plan = models.JSONField(help_text="Strategy names in the order their runs are started.")
    assignment_mode = models.CharField(max_length=20, default="balanced")
    center_ids = models.JSONField(null=True, blank=True)
    next_position = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=BenchmarkStatus.choices, default=BenchmarkStatus.RUNNING
    )
    started_by = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Benchmark {self.pk}: {len(self.strategies)} strategies x {self.repeats}"

    def get_absolute_url(self) -> str:
        return reverse("admin:rolls_benchmark_change", args=[self.pk])
