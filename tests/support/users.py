"""Console users and the roles the migrations create."""

from __future__ import annotations

import importlib

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

STAFF = "Election staff"
OBSERVER = "Observer"

roles_migration = importlib.import_module("rolls.migrations.0002_roles")


def ensure_roles() -> None:
    """The groups the roles migration creates. A transactional test empties every table when
    it ends (permissions come back through post_migrate, the groups do not): recreate them."""
    if Group.objects.filter(name__in=[STAFF, OBSERVER]).count() < 2:
        roles_migration.assign_roles(django_apps)
        # What rolls 0003, 0004 and 0009 add to the staff role, and 0007 to both.
        Group.objects.get(name=STAFF).permissions.add(
            *Permission.objects.filter(
                content_type__app_label="rolls",
                codename__in=["publish_rolls", "view_download"],
            ),
            Permission.objects.get(content_type__app_label="lab", codename="view_benchmark"),
            *Permission.objects.filter(
                content_type__app_label="elections",
                codename__in=["import_register", "view_registerimport"],
            ),
        )
        Group.objects.get(name=OBSERVER).permissions.add(
            Permission.objects.get(content_type__app_label="lab", codename="view_benchmark")
        )


def make_user(
    username: str,
    *groups: str,
    staff: bool = True,
    superuser: bool = False,
    password: str | None = None,
):
    """A user in ``groups``. No password unless asked: tests log in with ``force_login``,
    and hashing one costs a quarter of a second."""
    ensure_roles()
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=staff
    )
    if superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    user.groups.set(Group.objects.filter(name__in=groups))
    return user
