from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from elections.models import Registration
from rolls.models import Placement, Run, RunStatus, Station
from rolls.services.assignment import (
    AssignmentError,
    AssignmentMode,
    station_sizes,
    stations_assign,
)
from rolls.services.fingerprints import split_fingerprints
from rolls.services.ledger import RunRefused, run_create
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters


def split(election_id: int, mode: str = AssignmentMode.BALANCED, center_ids=None):
    """Assign through a run of its own, as every run does, and end that run so the next
    split can start one. Returns the assignment's result and the run."""
    run = run_create(
        election_id=election_id,
        strategy="assign_all_stations_in_parallel",
        renders=False,
        started_by="test",
        center_ids=center_ids,
        mode=mode,
    )
    result = stations_assign(run_id=run.pk, center_ids=center_ids)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED)
    return result, run


# The order every roll uses (the assignment's SQL sorts the same way).
ROLL_ORDER = ("voter__family_name", "voter__given_name", "voter__voter_number")


def names(count: int, prefix: str = "") -> list[tuple[str, str]]:
    # Deliberately not in sorted order, with ties on family name.
    return [(f"{prefix}Fam{(i * 7919) % count:05d}", f"Given{i % 3}") for i in range(count)]


def sizes_in_db(center, run=None) -> list[int]:
    run = run or Run.objects.order_by("-pk").first()
    return list(
        Station.objects.filter(run=run, center=center)
        .order_by("number")
        .values_list("voter_count", flat=True)
    )


