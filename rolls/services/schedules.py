"""Schedules of roll generation in django-celery-beat: one PeriodicTask per election.

Kept as a service (keyword-only, validated, one transaction) so the admin action only
collects the form and reports. Beat calls ``task_names.START_SCHEDULED_RUN`` (in
:mod:`rolls.launch_tasks`) with the kwargs stored here, and labels the runs it starts
``schedule:<periodic task name>``.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from config.parsing import NotJSON, json_parse, number_or_none
from elections.models import Election
from elections.references import UnknownElection, election_label, election_resolve
from rolls import task_names
from rolls.models import DEFAULT_PURPOSE, AssignmentMode, RunPurpose
from rolls.strategies.catalog import STRATEGIES, production_strategies, strategy_get

# start_scheduled_run's parameters in order (positional arguments bind to them in turn).
# A schedule without "purpose" generates final rolls (DEFAULT_PURPOSE), as before purposes.
SCHEDULE_PARAMETERS = ("election", "strategy", "mode", "changed_only", "purpose")


class SchedulePreset(models.TextChoices):
    NIGHTLY = "nightly", _("Every night at a fixed time")
    HOURLY = "hourly", _("Every hour, on the hour")
    INTERVAL = "interval", _("Every N minutes")


class ScheduleRefused(ValueError):
    """The schedule cannot be saved as asked; nothing was changed."""


@dataclass(frozen=True)
class SavedSchedule:
    task: PeriodicTask
    created: bool
    description: str


def schedule_name(election: Election) -> str:
    return f"Generate rolls: {election.slug}"[:200]


# Put before the description of a periodic task the console switched off, with the reason.
SWITCHED_OFF = "Switched off by the console: "

# A schedule's arguments are a few names and flags: bounded before parsing (100,000 nested
# brackets made json.loads raise RecursionError, a 500 in the admin and in beat's loop).
MAX_JSON_CHARS = 10_000
MAX_JSON_DEPTH = 8


def json_bounded_loads(raw: str, *, field: str) -> object:
    """``raw`` parsed, if it is small and shallow enough for a schedule's arguments."""
    try:
        return json_parse(raw, what=field, max_chars=MAX_JSON_CHARS, max_depth=MAX_JSON_DEPTH)
    except NotJSON as exc:
        raise ScheduleRefused(str(exc)) from None


def _json_of(task: PeriodicTask, field: str, kind: type, default: str) -> object:
    raw = getattr(task, field) or default
    value = json_bounded_loads(raw, field=field)
    if not isinstance(value, kind):
        noun = "a list" if kind is list else "an object"
        raise ScheduleRefused(f"{field} must be {noun} in JSON, not {raw[:100]!r}")
    return value


def periodic_task_problem(task: PeriodicTask) -> str | None:
    """Why beat could not run this periodic task as stored, or None.

    Beat drops a schedule whose kwargs are not JSON without a word, logs SchedulingError
    every interval for kwargs that are not an object or too many positional arguments (with
    nothing in the task results), and skips bad headers silently: checked when it is saved."""
    try:
        args = _json_of(task, "args", list, "[]")
        kwargs = _json_of(task, "kwargs", dict, "{}")
        _json_of(task, "headers", dict, "{}")
        if task.task == task_names.START_SCHEDULED_RUN:
            if len(args) > len(SCHEDULE_PARAMETERS):
                raise ScheduleRefused(
                    f"{task_names.START_SCHEDULED_RUN} takes at most "
                    f"{len(SCHEDULE_PARAMETERS)} arguments "
                    f"({', '.join(SCHEDULE_PARAMETERS)}), not {len(args)}"
                )
            positional = dict(zip(SCHEDULE_PARAMETERS, args, strict=False))
            twice = sorted(set(positional) & set(kwargs))
            if twice:
                raise ScheduleRefused(f"{', '.join(twice)} given both in args and in kwargs")
            schedule_kwargs_validate({**positional, **kwargs})
    except ScheduleRefused as exc:
        return str(exc)
    return None


def periodic_task_check(task: PeriodicTask) -> None:
    """Before a periodic task is saved (any save through the ORM): switch a broken one off,
    with the reason at the head of its description where the admin shows it; a mended one
    loses the reason (and is switched on again only by whoever mends it)."""
    description = task.description or ""
    if description.startswith(SWITCHED_OFF):
        description = description.partition("\n")[2]
    problem = periodic_task_problem(task)
    if problem:
        task.enabled = False
        description = f"{SWITCHED_OFF}{problem}.\n{description}"
    task.description = description


