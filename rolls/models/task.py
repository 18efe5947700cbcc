"""A run's tasks as the run records them (see :mod:`rolls.task_base`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rolls.models.run import Run


class TaskState(models.TextChoices):
    """Where a run's task is, as the task base class's hooks record it (``rolls.tasks``).

    The labels are Celery's own state names, the ones the task results pages print."""

    QUEUED = "queued", _("QUEUED")
    STARTED = "started", _("STARTED")
    RETRY = "retry", _("RETRY")
    SUCCEEDED = "succeeded", _("SUCCESS")
    FAILED = "failed", _("FAILURE")
    REVOKED = "revoked", _("REVOKED")


ENDED_TASK_STATES = (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.REVOKED)


class RunTaskQuerySet(models.QuerySet):
    def ended(self) -> RunTaskQuerySet:
        return self.filter(state__in=ENDED_TASK_STATES)

    def unended(self) -> RunTaskQuerySet:
        return self.exclude(state__in=ENDED_TASK_STATES)

    def drained(self) -> bool:
        """True when every task here has ended: nothing still queued, running or waiting to
        retry that could write to its run (e.g. the subtasks of a run that already failed)."""
        return not self.unended().exists()


class RunTask(models.Model):
    """A task of a run: what it is, and its state, times and worker process as the task base
    class's hooks record them. django-celery-results keeps the audit log of every task (its
    result and traceback), linked by task id."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("run")
    )
    task_id = models.CharField(max_length=255, unique=True, verbose_name=_("task id"))
    task_name = models.CharField(max_length=255, verbose_name=_("task name"))
    center_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("center id"))
    station_number = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("station number")
    )
    first_seen = models.DateTimeField(auto_now_add=True, verbose_name=_("first seen"))
    state = models.CharField(
        max_length=20, choices=TaskState.choices, default=TaskState.QUEUED, verbose_name=_("state")
    )
    started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When its latest attempt started."),
        verbose_name=_("started at"),
    )
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    worker = models.CharField(
        max_length=255,
        blank=True,
        help_text=_("The Celery node that ran it (name@host)."),
        verbose_name=_("worker"),
    )
    pid = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Its worker process."), verbose_name=_("pid")
    )
    # Which of its worker's pool processes ran it, from 1: a process that replaces another
    # (after the memory limit, a crash) takes the number of the one it replaces, so a run's
    # processes are counted by number, not by pid. None outside a prefork pool.
    process_number = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Its worker process's place in the worker's pool, from 1."),
        verbose_name=_("process"),
    )
    # The pool size of its worker, so that efficiency counts the processes a run could use,
    # not only those that happened to get one of its tasks.
    processes = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("processes"))
    # CPU time, beside the wall time above: how far a run is from what its work costs (the
    # benchmarks' 'wall against CPU / processes'). None before it ends, when its process died,
    # and for tasks recorded before it was kept.
    cpu_seconds = models.FloatField(
        null=True,
        blank=True,
        help_text=_("CPU time its worker process spent on its latest attempt."),
        verbose_name=_("CPU seconds"),
    )

    objects = RunTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("run task")
        verbose_name_plural = _("run tasks")
        indexes = [models.Index(fields=["run", "first_seen"])]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
