"""Benchmarks in the admin: the "Benchmark strategies" action on elections (a confirmation
page like Generate rolls, then :func:`rolls.launch.benchmark_start`), and each benchmark's
read-only page: its runs in the order they ran, each strategy's median and spread, the
ranking in a sentence and what each strategy's numbers mean."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.models import Election
from rolls.admin.access import GENERATE_ROLLS, RollActionPermissions, require, sees_personal_data
from rolls.admin.comparison_page import result_row, spread_charts
from rolls.admin.run_page import metrics_display
from rolls.formatting import error_without_details
from rolls.launch import benchmark_start
from rolls.models import Benchmark
from rolls.selectors import run_metrics
from rolls.selectors.comparison import benchmark_report, setup_label
from rolls.services.benchmarks import DEFAULT_REPEATS, MAX_REPEATS, BenchmarkRefused
from rolls.services.runs import RunRefused
from rolls.strategies import STRATEGIES


class BenchmarkForm(forms.Form):
    strategies = forms.MultipleChoiceField(
        label=_("Strategies"),
        choices=[(name, name) for name in STRATEGIES],
        initial=[name for name, s in STRATEGIES.items() if s.renders],
        widget=forms.CheckboxSelectMultiple,
    )
    repeats = forms.IntegerField(
        label=_("Repeats"), min_value=1, max_value=MAX_REPEATS, initial=DEFAULT_REPEATS
    )


@admin.action(description=_("Benchmark strategies"), permissions=["generate_rolls"])
def benchmark_strategies(modeladmin, request: HttpRequest, queryset: QuerySet[Election]):
    """One benchmark of the chosen strategies on one election, after confirming them."""
    require(request, GENERATE_ROLLS)
    elections = list(queryset.order_by("name")[:2])
    if len(elections) != 1:
        modeladmin.message_user(
            request,
            gettext("A benchmark runs on one election at a time: select exactly one."),
            messages.ERROR,
        )
        return None
    (election,) = elections
    form = BenchmarkForm(request.POST if request.POST.get("post") else None)
    if form.is_bound and form.is_valid():
        try:
            benchmark = benchmark_start(
                election_id=election.pk,
                strategies=form.cleaned_data["strategies"],
                repeats=form.cleaned_data["repeats"],
                started_by=f"admin:{request.user.get_username()}",
            )
        except (BenchmarkRefused, RunRefused) as exc:
            modeladmin.message_user(
                request,
                gettext("No benchmark started. %(reason)s") % {"reason": exc},
                messages.ERROR,
            )
            return None
        modeladmin.message_user(
            request,
            format_html(
                gettext('Benchmark <a href="{}">{}</a> started: {} runs, one at a time.'),
                benchmark.get_absolute_url(),
                benchmark.pk,
                len(benchmark.plan),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(benchmark.get_absolute_url())
    return TemplateResponse(
        request,
        "admin/rolls/benchmark_strategies.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": gettext("Benchmark strategies on %(election)s") % {"election": election.name},
            "election": election,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "benchmark_strategies",
            "form": form,
            "strategies": [
                (name, s, name in form["strategies"].value()) for name, s in STRATEGIES.items()
            ],
            "media": modeladmin.media,
        },
    )


@admin.register(Benchmark)
class BenchmarkAdmin(RollActionPermissions, admin.ModelAdmin):
    """Benchmarks are made by the action and the CLI only: nothing here is editable."""

    list_display = ["__str__", "election", "status", "started_by", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["election"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        benchmark = self.get_object(request, object_id)
        if benchmark is None or not self.has_view_permission(request, benchmark):
            return super().change_view(request, object_id, form_url, extra_context)
        report = benchmark_report(benchmark)
        wall_chart, speed_chart = spread_charts(report.results)
        runs = [
            {
                "run": run,
                "shown": metrics_display(run_metrics(run)),
                "setup": setup_label(run.worker_setup),
            }
            for run in report.runs
        ]
        return TemplateResponse(
            request,
            "admin/rolls/benchmark/change_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": benchmark,
                "title": str(benchmark),
                "benchmark": benchmark,
                "report": report,
                "rows": [
                    result_row(result, details=sees_personal_data(request))
                    for result in report.results
                ],
                "benchmark_error": benchmark.error
                if sees_personal_data(request)
                else error_without_details(benchmark.error),
                "runs": runs,
                "wall_chart": wall_chart,
                "speed_chart": speed_chart,
                "compare_url": reverse("admin:rolls_run_compare", args=[benchmark.election_id]),
            },
        )
