"""Schedules of roll generation in django-celery-beat: one PeriodicTask per election.

Kept as a service (keyword-only, validated, one transaction) so the admin action only
collects the form and reports. Beat calls ``rolls.tasks.start_scheduled_run`` with the
kwargs stored here, and labels the runs it starts ``schedule:<periodic task name>``.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from dataclasses import dataclass

from django.db import models, transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from elections.models import Election
from rolls.models import AssignmentMode
from rolls.strategies.catalog import strategy_get

SCHEDULE_TASK = "rolls.tasks.start_scheduled_run"


class SchedulePreset(models.TextChoices):
    NIGHTLY = "nightly", "Every night at a fixed time"
    HOURLY = "hourly", "Every hour, on the hour"
    INTERVAL = "interval", "Every N minutes"


class ScheduleRefused(ValueError):
    """The schedule cannot be saved as asked; nothing was changed."""


@dataclass(frozen=True)
class SavedSchedule:
    task: PeriodicTask
    created: bool
    description: str


def schedule_name(election: Election) -> str:
    return f"Generate rolls: {election.slug}"[:200]


def schedule_kwargs_validate(kwargs: dict) -> None:
    """The checks ``start_scheduled_run`` would make, made before anything is saved."""
    unknown = set(kwargs) - {"election", "strategy", "mode", "changed_only"}
    if unknown:
        raise ScheduleRefused(f"Unknown arguments {sorted(unknown)}")
    if not Election.objects.filter(slug=kwargs.get("election", "")).exists():
        raise ScheduleRefused(f"No election {kwargs.get('election')!r} (use its slug)")
    if not isinstance(kwargs.get("changed_only", False), bool):
        raise ScheduleRefused(f"changed_only must be true or false, not {kwargs['changed_only']!r}")
    try:
        strategy_get(kwargs.get("strategy"))
        AssignmentMode.checked(kwargs.get("mode", AssignmentMode.BALANCED))
    except ValueError as exc:
        raise ScheduleRefused(str(exc)) from None


def _time_zone(election: Election) -> str:
    try:
        zoneinfo.ZoneInfo(election.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleRefused(
            f"{election.name} has the time zone {election.time_zone!r}, which is not a known "
            "IANA time zone (e.g. Europe/Paris): correct it on the election first"
        ) from None
    return election.time_zone


def _crontab(*, minute: str, hour: str, time_zone: str) -> CrontabSchedule:
    fields = {
        "minute": minute,
        "hour": hour,
        "day_of_week": "*",
        "day_of_month": "*",
        "month_of_year": "*",
        "timezone": time_zone,
    }
    return CrontabSchedule.objects.filter(**fields).first() or CrontabSchedule.objects.create(
        **fields
    )


def _interval(minutes: int) -> IntervalSchedule:
    fields = {"every": minutes, "period": IntervalSchedule.MINUTES}
    return IntervalSchedule.objects.filter(**fields).first() or IntervalSchedule.objects.create(
        **fields
    )


def roll_schedule_save(
    *,
    election: Election,
    preset: str,
    strategy: str,
    mode: str = AssignmentMode.BALANCED,
    at: datetime.time | None = None,
    every_minutes: int | None = None,
    enabled: bool = True,
    changed_only: bool = False,
) -> SavedSchedule:
    """Create or update the election's schedule ("Generate rolls: <slug>")."""
    kwargs = {"election": election.slug, "strategy": strategy, "mode": mode}
    if changed_only:
        kwargs["changed_only"] = True
    schedule_kwargs_validate(kwargs)
    time_zone = _time_zone(election)
    crontab = interval = None
    if preset == SchedulePreset.NIGHTLY:
        if at is None:
            raise ScheduleRefused("A nightly schedule needs a time of day")
        crontab_fields = {"minute": str(at.minute), "hour": str(at.hour)}
        description = f"every night at {at:%H:%M} ({time_zone})"
    elif preset == SchedulePreset.HOURLY:
        crontab_fields = {"minute": "0", "hour": "*"}
        description = f"every hour on the hour ({time_zone})"
    elif preset == SchedulePreset.INTERVAL:
        if not every_minutes or every_minutes < 1:
            raise ScheduleRefused("An interval schedule needs a number of minutes of at least 1")
        crontab_fields = None
        description = f"every {every_minutes} minutes"
    else:
        raise ScheduleRefused(f"Unknown schedule preset {preset!r}")
    with transaction.atomic():
        if crontab_fields is not None:
            crontab = _crontab(**crontab_fields, time_zone=time_zone)
        else:
            interval = _interval(every_minutes)
        # Saved through the ORM (not a bulk update) so beat's change signal fires.
        task, created = PeriodicTask.objects.update_or_create(
            name=schedule_name(election),
            defaults={
                "task": SCHEDULE_TASK,
                "kwargs": json.dumps(kwargs),
                "args": "[]",
                "crontab": crontab,
                "interval": interval,
                "solar": None,
                "clocked": None,
                "one_off": False,
                "enabled": enabled,
                "description": (
                    f"Roll generation for {election.name}: {description}, strategy {strategy}, "
                    f"{mode} assignment{', changed centers only' if changed_only else ''}. "
                    "Set up from the console."
                ),
            },
        )
    return SavedSchedule(task=task, created=created, description=description)
