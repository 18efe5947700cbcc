"""Station assignment: split each center's voters, in roll order, into polling stations.

Roll order is the election language's alphabetical order of family name, given name, then
voter number: the ICU sort key stored with each registration (elections/services/collation.py),
compared bytewise and so the same on SQLite and PostgreSQL. A
center with ``n`` voters and a station maximum ``m`` gets ``k = ceil(n / m)`` stations:

* **balanced** (default, as production election systems do): sizes differ by at most one,
  larger stations first (561 voters, m=500 -> 281 + 280);
* **sequential** (the talk's behaviour): full stations, then the remainder (500 + 61).

Both reduce to "``extra`` stations of ``base + 1`` voters, then stations of ``base``", so one
set-based INSERT with window functions places every voter (no per-voter Python loop) on
SQLite and PostgreSQL alike. The split belongs to the run: its stations and each voter's
``Placement`` (station and row) are new rows of that run, so a later run never changes what
an earlier one printed. Stations and placements are written in one transaction, so nobody
ever sees a half-assigned center.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection, transaction

from elections.models import Election, PollingCenter, Registration, Voter
from elections.services.collation import refresh_sort_keys
from rolls.models import AssignmentMode, Placement, Run, Station
from rolls.planning import station_sizes


class AssignmentError(ValueError):
    """The request cannot be carried out; nothing was changed."""


@dataclass(frozen=True)
class AssignmentResult:
    election_id: int
    mode: str
    centers: int
    stations: int
    voters: int
    seconds: float
    maximum: int = 0
    language: str = ""
    empty_center_codes: list[str] = field(default_factory=list)


# ``idx`` is a voter's 0-based rank in its center, ``n`` the center's size, {m} the maximum
# (an integer we format in; ``%%`` is SQL modulo escaped for parameter substitution).
# The first ``extra`` stations hold ``base + 1`` voters, the others ``base``.
_SHAPE_SQL = {
    AssignmentMode.BALANCED: (
        "(n / ((n + {m} - 1) / {m}))",  # base
        "(n %% ((n + {m} - 1) / {m}))",  # extra
    ),
    AssignmentMode.SEQUENTIAL: ("{m}", "0"),
}

_ASSIGN_SQL = """
WITH ranked AS (
    SELECT r.voter_id AS vid, r.center_id AS cid,
           v.voter_number AS vnum, v.family_name AS fam, v.given_name AS giv,
           ROW_NUMBER() OVER (
               PARTITION BY r.center_id
               ORDER BY r.sort_key
           ) - 1 AS idx,
           COUNT(*) OVER (PARTITION BY r.center_id) AS n
    FROM {registration} r JOIN {voter} v ON v.id = r.voter_id
    WHERE {scope}
), shaped AS (
    SELECT vid, cid, vnum, fam, giv, idx, {base} AS base, {extra} AS extra FROM ranked
), placed AS (
    SELECT vid, cid, vnum, fam, giv,
           CASE WHEN idx < extra * (base + 1) THEN idx / (base + 1) + 1
                ELSE extra + (idx - extra * (base + 1)) / base + 1 END AS station_number,
           CASE WHEN idx < extra * (base + 1) THEN idx %% (base + 1) + 1
                ELSE (idx - extra * (base + 1)) %% base + 1 END AS position
    FROM shaped
)
INSERT INTO {placement}
    (run_id, station_id, voter_id, position, voter_number, family_name, given_name)
SELECT s.run_id, s.id, p.vid, p.position, p.vnum, p.fam, p.giv
FROM placed p JOIN {station} s
  ON s.run_id = %s AND s.center_id = p.cid AND s.number = p.station_number
