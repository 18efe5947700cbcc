from django.core.management.base import BaseCommand, CommandError, CommandParser

from rolls.launch import run_start
from rolls.management.commands._common import find_election, wait_for
from rolls.selectors import run_metrics
from rolls.services.runs import RunRefused
from rolls.strategies import STRATEGIES


def comparison_table(runs) -> list[str]:
    header = (
        f"{'strategy':<50} {'status':<9} {'wall s':>7} {'queued s':>8} {'task s':>7} "
        f"{'longest s':>9} {'eff.':>5} {'pages':>6} {'pages/s':>7} {'tasks':>6} {'gap ms':>6}"
    )
    lines = [header, "-" * len(header)]
    for run in runs:
        m = run_metrics(run)

        def f(value, spec=".2f"):
            return "-" if value is None else format(value, spec)

        lines.append(
            f"{run.strategy:<50} {run.status:<9} {f(m.wall_seconds):>7} {f(m.queued_seconds):>8} "
            f"{f(m.task_seconds):>7} {f(m.longest_task_seconds):>9} {f(m.efficiency, '.0%'):>5} "
            f"{run.pages:>6} {f(m.pages_per_second, '.1f'):>7} {m.tasks:>6} "
            f"{f(m.overhead_ms, '.1f'):>6}"
        )
    return lines


class Command(BaseCommand):
    help = (
        "Run every strategy (or --strategies) one after another on the same election against "
        "the running workers, and print the comparison table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", help="election id, slug or name")
        parser.add_argument("--strategies", help="comma-separated names (default: all)")
        parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")

    def handle(self, *args, election, strategies, timeout, **options):
        target = find_election(election)
        names = [n.strip() for n in strategies.split(",")] if strategies else list(STRATEGIES)
        unknown = [n for n in names if n not in STRATEGIES]
        if unknown:
            raise CommandError(f"Unknown strategies {unknown}; choose from {', '.join(STRATEGIES)}")
        runs = []
        for name in names:
            try:
                run = run_start(election_id=target.pk, strategy=name, started_by="cli:compare")
            except RunRefused as exc:
                raise CommandError(str(exc)) from None
            # Wait for stragglers too (a failed run's subtasks), so runs do not overlap.
            run = wait_for(run, timeout=timeout, drained=True)
            self.stdout.write(f"  {name}: {run.status}")
            runs.append(run)
        self.stdout.write(f"\nComparison on {target.name}:")
        for line in comparison_table(runs):
            self.stdout.write(line)
