"""Comparing strategies honestly: which runs did the same work on the same setup, each
strategy's spread over its repeats, who wins (only when the spreads do not overlap), and
what the numbers mean, in sentences made from the data.

"The same work": election, centers, assignment mode, voters, stations and (for runs that
succeeded) pages, what the run rendered itself (a changed-only run carries the unchanged
centers' files over and renders only the rest), roll template version, and the worker setup
the run recorded when it started. Runs that differ in any of these are listed apart with
what differs, never ranked.

The sentences are in the staff member's language (English on the command line), their
figures written its way (``2,50 s`` in French).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.models import Election, PollingCenter
from rolls.models import AssignmentMode, Benchmark, Run, RunStatus
from rolls.selectors import RunMetrics, run_metrics, run_pages_carried
from rolls.strategies import STRATEGIES

RECENT_RUNS = 200  # the comparison reads the election's latest finished runs, not all history


def _n(value: float, decimals: int) -> str:
    """A figure as the staff member's language writes it."""
    return number_format(value, decimals, use_l10n=True)


def _percent(share: float) -> str:
    return gettext("%(percent)s%%") % {"percent": _n(share * 100, 0)}


def setup_signature(setup: dict) -> tuple:
    """The parts of a recorded worker setup that change speed, comparable with ``==``."""
    if not setup:
        return ("not recorded",)
    nodes = tuple(
        (name, node.get("processes"), node.get("pool"), node.get("prefetch"), node.get("cpus"))
        for name, node in sorted((setup.get("nodes") or {}).items())
    )
    return (
        setup.get("broker"),
        setup.get("database"),
        setup.get("celery"),
        setup.get("prefetch_multiplier"),
        bool(setup.get("answered")),
        nodes,
    )


def prefetch_label(node: dict) -> str:
    """``prefetch 1 per process (2 in all)``: the multiplier the worker was started with, as
    the settings and docs/operators.md name it, beside the node's whole count its stats report.
    Setups recorded before the multiplier was, say only the node's count."""
    prefetch, multiplier = node.get("prefetch"), node.get("prefetch_multiplier")
    if prefetch is None:
        return gettext("prefetch not reported")
    if prefetch == 0:
        return gettext("no prefetch limit")
    if multiplier is None:
        return gettext("prefetch %(prefetch)s in all") % {"prefetch": prefetch}
    return gettext("prefetch %(multiplier)s per process (%(prefetch)s in all)") % {
        "multiplier": multiplier,
        "prefetch": prefetch,
    }


def setup_label(setup: dict) -> str:
    """``w1@host: 2 prefork processes, 4 CPUs, prefetch 1 per process (2 in all) · broker
    amqp, database ...``."""
    if not setup:
        return gettext("worker setup not recorded")
    nodes = setup.get("nodes") or {}
    if not nodes:
        where = gettext("no worker answered when it started")
    else:
        where = "; ".join(
            f"{name}: "
            + gettext("%(processes)s %(pool)s processes, %(cpus)s CPUs, %(prefetch)s")
            % {
                "processes": node.get("processes"),
                "pool": node.get("pool"),
                "cpus": node.get("cpus"),
                "prefetch": prefetch_label(node),
            }
            for name, node in sorted(nodes.items())
        )
    return f"{where} · " + gettext(
        "broker %(broker)s, database %(database)s, Celery %(celery)s"
    ) % {
        "broker": setup.get("broker"),
        "database": setup.get("database"),
        "celery": setup.get("celery"),
    }


def _centers(run: Run) -> str:
    if not run.center_ids:
        return gettext("whole election")
    return gettext("%(count)s chosen centers") % {"count": len(run.center_ids)}


def _rendered(run: Run) -> str:
    if not run.changed_only:
        return gettext("the whole set")
    if run.status != RunStatus.SUCCEEDED:
        return gettext("changed centers only")
    carried = run_pages_carried(run)
    return gettext("changed centers only: %(pages)s pages, %(carried)s carried over") % {
        "pages": run.pages - carried,
        "carried": carried,
    }


def run_work(run: Run) -> dict[str, object]:
    """What a run did and on what, field by field (see the module docstring)."""
    return {
        "rendered": _rendered(run),
        "election": run.election_id,
        "centers": tuple(sorted(run.center_ids)) if run.center_ids else "whole election",
        "assignment mode": run.assignment_mode,
        "voters": run.voters_total,
        "stations": run.stations_total,
        "pages": run.pages if run.status == RunStatus.SUCCEEDED else None,
        "roll template version": run.template_version or gettext("not recorded"),
        "worker setup": setup_signature(run.worker_setup),
    }


