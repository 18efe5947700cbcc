"""The lab's comparison page: each strategy's finished runs on one election that did the
same work on the same setup, side by side. Mounted by ``BenchmarkAdmin.get_urls``."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

from elections.models import Election
from lab.comparison import election_benchmarks, election_comparison
from lab.comparison_page import result_row, spread_charts
from lab.same_work import setup_label
from rolls.admin.access import VIEW_RESULTS, VIEW_RUNS, require, sees_personal_data
from rolls.admin.run_page import wrappable
from rolls.models import Run
from rolls.strategies import STRATEGIES


def strategy_comparison_view(
    request: HttpRequest, election_id: int, *, model_admin
) -> TemplateResponse:
    """Each strategy's finished runs on one election that did the same work on the same
    setup, side by side; other runs listed apart with what differs. The ranking (and the
    fastest tag) come from benchmark runs of that work only."""
    require(request, VIEW_RUNS)
    election = get_object_or_404(Election, pk=election_id)
    comparison = election_comparison(election)
    details = sees_personal_data(request)
    found = {result.name: result_row(result, details=details) for result in comparison.results}
    rows = [
        found.get(name)
        or {"name": name, "name_html": wrappable(name), "strategy": strategy, "run": None}
        for name, strategy in STRATEGIES.items()
    ]
    wall_chart, speed_chart = spread_charts(comparison.results)
    runs_url = (
        reverse("admin:rolls_run_changelist")
        + "?"
        + urlencode({"election__id__exact": election.pk})
    )
    reference = comparison.reference
    return TemplateResponse(
        request,
        "admin/lab/compare.html",
        {
            **model_admin.admin_site.each_context(request),
            "opts": Run._meta,
            "title": gettext("Compare strategies: %(election)s") % {"election": election.name},
            "election": election,
            "rows": rows,
            "comparison": comparison,
            "reference": reference,
            "reference_setup": setup_label(reference.worker_setup) if reference else "",
            "apart": comparison.apart,
            "benchmarks": election_benchmarks(election),
            "finished_any": bool(comparison.results),
            "wall_chart": wall_chart,
            "speed_chart": speed_chart,
            "runs_url": runs_url,
            "can_view_results": request.user.has_perm(VIEW_RESULTS),
        },
    )