def schedulable_strategies() -> list[str]:
    """Production strategies only: a schedule is for real rolls, and the lab's
    demonstrations of failure would fail every night."""
    return [name for name in production_strategies() if not STRATEGIES[name].fails_on_purpose]


def schedule_kwargs_validate(kwargs: dict) -> None:
    """The checks ``start_scheduled_run`` would make, made before anything is saved."""
    unknown = set(kwargs) - set(SCHEDULE_PARAMETERS)
    if unknown:
        raise ScheduleRefused(f"Unknown arguments {sorted(unknown)}")
    for name in ("strategy", "mode"):
        if name in kwargs and not isinstance(kwargs[name], str):
            raise ScheduleRefused(f"{name} must be a name in quotes, not {kwargs[name]!r}"[:300])
    chosen = STRATEGIES.get(kwargs.get("strategy"))
    if chosen is not None and chosen.fails_on_purpose:
        raise ScheduleRefused(
            f"{kwargs['strategy']} fails on purpose (it demonstrates an error): it cannot be "
            "scheduled"
        )
    # The task resolves the reference the same way when it runs: one meaning everywhere.
    try:
        election_resolve(kwargs.get("election", ""))
    except UnknownElection as exc:
        raise ScheduleRefused(str(exc)) from None
    if not isinstance(kwargs.get("changed_only", False), bool):
        raise ScheduleRefused(f"changed_only must be true or false, not {kwargs['changed_only']!r}")
    try:
        strategy_get(kwargs.get("strategy"))
        AssignmentMode.checked(kwargs.get("mode", AssignmentMode.BALANCED))
        RunPurpose.checked(kwargs.get("purpose", DEFAULT_PURPOSE))
    except ValueError as exc:
        raise ScheduleRefused(str(exc)) from None
    if not chosen.production:
        raise ScheduleRefused(
            f"{kwargs['strategy']} is a teaching strategy of the strategy lab: schedules "
            f"generate rolls with {', '.join(schedulable_strategies())}"
        )


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


def every_minutes_description(minutes: int) -> str:
    return ngettext("every minute", "every %(minutes)s minutes", minutes) % {"minutes": minutes}


def _when_description(
    preset: str, *, at: datetime.time | None, every_minutes: int | None, time_zone: str
) -> str:
    if preset == SchedulePreset.NIGHTLY:
        return gettext("every night at %(time)s (%(time_zone)s)") % {
            "time": f"{at:%H:%M}",
            "time_zone": time_zone,
        }
    if preset == SchedulePreset.HOURLY:
        return gettext("every hour on the hour (%(time_zone)s)") % {"time_zone": time_zone}
    return every_minutes_description(every_minutes or 0)


def _what_description(
    *, strategy: str, mode: str, changed_only: bool, purpose: str = DEFAULT_PURPOSE
) -> str:
    modes = {
        AssignmentMode.BALANCED: gettext("balanced assignment"),
        AssignmentMode.SEQUENTIAL: gettext("sequential assignment"),
    }
    purposes = {
        RunPurpose.FINAL: gettext("final rolls"),
        RunPurpose.PROVISIONAL: gettext("provisional rolls"),
    }
    parts = [
        gettext("strategy %(strategy)s") % {"strategy": strategy},
        modes.get(mode, gettext("%(mode)s assignment") % {"mode": mode}),
    ]
    if changed_only:
        parts.append(gettext("changed centers only"))
    parts.append(purposes.get(purpose, gettext("%(purpose)s rolls") % {"purpose": purpose}))
    return ", ".join(parts)


