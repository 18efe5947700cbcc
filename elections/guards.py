"""What else may forbid writing an election's register right now, asked by the import.

The register knows nothing of the console, yet an import must not change the register under
a run that is splitting it. The console registers its check here at start-up
(``rolls/signals.py``); the import asks every registered check inside its merge transaction,
after locking the election row.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext

from elections.models import Election

# election id -> why the register may not change now (or None)
ImportBlocker = Callable[[int], "str | None"]

_blockers: list[ImportBlocker] = []


def register_import_blocker(check: ImportBlocker) -> None:
    if check not in _blockers:
        _blockers.append(check)


def election_closed(election_id: int) -> str | None:
    """Why nothing may be imported into the election ever again, or None."""
    if Election.objects.filter(pk=election_id, personal_data_closed_at__isnull=False).exists():
        return gettext("The election's personal data was closed: no register can be imported.")
    return None


def import_blocked(election_id: int) -> str | None:
    """The first reason an import into the election must wait, or None."""
    if closed := election_closed(election_id):
        return closed
    for check in _blockers:
        reason = check(election_id)
        if reason:
            return reason
    return None
