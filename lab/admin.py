"""The strategy lab in the admin: the "Benchmark strategies" action it adds to the election
list (a confirmation page like Generate rolls, then :func:`lab.launch.benchmark_start`), the
comparison page of an election's strategies, and each benchmark's
read-only page: its runs in the order they ran, each strategy's median and spread, the
ranking in a sentence and what each strategy's numbers mean."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.models import Election
from lab.comparison import benchmark_report, measured_fastest
from lab.comparison_page import result_row, spread_charts
from lab.launch import benchmark_start
from lab.ledger import DEFAULT_REPEATS, MAX_REPEATS, BenchmarkRefused
from lab.models import Benchmark
from lab.same_work import setup_label
from lab.views import strategy_comparison_view
from rolls.admin.access import GENERATE_ROLLS, RollActionPermissions, require, sees_personal_data
from rolls.admin.elections import election_action_add
from rolls.admin.run_page import metrics_display
from rolls.formatting import error_without_details
from rolls.selectors.run_figures import run_metrics
from rolls.services.ledger import RunRefused
from rolls.strategies import STRATEGIES


def _strategy_choices() -> list[tuple[str, str]]:
    # Read when the form is made: the catalog is complete once the apps are ready.
    return [(name, name) for name in STRATEGIES]


def _rendering_strategies() -> list[str]:
    return [name for name, s in STRATEGIES.items() if s.renders]


class BenchmarkForm(forms.Form):
    strategies = forms.MultipleChoiceField(
        label=_("Strategies"),
        choices=_strategy_choices,
        initial=_rendering_strategies,
        widget=forms.CheckboxSelectMultiple,
    )
    repeats = forms.IntegerField(
        label=_("Repeats"), min_value=1, max_value=MAX_REPEATS, initial=DEFAULT_REPEATS
    )


def strategy_rows(election: Election, checked: list[str]) -> list[dict]:
    """Every strategy of the catalog to choose from, with the one earlier benchmarks measured
    fastest on this election's work and setup (none until one did)."""
    fastest = measured_fastest(election)
    return [
        {
            "name": name,
            "strategy": s,
            "checked": name in checked,
            "fastest": name == fastest,
            "not_measured": fastest is None,
        }
        for name, s in STRATEGIES.items()
    ]


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
        "admin/lab/benchmark_strategies.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": gettext("Benchmark strategies on %(election)s") % {"election": election.name},
            "election": election,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "benchmark_strategies",
            "form": form,
            "strategies": strategy_rows(election, form["strategies"].value()),
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

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                return view(request, *args, model_admin=self, **kwargs)

            return self.admin_site.admin_view(wrapper)

        return [
            path(
                "compare/<id:election_id>/",
                wrap(strategy_comparison_view),
                name="lab_benchmark_compare",
            ),
            *super().get_urls(),
        ]

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
            "admin/lab/benchmark/change_form.html",
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
                "compare_url": reverse("admin:lab_benchmark_compare", args=[benchmark.election_id]),
            },
        )


# The election list offers the lab's action beside the console's.
election_action_add(benchmark_strategies)
