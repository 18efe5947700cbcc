"""Who may do what in the console: the permissions each page and action checks.

Every console view is wrapped in ``AdminSite.admin_view`` (staff login, else a redirect to
the login page); the permission named here is then checked on the server for every request,
whatever the page showed (a hidden action can still be posted by hand).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

VIEW_RUNS = "rolls.view_run"
GENERATE_ROLLS = "rolls.generate_rolls"
SCHEDULE_ROLLS = "rolls.schedule_rolls"
DOWNLOAD_ROLLS = "rolls.download_rolls"
PUBLISH_ROLLS = "rolls.publish_rolls"
CLOSE_PERSONAL_DATA = "rolls.close_personal_data"
VIEW_RESULTS = "django_celery_results.view_taskresult"
# Reading voters is what election staff may and Observers may not: whoever lacks it sees no
# value that could hold a voter's name (a task's arguments, result or traceback).
VIEW_PERSONAL_DATA = "elections.view_voter"


def require(request: HttpRequest, permission: str) -> None:
    """Refuse with 403 unless the logged-in staff user holds ``permission``."""
    if not request.user.has_perm(permission):
        raise PermissionDenied(f"This needs the permission {permission!r}.")


def sees_personal_data(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_PERSONAL_DATA)


class RollActionPermissions:
    """``has_<name>_permission`` hooks for ``@admin.action(permissions=[...])``: Django hides
    an action from anyone for whom the hook returns False, and refuses it when posted."""

    def has_generate_rolls_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(GENERATE_ROLLS)

    def has_schedule_rolls_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SCHEDULE_ROLLS)

    def has_publish_rolls_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PUBLISH_ROLLS)

    def has_close_personal_data_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CLOSE_PERSONAL_DATA)
