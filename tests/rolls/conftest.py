"""Fixtures shared by the admin console tests."""

import pytest

from tests.rolls.test_admin_support import STAFF, make_election, make_user


@pytest.fixture
def private_media(settings, tmp_path):
    """PDFs of this test go to a folder of its own (no worker reads them)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("clerk", STAFF))
    return client


@pytest.fixture
def election():
    return make_election()
