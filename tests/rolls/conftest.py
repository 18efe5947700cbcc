"""Fixtures shared by the admin console tests."""

from tests.support.console import election, staff_client

__all__ = ["election", "staff_client"]
