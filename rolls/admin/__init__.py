"""The console: runs, their results and stations in the Django admin, and the election and
center admins with the console's actions (Generate rolls, Schedule roll generation) on them
(``rolls.admin.elections``); the console's own pages (progress, roll and zip downloads, comparison)
are in ``rolls.admin.views``, wired by ``RunAdmin.get_urls``."""

from rolls.admin import (
    closing,
    downloads,
    elections,
    results,
    run_admin,
    schedules,
    stations,
    voters,
)

__all__ = [
    "closing",
    "downloads",
    "elections",
    "results",
    "run_admin",
    "schedules",
    "stations",
    "voters",
]
