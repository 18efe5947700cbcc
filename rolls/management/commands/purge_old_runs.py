from datetime import timedelta

from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, number_argument
from rolls.services.retention import runs_purge


class Command(CheckedCommand):
    help = "Delete finished runs older than --days, with their PDF files (personal data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=number_argument(what="days", maximum=36_500),
            required=True,
            help="keep runs newer than this",
        )
        parser.add_argument("--dry-run", action="store_true", help="only say what would go")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 0:
            raise CommandError(f"--days must be 0 or more, got {days}")
        result = runs_purge(older_than=timedelta(days=days), dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {result.runs} runs finished more than {days} days ago and "
            f"{result.files} PDF files ({result.missing_files} already gone)."
        )
