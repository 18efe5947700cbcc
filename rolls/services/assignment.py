"""Station assignment: split each center's voters, in roll order, into polling stations.

Roll order is family name, given name, then voter number (the database's collation). A
center with ``n`` voters and a station maximum ``m`` gets ``k = ceil(n / m)`` stations:

* **balanced** (default, as production election systems do): sizes differ by at most one,
  larger stations first (561 voters, m=500 -> 281 + 280);
* **sequential** (the talk's behaviour): full stations, then the remainder (500 + 61).

Both reduce to "``extra`` stations of ``base + 1`` voters, then stations of ``base``", so one
set-based UPDATE with window functions places every voter (no per-voter Python loop) on
SQLite and PostgreSQL alike. A center's old stations are deleted and its new ones written in
one transaction, so nobody ever sees a half-assigned center; the registration -> station
foreign key is checked at commit, which is what makes that replacement possible.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction

from elections.models import Election, PollingCenter, Registration, Voter
from rolls.models import AssignmentMode, Station


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
    empty_center_codes: list[str] = field(default_factory=list)


def station_sizes(voters: int, maximum: int, mode: str = AssignmentMode.BALANCED) -> list[int]:
    """The sizes the SQL below produces, for planning and for checking it."""
    if maximum < 1:
        raise AssignmentError("The maximum number of voters per station must be at least 1")
    if voters <= 0:
        return []
    base, extra = _base_and_extra(voters, maximum, mode)
    stations = -(-voters // maximum)
    if mode == AssignmentMode.SEQUENTIAL:
        return [maximum] * (stations - 1) + [voters - maximum * (stations - 1)]
    return [base + 1] * extra + [base] * (stations - extra)


def _base_and_extra(voters: int, maximum: int, mode: str) -> tuple[int, int]:
    if mode == AssignmentMode.SEQUENTIAL:
        return maximum, 0
    stations = -(-voters // maximum)
    return voters // stations, voters % stations


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
    SELECT r.id AS rid, r.center_id AS cid,
           ROW_NUMBER() OVER (
               PARTITION BY r.center_id
               ORDER BY v.family_name, v.given_name, v.voter_number
           ) - 1 AS idx,
           COUNT(*) OVER (PARTITION BY r.center_id) AS n
    FROM {registration} r JOIN {voter} v ON v.id = r.voter_id
    WHERE {scope}
), shaped AS (
    SELECT rid, cid, idx, {base} AS base, {extra} AS extra FROM ranked
), placed AS (
    SELECT rid, cid,
           CASE WHEN idx < extra * (base + 1) THEN idx / (base + 1) + 1
                ELSE extra + (idx - extra * (base + 1)) / base + 1 END AS station_number,
           CASE WHEN idx < extra * (base + 1) THEN idx %% (base + 1) + 1
                ELSE (idx - extra * (base + 1)) %% base + 1 END AS position
    FROM shaped
)
UPDATE {registration}
SET station_id = s.id, station_position = p.position
FROM placed p JOIN {station} s ON s.center_id = p.cid AND s.number = p.station_number
WHERE {registration}.id = p.rid
"""


def _assign_sql(mode: str, maximum: int, scope: str) -> str:
    base, extra = (part.format(m=int(maximum)) for part in _SHAPE_SQL[AssignmentMode(mode)])
    return _ASSIGN_SQL.format(
        registration=Registration._meta.db_table,
        voter=Voter._meta.db_table,
        station=Station._meta.db_table,
        scope=scope,
        base=base,
        extra=extra,
    )


def stations_assign(
    *,
    election_id: int,
    center_ids: Iterable[int] | None = None,
    mode: str = AssignmentMode.BALANCED,
) -> AssignmentResult:
    """Replace the stations of an election's centers (all of them, or ``center_ids``)."""
    started = time.perf_counter()
    try:
        mode = AssignmentMode.checked(mode)
    except ValueError as exc:
        raise AssignmentError(str(exc)) from None
    election = Election.objects.filter(pk=election_id).first()
    if election is None:
        raise AssignmentError(f"Election {election_id} does not exist")

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

        Station.objects.filter(center_id__in=ids).delete()
        new_stations = Station.objects.bulk_create(
            Station(election=election, center_id=cid, number=number, voter_count=size)
            for cid in ids
            for number, size in enumerate(
                station_sizes(counts.get(cid, 0), election.max_voters_per_station, mode), 1
            )
        )
        if new_stations:
            if center_ids is None:
                scope, params = "r.election_id = %s", [election.pk]
            else:
                scope = f"r.center_id IN ({', '.join(['%s'] * len(ids))})"
                params = ids
            with connection.cursor() as cursor:
                cursor.execute(_assign_sql(mode, election.max_voters_per_station, scope), params)
            _record_name_ranges(new_stations, scope, params)

    return AssignmentResult(
        election_id=election.pk,
        mode=mode.value,
        centers=len(centers),
        stations=len(new_stations),
        voters=sum(counts.values()),
        seconds=time.perf_counter() - started,
        empty_center_codes=[c.code for c in centers if not counts.get(c.id)],
    )


def _registration_counts(election: Election, ids: list[int], *, whole: bool) -> dict[int, int]:
    registrations = Registration.objects.filter(election=election)
    if not whole:
        registrations = registrations.filter(center_id__in=ids)
    return registrations.counts_by_center()


_ENDS_SQL = """
SELECT r.station_id, r.station_position, v.voter_number, v.family_name, v.given_name
FROM {registration} r
JOIN {station} s ON s.id = r.station_id
JOIN {voter} v ON v.id = r.voter_id
WHERE {scope} AND (r.station_position = 1 OR r.station_position = s.voter_count)
"""


def _record_name_ranges(stations: list[Station], scope: str, params: list) -> None:
    """Store each station's first and last voter: the range posted at the station's door.

    One pass over the same registrations the assignment just wrote (2 rows a station).
    """
    by_id = {s.id: s for s in stations}
    sql = _ENDS_SQL.format(
        registration=Registration._meta.db_table,
        station=Station._meta.db_table,
        voter=Voter._meta.db_table,
        scope=scope,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for station_id, position, number, family, given in cursor.fetchall():
            station = by_id[station_id]
            name = f"{family}, {given}"
            if position == 1:
                station.first_voter_number, station.first_voter_name = number, name
            if position == station.voter_count:
                station.last_voter_number, station.last_voter_name = number, name
    Station.objects.bulk_update(
        stations,
        ["first_voter_number", "first_voter_name", "last_voter_number", "last_voter_name"],
        batch_size=500,
    )
