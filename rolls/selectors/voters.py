"""Find a voter's station: by voter number, full name, family name alone or a prefix of
either name, on the official set and the latest run of each election they are registered in.

Served by indexes, whatever the register's size: the voter by ``voter_number`` (unique) or
by a prefix of ``search_name`` ("family given") or ``search_name_given_first`` ("given
family"), both folded (see elections/folding.py) and prefix-indexed; then, for the one page
of voters shown, per registration the run's center record (run, center), the placement
(run, voter) and the files (run, center, station, kind), each a unique index.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Collate

from elections.folding import fold, name_candidates
from elections.models import Election, Registration, Voter
from rolls.models import DocumentKind, Placement, RollFile, Run, RunCenter, RunStatus
from rolls.pdf import ROWS_PER_PAGE  # the renderer decides what a page holds

PAGE_SIZE = 50


@dataclass(frozen=True)
class Place:
    """Where a voter is on one run's rolls."""

    run_id: int
    set_status: str  # "official", "draft", ...
    station: int
    row: int
    page: int  # as printed on the roll: the cover is page 1
    roll_file_id: int | None
    sign_file_id: int | None


@dataclass(frozen=True)
class Answer:
    voter_id: int
    voter_number: str
    name: str
    election_id: int
    election: str
    election_slug: str
    center_code: str
    center_name: str
    official: Place | None
    latest: Place | None  # the latest finished rendering run, when it is not the official
    official_published: bool = True  # whether the election has an official set at all

    @property
    def places(self) -> list[tuple[str, Place | None]]:
        """("official set", place) and, if there is a later run, ("latest run", place); with
        no official set yet, only the latest run's split, saying so."""
        if not self.official_published and self.latest is not None:
            return [("latest run's split (no official set published)", self.latest)]
        rows: list[tuple[str, Place | None]] = [("official set", self.official)]
        if self.latest is not None:
            rows.append(("latest run", self.latest))
        return rows


@dataclass(frozen=True)
class Found:
    """One page of the voters matching a query, with their answers."""

    answers: list[Answer]
    voters: int  # how many voters match, over every page
    first: int  # the position of this page's first voter (1-based; 0 when none match)
    last: int
    page: int
    pages: int


