"""``manage.py close_personal_data ELECTION [--confirm]``.

A dry run unless ``--confirm`` is given: closing cannot be undone, so the command that a
script, a shell history or a copied line runs by mistake only prints what would go. With
``--confirm`` it closes, and prints what was removed (the same counts are recorded)."""

from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand
from elections.references import REFERENCE_HELP, UnknownElection, election_label, election_resolve
from rolls.services.closing import (
    ClosingRefused,
    closing_plan,
    closing_refused,
    personal_data_close,
    removed_lines,
)


class Command(CheckedCommand):
    help = (
        "Close an election's personal data after its retention date: remove its PDFs, "
        "uploads, placements, registrations and the voters registered nowhere else; keep its "
        "runs and their SHA-256 records. Prints what would go unless --confirm is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("election", metavar="ELECTION", help=REFERENCE_HELP)
        parser.add_argument(
            "--confirm", action="store_true", help="close for real (without it: a dry run)"
        )

    def handle(self, *args, election: str, confirm: bool, **options):
        try:
            target = election_resolve(election)
        except UnknownElection as exc:
            raise CommandError(str(exc)) from None
        refused = closing_refused(target)
        if refused:
            raise CommandError(refused)
        if not confirm:
            self.stdout.write(
                f"Closing the personal data of {election_label(target)} would remove:"
            )
            self._lines(closing_plan(election_id=target.pk).as_dict())
            self.stdout.write("Nothing was removed: run again with --confirm to close.")
            return
        try:
            closing = personal_data_close(election_id=target.pk, closed_by="cli")
        except ClosingRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"The personal data of {election_label(target)} is closed. Removed:")
        self._lines(closing.removed)

    def _lines(self, removed: dict) -> None:
        for label, number in removed_lines(removed):
            self.stdout.write(f"  {number:>10,}  {label}")
