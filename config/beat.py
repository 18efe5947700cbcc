"""The beat scheduler: django-celery-beat's DatabaseScheduler plus a heartbeat file.

A beat process can be alive and stuck (a hung database call inside its loop), which a
"process exists" check cannot see. Beat runs ``tick()`` at least every ``max_interval``
seconds, so the file's age says whether the loop still turns; ``python -m config.health
beat`` (the compose healthcheck) reads it.
"""

from __future__ import annotations

from django.conf import settings
from django_celery_beat.schedulers import DEFAULT_MAX_INTERVAL, DatabaseScheduler

# Many loops' worth: missing one loop is load, missing a dozen is a stuck process.
HEARTBEAT_MAX_AGE = 12 * DEFAULT_MAX_INTERVAL


class HeartbeatScheduler(DatabaseScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        settings.BEAT_HEARTBEAT_FILE.touch()
        return interval
