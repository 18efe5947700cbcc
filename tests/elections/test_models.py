import datetime
import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from elections.models import Election, PollingCenter, Registration, Voter

pytestmark = pytest.mark.django_db


def make_election(name="General 2026", **kw) -> Election:
    return Election.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        polling_date=datetime.date(2026, 12, 6),
        **kw,
    )


def test_center_code_is_unique_within_an_election_but_not_across():
    first, second = make_election("A"), make_election("B")
    PollingCenter.objects.create(election=first, code="C1", name="North School")
    PollingCenter.objects.create(election=second, code="C1", name="North School")
    with pytest.raises(IntegrityError), transaction.atomic():
        PollingCenter.objects.create(election=first, code="C1", name="Other")


def test_voter_number_is_unique():
    Voter.objects.create(voter_number="0001", given_name="Ann", family_name="Lee")
    with pytest.raises(IntegrityError), transaction.atomic():
        Voter.objects.create(voter_number="0001", given_name="Bob", family_name="Lee")


def test_a_voter_registers_at_most_once_per_election():
    election, other = make_election("A"), make_election("B")
    north = PollingCenter.objects.create(election=election, code="N", name="North")
    south = PollingCenter.objects.create(election=election, code="S", name="South")
    elsewhere = PollingCenter.objects.create(election=other, code="N", name="North")
    voter = Voter.objects.create(voter_number="1", given_name="Ann", family_name="Lee")
    Registration.objects.create(election=election, center=north, voter=voter)
    Registration.objects.create(election=other, center=elsewhere, voter=voter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(election=election, center=south, voter=voter)


def test_station_size_must_be_positive():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_election(max_voters_per_station=0)


def test_default_station_size_is_500():
    assert make_election().max_voters_per_station == 500


@pytest.mark.django_db
def test_migration_0007_folds_both_names_of_voters_already_registered():
    migration = importlib.import_module("elections.migrations.0007_voter_find_by_family_name")
    Voter.objects.bulk_create(  # as 0005 left them: no given-first name, tatweel kept
        [
            Voter(voter_number="1", family_name="Lefèvre", given_name="Anne"),
            Voter(voter_number="2", family_name="مُحَمَّـد", given_name="علي", search_name="x"),
        ]
    )
    migration.fill(apps, None)
    assert list(
        Voter.objects.order_by("voter_number").values_list("search_name", "search_name_given_first")
    ) == [("lefevre anne", "anne lefevre"), ("محمد علي", "علي محمد")]
