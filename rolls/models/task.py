"""A run's tasks as the run records them (see :mod:`rolls.task_base`)."""

from __future__ import annotations

from django.db import models

from rolls.models.run import Run


class TaskState(models.TextChoices):
    """Where a run's task is, as the task base class's hooks record it (``rolls.tasks``).

    The labels are Celery's own state names, the ones the task results pages print."""

    QUEUED = "queued", "QUEUED"
    STARTED = "started", "STARTED"
    RETRY = "retry", "RETRY"
    SUCCEEDED = "succeeded", "SUCCESS"
    FAILED = "failed", "FAILURE"
    REVOKED = "revoked", "REVOKED"


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

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="tasks")
    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    center_id = models.BigIntegerField(null=True, blank=True)
    station_number = models.PositiveIntegerField(null=True, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=20, choices=TaskState.choices, default=TaskState.QUEUED)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="When its latest attempt started."
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(
        max_length=255, blank=True, help_text="The Celery node that ran it (name@host)."
    )
    pid = models.PositiveIntegerField(null=True, blank=True, help_text="Its worker process.")
    # The pool size of its worker, so that efficiency counts the processes a run could use,
    # not only those that happened to get one of its tasks.
    processes = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = RunTaskQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["run", "first_seen"])]

    def __str__(self) -> str:
        return f"{self.task_name} {self.task_id}"
