"""The strategy lab: the talk's teaching strategies (the ones that fail on purpose too),
benchmarks and the comparison of strategies, beside the console rather than in it.

Its own app rather than a package of the console's, because everything that makes it a lab
is what an app is: its own section of the admin (Strategy lab: benchmarks and the comparison
page), its own records (a benchmark and the runs it started), its own tasks found by
autodiscovery, and its own command (``compare_strategies``). The console
never imports it (``tests/test_architecture.py``): when ready, the lab registers its
strategies in the console's catalog, its action on the election list, and its receiver of
the console's run-ended signal, which is how a benchmark's next run starts.
"""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from config.celery import beat_entries_add
from lab import task_names as lab_names
from rolls import task_kinds

BEAT_SCHEDULE = {
    "advance benchmarks whose step was lost": {
        "task": lab_names.ADVANCE_BENCHMARKS,
        "schedule": 30.0,
    },
}


class LabConfig(AppConfig):
    name = "lab"
    verbose_name = _("Strategy lab")

    def ready(self) -> None:
        # The strategies' canvases import the tasks and the receivers import models, which
        # exist only once the apps are ready: Django's documented place for both, not a way
        # round an import circle.
        from lab import receivers  # noqa: F401
        from lab.strategies import register_teaching_strategies

        register_teaching_strategies()
        task_kinds.WHOLE_RUN.update({lab_names.ALL_IN_ONE, lab_names.BY_CENTER_WITH_JOIN})
        task_kinds.ORCHESTRATION.add(lab_names.RECORD_CHORD_ERROR)
        beat_entries_add(BEAT_SCHEDULE)