def schedule_settings(task: PeriodicTask) -> dict | None:
    """The settings of a schedule saved by :func:`roll_schedule_save`, as its form takes
    them (the inverse of saving: the form opens with what is there); None when the row was
    edited into something the form cannot say (another crontab, bad arguments)."""
    try:
        kwargs = json_bounded_loads(task.kwargs or "{}", field="kwargs")
        args = json_bounded_loads(task.args or "[]", field="args")
    except ScheduleRefused:
        return None
    if not isinstance(kwargs, dict) or args not in ([], None):
        return None
    if not all(isinstance(kwargs.get(name, ""), str) for name in ("strategy", "mode")):
        return None
    settings = {
        "strategy": kwargs.get("strategy"),
        "mode": kwargs.get("mode", AssignmentMode.BALANCED),
        "changed_only": kwargs.get("changed_only", False) is True,
        "purpose": kwargs.get("purpose", DEFAULT_PURPOSE),
        "enabled": task.enabled,
        "at": None,
        "every_minutes": None,
    }
    crontab, interval = task.crontab, task.interval
    if crontab is not None:
        daily = (crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == ("*",) * 3
        if daily and crontab.minute == "0" and crontab.hour == "*":
            return {**settings, "preset": SchedulePreset.HOURLY}
        hour = number_or_none(crontab.hour, minimum=0, maximum=23)
        minute = number_or_none(crontab.minute, minimum=0, maximum=59)
        if daily and hour is not None and minute is not None:
            at = datetime.time(hour, minute)
            return {**settings, "preset": SchedulePreset.NIGHTLY, "at": at}
        return None
    if interval is not None and interval.period == IntervalSchedule.MINUTES:
        return {**settings, "preset": SchedulePreset.INTERVAL, "every_minutes": interval.every}
    return None


def schedule_describe(task: PeriodicTask) -> str:
    """A schedule in words ("general-2026 (General 2026): every night at 02:00
    (Europe/Paris), strategy X, balanced assignment"), not as the JSON it is stored as. The
    election is resolved as the task will resolve it when it runs."""
    settings = schedule_settings(task)
    if settings is None:
        return gettext(
            "edited by hand into something this form cannot show: see the schedule itself"
        )
    try:
        kwargs = json_bounded_loads(task.kwargs or "{}", field="kwargs")
        election = election_label(election_resolve(kwargs.get("election")))
    except UnknownElection as exc:
        return gettext("runs for no election: %(reason)s") % {"reason": exc}
    time_zone = task.crontab.timezone if task.crontab else ""
    when = _when_description(
        settings["preset"],
        at=settings["at"],
        every_minutes=settings["every_minutes"],
        time_zone=str(time_zone),
    )
    what = _what_description(
        strategy=settings["strategy"],
        mode=settings["mode"],
        changed_only=settings["changed_only"],
        purpose=settings["purpose"],
    )
    return f"{election}: {when}, {what}"


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
    purpose: str = DEFAULT_PURPOSE,
) -> SavedSchedule:
    """Create or update the election's schedule ("Generate rolls: <slug>")."""
    kwargs = {"election": election.slug, "strategy": strategy, "mode": mode, "purpose": purpose}
    if changed_only:
        kwargs["changed_only"] = True
    schedule_kwargs_validate(kwargs)
    time_zone = _time_zone(election)
    crontab = interval = None
    if preset == SchedulePreset.NIGHTLY:
        if at is None:
            raise ScheduleRefused("A nightly schedule needs a time of day")
        crontab_fields = {"minute": str(at.minute), "hour": str(at.hour)}
    elif preset == SchedulePreset.HOURLY:
        crontab_fields = {"minute": "0", "hour": "*"}
    elif preset == SchedulePreset.INTERVAL:
        if not every_minutes or every_minutes < 1:
            raise ScheduleRefused("An interval schedule needs a number of minutes of at least 1")
        crontab_fields = None
    else:
        raise ScheduleRefused(f"Unknown schedule preset {preset!r}")
    description = _when_description(preset, at=at, every_minutes=every_minutes, time_zone=time_zone)
    # The stored description is a record, in the project's language whoever saved it.
    with translation.override(django_settings.LANGUAGE_CODE):
        stored_when = _when_description(
            preset, at=at, every_minutes=every_minutes, time_zone=time_zone
        )
        what = _what_description(
            strategy=strategy, mode=mode, changed_only=changed_only, purpose=purpose
        )
    with transaction.atomic():
        if crontab_fields is not None:
            crontab = _crontab(**crontab_fields, time_zone=time_zone)
        else:
            interval = _interval(every_minutes)
        # Saved through the ORM (not a bulk update) so beat's change signal fires.
        task, created = PeriodicTask.objects.update_or_create(
            name=schedule_name(election),
            defaults={
                "task": task_names.START_SCHEDULED_RUN,
                "kwargs": json.dumps(kwargs),
                "args": "[]",
                "crontab": crontab,
                "interval": interval,
                "solar": None,
                "clocked": None,
                "one_off": False,
                "enabled": enabled,
                "description": (
                    f"Roll generation for {election.name}: {stored_when}, {what}. "
                    "Set up from the console."
                ),
            },
        )
    return SavedSchedule(task=task, created=created, description=description)
