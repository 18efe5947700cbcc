"""The console: runs, their results and stations in the Django admin.

The election actions (Generate rolls, Schedule roll generation) live in
``rolls.admin.actions`` and are attached to the election and center admins by
``elections/admin.py``; the console's own pages are in ``rolls.views``.
"""

from rolls.admin import results, runs, stations

__all__ = ["results", "runs", "stations"]
