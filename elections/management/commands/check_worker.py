from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import CommandError, CommandParser
from django.db import connection

from config.parsing import CheckedCommand, duration_argument
from elections.models import Election
from elections.tasks import count_registrations


class Command(CheckedCommand):
    help = (
        "Send one small task through the broker and wait for a worker to answer it from the "
        "database: proves that a worker consumes this deployment's queues and shares its "
        "database (run it after starting workers on new machines)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout", type=duration_argument(), default=30, help="seconds to wait"
        )

    def handle(self, *args, timeout: float, **options):
        election = Election.objects.order_by("pk").first()
        election_id = election.pk if election else 0
        try:
            answer = count_registrations.delay(election_id).get(timeout=timeout)
        except CeleryTimeout:
            raise CommandError(
                f"No worker answered within {timeout:g} s: is one running on this broker, "
                "consuming the db queue?"
            ) from None
        if answer["database"] != connection.vendor:
            raise CommandError(
                f"A worker answered from a {answer['database']} database; this console uses "
                f"{connection.vendor}: the worker is configured for another deployment"
            )
        expected = (
            election.registrations.count() if election is not None else answer["registrations"]
        )
        if answer["registrations"] != expected:
            raise CommandError(
                f"A worker counted {answer['registrations']} registrations where this console "
                f"counts {expected}: it reads another database"
            )
        self.stdout.write(
            f"A worker answered (process {answer['pid']}) from the same {answer['database']} "
            f"database: {answer['registrations']} registrations"
            + (f" in {election.name}." if election else ".")
        )
