"""Password guessing is throttled (django-axes): a username is locked out from one address
after AXES_FAILURE_LIMIT wrong passwords, the right password included, until the cool-off."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from config.security import forwarded_client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
WRONG = "Tr0ub4dor&3-wrong"
OFFICE = "198.51.100.7"


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("clerk", password=PASSWORD, is_staff=True)


def attempt(client: Client, password: str, address: str = OFFICE):
    return client.post(
        reverse("admin:login"),
        {"username": "clerk", "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_a_hundred_wrong_passwords_are_refused_after_the_limit(staff, client):
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [attempt(client, WRONG).status_code for _ in range(100)]
    # The form again until the limit; the limit-th failure and every one after: locked out.
    assert statuses == [200] * (limit - 1) + [429] * (100 - limit + 1)
    response = attempt(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    # The admin's own frame, saying what happened and how long it lasts.
    text = response.content.decode()
    assert "Election operations console" in text
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Try again in {minutes} minute" in text


def test_the_lockout_is_for_that_address_and_ends_after_the_cool_off(staff, client):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, WRONG)
    assert attempt(client, PASSWORD).status_code == 429
    # A colleague in another office is not locked out of the same account.
    other = Client()
    assert attempt(other, PASSWORD, address="203.0.113.8").status_code == 302
    assert logged_in(other)
    # Once the cool-off has passed, the right password works again.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(minutes=1)
    )
    assert attempt(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_login_forgets_earlier_typos(staff, client):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert attempt(client, WRONG).status_code == 200
    assert attempt(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert attempt(client, WRONG).status_code == 200
    assert attempt(client, PASSWORD).status_code == 302


def test_no_password_is_logged_or_stored_with_the_failed_attempts(staff, client, caplog):
    from axes.models import AccessAttempt

    with caplog.at_level(logging.DEBUG):
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            attempt(client, WRONG)
    assert "clerk" in str(AccessAttempt.objects.get().username)  # the attempts were kept ...
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in logged  # ... and logged ...
    stored = " ".join(str(value) for value in AccessAttempt.objects.values().get().values())
    for text in (logged, stored):
        assert WRONG not in text  # ... without the password
        assert PASSWORD not in text


def test_behind_the_proxy_the_client_is_the_address_the_proxy_appended(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="172.18.0.5")
    assert forwarded_client_ip(request) == "203.0.113.7"
    assert forwarded_client_ip(rf.get("/", REMOTE_ADDR="192.0.2.1")) == "192.0.2.1"
