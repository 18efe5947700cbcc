"""Fixtures shared by the admin console tests."""

import pytest

from tests.rolls.test_admin_support import STAFF, make_election, make_user


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("clerk", STAFF))
    return client


@pytest.fixture
def election():
    return make_election()
