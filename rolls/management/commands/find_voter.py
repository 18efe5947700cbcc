"""manage.py find_voter NUMBER-OR-NAME [--election SLUG] [--page N]: where a voter votes."""

from __future__ import annotations

from django.core.management.base import CommandError

from config.parsing import CheckedCommand, number_argument
from elections.references import REFERENCE_HELP, election_label
from rolls.management.commands._common import find_election
from rolls.selectors.voters import Place, voters_find


def place_line(label: str, place: Place | None) -> str:
    if place is None:
        return f"  {label}: not in its rolls"
    return (
        f"  {label} (run {place.run_id}, {place.set_status}): station {place.station}, "
        f"page {place.page}, row {place.row}"
    )


class Command(CheckedCommand):
    help = (
        "Find a voter's center, station, page and row by voter number, a family name alone, a "
        'full name in either order ("Smith Robert", "Smith, Robert") or the first letters of a '
        "name, without accents or case."
    )

    def add_arguments(self, parser):
        parser.add_argument("query", help="a voter number, or a name or its first letters")
        parser.add_argument("--election", help=f"only this election: {REFERENCE_HELP}")
        parser.add_argument(
            "--page",
            type=number_argument(what="--page", minimum=1),
            default=1,
            help="the page of matching voters",
        )

    def handle(self, *args, query: str, election: str | None, page: int, **options):
        scope = find_election(election) if election else None
        found = voters_find(query, election=scope, page=page)
        answers = found.answers
        if not answers:
            where = f" in {election_label(scope)}" if scope else ""
            raise CommandError(f"No registered voter matches {query!r}{where}")
        if scope is not None:
            self.stdout.write(f"In {election_label(scope)}:")
        of = f"more than {found.voters}" if found.more else found.voters
        self.stdout.write(f"voters {found.first}-{found.last} of {of} (page {found.page})")
        for answer in answers:
            self.stdout.write(
                f"{answer.voter_number} {answer.name}: {answer.election} ({answer.election_slug}), "
                f"center {answer.center_code} {answer.center_name}"
            )
            for label, place in answer.places:
                self.stdout.write(place_line(label, place))
        if found.has_next:
            self.stdout.write(f"(more: --page {found.page + 1})")