# How each field of the work is named where two runs differ.
WORK_FIELDS = {
    "rendered": _("rendered"),
    "election": _("election"),
    "centers": _("centers"),
    "assignment mode": _("assignment mode"),
    "voters": _("voters"),
    "stations": _("stations"),
    "pages": _("pages"),
    "roll template version": _("roll template version"),
    "worker setup": _("worker setup"),
}


def work_differences(run: Run, reference: Run) -> list[str]:
    """What ``run`` did differently from ``reference``, in words (empty: the same work).
    A failed run's pages are not a difference: it stopped before printing them."""
    mine, theirs = run_work(run), run_work(reference)
    differences = []
    for key, value in mine.items():
        other = theirs[key]
        if value == other or (key == "pages" and None in (value, other)):
            continue
        if key == "centers":
            value, other = _centers(run), _centers(reference)
        elif key == "worker setup":
            value, other = setup_label(run.worker_setup), setup_label(reference.worker_setup)
        differences.append(
            gettext("%(field)s: %(value)s (compared: %(other)s)")
            % {"field": WORK_FIELDS.get(key, key), "value": value, "other": other}
        )
    return differences


def reference_run(runs: list[Run]) -> Run | None:
    """The run whose work the comparison is about: by default the latest finished run that
    rendered the whole election in balanced mode and succeeded (else the latest at all)."""
    for run in runs:
        if (
            not run.center_ids
            and not run.changed_only
            and run.assignment_mode == AssignmentMode.BALANCED
            and run.status == RunStatus.SUCCEEDED
        ):
            return run
    return runs[0] if runs else None


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
    result.explanation = explain(result)
    return result


def _median_run(result: StrategyResult) -> tuple[Run, RunMetrics] | None:
    timed = [
        (run, result.metrics[run.pk])
        for run in result.succeeded
        if result.metrics[run.pk].wall_seconds is not None
    ]
    if not timed:
        return None
    timed.sort(key=lambda pair: pair[1].wall_seconds)
    return timed[(len(timed) - 1) // 2]


REASON_CHARS = 300


def failure_reason(error: str) -> str:
    """The exception a failed run recorded, without the task's name and id before it:
    ``RuntimeError: Never call result.get() within a task! See https://...``. Its first line
    says what went wrong; a line Celery adds after it (the join's link to its docs) follows."""
    lines = [line.strip() for line in (error or "").strip().splitlines() if line.strip()]
    if not lines:
        return gettext("no error recorded")
    head, found, exception = lines[0].partition("] failed: ")
    reason = exception if found else head
    pointers = [line for line in lines[1:] if line.startswith("See ")]
    return " ".join([reason, *pointers[:1]])[:REASON_CHARS]


def explain(result: StrategyResult) -> str:
    """What the strategy's median run shows, from its own figures."""
    if result.only_failed:
        return gettext("%(strategy)s failed (%(reason)s).") % {
            "strategy": result.name,
            "reason": failure_reason(result.runs[0].error),
        }
    median = _median_run(result)
    if median is None:
        return ""
    _, m = median
    used = len({(span.worker, span.pid) for span in m.spans if span.pid is not None})
    # The processes of the workers that ran its tasks: what efficiency divides by.
    available = m.worker_processes
    parts = []
    if m.efficiency is not None:
        parts.append(
            gettext(
                "%(strategy)s used %(used)s of %(available)s processes: efficiency %(efficiency)s"
            )
            % {
                "strategy": result.name,
                "used": used,
                "available": available,
                "efficiency": _percent(m.efficiency),
            }
        )
    if m.wall_seconds and m.longest_task_seconds >= 0.5 * m.wall_seconds:
        center = PollingCenter.objects.filter(pk=m.longest_task_center_id).first()
        task = m.longest_task_name
        if center:
            task = gettext("%(task)s on center %(code)s") % {"task": task, "code": center.code}
        parts.append(
            gettext(
                "its longest task (%(task)s) took %(longest)s s of %(wall)s s wall time: "
                "the run waited on it"
            )
            % {
                "task": task,
                "longest": _n(m.longest_task_seconds, 1),
                "wall": _n(m.wall_seconds, 1),
            }
        )
    if m.overhead_ms is not None and m.tasks > 2:
        parts.append(
            gettext("%(tasks)s tasks, %(gap)s ms median gap between two")
            % {"tasks": m.tasks, "gap": _n(m.overhead_ms, 0)}
        )
    if result.failed:
        parts.append(
            gettext("%(failed)s of %(runs)s runs failed (not timed)")
            % {"failed": result.failed, "runs": len(result.runs)}
        )
    return "; ".join(parts) + "." if parts else ""


@dataclass(frozen=True)
class Ranking:
    winner: str | None
    tied: list[str]
    sentence: str


def _range(spread: Spread) -> str:
    return f"{_n(spread.low, 2)}-{_n(spread.high, 2)} s"


def rank(results: list[StrategyResult]) -> Ranking:
    """The fastest by median wall time wins only if its slowest run beat every other
    strategy's quickest; strategies whose [min, max] overlap the leader's tie with it.
    Failed runs never enter the ranking. Marks the results (``fastest``, ``tied_with``)."""
    timed = sorted((r for r in results if r.wall), key=lambda r: r.wall.median)
    if not timed:
        return Ranking(None, [], gettext("Nothing measured yet: no run of this work succeeded."))
    leader = timed[0]
    if len(timed) == 1:
        leader.fastest = True
        return Ranking(
            leader.name,
            [],
            gettext(
                "Only %(strategy)s succeeded on this work (%(range)s): nothing to rank it against."
            )
            % {"strategy": leader.name, "range": _range(leader.wall)},
        )
    tied = [r for r in timed[1:] if r.wall.low <= leader.wall.high]
    if tied:
        names = [leader.name] + [r.name for r in tied]
        for r in [leader, *tied]:
            r.tied_with = [n for n in names if n != r.name]
        spreads = ", ".join(f"{r.name} {_range(r.wall)}" for r in [leader, *tied])
        return Ranking(
            None,
            names,
            gettext(
                "A tie between %(names)s: their wall-time ranges overlap (%(spreads)s), "
                "so the difference is within the spread, not a win."
            )
            % {"names": ", ".join(names), "spreads": spreads},
        )
    leader.fastest = True
    runner_up = timed[1]
    return Ranking(
        leader.name,
        [],
        gettext(
            "%(leader)s is fastest: median %(median)s s, and even its slowest run (%(slowest)s s) "
            "beat the quickest run of the next, %(next)s (%(quickest)s s)."
        )
        % {
            "leader": leader.name,
            "median": _n(leader.wall.median, 2),
            "slowest": _n(leader.wall.high, 2),
            "next": runner_up.name,
            "quickest": _n(runner_up.wall.low, 2),
        },
    )


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
        .select_related("election")
        .order_by("-finished_at")[:RECENT_RUNS]
    )


