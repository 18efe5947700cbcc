"""manage.py find_voter NUMBER-OR-NAME [--election SLUG]: where a voter votes."""

from __future__ import annotations

from django.core.management.base import CommandError

from config.parsing import CheckedCommand
from elections.references import REFERENCE_HELP, election_label
from rolls.management.commands._common import find_election
from rolls.selectors.voters import MAX_VOTERS, Place, voters_find


def place_line(label: str, place: Place | None) -> str:
    if place is None:
        return f"  {label}: not in its rolls"
    return (
        f"  {label} (run {place.run_id}, {place.set_status}): station {place.station}, "
        f"page {place.page}, row {place.row}"
    )


class Command(CheckedCommand):
    help = (
        "Find a voter's center, station, page and row by voter number or full name in either "
        'order ("Smith Robert", "Smith, Robert"), without accents or case.'
    )

    def add_arguments(self, parser):
        parser.add_argument("query", help="a voter number, or a family and given name")
        parser.add_argument("--election", help=f"only this election: {REFERENCE_HELP}")

    def handle(self, *args, query: str, election: str | None, **options):
        scope = find_election(election) if election else None
        answers = voters_find(query, election=scope)
        if not answers:
            where = f" in {election_label(scope)}" if scope else ""
            raise CommandError(f"No registered voter matches {query!r}{where}")
        if scope is not None:
            self.stdout.write(f"In {election_label(scope)}:")
        for answer in answers:
            self.stdout.write(
                f"{answer.voter_number} {answer.name}: {answer.election} ({answer.election_slug}), "
                f"center {answer.center_code} {answer.center_name}"
            )
            self.stdout.write(place_line("official set", answer.official))
            if answer.latest is not None:
                self.stdout.write(place_line("latest run", answer.latest))
        if len({a.voter_id for a in answers}) >= MAX_VOTERS:
            self.stdout.write(f"(the first {MAX_VOTERS} voters; give a voter number to narrow)")
