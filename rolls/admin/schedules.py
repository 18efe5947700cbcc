"""Periodic tasks (django-celery-beat) as the console lets staff edit them.

Replaces the package's own PeriodicTaskAdmin registration with a subclass whose form opens
with the registered task filled in, offers only the console's roll-generation task (staff
schedule rolls, not any task a worker has registered), and refuses arguments or headers
beat could not use, with the reason; a row the ORM saved broken elsewhere shows why the
console switched it off.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django_celery_beat.admin import PeriodicTaskAdmin, PeriodicTaskForm
from django_celery_beat.models import PeriodicTask

from rolls import task_names
from rolls.services.schedules import (
    SWITCHED_OFF,
    ScheduleRefused,
    json_bounded_loads,
    periodic_task_problem,
    schedule_describe,
)


class ConsolePeriodicTaskForm(PeriodicTaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.task if self.instance.pk else ""
        # An existing row keeps the task it has (beat's own entries from the settings);
        # anything new is the console's roll generation.
        allowed = [task_names.START_SCHEDULED_RUN] + (
            [current] if current and current != task_names.START_SCHEDULED_RUN else []
        )
        self.allowed_tasks = set(allowed)
        self.fields["regtask"].widget = forms.Select(
            choices=[("", "---------"), *((name, name) for name in allowed)]
        )
        self.fields["regtask"].initial = current or task_names.START_SCHEDULED_RUN
        self.fields["task"].widget = forms.HiddenInput()
        self.fields["task"].required = False

    def _clean_json(self, field):
        """Bounded before the package's own parser runs: deeply nested JSON made it raise
        RecursionError, a server error instead of a form error."""
        try:
            json_bounded_loads(self.cleaned_data[field] or "null", field=field)
        except ScheduleRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return super()._clean_json(field)

    def clean(self):
        data = super().clean()
        if data.get("task") not in self.allowed_tasks:
            self.add_error(
                "regtask",
                f"Only the console's roll generation ({task_names.START_SCHEDULED_RUN}) "
                "can be scheduled here.",
            )
            return data
        candidate = PeriodicTask(
            task=data.get("task"),
            args=data.get("args") or "[]",
            kwargs=data.get("kwargs") or "{}",
            headers=data.get("headers") or "{}",
        )
        problem = periodic_task_problem(candidate)
        if problem:
            raise forms.ValidationError(f"Beat could not run this schedule: {problem}.")
        return data


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class ConsolePeriodicTaskAdmin(PeriodicTaskAdmin):
    form = ConsolePeriodicTaskForm
    list_display = ("name", "enabled", "what", "scheduler", "last_run_at", "one_off")

    @admin.display(description="what it does")
    def what(self, task: PeriodicTask) -> str:
        description = task.description or ""
        if description.startswith(SWITCHED_OFF):
            return format_html('<span class="errornote">{}</span>', description.partition("\n")[0])
        if task.task == task_names.START_SCHEDULED_RUN:
            return schedule_describe(task)
        return task.task
