"""Receivers of model signals, connected by ``RollsConfig.ready`` (in every process: web,
worker, beat), so that a periodic task saved through the ORM anywhere is checked."""

from __future__ import annotations

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_celery_beat.models import PeriodicTask

from rolls.services.schedules import periodic_task_check


@receiver(pre_save, sender=PeriodicTask, dispatch_uid="rolls.periodic_task_check")
def check_periodic_task(sender, instance: PeriodicTask, raw: bool = False, **kwargs) -> None:
    if not raw:  # loading a fixture stores what it holds
        periodic_task_check(instance)
