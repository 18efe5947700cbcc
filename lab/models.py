"""The lab's records: a benchmark (strategies run in turn on the same work) and which runs
it started, in order. The console's records know nothing of them: a run is a run, whoever
started it; the lab keeps its own link to each run it started (``BenchmarkRun``)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rolls.models import Run


class BenchmarkStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


def interleaved(strategies: list[str], repeats: int) -> list[str]:
    """A B C A B C ...: drift on a shared machine (another job, a warm cache) then hits
    every strategy alike instead of all the runs of one."""
    return [name for _ in range(repeats) for name in strategies]


class Benchmark(models.Model):
    """Strategies run ``repeats`` times each, one run at a time and interleaved, on the same
    work: one comparison record whose runs are its ``entries`` (``BenchmarkRun``) in position
    order. ``plan`` is the order decided up front; ``next_position`` is claimed with a
    conditional UPDATE so each step starts at most one run however often it is delivered."""

    election = models.ForeignKey(
        "elections.Election",
        on_delete=models.CASCADE,
        related_name="benchmarks",
        verbose_name=_("election"),
    )
    strategies = models.JSONField(verbose_name=_("strategies"))
    repeats = models.PositiveIntegerField(verbose_name=_("repeats"))
    plan = models.JSONField(
        help_text=_("Strategy names in the order their runs are started."), verbose_name=_("plan")
    )
    assignment_mode = models.CharField(
        max_length=20, default="balanced", verbose_name=_("assignment mode")
    )
    center_ids = models.JSONField(null=True, blank=True, verbose_name=_("center ids"))
    next_position = models.PositiveIntegerField(default=0, verbose_name=_("next position"))
    status = models.CharField(
        max_length=20,
        choices=BenchmarkStatus.choices,
        default=BenchmarkStatus.RUNNING,
        verbose_name=_("status"),
    )
    started_by = models.CharField(max_length=200, verbose_name=_("started by"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        verbose_name = _("benchmark")
        verbose_name_plural = _("benchmarks")
        ordering = ["-created_at"]
        # The console's app kept benchmarks until the lab moved beside it: same table.
        db_table = "rolls_benchmark"

    def __str__(self) -> str:
        count = len(self.strategies)
        return ngettext(
            "Benchmark %(number)s: %(strategies)s strategy x %(repeats)s",
            "Benchmark %(number)s: %(strategies)s strategies x %(repeats)s",
            count,
        ) % {"number": self.pk, "strategies": count, "repeats": self.repeats}

    def get_absolute_url(self) -> str:
        return reverse("admin:lab_benchmark_change", args=[self.pk])

    @property
    def runs(self):
        """The runs this benchmark started, in the order they ran."""
        return Run.objects.filter(benchmark_entry__benchmark=self).order_by(
            "benchmark_entry__position"
        )


class BenchmarkRun(models.Model):
    """One run a benchmark started, at its position in the plan. Created with the run, in
    the same transaction: a claimed position always has its run."""

    benchmark = models.ForeignKey(
        Benchmark, on_delete=models.CASCADE, related_name="entries", verbose_name=_("benchmark")
    )
    position = models.PositiveIntegerField(verbose_name=_("benchmark position"))
    run = models.OneToOneField(
        "rolls.Run",
        on_delete=models.CASCADE,
        related_name="benchmark_entry",
        verbose_name=_("run"),
    )

    class Meta:
        verbose_name = _("benchmark run")
        verbose_name_plural = _("benchmark runs")
        ordering = ["benchmark", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["benchmark", "position"], name="lab_one_run_per_benchmark_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.benchmark_id}/{self.position + 1}: run {self.run_id}"