def compare_runs(runs: list[Run], reference: Run | None) -> tuple[list, list]:
    """(runs doing the reference's work, [(other run, what differs)])."""
    if reference is None:
        return [], []
    alike, apart = [], []
    for run in runs:
        differences = work_differences(run, reference)
        if differences:
            apart.append((run, differences))
        else:
            alike.append(run)
    return alike, apart


def by_strategy(runs: Iterable[Run]) -> list[StrategyResult]:
    grouped: dict[str, list[Run]] = {}
    for run in runs:
        grouped.setdefault(run.strategy, []).append(run)
    order = [name for name in STRATEGIES if name in grouped] + [
        name for name in grouped if name not in STRATEGIES
    ]
    return [strategy_result(name, grouped[name]) for name in order]


def election_comparison(election: Election) -> Comparison:
    """The comparison page: the election's finished runs doing the reference's work, each
    strategy's spread over them, ranked only on benchmark runs (measured data); other runs
    apart with what differs."""
    runs = _finished_runs(election)
    reference = reference_run(runs)
    alike, apart = compare_runs(runs, reference)
    results = by_strategy(alike)
    benchmarked = [run for run in alike if run.benchmark_id]
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
    benchmarked = [run for run in alike if run.benchmark_id]
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
    runs = list(benchmark.runs.select_related("election").order_by("benchmark_position"))
    finished = [run for run in runs if not run.is_active]
    reference = next((r for r in finished if r.status == RunStatus.SUCCEEDED), None)
    alike, apart = compare_runs(finished, reference)
    results = by_strategy(alike)
    return BenchmarkReport(benchmark, runs, results, rank(results), apart)


def election_benchmarks(election: Election, limit: int = 20) -> list[Benchmark]:
    return list(Benchmark.objects.filter(election=election).order_by("-created_at")[:limit])
