"""Task results (django-celery-results) linked to runs, browsable as staff use Flower.

Replaces the package's own TaskResultAdmin registration with a subclass: filters by run,
strategy, task, state and worker; start and end to the millisecond and a sortable runtime;
search by center code or station; a read-only page (the audit log is a record) whose
traceback keeps its indentation; and the run of each result, found through ``RunTask`` in
the same query.

Observers see what ran, where, when and how it ended, and no value a task was given or
gave back: arguments, result, traceback and meta may hold voter names (a register's row
quoted in an error, a voter searched for), so those fields are left off their pages, a
failure shows only its exception's type, and their searches do not look into arguments.
"""

from __future__ import annotations

import json
import re

from celery import states
from django.contrib import admin
from django.db.models import DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_results.admin import TaskResultAdmin
from django_celery_results.models import TaskResult

from config.parsing import number_or_none
from elections.models import PollingCenter
from rolls import task_names
from rolls.admin import run_admin
from rolls.admin.access import sees_personal_data
from rolls.admin.housekeeping import HousekeepingFilter
from rolls.admin.run_page import wrappable
from rolls.formatting import format_duration
from rolls.models import Run, RunTask

RECENT_RUNS_IN_FILTER = 20
# "C001 2", "C001/2", "C001 station 2", "C001-2": a center code and a station number.
CENTER_AND_STATION = re.compile(
    r"^(?P<code>\S+?)(?:\s*[/\-]\s*|\s+(?:station\s+)?)(?P<n>[0-9]{1,9})$"
)
# Fields that may hold personal data (voter names): staff only. The result, whose failure
# type Observers may read, is replaced by ``outcome`` for them.
PERSONAL_FIELDS = frozenset({"task_args", "task_kwargs", "result", "traceback_text", "meta"})
SEARCH_WITHOUT_ARGUMENTS = ("task_name", "task_id", "status")


class RunFilter(admin.SimpleListFilter):
    """The results of one run. Lists recent runs; any run id works in the URL (?run=42)."""

    title = _("run")
    parameter_name = "run"

    def lookups(self, request, model_admin):
        runs = Run.objects.select_related("election").order_by("-pk")[:RECENT_RUNS_IN_FILTER]
        choices = [
            (str(run.pk), format_html(gettext("Run {}: {}"), run.pk, wrappable(run.strategy)))
            for run in runs
        ]
        value = self.value()
        if number_or_none(value) is not None and value not in {pk for pk, _ in choices}:
            choices.insert(0, (value, gettext("Run %(run)s") % {"run": value}))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        run_id = number_or_none(value)
        if run_id is None:
            return queryset.none()
        return queryset.filter(task_id__in=RunTask.objects.filter(run_id=run_id).values("task_id"))


class StrategyFilter(run_admin.StrategyFilter):
    """The results of every run of one strategy (the run list's filter, through RunTask)."""

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        tasks = RunTask.objects.filter(run__strategy=value).values("task_id")
        return queryset.filter(task_id__in=tasks)


def _millis(moment) -> str:
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return f"{local:%Y-%m-%d %H:%M:%S}.{local.microsecond // 1000:03d}"


admin.site.unregister(TaskResult)


