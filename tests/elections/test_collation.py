"""Alphabetical order in the election's language: ICU (CLDR) sort keys, stored per
registration, the same on SQLite and PostgreSQL."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from elections.models import Language, Registration
from elections.services.collation import (
    CollationError,
    refresh_sort_keys,
    sort_key,
    voter_sort_keys_refresh,
)
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.languages import LANGUAGE_ORDER


def ordered(language: str, names: list[str]) -> list[str]:
    return sorted(names, key=lambda name: sort_key(language, name, "", "1"))


@pytest.mark.parametrize("language", sorted(LANGUAGE_ORDER))
def test_each_language_orders_names_in_its_own_alphabet(language):
    expected = LANGUAGE_ORDER[language]

    assert ordered(language, list(reversed(expected))) == expected
    # Code points disagree everywhere; root Unicode order too, where the language tailors it.
    assert sorted(expected) != expected
    if language in ("es", "sv", "ru", "ar"):
        assert ordered("en", expected) != expected


def test_root_order_differs_from_swedish_and_spanish():
    assert ordered("en", LANGUAGE_ORDER["sv"]) == ["Abel", "Åberg", "Ärla", "Öberg", "Zorn"]
    assert ordered("en", LANGUAGE_ORDER["es"]) == ["Ñandú", "Nuñez", "Ortega", "Zapata"]


def test_family_then_given_name_then_voter_number_like_a_tuple():
    rows = [
        ("Li", "Zoe", "3"),
        ("Lin", "Anna", "1"),
        ("Li", "Anna", "9"),
        ("Li", "Anna", "2"),
        ("li", "Anna", "5"),
    ]
    keyed = sorted(rows, key=lambda r: sort_key("en", *r))

    # A family name that is a prefix of another sorts first, whatever the given names; case
    # only breaks a tie between otherwise equal names; the voter number makes the order total.
    assert keyed == [
        ("li", "Anna", "5"),
        ("Li", "Anna", "2"),
        ("Li", "Anna", "9"),
        ("Li", "Zoe", "3"),
        ("Lin", "Anna", "1"),
    ]


def test_an_unknown_language_is_refused_clearly():
    with pytest.raises(CollationError, match="No alphabetical order is known for language 'xx'"):
        sort_key("xx", "A", "B", "1")


def registered(language: str, names: list[str]):
    election = ElectionFactory(language=language)
    center = PollingCenterFactory(election=election)
    register_voters(center, [(name, "Ana") for name in names])
    return election


def key_order(election) -> list[str]:
    return list(
        Registration.objects.filter(election=election)
        .order_by("sort_key")
        .values_list("voter__family_name", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", sorted(LANGUAGE_ORDER))
def test_the_database_orders_stored_keys_like_the_language(language):
    expected = LANGUAGE_ORDER[language]
    election = registered(language, list(reversed(expected)))

    assert key_order(election) == expected


@pytest.mark.django_db
def test_a_language_change_reorders_the_register_and_fills_missing_keys():
    election = registered("en", LANGUAGE_ORDER["sv"])
    Registration.objects.filter(voter__family_name="Zorn").update(sort_key=None)
    assert refresh_sort_keys(election=election, missing_only=True) == 1
    assert key_order(election) == ["Abel", "Åberg", "Ärla", "Öberg", "Zorn"]

    election.language = Language.SWEDISH
    election.save()
    assert refresh_sort_keys(election=election) == 5

    assert key_order(election) == LANGUAGE_ORDER["sv"]


@pytest.mark.django_db
def test_a_renamed_voter_moves_to_their_new_place():
    election = registered("fr", ["Dupont", "Zola"])
    registration = Registration.objects.get(voter__family_name="Zola")
    voter = registration.voter
    voter.family_name = "Émile"
    voter.save()

    assert voter_sort_keys_refresh(voter_ids=[voter.pk]) == 1
    assert key_order(election) == ["Dupont", "Émile"]
    assert not Registration.objects.filter(sort_key__isnull=True).exists()


@pytest.mark.django_db
def test_changing_the_language_or_a_name_in_the_admin_reorders_the_register(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 12))
    election = registered("en", LANGUAGE_ORDER["es"])
    assert key_order(election) == ["Ñandú", "Nuñez", "Ortega", "Zapata"]

    response = client.post(
        reverse("admin:elections_election_change", args=[election.pk]),
        {
            "name": election.name,
            "slug": election.slug,
            "polling_date": "2026-12-06",
            "language": "es",
            "max_voters_per_station": "500",
            "time_zone": "UTC",
        },
    )
    assert response.status_code == 302
    assert key_order(election) == LANGUAGE_ORDER["es"]

    voter = Registration.objects.get(voter__family_name="Zapata").voter
    response = client.post(
        reverse("admin:elections_voter_change", args=[voter.pk]),
        {"voter_number": voter.voter_number, "family_name": "Aragón", "given_name": "Ana"},
    )
    assert response.status_code == 302
    assert key_order(election) == ["Aragón", "Nuñez", "Ñandú", "Ortega"]
