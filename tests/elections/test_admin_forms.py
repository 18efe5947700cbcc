"""The election form says what is wrong with a time zone or a station size, in words."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from elections.models import Election

pytestmark = pytest.mark.django_db

ADD = "admin:elections_election_add"


def post_election(client, **fields):
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 12))
    data = {
        "name": "General 2026",
        "slug": "general-2026",
        "polling_date": "2026-06-07",
        "language": "en",
        "max_voters_per_station": "500",
        "time_zone": "Europe/Paris",
        **fields,
    }
    return client.post(reverse(ADD), data)


def test_an_election_with_a_known_time_zone_saves(client):
    response = post_election(client, time_zone=" America/New_York ")

    assert response.status_code == 302
    assert Election.objects.get().time_zone == "America/New_York"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/Pariss", "../etc/passwd", "utc+2"])
def test_the_election_form_rejects_an_unknown_time_zone(client, zone):
    response = post_election(client, time_zone=zone)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "is not a known IANA time zone" in errors["time_zone"][0]
    assert not Election.objects.exists()


@pytest.mark.parametrize("size", ["0", "-3"])
def test_a_station_maximum_below_one_gets_one_clear_message(client, size):
    response = post_election(client, max_voters_per_station=size)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["max_voters_per_station"] == [
        "A station holds at least one voter: give a whole number of 1 or more."
    ]
    assert "election_max_voters_per_station_positive" not in response.content.decode()
    assert not Election.objects.exists()


def test_staff_set_the_retention_date_or_leave_it_to_the_default(client, settings):
    settings.ELECTION_RETENTION_DAYS = 365
    assert post_election(client).status_code == 302
    assert str(Election.objects.get().retention_date) == "2027-06-07"  # polling date + 365

    changed = client.post(
        reverse("admin:elections_election_change", args=[Election.objects.get().pk]),
        {
            "name": "General 2026",
            "slug": "general-2026",
            "polling_date": "2026-06-07",
            "retention_date": "2031-06-07",
            "language": "en",
            "max_voters_per_station": "500",
            "time_zone": "Europe/Paris",
        },
    )
    assert changed.status_code == 302
    assert str(Election.objects.get().retention_date) == "2031-06-07"
