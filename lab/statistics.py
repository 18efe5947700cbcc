"""Each strategy's numbers over its repeats: the spread (median, quickest, slowest) of wall
time, pages per second, efficiency and overhead, its median run, and the standings (who
leads, and who ties with the leader because their spreads overlap). Numbers only: the
sentences that say what they mean are :mod:`lab.explanations`."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext

from rolls.models import Run, RunStatus
from rolls.selectors.run_figures import RunMetrics, run_metrics
from rolls.strategies import STRATEGIES


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Spread | None:
        known = [v for v in values if v is not None]
        if not known:
            return None
        return cls(median=statistics.median(known), low=min(known), high=max(known))


@dataclass
class StrategyResult:
    """One strategy's runs of the same work: their spread, and what they teach."""

    name: str
    runs: list[Run]
    metrics: dict[int, RunMetrics]
    wall: Spread | None = None
    pages_per_second: Spread | None = None
    efficiency: Spread | None = None
    overhead_ms: Spread | None = None
    failed: int = 0
    explanation: str = ""
    fastest: bool = False
    tied_with: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> list[Run]:
        return [run for run in self.runs if run.status == RunStatus.SUCCEEDED]

    @property
    def lesson(self) -> str:
        strategy = STRATEGIES.get(self.name)
        return gettext(strategy.lesson) if strategy else ""

    @property
    def only_failed(self) -> bool:
        return bool(self.runs) and not self.succeeded


def strategy_result(name: str, runs: list[Run]) -> StrategyResult:
    """The spread of the strategy's succeeded runs (failed ones are counted, not timed)."""
    metrics = {run.pk: run_metrics(run) for run in runs}
    ok = [metrics[run.pk] for run in runs if run.status == RunStatus.SUCCEEDED]
    result = StrategyResult(
        name=name,
        runs=runs,
        metrics=metrics,
        wall=Spread.of(m.wall_seconds for m in ok),
        pages_per_second=Spread.of(m.pages_per_second for m in ok),
        efficiency=Spread.of(m.efficiency for m in ok),
        overhead_ms=Spread.of(m.overhead_ms for m in ok),
        failed=len(runs) - len(ok),
    )
    return result


def median_run(result: StrategyResult) -> tuple[Run, RunMetrics] | None:
    timed = [
        (run, result.metrics[run.pk])
        for run in result.succeeded
        if result.metrics[run.pk].wall_seconds is not None
    ]
    if not timed:
        return None
    timed.sort(key=lambda pair: pair[1].wall_seconds)
    return timed[(len(timed) - 1) // 2]


def standings(results: list[StrategyResult]) -> tuple[list[StrategyResult], list[StrategyResult]]:
    """(the timed results by median wall time, those whose [min, max] overlaps the
    leader's): the leader wins only if that second list is empty. Failed runs never count."""
    timed = sorted((r for r in results if r.wall), key=lambda r: r.wall.median)
    if len(timed) < 2:
        return timed, []
    leader = timed[0]
    return timed, [r for r in timed[1:] if r.wall.low <= leader.wall.high]
