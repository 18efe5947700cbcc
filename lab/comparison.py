"""Comparing strategies honestly: the election's finished runs that did the same work on
the same setup (:mod:`lab.same_work`), each strategy's spread over its repeats
(:mod:`lab.statistics`), who wins and what the numbers mean (:mod:`lab.explanations`); and
a benchmark's report. The reads the lab's pages and command make."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

from elections.models import Election
from lab.explanations import Ranking, explain, rank
from lab.models import Benchmark
from lab.same_work import compare_runs, reference_run
from lab.statistics import StrategyResult, strategy_result
from rolls.models import Run, RunStatus
from rolls.strategies import STRATEGIES

RECENT_RUNS = 200  # the comparison reads the election's latest finished runs, not all history


@dataclass
class Comparison:
    reference: Run | None
    results: list[StrategyResult]
    ranking: Ranking
    apart: list[tuple[Run, list[str]]]
    measured: bool  # the ranking comes from benchmark runs of this work


def _finished_runs(election: Election) -> list[Run]:
    return list(
        Run.objects.finished()
        .filter(election=election)
        .select_related("election", "benchmark_entry")
        .order_by("-finished_at")[:RECENT_RUNS]
    )


def by_strategy(runs: Iterable[Run]) -> list[StrategyResult]:
    grouped: dict[str, list[Run]] = {}
    for run in runs:
        grouped.setdefault(run.strategy, []).append(run)
    order = [name for name in STRATEGIES if name in grouped] + [
        name for name in grouped if name not in STRATEGIES
    ]
    results = [strategy_result(name, grouped[name]) for name in order]
    for result in results:
        result.explanation = explain(result)
    return results


def election_comparison(election: Election) -> Comparison:
    """The comparison page: the election's finished runs doing the reference's work, each
    strategy's spread over them, ranked only on benchmark runs (measured data); other runs
    apart with what differs."""
    runs = _finished_runs(election)
    reference = reference_run(runs)
    alike, apart = compare_runs(runs, reference)
    results = by_strategy(alike)
    benchmarked = [run for run in alike if hasattr(run, "benchmark_entry")]
    ranking = rank(by_strategy(benchmarked)) if benchmarked else None
    if ranking is None:
        ranking = Ranking(
            None,
            [],
            gettext("Not measured yet: run “Benchmark strategies” on this election to rank them."),
        )
    for result in results:
        result.fastest = result.name == ranking.winner
        result.tied_with = (
            [n for n in ranking.tied if n != result.name] if result.name in ranking.tied else []
        )
    return Comparison(reference, results, ranking, apart, measured=bool(benchmarked))


def measured_fastest(election: Election) -> str | None:
    """The strategy benchmarks measured fastest on this election's usual work and setup
    (None: not measured yet, or a tie)."""
    runs = _finished_runs(election)
    alike, _ = compare_runs(runs, reference_run(runs))
    benchmarked = [run for run in alike if hasattr(run, "benchmark_entry")]
    return rank(by_strategy(benchmarked)).winner if benchmarked else None


@dataclass
class BenchmarkReport:
    benchmark: Benchmark
    runs: list[Run]
    results: list[StrategyResult]
    ranking: Ranking
    apart: list[tuple[Run, list[str]]]


def benchmark_report(benchmark: Benchmark) -> BenchmarkReport:
    """A benchmark's runs in the order they ran, each strategy's median, min and max, and
    the ranking; a run whose work or setup differs from the first (a worker joined
    half-way) is listed apart instead of skewing the spread."""
    runs = list(benchmark.runs.select_related("election"))
    finished = [run for run in runs if not run.is_active]
    reference = next((r for r in finished if r.status == RunStatus.SUCCEEDED), None)
    alike, apart = compare_runs(finished, reference)
    results = by_strategy(alike)
    return BenchmarkReport(benchmark, runs, results, rank(results), apart)


def election_benchmarks(election: Election, limit: int = 20) -> list[Benchmark]:
    return list(Benchmark.objects.filter(election=election).order_by("-created_at")[:limit])
