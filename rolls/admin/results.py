"""Task results (django-celery-results) linked to runs: filter by run, link back to it.

Replaces the package's own TaskResultAdmin registration with a subclass: a runtime column,
a "run" filter, and the run of each result, found through ``RunTask`` in the same query.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html
from django_celery_results.admin import TaskResultAdmin
from django_celery_results.models import TaskResult

from rolls.admin.run_page import wrappable
from rolls.formatting import format_duration
from rolls.models import Run, RunTask

RECENT_RUNS_IN_FILTER = 20


class RunFilter(admin.SimpleListFilter):
    """The results of one run. Lists recent runs; any run id works in the URL (?run=42)."""

    title = "run"
    parameter_name = "run"

    def lookups(self, request, model_admin):
        runs = Run.objects.select_related("election").order_by("-pk")[:RECENT_RUNS_IN_FILTER]
        choices = [
            (str(run.pk), format_html("Run {}: {}", run.pk, wrappable(run.strategy)))
            for run in runs
        ]
        value = self.value()
        if value and value.isdigit() and value not in {pk for pk, _ in choices}:
            choices.insert(0, (value, f"Run {value}"))
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(task_id__in=RunTask.objects.filter(run_id=value).values("task_id"))


admin.site.unregister(TaskResult)


@admin.register(TaskResult)
class RunTaskResultAdmin(TaskResultAdmin):
    list_display = (
        "short_id",
        "short_name",
        "run_link",
        "status",
        "worker",
        "date_started",
        "runtime",
        "periodic_task_name",
    )
    list_display_links = ("short_id",)
    list_filter = (RunFilter, "status", "task_name", "worker", "periodic_task_name", "date_done")
    show_full_result_count = False
    fieldsets = (
        ("Run", {"fields": ("run_link", "runtime")}),
        *TaskResultAdmin.fieldsets,
    )

    def get_queryset(self, request):
        run_of_task = RunTask.objects.filter(task_id=OuterRef("task_id")).values("run_id")[:1]
        return super().get_queryset(request).annotate(_run_id=Subquery(run_of_task))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "run_link", "runtime"]

    @admin.display(description="task id", ordering="task_id")
    def short_id(self, result: TaskResult) -> str:
        return format_html('<span title="{}">{}…</span>', result.task_id, result.task_id[:8])

    @admin.display(description="task", ordering="task_name")
    def short_name(self, result: TaskResult) -> str:
        return (result.task_name or "").rsplit(".", 1)[-1] or "—"

    @admin.display(description="run")
    def run_link(self, result: TaskResult) -> str:
        run_id = getattr(result, "_run_id", None)
        if run_id is None:
            run_id = RunTask.objects.filter(task_id=result.task_id).values_list("run_id").first()
            run_id = run_id[0] if run_id else None
        if run_id is None:
            return "—"
        return format_html(
            '<a href="{}">Run {}</a>', reverse("admin:rolls_run_change", args=[run_id]), run_id
        )

    @admin.display(description="runtime")
    def runtime(self, result: TaskResult) -> str:
        if result.date_started is None or result.date_done is None:
            return "—"
        return format_duration((result.date_done - result.date_started).total_seconds())