@given(voters=st.integers(1, 20_000), maximum=st.integers(1, 2_000))
def test_balanced_mode_never_differs_by_more_than_one(voters, maximum):
    sizes = station_sizes(voters, maximum, AssignmentMode.BALANCED)
    assert sum(sizes) == voters
    assert max(sizes) <= maximum
    assert max(sizes) - min(sizes) <= 1
    assert len(sizes) == -(-voters // maximum)
    assert sizes == sorted(sizes, reverse=True)


@given(voters=st.integers(1, 20_000), maximum=st.integers(1, 2_000))
def test_sequential_mode_fills_stations_then_the_remainder(voters, maximum):
    sizes = station_sizes(voters, maximum, AssignmentMode.SEQUENTIAL)
    assert sum(sizes) == voters
    assert all(size == maximum for size in sizes[:-1])
    assert 1 <= sizes[-1] <= maximum


def test_examples_from_the_issue():
    assert station_sizes(560, 500) == [280, 280]
    assert station_sizes(561, 500) == [281, 280]
    assert station_sizes(560, 500, AssignmentMode.SEQUENTIAL) == [500, 60]
    assert station_sizes(0, 500) == []


@pytest.mark.django_db
@pytest.mark.parametrize("mode", list(AssignmentMode))
@pytest.mark.parametrize(("voters", "maximum"), [(1, 500), (7, 3), (560, 500), (1001, 250)])
def test_database_split_matches_the_planned_sizes_and_places_everyone_once(mode, voters, maximum):
    center = PollingCenterFactory(election=ElectionFactory(max_voters_per_station=maximum))
    register_voters(center, names(voters))

    result, run = split(center.election_id, mode=mode)

    assert sizes_in_db(center) == station_sizes(voters, maximum, mode)
    assert (result.voters, result.stations) == (voters, len(station_sizes(voters, maximum, mode)))
    placed = Placement.objects.filter(run=run)
    assert placed.count() == voters
    assert set(placed.values_list("voter_id", flat=True)) == set(
        Registration.objects.filter(center=center).values_list("voter_id", flat=True)
    )
    for station in Station.objects.filter(run=run, center=center):
        positions = sorted(placed.filter(station=station).values_list("position", flat=True))
        assert positions == list(range(1, station.voter_count + 1))


@pytest.mark.django_db
def test_the_longest_names_a_register_takes_fit_the_door_range_whole():
    """Two names of 500 characters (what a voter holds) and the comma between: 1,002
    characters, which PostgreSQL refused in a field of 1,001, failing the whole split."""
    center = PollingCenterFactory(election=ElectionFactory(max_voters_per_station=2))
    family, given = "A" * 500, "B" * 500
    register_voters(center, [(family, given), ("Zeller", "Ana"), ("Zimmer", "Bo")])

    _, run = split(center.election_id)

    first, second = Station.objects.filter(run=run, center=center).order_by("number")
    assert first.first_voter_name == f"{family}, {given}"
    assert len(first.first_voter_name) == 1002
    assert (second.first_voter_name, second.last_voter_name) == ("Zimmer, Bo", "Zimmer, Bo")


@pytest.mark.django_db
def test_stations_follow_roll_order_and_record_the_name_range_for_the_door():
    center = PollingCenterFactory(election=ElectionFactory(max_voters_per_station=4))
    register_voters(center, names(10))

    _, run = split(center.election_id)

    expected = list(
        Registration.objects.filter(center=center)
        .order_by(*ROLL_ORDER)
        .values_list("voter_id", flat=True)
    )
    actual = list(
        Placement.objects.filter(run=run)
        .order_by("station__number", "position")
        .values_list("voter_id", flat=True)
    )
    assert actual == expected
    first, second, third = Station.objects.filter(run=run, center=center).order_by("number")
    assert [first.voter_count, second.voter_count, third.voter_count] == [4, 3, 3]
    ordered = list(
        Registration.objects.filter(center=center)
        .order_by(*ROLL_ORDER)
        .values_list("voter__family_name", "voter__given_name", "voter__voter_number")
    )
    assert first.first_voter_name == f"{ordered[0][0]}, {ordered[0][1]}"
    assert first.first_voter_number == ordered[0][2]
    assert first.last_voter_name == f"{ordered[3][0]}, {ordered[3][1]}"
    assert second.first_voter_number == ordered[4][2]
    assert third.last_voter_number == ordered[9][2]


@pytest.mark.django_db
def test_a_later_run_splits_anew_and_never_changes_the_earlier_runs_split():
    election = ElectionFactory(max_voters_per_station=100)
    center = PollingCenterFactory(election=election)
    register_voters(center, names(250))
    _, first = split(election.pk, mode=AssignmentMode.SEQUENTIAL)
    first_split = list(
        Placement.objects.filter(run=first).values_list("voter_id", "station__number", "position")
    )
    assert sizes_in_db(center, first) == [100, 100, 50]

    election.max_voters_per_station = 125
    election.save()
    _, second = split(election.pk, mode=AssignmentMode.BALANCED)

    assert sizes_in_db(center, second) == [125, 125]
    per_station = Counter(Placement.objects.filter(run=second).values_list("station_id", flat=True))
    assert sorted(per_station.values()) == [125, 125]
    assert sizes_in_db(center, first) == [100, 100, 50]
    assert sorted(
        Placement.objects.filter(run=first).values_list("voter_id", "station__number", "position")
    ) == sorted(first_split)


@pytest.mark.django_db
def test_assigning_again_within_one_run_replaces_only_that_runs_split():
    """A redelivered assignment task splits its center again, inside its own run."""
    election = ElectionFactory(max_voters_per_station=10)
    center = PollingCenterFactory(election=election)
    register_voters(center, names(25))
    _, other = split(election.pk)
    run = run_create(
        election_id=election.pk, strategy="all_in_one", renders=True, started_by="test"
    )
    stations_assign(run_id=run.pk)
    stations_assign(run_id=run.pk)

    assert sizes_in_db(center, run) == [9, 8, 8]
    assert Placement.objects.filter(run=run).count() == 25
    assert sizes_in_db(center, other) == [9, 8, 8]
    assert Placement.objects.filter(run=other).count() == 25


@pytest.mark.django_db
def test_a_chosen_set_of_centers_leaves_the_others_alone():
    election = ElectionFactory(max_voters_per_station=10)
    north, south = PollingCenterFactory(election=election), PollingCenterFactory(election=election)
    register_voters(north, names(25, "N"))
    register_voters(south, names(15, "S"))
    _, whole = split(election.pk)
    south_before = list(Station.objects.filter(center=south).values_list("id", flat=True))

    result, partial = split(election.pk, center_ids=[north.pk])

    assert result.centers == 1 and result.voters == 25
    assert list(Station.objects.filter(center=south).values_list("id", flat=True)) == south_before
    assert not Station.objects.filter(run=partial, center=south).exists()
    assert sizes_in_db(north, partial) == [9, 8, 8]
    assert sizes_in_db(north, whole) == [9, 8, 8]


@pytest.mark.django_db
def test_an_empty_center_gets_no_stations_and_is_reported_without_failing():
    election = ElectionFactory()
    full = PollingCenterFactory(election=election, code="FULL")
    PollingCenterFactory(election=election, code="EMPTY")
    register_voters(full, names(3))

    result, _ = split(election.pk)

    assert result.empty_center_codes == ["EMPTY"]
    assert result.stations == 1
    assert Station.objects.filter(center__code="EMPTY").count() == 0


@pytest.mark.django_db
def test_bad_requests_are_refused_and_change_nothing():
    election = ElectionFactory(max_voters_per_station=5)
    center = PollingCenterFactory(election=election)
    stranger = PollingCenterFactory()
    register_voters(center, names(12))
    _, run = split(election.pk)
    before = list(Station.objects.values_list("id", "voter_count"))

    with pytest.raises(RunRefused, match="Unknown assignment mode 'random'"):
        split(election.pk, mode="random")
    with pytest.raises(AssignmentError, match="does not exist"):
        stations_assign(run_id=999_999)
    with pytest.raises(AssignmentError, match="are not centers of"):
        stations_assign(run_id=run.pk, center_ids=[center.pk, stranger.pk])
    Run.objects.filter(pk=run.pk).update(assignment_mode="random")  # a hand-edited row
    with pytest.raises(AssignmentError, match="Unknown assignment mode 'random'"):
        stations_assign(run_id=run.pk)

    assert list(Station.objects.values_list("id", "voter_count")) == before


@pytest.mark.django_db
def test_each_registration_is_in_exactly_one_station_across_many_centers():
    election = ElectionFactory(max_voters_per_station=30)
    for size in (0, 1, 29, 30, 31, 95):
        register_voters(PollingCenterFactory(election=election), names(size, f"c{size}"))
    _, run = split(election.pk)
    placed = Placement.objects.filter(run=run)
    assert set(placed.values_list("voter_id", flat=True)) == set(
        Registration.objects.values_list("voter_id", flat=True)
    )
    station_totals = Station.objects.filter(run=run).aggregate(total=Count("placements"))["total"]
    assert station_totals == Registration.objects.count() == 186
    for station in Station.objects.filter(run=run).annotate(n=Count("placements")):
        assert station.n == station.voter_count


@pytest.mark.django_db(transaction=True)
def test_a_large_split_refreshes_the_planner_statistics_on_postgresql(monkeypatch):
    """Without fresh statistics PostgreSQL planned the split fingerprints of 1M voters as a
    nested loop of every station against every placement (5 minutes instead of 2 s)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite plans by its indexes; there is nothing to refresh")
    monkeypatch.setattr("rolls.services.assignment.FRESH_STATISTICS_AFTER", 30)
    election = ElectionFactory()
    register_voters(PollingCenterFactory(election=election), names(40))
    split(election.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
            " AND relname IN ('rolls_station', 'rolls_placement')"
        )
        assert sorted(r[0] for r in cursor.fetchall()) == ["rolls_placement", "rolls_station"]


@pytest.mark.django_db(transaction=True)
def test_the_split_fingerprints_are_read_with_a_plan_for_every_row_on_postgresql():
    """PostgreSQL plans a cursor's query for its first tenth of rows: with a run's placements
    just written and not yet in the statistics, it read a 10,000-voter split through a nested
    loop in 0.53 s (11 ms planned for the whole result). The fingerprints read every row; the
    setting ends with their transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no cursor_tuple_fraction: it plans by its indexes alone")
    election = ElectionFactory()
    center = PollingCenterFactory(election=election)
    register_voters(center, names(40))
    result, run = split(election.pk)
    arguments = {
        "run_id": run.pk,
        "center_ids": [center.pk],
        "mode": result.mode,
        "maximum": result.maximum,
        "language": result.language,
    }
    with CaptureQueriesContext(connection) as queries:
        found = split_fingerprints(**arguments, whole=True)
    statements = [query["sql"] for query in queries.captured_queries]
    planned = next(i for i, sql in enumerate(statements) if "cursor_tuple_fraction" in sql)
    read = next(i for i, sql in enumerate(statements) if sql.startswith("DECLARE"))
    assert planned < read
    assert found == split_fingerprints(**arguments)  # the same rows, asked for by center
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone()[0] == "0.1"  # PostgreSQL's default, back after the read


@pytest.mark.django_db(transaction=True)
def test_assigning_chosen_centers_reads_only_their_registrations_on_sqlite():
    """Each per-center strategy assigns a center at a time: a query that read the election's
    whole registration index for each center made their assignment grow with the election
    (0.22 s a center at 1M voters, 0.0008 s read by center), a million voters' worth of work
    a thousand times over."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan's words are SQLite's; PostgreSQL plans from its statistics")
    election = ElectionFactory()
    center, other = PollingCenterFactory(election=election), PollingCenterFactory(election=election)
    register_voters(center, names(12))
    register_voters(other, names(30))
    with CaptureQueriesContext(connection) as queries:
        result, _ = split(election.pk, center_ids=[center.pk])
    assert result.voters == 12
    read = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("SELECT", "WITH", "INSERT"))
        and "elections_registration" in q["sql"]
    ]
    assert read, "the assignment read no registration"
    with connection.cursor() as cursor:
        for sql in read:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            for step in (row[3] for row in cursor.fetchall()):
                # The partial index of keyless rows is empty as a rule: probing it is free.
                if "elections_registration" in step and "no_sort_key" not in step:
                    assert "(election_id=?)" not in step, f"{step}\n{sql}"


@pytest.mark.django_db(transaction=True)
def test_a_centers_fingerprint_reads_its_stations_placements_not_the_whole_runs():
    """A per-center strategy fingerprints each center as it assigns it. Read by the run's
    placements, PostgreSQL (its statistics behind the run's writes) read every placement the
    run had written so far for each center: 3 s a center at 1M voters (14 minutes a run, not 4)."""
    election = ElectionFactory()
    center, other = PollingCenterFactory(election=election), PollingCenterFactory(election=election)
    register_voters(center, names(12))
    register_voters(other, names(30))
    result, run = split(election.pk)
    arguments = {
        "run_id": run.pk,
        "mode": result.mode,
        "maximum": result.maximum,
        "language": result.language,
    }
    with CaptureQueriesContext(connection) as queries:
        one = split_fingerprints(**arguments, center_ids=[center.pk])
    read = [q["sql"] for q in queries.captured_queries if "rolls_placement" in q["sql"]]
    assert read, "no placement was read"
    for sql in read:
        assert '"rolls_placement"."run_id"' not in sql.partition(" WHERE ")[2], sql
    both = split_fingerprints(**arguments, center_ids=[center.pk, other.pk], whole=True)
    assert one == {center.pk: both[center.pk]}
    assert both[center.pk] != both[other.pk]
