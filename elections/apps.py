from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.celery import beat_entries_add
from elections import task_names


def beat_schedule() -> dict:
    """The register's upkeep, run by beat (installed into django-celery-beat's tables by its
    scheduler when it starts, like rolls' entries). How often is a setting (retention,
    operators' docs): read when the app is ready, not at import."""
    return {
        "fail register imports whose worker vanished": {
            "task": task_names.FAIL_STALE_IMPORTS,
            "schedule": float(settings.REGISTER_IMPORT_STALE_CHECK_SECONDS),
        },
        "delete register uploads past their retention": {
            "task": task_names.PURGE_REGISTER_UPLOADS,
            "schedule": float(settings.REGISTER_UPLOAD_PURGE_EVERY_SECONDS),
        },
    }


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = _("Election data")

    def ready(self) -> None:
        beat_entries_add(beat_schedule())