@admin.register(TaskResult)
class RunTaskResultAdmin(TaskResultAdmin):
    # Fits a 1280 px window beside the sidebar and filters: the end is the start plus the
    # runtime, and the periodic task a filter (both on each result's page).
    list_display = (
        "short_id",
        "short_name",
        "run_link",
        "status",
        "worker",
        "started_ms",
        "runtime",
    )
    list_display_links = ("short_id",)
    list_filter = (
        RunFilter,
        StrategyFilter,
        "task_name",
        "status",
        "worker",
        "periodic_task_name",
        "date_done",
        HousekeepingFilter,
    )
    search_fields = TaskResultAdmin.search_fields
    search_help_text = _(
        "Task id or name, a center code (C001), or a center and station (C001 2, C001/2)."
    )
    show_full_result_count = False
    # 100 rows of eleven columns took ~75 ms of CPU to render, 50 take half.
    list_per_page = 50
    fieldsets = (
        (_("Run"), {"fields": ("run_link", "started_ms", "ended_ms", "runtime")}),
        *(
            (
                title,
                {
                    **options,
                    "fields": tuple(
                        "traceback_text" if name == "traceback" else name
                        for name in options["fields"]
                    ),
                },
            )
            for title, options in TaskResultAdmin.fieldsets
        ),
    )

    class Media:
        css = {"all": ["rolls/console.css"]}

    # --- the audit log is a record: nobody adds or edits a result -------------------------
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        run_of_task = RunTask.objects.filter(task_id=OuterRef("task_id")).values("run_id")[:1]
        return (
            super()
            .get_queryset(request)
            .annotate(
                _run_id=Subquery(run_of_task),
                _runtime=ExpressionWrapper(
                    F("date_done") - F("date_started"), output_field=DurationField()
                ),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        return [
            *super().get_readonly_fields(request, obj),
            "run_link",
            "runtime",
            "started_ms",
            "ended_ms",
            "traceback_text",
            "outcome",
        ]

    def get_fieldsets(self, request, obj=None):
        if sees_personal_data(request):
            return self.fieldsets
        fieldsets = []
        for title, options in self.fieldsets:
            fields = tuple(
                "outcome" if name == "result" else name
                for name in options["fields"]
                if name == "result" or name not in PERSONAL_FIELDS
            )
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        return tuple(fieldsets)

    def get_search_fields(self, request):
        # A search in the arguments answers "was this name in a task?" by its hit count.
        if sees_personal_data(request):
            return self.search_fields
        return SEARCH_WITHOUT_ARGUMENTS

    def get_search_results(self, request, queryset, search_term):
        """Also a center code, or a center and station: the results of the tasks that worked
        on it (one station's render, its center's tasks, a batch that held the station)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, may_have_duplicates
        station = CENTER_AND_STATION.match(term)
        code = station.group("code") if station else term
        centers = list(PollingCenter.objects.filter(code__iexact=code).values_list("id", flat=True))
        if not centers:
            return found, may_have_duplicates
        tasks = RunTask.objects.filter(center_id__in=centers)
        # A batch's stations are in its arguments as [center id, station number] pairs.
        if station:
            number = int(station.group("n"))
            tasks = tasks.filter(Q(station_number=number) | Q(station_number__isnull=True))
            batch = Q()
            for center in centers:
                batch |= Q(task_args__contains=f"[{center}, {number}]")
        else:
            batch = Q()
            for center in centers:
                batch |= Q(task_args__contains=f"[{center}, ")
        matching = Q(task_id__in=tasks.values("task_id")) | (
            Q(task_name=task_names.RENDER_STATIONS) & batch
        )
        return found | queryset.filter(matching), may_have_duplicates

    @admin.display(description=_("task id"), ordering="task_id")
    def short_id(self, result: TaskResult) -> str:
        return format_html('<span title="{}">{}…</span>', result.task_id, result.task_id[:8])

    @admin.display(description=_("task"), ordering="task_name")
    def short_name(self, result: TaskResult) -> str:
        return (result.task_name or "").rsplit(".", 1)[-1] or "—"

    @admin.display(description=_("run"))
    def run_link(self, result: TaskResult) -> str:
        run_id = getattr(result, "_run_id", None)
        if run_id is None:
            run_id = RunTask.objects.filter(task_id=result.task_id).values_list("run_id").first()
            run_id = run_id[0] if run_id else None
        if run_id is None:
            return "—"
        return format_html(
            '<a class="rolls-nowrap" href="{}">{}</a>',
            reverse("admin:rolls_run_change", args=[run_id]),
            gettext("Run %(run)s") % {"run": run_id},
        )

    @admin.display(description=_("started"), ordering="date_started")
    def started_ms(self, result: TaskResult) -> str:
        return _millis(result.date_started)

    @admin.display(description=_("ended"), ordering="date_done")
    def ended_ms(self, result: TaskResult) -> str:
        return _millis(result.date_done)

    @admin.display(description=_("runtime"), ordering="_runtime")
    def runtime(self, result: TaskResult) -> str:
        if result.date_started is None or result.date_done is None:
            return "—"
        return format_duration((result.date_done - result.date_started).total_seconds())

    @admin.display(description=_("traceback"))
    def traceback_text(self, result: TaskResult) -> str:
        """As Python printed it: the admin's own read-only display joins lines with <br>
        and drops the indentation that shows which frame is which."""
        if not result.traceback:
            return "—"
        return format_html('<pre class="rolls-traceback-text">{}</pre>', result.traceback)

    @admin.display(description=_("outcome"))
    def outcome(self, result: TaskResult) -> str:
        """How the task ended, without what it returned or raised: a failure's exception
        type, never its message (which may quote a voter's name)."""
        if result.status != states.FAILURE:
            return gettext("%(status)s (result shown to election staff only)") % {
                "status": result.status
            }
        try:
            exc_type = json.loads(result.result or "{}").get("exc_type")
        except (ValueError, AttributeError):
            exc_type = None
        if exc_type:
            return gettext("failed with %(error)s (details shown to election staff only)") % {
                "error": exc_type
            }
        return gettext("failed with an error (details shown to election staff only)")
