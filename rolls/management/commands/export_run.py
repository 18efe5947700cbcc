import sys

from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, number_argument
from rolls.models import Run
from rolls.selectors.placements import ORDERS
from rolls.services.closing import PersonalDataClosed, election_open_check
from rolls.services.placement_csv import export_name, run_export_lines


class Command(CheckedCommand):
    help = (
        "Write a run's voter-to-station list as CSV (voter number, names, center, station, "
        "page and row on the roll), by voter number or by center and station."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "run_id", type=number_argument(what="RUN_ID", minimum=1), metavar="RUN_ID"
        )
        parser.add_argument("--order", choices=sorted(ORDERS), default="by-number")
        parser.add_argument(
            "--output", metavar="PATH", help="the CSV file (default: a file named for the run)"
        )

    def handle(self, *args, run_id: int, order: str, output: str | None, **options):
        run = Run.objects.select_related("election").filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"Run {run_id} does not exist")
        try:
            election_open_check(run.election)
        except PersonalDataClosed as exc:
            raise CommandError(str(exc)) from None
        if output == "-":
            for chunk in run_export_lines(run, order):
                sys.stdout.write(chunk)
            return
        path = output or export_name(run, order)
        rows = 0
        try:
            with open(path, "w", newline="", encoding="utf-8") as handle:
                for chunk in run_export_lines(run, order):
                    handle.write(chunk)
                    rows += chunk.count("\r\n")
        except OSError as exc:
            # A folder that does not exist, no permission, a full disk: said, not a traceback.
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from None
        self.stdout.write(f"Wrote {path}: {max(rows - 1, 0):,} voters of run {run.pk}, {order}")
