"""The task results list without beat's own upkeep, unless staff ask for it.

Beat runs its upkeep every few seconds (failing runs that never reached the broker,
advancing benchmarks whose step was lost) and nightly (``celery.backend_cleanup``): left in
the list, their rows bury the tasks of the runs staff came to look at.
"""

from __future__ import annotations

from celery import current_app
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Installed by beat itself whenever results expire (``result_expires``).
BACKEND_CLEANUP = "celery.backend_cleanup"
SHOWN = "shown"
ONLY = "only"


def housekeeping_task_names() -> set[str]:
    """The tasks beat runs on its own schedule (rolls/apps.py), not the staff's."""
    schedule = current_app.conf.beat_schedule or {}
    return {entry["task"] for entry in schedule.values()} | {BACKEND_CLEANUP}


class HousekeepingFilter(admin.SimpleListFilter):
    """Hidden by default; "shown" lists them among the rest, "only" lists them alone."""

    title = _("housekeeping tasks")
    parameter_name = "housekeeping"

    def lookups(self, request, model_admin):
        return [(SHOWN, _("shown")), (ONLY, _("only"))]

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = _("hidden")  # the default, without the parameter
        return choices

    def queryset(self, request, queryset):
        names = housekeeping_task_names()
        if self.value() == SHOWN:
            return queryset
        if self.value() == ONLY:
            return queryset.filter(task_name__in=names)
        return queryset.exclude(task_name__in=names)
