from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
    work: one comparison record whose runs are ``Run.benchmark`` in ``benchmark_position``
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

    def __str__(self) -> str:
        return gettext("Benchmark %(number)s: %(strategies)s strategies x %(repeats)s") % {
            "number": self.pk,
            "strategies": len(self.strategies),
            "repeats": self.repeats,
        }

    def get_absolute_url(self) -> str:
        return reverse("admin:rolls_benchmark_change", args=[self.pk])
