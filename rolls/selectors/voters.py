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

from django.db import connection
from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from elections.folding import fold
from elections.models import Election, Registration, Voter
from rolls.models import DocumentKind, Placement, RollFile, Run, RunCenter, RunStatus
from rolls.planning import ROWS_PER_PAGE

PAGE_SIZE = 50
# A page says how many voters match up to this many, then "more than".
COUNT_UP_TO = 1000


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
            return [(gettext("latest run's split (no official set published)"), self.latest)]
        rows: list[tuple[str, Place | None]] = [(gettext("official set"), self.official)]
        if self.latest is not None:
            rows.append((gettext("latest run"), self.latest))
        return rows


@dataclass(frozen=True)
class Found:
    """One page of the voters matching a query, with their answers."""

    answers: list[Answer]
    voters: int  # how many voters match, over every page (at most COUNT_UP_TO)
    more: bool  # more than ``voters`` match: counting stopped there
    first: int  # the position of this page's first voter (1-based; 0 when none match)
    last: int
    page: int
    has_next: bool


def roll_page(row: int) -> int:
    """The printed page of a roll row: the cover is page 1, then 40 rows a page."""
    return 1 + -(-row // ROWS_PER_PAGE)


class _IndexOrder(OrderBy):
    """``ORDER BY column USING ~<~``: the order of a ``varchar_pattern_ops`` index (byte
    order), so PostgreSQL reads a page of prefix matches off the index where a COLLATE "C"
    order would fetch and sort every match (all 16,000 voters named Johnson)."""

    # An order by operator takes no ASC; the comment is for Django's compiler, which finds
    # each ORDER BY term's direction in its text (and fails on a term without one).
    template = "%(expression)s USING ~<~ /* ASC */"


def _name_order(field: str) -> OrderBy:
    """``field`` in byte order, the same on SQLite (whose default is binary) and PostgreSQL."""
    if connection.vendor == "postgresql":
        return _IndexOrder(F(field))
    return F(field).asc()


def _by_prefix(voters: QuerySet[Voter], prefix: str) -> list[QuerySet[Voter]]:
    """Those whose folded "family given" starts with ``prefix``, then those whose "given
    family" does: each read off its prefix index, in its order."""
    by_family = Q(search_name__startswith=prefix)
    return [
        voters.filter(by_family).order_by(_name_order("search_name"), "voter_number"),
        voters.filter(Q(search_name_given_first__startswith=prefix) & ~by_family).order_by(
            _name_order("search_name_given_first"), "voter_number"
        ),
    ]


def matching_voters(query: str, *, election: Election | None = None) -> list[QuerySet[Voter]]:
    """The voters matching ``query``, in the order shown, as querysets read one after the
    other: the voter whose number is ``query``; else, folded, those whose family name and
    then given name starts with it ("Lefevre", "lef", "Smith, Robert", "Robert Smith");
    else, for several words, those whose name has a word starting with each ("lef ann" finds
    "Lefèvre, Anne"). Each part is ordered by its indexed folded name, then number."""
    query = query.strip()
    voters = Voter.objects.all()
    if election is not None:
        voters = voters.filter(
            Exists(Registration.objects.filter(voter=OuterRef("pk"), election=election))
        )
    if query and voters.filter(voter_number=query).exists():
        return [voters.filter(voter_number=query)]
    words = fold(query).split()
    if not words:
        return []
    whole = _by_prefix(voters, " ".join(words))
    if len(words) == 1 or any(part.exists() for part in whole):
        return whole
    # Word by word: the first word rides an index; the others sift the rows it finds (all
    # of a common family name, so only when the whole query found nobody).
    for word in words[1:]:
        voters = voters.filter(
            Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")
        )
    return _by_prefix(voters, words[0])


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
            set_status=str(run.set_status.label).lower(),
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


def _page_number(page: int | str) -> int:
    """A page number as typed in a URL: anything but a positive whole number is page 1."""
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def _counted(part: QuerySet[Voter]) -> tuple[int, bool]:
    """How many voters ``part`` holds, counting no further than ``COUNT_UP_TO`` (a common
    family name matches thousands of voters scattered over the table; counting them all
    would read each one): (count, whether there are more)."""
    n = part.order_by()[: COUNT_UP_TO + 1].count()
    return min(n, COUNT_UP_TO), n > COUNT_UP_TO


def _one_page(
    parts: list[QuerySet[Voter]], counts: list[tuple[int, bool]], offset: int
) -> list[Voter]:
    """``PAGE_SIZE`` voters from ``offset`` of the parts read one after the other (``counts``
    their ``_counted``)."""
    rows: list[Voter] = []
    for part, (n, more) in zip(parts, counts, strict=True):
        if len(rows) == PAGE_SIZE:
            break
        if offset:
            if more and offset >= n:
                n = part.count()  # paging past the first thousand: the exact count is needed
            if offset >= n:
                offset -= n
                continue
        rows += part[offset : offset + PAGE_SIZE - len(rows)]
        offset = 0
    return rows


def voters_find(query: str, *, election: Election | None = None, page: int | str = 1) -> Found:
    """One page (``PAGE_SIZE`` voters; a page past the last gives the last one) of the
    voters matching ``query``, each with one answer per registration, and how many match
    (or that more than ``COUNT_UP_TO`` do)."""
    parts = matching_voters(query, election=election)
    counts = [_counted(part) for part in parts]
    total, more = sum(n for n, _ in counts), any(more for _, more in counts)
    number = _page_number(page)
    if not more:
        number = min(number, max(1, -(-total // PAGE_SIZE)))
    voters = _one_page(parts, counts, (number - 1) * PAGE_SIZE)
    if not voters and number > 1:  # past the end of more than could be counted
        number, voters = 1, _one_page(parts, counts, 0)
    first = (number - 1) * PAGE_SIZE + 1 if voters else 0
    last = first + len(voters) - 1 if voters else 0
    return Found(
        answers=answers_for(voters, election=election),
        voters=total,
        more=more,
        first=first,
        last=last,
        page=number,
        has_next=len(voters) == PAGE_SIZE and (more or last < total),
    )
