from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, duration_argument, number_argument
from elections.references import REFERENCE_HELP, election_label
from lab.comparison import benchmark_report
from lab.launch import benchmark_start
from lab.ledger import DEFAULT_REPEATS, BenchmarkRefused
from lab.management.commands._benchmarks import wait_for_benchmark
from rolls.management.commands._common import find_election
from rolls.selectors.run_figures import run_metrics
from rolls.services.ledger import RunRefused
from rolls.strategies import STRATEGIES


def comparison_table(runs) -> list[str]:
    header = (
        f"{'#':>3} {'strategy':<50} {'status':<9} {'wall s':>7} {'queued s':>8} {'task s':>7} "
        f"{'longest s':>9} {'eff.':>5} {'pages':>6} {'pages/s':>7} {'tasks':>6} {'gap ms':>6}"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        m = run_metrics(run)

        def f(value, spec=".2f"):
            return "-" if value is None else format(value, spec)

        position = run.benchmark_entry.position + 1
        lines.append(
            f"{position:>3} {run.strategy:<50} {run.status:<9} {f(m.wall_seconds):>7} "
            f"{f(m.queued_seconds):>8} {f(m.task_seconds):>7} {f(m.longest_task_seconds):>9} "
            f"{f(m.efficiency, '.0%'):>5} {run.pages:>6} {f(m.pages_per_second, '.1f'):>7} "
            f"{m.tasks:>6} {f(m.overhead_ms, '.1f'):>6}"
        )
    return lines


def spread_cell(spread, spec: str) -> str:
    if spread is None:
        return "-"
    return f"{format(spread.median, spec)} ({format(spread.low, spec)}-{format(spread.high, spec)})"


def summary_table(report) -> list[str]:
    header = (
        f"  {'strategy':<50} {'runs':>4} {'failed':>6} {'wall s median (min-max)':>26} "
        f"{'pages/s':>20} {'efficiency':>16} {'gap ms':>14}"
    )
    lines = [header, "  " + "-" * (len(header) - 2)]
    for result in report.results:
        mark = " fastest" if result.fastest else (" tie" if result.tied_with else "")
        lines.append(
            f"  {result.name:<50} {len(result.runs):>4} {result.failed:>6} "
            f"{spread_cell(result.wall, '.2f'):>26} "
            f"{spread_cell(result.pages_per_second, '.1f'):>20} "
            f"{spread_cell(result.efficiency, '.0%'):>16} "
            f"{spread_cell(result.overhead_ms, '.0f'):>14}{mark}"
        )
    return lines


class Command(CheckedCommand):
    help = (
        "Benchmark every strategy (or --strategies) on the same election against the running "
        "workers: each --repeat times, one run at a time, interleaved (A B C A B C ...), "
        "recorded as one benchmark; print each run and each strategy's median, min and max."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", help=REFERENCE_HELP)
        parser.add_argument("--strategies", help="comma-separated names (default: all)")
        parser.add_argument(
            "--repeat",
            type=number_argument(what="repeat", minimum=1, maximum=100),
            default=DEFAULT_REPEATS,
            help="runs of each strategy",
        )
        parser.add_argument(
            "--timeout", type=duration_argument(), default=1800, help="seconds per run"
        )

    def handle(self, *args, election, strategies, repeat, timeout, **options):
        target = find_election(election)
        names = [n.strip() for n in strategies.split(",")] if strategies else list(STRATEGIES)
        unknown = [n for n in names if n not in STRATEGIES]
        if unknown:
            raise CommandError(f"Unknown strategies {unknown}; choose from {', '.join(STRATEGIES)}")
        try:
            benchmark = benchmark_start(
                election_id=target.pk, strategies=names, repeats=repeat, started_by="cli:compare"
            )
        except (BenchmarkRefused, RunRefused) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Benchmark {benchmark.pk}: {len(benchmark.plan)} runs, one at a time, in this "
            f"order: {' '.join(benchmark.plan)}"
        )
        # The workers start each next run when the previous one ends (the benchmark step);
        # this only watches, so a closed terminal does not stop the benchmark.
        benchmark = wait_for_benchmark(benchmark, timeout=timeout * len(benchmark.plan))
        report = benchmark_report(benchmark)
        self.stdout.write(
            f"\nComparison on {election_label(target)} "
            f"(benchmark {benchmark.pk}, {benchmark.status}):"
        )
        for line in comparison_table(report.runs):
            self.stdout.write(line)
        self.stdout.write("\nPer strategy, over its runs (failed runs are not timed):")
        for line in summary_table(report):
            self.stdout.write(line)
        self.stdout.write(f"\n{report.ranking.sentence}")
        for result in report.results:
            if result.explanation:
                self.stdout.write(f"  {result.explanation}")
        for run, differences in report.apart:
            self.stdout.write(f"  run {run.pk} not compared: {'; '.join(differences)}")
        if benchmark.error:
            raise CommandError(f"Benchmark {benchmark.pk} failed: {benchmark.error}")
