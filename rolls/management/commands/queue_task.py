import argparse

from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, duration_argument
from elections.models import PollingCenter
from elections.references import REFERENCE_HELP, election_label
from rolls.launch import run_start
from rolls.management.commands._common import find_election, summary_lines, wait_for
from rolls.models import DEFAULT_PURPOSE, AssignmentMode, RunPurpose, RunStatus
from rolls.services.ledger import RunRefused
from rolls.strategies import STRATEGIES, UnknownStrategy, strategy_get


def strategy_help() -> str:
    return "strategies:\n" + "\n".join(
        f"  {name}\n      {s.summary}" for name, s in STRATEGIES.items()
    )


class Command(CheckedCommand):
    help = "Queue a run of one strategy on an election (the talk's `queue_task NAME`)."

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = strategy_help()
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("strategy", metavar="NAME", help="one of the strategies listed below")
        parser.add_argument("--election", help=f"{REFERENCE_HELP} (default: the only one)")
        parser.add_argument("--centers", help="comma-separated center codes (default: all)")
        parser.add_argument(
            "--mode", default=AssignmentMode.BALANCED, help="balanced or sequential"
        )
        parser.add_argument(
            "--purpose",
            choices=[RunPurpose.PROVISIONAL.value, RunPurpose.FINAL.value],
            default=DEFAULT_PURPOSE.value,
            help="what the rolls are for, printed on every page: provisional lists for public "
            "display and checking, or final rolls for polling day (default: final; only final "
            "rolls can be published)",
        )
        parser.add_argument(
            "--changed-only",
            action="store_true",
            help="re-render only the centers that differ from the official set",
        )
        parser.add_argument("--wait", action="store_true", help="wait and print the summary")
        parser.add_argument(
            "--timeout", type=duration_argument(), default=3600, help="seconds to wait"
        )

    def handle(
        self,
        *args,
        strategy,
        election,
        centers,
        mode,
        purpose,
        changed_only,
        wait,
        timeout,
        **options,
    ):
        try:
            strategy_get(strategy)
        except UnknownStrategy:
            raise CommandError(f"Unknown strategy {strategy!r}.\n{strategy_help()}") from None
        target = find_election(election)
        center_ids = None
        if centers:
            codes = [c.strip() for c in centers.split(",") if c.strip()]
            found = dict(
                PollingCenter.objects.filter(election=target, code__in=codes).values_list(
                    "code", "id"
                )
            )
            missing = [c for c in codes if c not in found]
            if missing:
                raise CommandError(f"No center {', '.join(missing)} in {target.name}")
            center_ids = list(found.values())
        try:
            run = run_start(
                election_id=target.pk,
                strategy=strategy,
                started_by="cli",
                center_ids=center_ids,
                mode=mode,
                purpose=purpose,
                changed_only=changed_only,
            )
        except RunRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Queued run {run.pk}: {strategy} on {election_label(target)} ({run.purpose})"
        )
        if not wait:
            return
        run = wait_for(run, timeout=timeout)
        for line in summary_lines(run):
            self.stdout.write(line)
        if run.status == RunStatus.FAILED:
            raise CommandError(f"Run {run.pk} failed")
