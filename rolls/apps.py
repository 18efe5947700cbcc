from django.apps import AppConfig
from django.core.checks import Tags, register
from django.utils.translation import gettext_lazy as _

from config.celery import beat_entries_add
from rolls import task_names
from rolls.checks import cjk_font_check, migration_history_check, weasyprint_check

# The console's upkeep, run by beat: installed into django-celery-beat's tables by its
# scheduler when it starts (like Celery's own ``celery.backend_cleanup``). Beat sets Django
# up before it reads the schedule, so every process that runs beat has these entries.
BEAT_SCHEDULE = {
    "fail runs that were never queued": {
        "task": task_names.FAIL_UNLAUNCHED_RUNS,
        "schedule": 15.0,
    },
}


class RollsConfig(AppConfig):
    name = "rolls"
    verbose_name = _("Voter rolls")

    def ready(self) -> None:
        register(migration_history_check, Tags.database)
        register(weasyprint_check, Tags.compatibility)
        register(cjk_font_check, Tags.compatibility)
        beat_entries_add(BEAT_SCHEDULE)
        # Receivers import models, which exist only once the apps are ready: Django's
        # documented place for connecting them, not a way round an import circle.
        from rolls import signals  # noqa: F401
