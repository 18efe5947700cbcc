"""The mass-change guard: a snapshot that would deregister a large share of an election's
register waits until staff confirm that exact number.

A file cut short, the wrong sheet or a column read as something else all look like a valid
snapshot that drops thousands of voters; the number typed back shows that someone read the
preview. The share and the floor are settings (``REGISTER_GUARD_PERCENT``, default 5, and
``REGISTER_GUARD_MIN_VOTERS``, default 10, so a small register may still lose a few).
"""

from __future__ import annotations

from django.conf import settings

# How many of the voters to be deregistered the preview names.
SAMPLE_SIZE = 20


def confirmation_needed(counts: dict) -> bool:
    deregistered = counts.get("deregistered", 0)
    return (
        deregistered > settings.REGISTER_GUARD_MIN_VOTERS
        and deregistered * 100 > settings.REGISTER_GUARD_PERCENT * counts.get("registered", 0)
    )


def deregistrations_refused(counts: dict, confirmed: int | None) -> str:
    """Why these counts may not be imported with this confirmation (empty when they may).

    A confirmed number is always checked, guard or not: staff who typed a number expect
    exactly that many to go, and a different count means the register or the file changed
    since they read the preview."""
    deregistered = counts.get("deregistered", 0)
    if confirmed is not None and confirmed != deregistered:
        return (
            f"{confirmed:,} deregistrations were confirmed, but the snapshot would now "
            f"deregister {deregistered:,} voters: nothing was written. Check the preview "
            "and confirm the number it shows."
        )
    if confirmed is None and confirmation_needed(counts):
        registered = counts.get("registered", 0)
        return (
            f"This snapshot would deregister {deregistered:,} of the election's "
            f"{registered:,} registered voters, more than {settings.REGISTER_GUARD_PERCENT}%: "
            f"confirm that number ({deregistered}) to import it. Nothing was written."
        )
    return ""
