from django.apps import AppConfig
from django.core.checks import Tags, register
from django.utils.translation import gettext_lazy as _

from rolls.checks import migration_history_check


class RollsConfig(AppConfig):
    name = "rolls"
    verbose_name = _("Voter rolls")

    def ready(self) -> None:
        register(migration_history_check, Tags.database)
        # Receivers import models, which exist only once the apps are ready: Django's
        # documented place for connecting them, not a way round an import circle.
        from rolls import signals  # noqa: F401
