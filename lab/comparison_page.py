"""How the comparison and benchmark pages show strategy results: table rows and the two
spread charts (wall time, pages/s). Failed runs are labelled failed everywhere and never
drawn as a time; the highlighted strategy is the measured winner, never a constant."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext

from lab.statistics import Spread, StrategyResult
from rolls.admin.charts import SpreadRow, spread_chart_svg
from rolls.admin.run_page import metrics_display, percent_text, wrappable
from rolls.formatting import error_without_details
from rolls.strategies import STRATEGIES


def _number(value: float, fmt: str) -> str:
    """``value`` as ``fmt`` (``.2f``, ``.0%``) says, written the staff member's way
    (``2,50`` in French)."""
    if fmt.endswith("%"):
        return percent_text(value)
    return number_format(value, int(fmt[1:-1]), use_l10n=True, force_grouping=True)


def spread_text(spread: Spread | None, fmt: str, unit: str = "") -> str:
    if spread is None:
        return "—"
    if spread.low == spread.high:
        return f"{_number(spread.median, fmt)}{unit}"
    low, high = _number(spread.low, fmt), _number(spread.high, fmt)
    return f"{_number(spread.median, fmt)}{unit} ({low}-{high})"


def result_row(result: StrategyResult, *, details: bool = True) -> dict:
    latest = result.runs[0] if result.runs else None
    metrics = result.metrics.get(latest.pk) if latest else None
    return {
        "name": result.name,
        "name_html": wrappable(result.name),
        "strategy": STRATEGIES.get(result.name),
        "result": result,
        "run": latest,
        "metrics": metrics,
        "shown": metrics_display(metrics),
        "count": len(result.runs),
        "failed": result.failed,
        "only_failed": result.only_failed,
        "wall": spread_text(result.wall, ".2f", " s"),
        "pages_per_second": spread_text(result.pages_per_second, ".1f"),
        "efficiency": spread_text(result.efficiency, ".0%"),
        "overhead": spread_text(result.overhead_ms, ".0f", " ms"),
        "fastest": result.fastest,
        "tied_with": result.tied_with,
        # A failed strategy is explained by its exception, whose message may quote a voter:
        # the type only for those who may not read voters' data.
        "explanation": result.explanation if details else error_without_details(result.explanation),
    }


def _failed_text(result: StrategyResult) -> str:
    return gettext("failed (%(failed)s of %(runs)s runs)") % {
        "failed": result.failed,
        "runs": len(result.runs),
    }


def _spread_row(result: StrategyResult, spread: Spread | None, text: str) -> SpreadRow:
    return SpreadRow(
        label=result.name,
        low=spread.low if spread else None,
        median=spread.median if spread else None,
        high=spread.high if spread else None,
        text=_failed_text(result) if result.only_failed else text,
        highlight=result.fastest,
        failed=result.only_failed,
    )


def spread_charts(results: list[StrategyResult]) -> tuple[str, str]:
    """(wall time chart, pages/s chart); a strategy that only failed is a row saying so."""
    wall = spread_chart_svg(
        [
            _spread_row(
                r,
                r.wall,
                spread_text(r.wall, ".2f", " s")
                + (", " + gettext("%(failed)s failed") % {"failed": r.failed} if r.failed else ""),
            )
            for r in results
            if r.wall or r.only_failed
        ],
        title=gettext(
            "Wall time per strategy: median, quickest to slowest run (shorter is better)"
        ),
        unit=gettext("seconds"),
    )
    speed = spread_chart_svg(
        [
            _spread_row(
                r,
                r.pages_per_second,
                spread_text(r.pages_per_second, ".1f", " " + gettext("pages/s")),
            )
            for r in results
            if r.pages_per_second or r.only_failed
        ],
        title=gettext(
            "Pages rendered per second of wall time: median and spread (longer is better)"
        ),
        unit=gettext("pages per second"),
    )
    return wall, speed
