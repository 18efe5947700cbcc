"""Find a voter's station: by voter number or full name, on the official set and the latest
run of each election they are registered in.

Served by indexes only, whatever the register's size: the voter by ``voter_number`` (unique)
or ``search_name`` (folded, see elections/folding.py), then per registration the run's
center record (run, center), the placement (run, voter) and the files (run, center,
station, kind), each a unique index.
"""

from __future__ import annotations

from dataclasses import dataclass

from elections.folding import name_candidates
from elections.models import Election, Registration, Voter
from rolls.models import DocumentKind, Placement, RollFile, Run, RunCenter, RunStatus
from rolls.pdf import ROWS_PER_PAGE  # the renderer decides what a page holds

MAX_VOTERS = 20


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

    @property
    def places(self) -> list[tuple[str, Place | None]]:
        """("official set", place) and, if there is a later run, ("latest run", place)."""
        rows: list[tuple[str, Place | None]] = [("official set", self.official)]
        if self.latest is not None:
            rows.append(("latest run", self.latest))
        return rows


def roll_page(row: int) -> int:
    """The printed page of a roll row: the cover is page 1, then 40 rows a page."""
    return 1 + -(-row // ROWS_PER_PAGE)


def matching_voters(query: str, *, election: Election | None = None) -> list[Voter]:
    """Voters whose number is ``query``, else whose folded full name is ``query`` in either
    order ("Smith Robert", "Smith, Robert", "robert SMITH")."""
    query = query.strip()
    if not query:
        return []
    voters = Voter.objects.all()
    if election is not None:
        voters = voters.filter(registrations__election=election)
    by_number = list(voters.filter(voter_number=query)[:MAX_VOTERS])
    if by_number:
        return by_number
    candidates = name_candidates(query)
    if not candidates:
        return []
    return list(voters.filter(search_name__in=candidates).order_by("voter_number")[:MAX_VOTERS])


def _latest_run(election_id: int) -> Run | None:
    return (
        Run.objects.filter(election_id=election_id, status=RunStatus.SUCCEEDED, renders=True)
        .order_by("-finished_at", "-pk")
        .first()
    )


def _place(run: Run, registration: Registration) -> Place | None:
    """The voter's station and row in ``run`` (in the run whose split a carried-over center
    keeps), and the run's roll and sign of that station."""
    center = RunCenter.objects.filter(run=run, center_id=registration.center_id).first()
    if center is None:
        return None
    placed = (
        Placement.objects.filter(run_id=center.split_run_id, voter_id=registration.voter_id)
        .select_related("station")
        .first()
    )
    if placed is None:
        return None
    number = placed.station.number
    files = dict(
        RollFile.objects.filter(
            run=run,
            center_id=registration.center_id,
            station_number=number,
            kind__in=[DocumentKind.ROLL, DocumentKind.SIGN],
        ).values_list("kind", "pk")
    )
    return Place(
        run_id=run.pk,
        set_status=run.set_status.value,
        station=number,
        row=placed.position,
        page=roll_page(placed.position),
        roll_file_id=files.get(DocumentKind.ROLL),
        sign_file_id=files.get(DocumentKind.SIGN),
    )


def voter_places(voter: Voter, *, election: Election | None = None) -> list[Answer]:
    """Each registration of ``voter`` (in ``election`` only, if given) with its places."""
    registrations = Registration.objects.filter(voter=voter).select_related("election", "center")
    if election is not None:
        registrations = registrations.filter(election=election)
    answers = []
    runs: dict[int, tuple[Run | None, Run | None]] = {}
    for registration in registrations.order_by("election__polling_date", "election_id"):
        if registration.election_id not in runs:
            official = Run.objects.official().filter(election_id=registration.election_id).first()
            latest = _latest_run(registration.election_id)
            runs[registration.election_id] = (
                official,
                latest if latest and (official is None or latest.pk != official.pk) else None,
            )
        official, latest = runs[registration.election_id]
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
                official=_place(official, registration) if official else None,
                latest=_place(latest, registration) if latest else None,
            )
        )
    return answers


def voters_find(query: str, *, election: Election | None = None) -> list[Answer]:
    """Every answer for ``query``: one per matching voter and registration (at most
    MAX_VOTERS voters)."""
    return [
        answer
        for voter in matching_voters(query, election=election)
        for answer in voter_places(voter, election=election)
    ]
