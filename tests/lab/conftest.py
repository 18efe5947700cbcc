"""The console tests' fixtures serve the lab's tests too (the lab's pages are the admin's)."""

from tests.support.console import election, staff_client

__all__ = ["election", "staff_client"]
