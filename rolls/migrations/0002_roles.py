"""The console's two roles as auth groups: "Election staff" and "Observer".

Observers see elections, runs, their task results and the strategy comparison, and nothing
personal: no voters, no registrations, no stations (their first/last voter names), no PDFs.
"""

from django.db import migrations

ROLES = {
    "Election staff": [
        "elections.view_election",
        "elections.view_pollingcenter",
        "elections.view_voter",
        "elections.view_registration",
        "rolls.view_station",
        "rolls.view_run",
        "rolls.generate_rolls",
        "rolls.schedule_rolls",
        "rolls.download_rolls",
        "django_celery_results.view_taskresult",
        "django_celery_results.view_groupresult",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.view_intervalschedule",
    ],
    "Observer": [
        "elections.view_election",
        "rolls.view_run",
        "django_celery_results.view_taskresult",
        "django_celery_results.view_groupresult",
    ],
}


def ensure_permissions(apps) -> None:
    """Permissions are normally created after all migrations (post_migrate); create them now
    so the groups below can refer to them on a fresh database."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def assign_roles(apps) -> None:
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        permissions = []
        for code in codes:
            app_label, codename = code.split(".")
            permissions.append(
                permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group, _ = group_model.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def grant(apps, codename: str, groups: list[str], app_label: str = "rolls") -> None:
    """Add the permission ``codename`` (of the console, or of ``app_label``) to ``groups``
    (for migrations that add one)."""
    ensure_permissions(apps)
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label=app_label, codename=codename
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=groups):
        group.permissions.add(permission)


def create_roles(apps, schema_editor):
    ensure_permissions(apps)
    assign_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rolls", "0001_console"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_results", "0014_alter_taskresult_status"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