def roll_page(row: int) -> int:
    """The printed page of a roll row: the cover is page 1, then 40 rows a page."""
    return 1 + -(-row // ROWS_PER_PAGE)


def _bytewise(field: str) -> Collate | F:
    """``field`` compared byte by byte: folded names then sort the same on SQLite (whose
    default is already binary) and PostgreSQL (whose default follows the server's locale)."""
    return Collate(F(field), "C") if connection.vendor == "postgresql" else F(field)


def matching_voters(query: str, *, election: Election | None = None) -> QuerySet[Voter]:
    """Voters whose number is ``query``; else, folded, whose name is ``query`` word by word:
    the first word starts the family or the given name, and each other word starts a word of
    the name ("Lefevre", "lef", "anne lef", "Smith, Robert"), or whose full name is ``query``
    in any order of its words. Ordered by folded name, then number."""
    query = query.strip()
    voters = Voter.objects.all()
    if election is not None:
        voters = voters.filter(registrations__election=election)
    if query and voters.filter(voter_number=query).exists():
        return voters.filter(voter_number=query)
    words = fold(query).split()
    if not words:
        return voters.none()
    first, *others = words
    # The first word rides one of the two prefix indexes; the others only sift those rows.
    by_words = Q(search_name__startswith=first) | Q(search_name_given_first__startswith=first)
    for word in others:
        by_words &= Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")
    matching = by_words | Q(search_name__in=name_candidates(query))
    return voters.filter(matching).order_by(_bytewise("search_name"), "voter_number")


def _latest_run(election_id: int) -> Run | None:
    return (
        Run.objects.filter(election_id=election_id, status=RunStatus.SUCCEEDED, renders=True)
        .order_by("-finished_at", "-pk")
        .first()
    )


class _Places:
    """Every place of some registrations in some runs, read in a few set-based queries
    (however many voters share a name): centers of the runs, then placements, then files."""

    def __init__(self, runs: list[Run], registrations: list[Registration]) -> None:
        self.runs = {run.pk: run for run in runs}
        centers = {r.center_id for r in registrations}
        voters = {r.voter_id for r in registrations}
        self.split = {
            (rc.run_id, rc.center_id): rc.split_run_id
            for rc in RunCenter.objects.filter(run__in=runs, center_id__in=centers)
        }
        self.placed = {
            (run_id, voter_id): (number, position)
            for run_id, voter_id, number, position in Placement.objects.filter(
                run_id__in={*self.split.values()}, voter_id__in=voters
            ).values_list("run_id", "voter_id", "station__number", "position")
        }
        self.files = {
            (run_id, center_id, number, kind): pk
            for run_id, center_id, number, kind, pk in RollFile.objects.filter(
                run__in=runs,
                center_id__in=centers,
                kind__in=[DocumentKind.ROLL, DocumentKind.SIGN],
            ).values_list("run_id", "center_id", "station_number", "kind", "pk")
        }

    def place(self, run: Run | None, registration: Registration) -> Place | None:
        """The voter's station and row in ``run`` (in the run whose split a carried-over
        center keeps), and the run's roll and sign of that station."""
        if run is None:
            return None
        split = self.split.get((run.pk, registration.center_id))
        placed = self.placed.get((split, registration.voter_id)) if split else None
        if placed is None:
            return None
        number, row = placed
        key = (run.pk, registration.center_id, number)
        return Place(
            run_id=run.pk,
            set_status=run.set_status.value,
            station=number,
            row=row,
            page=roll_page(row),
            roll_file_id=self.files.get((*key, DocumentKind.ROLL)),
            sign_file_id=self.files.get((*key, DocumentKind.SIGN)),
        )


def answers_for(voters: list[Voter], *, election: Election | None = None) -> list[Answer]:
    """Each registration of ``voters`` (in ``election`` only, if given) with its places."""
    if not voters:
        return []
    registrations = list(
        Registration.objects.filter(voter__in=voters)
        .select_related("election", "center", "voter")
        .order_by("voter__voter_number", "election__polling_date", "election_id")
    )
    # In the order the voters were found (a stable sort keeps each voter's elections in order).
    order = {voter.pk: i for i, voter in enumerate(voters)}
    registrations.sort(key=lambda registration: order[registration.voter_id])
    if election is not None:
        registrations = [r for r in registrations if r.election_id == election.pk]
    runs: dict[int, tuple[Run | None, Run | None]] = {}
    for election_id in dict.fromkeys(r.election_id for r in registrations):
        official = Run.objects.official().filter(election_id=election_id).first()
        latest = _latest_run(election_id)
        if latest is not None and official is not None and latest.pk == official.pk:
            latest = None
        runs[election_id] = (official, latest)
    places = _Places([run for pair in runs.values() for run in pair if run], registrations)
    answers = []
    for registration in registrations:
        official, latest = runs[registration.election_id]
        voter = registration.voter
        answers.append(
            Answer(
                voter_id=voter.pk,
                voter_number=voter.voter_number,
                name=voter.full_name,
                election_id=registration.election_id,
                election=registration.election.name,
                election_slug=registration.election.slug,
                center_code=registration.center.code,
                center_name=registration.center.name,
                official=places.place(official, registration),
                latest=places.place(latest, registration),
                official_published=official is not None,
            )
        )
    return answers


def voter_places(voter: Voter, *, election: Election | None = None) -> list[Answer]:
    """Each registration of ``voter`` with its places (the voter's admin page)."""
    return answers_for([voter], election=election)


def voters_find(query: str, *, election: Election | None = None, page: int | str = 1) -> Found:
    """One page (``PAGE_SIZE`` voters; a page number out of range gives the nearest page) of
    the voters matching ``query``, each with one answer per registration."""
    paginator = Paginator(matching_voters(query, election=election), PAGE_SIZE)
    shown = paginator.get_page(page)
    voters = list(shown.object_list)
    return Found(
        answers=answers_for(voters, election=election),
        voters=paginator.count,
        first=shown.start_index(),
        last=shown.end_index(),
        page=shown.number,
        pages=paginator.num_pages,
    )
