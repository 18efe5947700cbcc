from collections import Counter

import pytest
from django.db.models import Count
from hypothesis import given
from hypothesis import strategies as st

from elections.models import Registration
from rolls.models import Station
from rolls.services.assignment import (
    AssignmentError,
    AssignmentMode,
    station_sizes,
    stations_assign,
)
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters


def names(count: int, prefix: str = "") -> list[tuple[str, str]]:
    # Deliberately not in sorted order, with ties on family name.
    return [(f"{prefix}Fam{(i * 7919) % count:05d}", f"Given{i % 3}") for i in range(count)]


def sizes_in_db(center) -> list[int]:
    return list(
        Station.objects.filter(center=center)
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

    result = stations_assign(election_id=center.election_id, mode=mode)

    assert sizes_in_db(center) == station_sizes(voters, maximum, mode)
    assert (result.voters, result.stations) == (voters, len(station_sizes(voters, maximum, mode)))
    regs = Registration.objects.filter(center=center)
    assert not regs.filter(station__isnull=True).exists()
    for station in Station.objects.filter(center=center):
        positions = sorted(regs.filter(station=station).values_list("station_position", flat=True))
        assert positions == list(range(1, station.voter_count + 1))


@pytest.mark.django_db
def test_stations_follow_roll_order_and_record_the_name_range_for_the_door():
    center = PollingCenterFactory(election=ElectionFactory(max_voters_per_station=4))
    register_voters(center, names(10))

    stations_assign(election_id=center.election_id)

    expected = list(
        Registration.objects.filter(center=center).in_roll_order().values_list("id", flat=True)
    )
    actual = list(
        Registration.objects.filter(center=center)
        .order_by("station__number", "station_position")
        .values_list("id", flat=True)
    )
    assert actual == expected
    first, second, third = Station.objects.filter(center=center).order_by("number")
    assert [first.voter_count, second.voter_count, third.voter_count] == [4, 3, 3]
    ordered = list(
        Registration.objects.filter(center=center)
        .in_roll_order()
        .values_list("voter__family_name", "voter__given_name", "voter__voter_number")
    )
    assert first.first_voter_name == f"{ordered[0][0]}, {ordered[0][1]}"
    assert first.first_voter_number == ordered[0][2]
    assert first.last_voter_name == f"{ordered[3][0]}, {ordered[3][1]}"
    assert second.first_voter_number == ordered[4][2]
    assert third.last_voter_number == ordered[9][2]


@pytest.mark.django_db
def test_reassignment_replaces_the_previous_split():
    election = ElectionFactory(max_voters_per_station=100)
    center = PollingCenterFactory(election=election)
    register_voters(center, names(250))
    stations_assign(election_id=election.pk, mode=AssignmentMode.SEQUENTIAL)
    old_ids = set(Station.objects.values_list("id", flat=True))
    assert sizes_in_db(center) == [100, 100, 50]

    election.max_voters_per_station = 125
    election.save()
    stations_assign(election_id=election.pk, mode=AssignmentMode.BALANCED)

    assert sizes_in_db(center) == [125, 125]
    assert not Station.objects.filter(id__in=old_ids).exists()
    per_station = Counter(Registration.objects.values_list("station_id", flat=True))
    assert sorted(per_station.values()) == [125, 125]


@pytest.mark.django_db
def test_a_chosen_set_of_centers_leaves_the_others_alone():
    election = ElectionFactory(max_voters_per_station=10)
    north, south = PollingCenterFactory(election=election), PollingCenterFactory(election=election)
    register_voters(north, names(25, "N"))
    register_voters(south, names(15, "S"))
    stations_assign(election_id=election.pk)
    south_before = list(Station.objects.filter(center=south).values_list("id", flat=True))

    result = stations_assign(election_id=election.pk, center_ids=[north.pk])

    assert result.centers == 1 and result.voters == 25
    assert list(Station.objects.filter(center=south).values_list("id", flat=True)) == south_before
    assert sizes_in_db(north) == [9, 8, 8]


@pytest.mark.django_db
def test_an_empty_center_gets_no_stations_and_is_reported_without_failing():
    election = ElectionFactory()
    full = PollingCenterFactory(election=election, code="FULL")
    PollingCenterFactory(election=election, code="EMPTY")
    register_voters(full, names(3))

    result = stations_assign(election_id=election.pk)

    assert result.empty_center_codes == ["EMPTY"]
    assert result.stations == 1
    assert Station.objects.filter(center__code="EMPTY").count() == 0


@pytest.mark.django_db
def test_bad_requests_are_refused_and_change_nothing():
    election = ElectionFactory(max_voters_per_station=5)
    center = PollingCenterFactory(election=election)
    stranger = PollingCenterFactory()
    register_voters(center, names(12))
    stations_assign(election_id=election.pk)
    before = list(Station.objects.values_list("id", "voter_count"))

    with pytest.raises(AssignmentError, match="Unknown assignment mode 'random'"):
        stations_assign(election_id=election.pk, mode="random")
    with pytest.raises(AssignmentError, match="does not exist"):
        stations_assign(election_id=999_999)
    with pytest.raises(AssignmentError, match="are not centers of"):
        stations_assign(election_id=election.pk, center_ids=[center.pk, stranger.pk])

    assert list(Station.objects.values_list("id", "voter_count")) == before


@pytest.mark.django_db
def test_each_registration_is_in_exactly_one_station_across_many_centers():
    election = ElectionFactory(max_voters_per_station=30)
    for size in (0, 1, 29, 30, 31, 95):
        register_voters(PollingCenterFactory(election=election), names(size, f"c{size}"))
    stations_assign(election_id=election.pk)
    assert not Registration.objects.filter(station__isnull=True).exists()
    station_totals = Station.objects.aggregate(total=Count("registrations"))["total"]
    assert station_totals == Registration.objects.count() == 186
    for station in Station.objects.annotate(n=Count("registrations")):
        assert station.n == station.voter_count
