"""Periodic tasks (django-celery-beat) as the console lets staff edit them.

Replaces the package's own PeriodicTaskAdmin registration with a subclass whose form opens
with the registered task filled in, offers only the console's roll-generation task (staff
schedule rolls, not any task a worker has registered), and refuses arguments or headers
beat could not use, with the reason; a row the ORM saved broken elsewhere shows why the
console switched it off.
"""

from __future__ import annotations

from cron_descriptor import ExpressionDescriptor, Options
from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import PeriodicTaskAdmin, PeriodicTaskForm
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from rolls import task_names
from rolls.admin.run_page import wrappable
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
                gettext("Only the console's roll generation (%(task)s) can be scheduled here.")
                % {"task": task_names.START_SCHEDULED_RUN},
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
            raise forms.ValidationError(
                gettext("Beat could not run this schedule: %(problem)s.") % {"problem": problem}
            )
        return data


# The languages cron-descriptor can describe a crontab in (its own catalogs); any other
# (Arabic) gets its English, as django-celery-beat shows it.
CRON_LOCALES = {"fr": "fr_FR", "es": "es_ES", "ru": "ru_RU", "en": "en_US"}


def crontab_description(crontab: CrontabSchedule) -> str:
    """``At 02:00 UTC`` in the staff member's language: django-celery-beat's own
    ``human_readable`` is in the server's locale, whoever reads it."""
    locale = CRON_LOCALES.get((get_language() or "en").split("-")[0])
    if locale is None:
        return crontab.human_readable
    options = Options()
    options.locale_code = locale
    options.use_24hour_time_format = True
    expression = " ".join(
        [
            crontab.minute,
            crontab.hour,
            crontab.day_of_month,
            crontab.month_of_year,
            crontab.day_of_week,
        ]
    )
    try:
        described = ExpressionDescriptor(expression, options).get_description()
    except Exception:  # cron-descriptor's own errors vary: its English is the fallback
        return crontab.human_readable
    return f"{described} {crontab.timezone}"


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class ConsolePeriodicTaskAdmin(PeriodicTaskAdmin):
    form = ConsolePeriodicTaskForm
    list_display = ("name", "enabled", "what", "when", "last_run_at", "one_off")

    @admin.display(description=_("when"))
    def when(self, task: PeriodicTask) -> str:
        if task.crontab is not None:
            return f"{task.crontab} · {crontab_description(task.crontab)}"
        return str(task.scheduler)

    @admin.display(description=_("Crontab translation"))
    def crontab_translation(self, task: PeriodicTask) -> str:
        return crontab_description(task.crontab) if task.crontab else ""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """The package's view, with every crontab described in the staff member's language
        (its script shows the chosen one's description under the field)."""
        response = super().changeform_view(request, object_id, form_url, extra_context)
        context = getattr(response, "context_data", None)
        if context is not None and "readable_crontabs" in context:
            context["readable_crontabs"] = {
                crontab.pk: crontab_description(crontab)
                for crontab in CrontabSchedule.objects.all()
            }
        return response

    @admin.display(description=_("what it does"))
    def what(self, task: PeriodicTask) -> str:
        description = task.description or ""
        if description.startswith(SWITCHED_OFF):
            return format_html('<span class="errornote">{}</span>', description.partition("\n")[0])
        if task.task == task_names.START_SCHEDULED_RUN:
            # A strategy's snake_case name may wrap after an underscore, so the list fits.
            return wrappable(schedule_describe(task))
        return task.task
