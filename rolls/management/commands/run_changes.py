from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, number_argument
from rolls.models import Run
from rolls.selectors.changes import official_run, run_changes, write_changes_csv
from rolls.services.closing import PersonalDataClosed, election_open_check


class Command(CheckedCommand):
    help = (
        "What changed between two runs of an election (default: RUN_ID against the official "
        "set): voters added, removed, moved to another center or station, renamed, and the "
        "stations to reprint. --csv writes every change, one line each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "run_id",
            type=number_argument(what="RUN_ID", minimum=1),
            metavar="RUN_ID",
            help="the later run",
        )
        parser.add_argument(
            "--against",
            type=number_argument(what="RUN_ID", minimum=1),
            metavar="RUN_ID",
            help="the earlier run",
        )
        parser.add_argument(
            "--csv", dest="csv_path", metavar="PATH", help="write the changes here ('-': stdout)"
        )

    def handle(self, *args, run_id: int, against: int | None, csv_path: str | None, **options):
        after = Run.objects.select_related("election").filter(pk=run_id).first()
        if after is None:
            raise CommandError(f"Run {run_id} does not exist")
        try:
            election_open_check(after.election)
        except PersonalDataClosed as exc:
            raise CommandError(str(exc)) from None
        before = (
            Run.objects.filter(pk=against).first()
            if against is not None
            else official_run(after.election_id)
        )
        if before is None:
            raise CommandError(
                f"Run {against} does not exist"
                if against is not None
                else f"{after.election.name} has no official set: give --against RUN_ID"
            )
        if before.election_id != after.election_id:
            raise CommandError("Both runs must be of the same election")
        if csv_path == "-":
            write_changes_csv(before, after, self.stdout)
            return
        if csv_path:
            try:
                with open(csv_path, "w", newline="", encoding="utf-8") as handle:
                    write_changes_csv(before, after, handle)
            except OSError as exc:
                raise CommandError(f"Cannot write {csv_path}: {exc.strerror or exc}") from None
        changes = run_changes(before, after)
        self.stdout.write(f"Run {after.pk} against run {before.pk} ({after.election.name}):")
        for kind, count in changes.counts.items():
            self.stdout.write(f"  {kind}: {count}")
        shown = ", ".join(f"{c} station {n}" for c, n in changes.stations_to_reprint[:50])
        more = len(changes.stations_to_reprint) - 50
        detail = f" ({shown}{f' and {more} more' if more > 0 else ''})" if shown else ""
        self.stdout.write(f"  stations to reprint: {len(changes.stations_to_reprint)}{detail}")
