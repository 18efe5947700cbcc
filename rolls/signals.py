"""Receivers of model signals, connected by ``RollsConfig.ready`` (in every process: web,
worker, beat), so that a periodic task saved through the ORM anywhere is checked; and the
console's check that refuses a register import while a run of the election is active, and
its recorder of downloads of an import's rejected rows."""

from __future__ import annotations

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_celery_beat.models import PeriodicTask

from elections.download_trail import rejected_rows_recorder_register
from elections.guards import register_import_blocker
from rolls.models import Run
from rolls.services.downloads import download_record_rejected_rows
from rolls.services.schedules import periodic_task_check


@receiver(pre_save, sender=PeriodicTask, dispatch_uid="rolls.periodic_task_check")
def check_periodic_task(sender, instance: PeriodicTask, raw: bool = False, **kwargs) -> None:
    if not raw:  # loading a fixture stores what it holds
        periodic_task_check(instance)


def active_run_blocks_import(election_id: int) -> str | None:
    """A run copies its split from the register as it assigns (center by center for some
    strategies): an import in between would give it half the old register and half the new."""
    run = Run.objects.active().filter(election_id=election_id).first()
    if run is None:
        return None
    return (
        f"Run {run.pk} ({run.strategy}) of this election is {run.status}: import the register "
        "once it has finished, so that it splits one register"
    )


register_import_blocker(active_run_blocks_import)
rejected_rows_recorder_register(download_record_rejected_rows)
