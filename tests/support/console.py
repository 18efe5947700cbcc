"""Fixtures of the console's admin tests (tests/rolls and tests/lab): a logged-in member of
the election staff, and a small election (two centers, 175 voters)."""

import pytest

from tests.support.builders import build_election
from tests.support.users import STAFF, make_user


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("clerk", STAFF))
    return client


@pytest.fixture
def election():
    return build_election()