"""


def _assign_sql(mode: str, maximum: int, scope: str) -> str:
    base, extra = (part.format(m=int(maximum)) for part in _SHAPE_SQL[AssignmentMode(mode)])
    return _ASSIGN_SQL.format(
        registration=Registration._meta.db_table,
        voter=Voter._meta.db_table,
        station=Station._meta.db_table,
        placement=Placement._meta.db_table,
        scope=scope,
        base=base,
        extra=extra,
    )


def stations_assign(*, run_id: int, center_ids: Iterable[int] | None = None) -> AssignmentResult:
    """Split the run's centers (all of its election's, or ``center_ids``) into the run's own
    stations, with the election's station maximum and the run's assignment mode.

    Only this run's stations of those centers are replaced (a redelivered task assigns
    again); every other run's split stays exactly as it was.
    """
    started = time.perf_counter()
    run = Run.objects.select_related("election").filter(pk=run_id).first()
    if run is None:
        raise AssignmentError(f"Run {run_id} does not exist")
    try:
        mode = AssignmentMode.checked(run.assignment_mode)
    except ValueError as exc:
        raise AssignmentError(str(exc)) from None
    election = run.election
    maximum = election.max_voters_per_station

    with transaction.atomic():
        centers_qs = PollingCenter.objects.for_election(election).order_by("id")
        if center_ids is not None:
            wanted = set(center_ids)
            centers_qs = centers_qs.filter(id__in=wanted)
        # Serialises two assignments of the same centers on PostgreSQL; SQLite's IMMEDIATE
        # transactions already do.
        centers = list(centers_qs.select_for_update())
        if center_ids is not None and len(centers) != len(wanted):
            missing = sorted(wanted - {c.id for c in centers})
            raise AssignmentError(f"Centers {missing} are not centers of {election.name}")
        ids = [c.id for c in centers]
        counts = _registration_counts(election, ids, whole=center_ids is None)
        # Rows made without their key (an ORM insert, a database from before keys) would sort
        # apart: give them theirs first. Nothing to do, and one indexed probe, when all have one.
        refresh_sort_keys(
            election=election, center_ids=None if center_ids is None else ids, missing_only=True
        )

        Station.objects.filter(run=run, center_id__in=ids).delete()
        new_stations = _stations_create(
            Station(run=run, election=election, center_id=cid, number=number, voter_count=size)
            for cid in ids
            for number, size in enumerate(station_sizes(counts.get(cid, 0), maximum, mode), 1)
        )
        if new_stations:
            if center_ids is None:
                scope, params = "r.election_id = %s", [election.pk]
                stations_scope, stations_params = "", []
            else:
                marks = ", ".join(["%s"] * len(ids))
                scope, params = f"r.center_id IN ({marks})", list(ids)
                stations_scope, stations_params = f"AND s.center_id IN ({marks})", list(ids)
            with connection.cursor() as cursor:
                cursor.execute(_assign_sql(mode, maximum, scope), [*params, run.pk])
                cursor.execute(_ends_sql(stations_scope), [run.pk, *stations_params])
    voters = sum(counts.values())
    if voters >= FRESH_STATISTICS_AFTER:
        _refresh_statistics()

    return AssignmentResult(
        election_id=election.pk,
        mode=mode.value,
        centers=len(centers),
        stations=new_stations,
        voters=voters,
        seconds=time.perf_counter() - started,
        maximum=maximum,
        language=election.language,
        empty_center_codes=[c.code for c in centers if not counts.get(c.id)],
    )


# A split this large changes the tables' size by enough that PostgreSQL's plans go wrong
# until autovacuum gets round to them: measured at 1M voters on a fresh database, the split
# fingerprints' query then joined 2,538 stations against 1M placements in a nested loop
# (5 minutes instead of 2 s). ANALYZE samples the tables in a fraction of a second.
FRESH_STATISTICS_AFTER = 50_000


def _refresh_statistics() -> None:
    if connection.vendor != "postgresql":
        return  # SQLite plans these queries by its indexes alone
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Station, Placement))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _registration_counts(election: Election, ids: list[int], *, whole: bool) -> dict[int, int]:
    """{center id: registrations}: the rows the placing statement reads, by the same scope.

    Chosen centers are counted by center alone, as the statement places them: with the
    election as well, SQLite read the election's whole (election, voter) index for each
    center (0.22 s a center at 1M voters, 0.0008 s by center), which made every per-center
    strategy's assignment grow with the election's size, not the center's."""
    if whole:
        return Registration.objects.filter(election=election).counts_by_center()
    return Registration.objects.filter(center_id__in=ids).counts_by_center()


# Stations written this many at a time: a million voters' 6,000 model instances at once,
# with the name ranges then filled in from Python (bulk_update's CASE per field), took a
# worker's process from 125 to 142 MB for that one task.
STATIONS_A_QUERY = 500


def _stations_create(stations: Iterable[Station]) -> int:
    """Insert *stations* a chunk at a time; how many there were."""
    created = 0
    stations = iter(stations)
    while chunk := list(islice(stations, STATIONS_A_QUERY)):
        Station.objects.bulk_create(chunk)
        created += len(chunk)
    return created


# Each station's first and last voter, the range posted at its door, from the two rows of
# its split found through the (station, row) index: one statement for all the run's new
# stations (PostgreSQL, and SQLite since 3.33, take UPDATE ... FROM).
_ENDS_SQL = """
UPDATE {station} AS s SET
    first_voter_number = f.voter_number,
    first_voter_name = f.family_name || ', ' || f.given_name,
    last_voter_number = l.voter_number,
    last_voter_name = l.family_name || ', ' || l.given_name
FROM {placement} AS f, {placement} AS l
WHERE s.run_id = %s {scope}
  AND f.station_id = s.id AND f.position = 1
  AND l.station_id = s.id AND l.position = s.voter_count
"""


def _ends_sql(scope: str) -> str:
    return _ENDS_SQL.format(
        station=Station._meta.db_table, placement=Placement._meta.db_table, scope=scope
    )
