"""What the numbers mean, in sentences made from the data: what a strategy's median run
shows, why a failed one failed, and who wins (only when the spreads do not overlap). In the
staff member's language (English on the command line), figures written its way
(``2,50 s`` in French)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext

from elections.models import PollingCenter
from lab.statistics import Spread, StrategyResult, median_run, standings
from rolls import task_kinds
from rolls.selectors.run_figures import RunMetrics, short_task_name, span_process


def _n(value: float, decimals: int) -> str:
    """A figure as the staff member's language writes it."""
    return number_format(value, decimals, use_l10n=True)


def _percent(share: float) -> str:
    return gettext("%(percent)s%%") % {"percent": _n(share * 100, 0)}


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


# The run "waited on" its longest task when that task ran on after every other process had
# run out of work for at least this share of the wall time (a chord's one big center). A long
# first batch while the other process is busy with its own is no wait.
WAITED_SHARE = 0.25


def ran_alone_seconds(m: RunMetrics) -> float:
    """How long the run's longest task went on after every other process had finished its
    last piece of work (orchestration tasks are not work): what the run waited on it."""
    orchestration = {short_task_name(name) for name in task_kinds.ORCHESTRATION}
    work = [s for s in m.spans if s.name not in orchestration]
    longest = max(work, key=lambda s: s.seconds, default=None)
    if longest is None:
        return 0.0
    others = [s.finished for s in work if span_process(s) != span_process(longest)]
    if not others:
        # Nothing ran beside it: it ran alone if another process was there to run something.
        return longest.seconds if m.worker_processes > 1 else 0.0
    return max(0.0, (longest.finished - max(others)).total_seconds())


def explain(result: StrategyResult) -> str:
    """What the strategy's median run shows, from its own figures."""
    if result.only_failed:
        return gettext("%(strategy)s failed (%(reason)s).") % {
            "strategy": result.name,
            "reason": failure_reason(result.runs[0].error),
        }
    median = median_run(result)
    if median is None:
        return ""
    _, m = median
    used = len({span_process(span) for span in m.spans} - {None})
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
        figures = {
            "task": task,
            "longest": _n(m.longest_task_seconds, 1),
            "wall": _n(m.wall_seconds, 1),
        }
        if ran_alone_seconds(m) >= WAITED_SHARE * m.wall_seconds:
            parts.append(
                gettext(
                    "its longest task (%(task)s) took %(longest)s s of %(wall)s s wall time: "
                    "the run waited on it"
                )
                % figures
            )
        else:
            parts.append(
                gettext(
                    "its longest task (%(task)s) took %(longest)s s of %(wall)s s wall time, "
                    "while the other processes kept working"
                )
                % figures
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
    timed, tied = standings(results)
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
