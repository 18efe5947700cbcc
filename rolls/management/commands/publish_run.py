from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, number_argument
from rolls.services.publication import PublishRefused, run_publish


class Command(CheckedCommand):
    help = (
        "Publish a finished, complete run as its election's official roll set (the previous "
        "official set is superseded, and kept)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "run_id", type=number_argument(what="RUN_ID", minimum=1), metavar="RUN_ID"
        )

    def handle(self, *args, run_id: int, **options):
        try:
            run = run_publish(run_id=run_id, published_by="cli")
        except PublishRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Run {run.pk} is now the official roll set of {run.election.name} "
            f"({run.stations_done} rolls, {run.pages} pages)."
        )
