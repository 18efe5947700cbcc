from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand
from rolls.signed_sets import (
    SigningKeyError,
    UnreadableSet,
    public_key_argument,
    report_lines,
    set_check,
)


class Command(CheckedCommand):
    help = (
        "Check a downloaded roll set (its zip, or the folder it was extracted into) against "
        "the commission's public key: the signature over its manifest, every listed file "
        "present with its SHA-256, and no PDF the manifest does not list. Needs no database."
    )
    # A set is checked on any machine, with no database to migrate or reach: no system
    # checks (some read the database), no migration check.
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("location", metavar="FOLDER_OR_ZIP")
        parser.add_argument(
            "--public-key",
            required=True,
            metavar="KEY",
            help="the commission's public key: its PEM file, or the base64 of its 32 bytes "
            "(never the copy inside the set)",
        )

    def handle(self, *args, location: str, public_key: str, **options):
        try:
            check = set_check(Path(location), public_key_argument(public_key))
        except (SigningKeyError, UnreadableSet) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot read {location}: {exc.strerror or exc}") from None
        for line in report_lines(Path(location), check):
            self.stdout.write(line)
        if not check.ok:
            problems = len(check.failures)
            raise CommandError(
                f"{location} is not the set the commission signed "
                f"({problems} problem{'' if problems == 1 else 's'}, each named above)"
            )
