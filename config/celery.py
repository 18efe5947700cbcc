"""The Celery application, configured from Django settings (``CELERY_*``).

Queues: database-heavy work (station assignment, run bookkeeping) goes to ``db``, PDF
rendering to ``render``, so render-only nodes can be added on their own machines
(``celery -A config worker -Q render``). A task says which kind it is with the ``queue_kind``
option; ``CELERY_QUEUE_NAMESPACE`` prefixes every queue so several deployments (or a test
session) can share one broker without taking each other's messages.
"""

from __future__ import annotations

import os

from celery import Celery
from celery.worker.control import control_command
from kombu import Queue
from kombu.transport import TRANSPORT_ALIASES

from config.brokers import TRANSPORT
from config.env import env_str

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# filesystem:// (the embedded default) with whole messages: config/brokers.py says why.
TRANSPORT_ALIASES["filesystem"] = TRANSPORT

QUEUE_KINDS = ("default", "db", "render")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")


def queue_name(kind: str, namespace: str | None = None) -> str:
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown queue kind {kind!r}; choose one of {QUEUE_KINDS}")
    prefix = app.conf.get("queue_namespace", "") if namespace is None else namespace
    return f"{prefix}{kind}"


def all_queue_names(namespace: str | None = None) -> list[str]:
    return [queue_name(kind, namespace) for kind in QUEUE_KINDS]


def beat_entries_add(entries: dict) -> None:
    """Add an app's upkeep to beat's schedule (each app's ``ready``): django-celery-beat's
    scheduler installs them into its tables when it starts."""
    app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **entries}


def route_by_kind(name, args, kwargs, options, task=None, **kw):
    kind = getattr(task, "queue_kind", "default")
    return {"queue": queue_name(kind)}


def use_queue_namespace(namespace: str) -> None:
    """Point this process at the queues of ``namespace``: producers route there, and a
    worker started without ``-Q`` consumes all of them."""
    app.conf.queue_namespace = namespace
    app.conf.task_default_queue = queue_name("default", namespace)
    app.conf.task_queues = [Queue(name) for name in all_queue_names(namespace)]


@control_command()
def worker_setup(state) -> dict:
    """What a run records of each node when it starts, in one round trip: ``inspect stats``
    (pool, processes, prefetch) plus this machine's CPU count, which stats do not carry
    (8 processes on 2 CPUs are not 8 processes on 8), and the queues the node consumes."""
    stats = state.consumer.controller.stats()
    consumer = state.consumer.task_consumer
    return {
        "pool": stats.get("pool", {}),
        "prefetch_count": stats.get("prefetch_count"),
        "cpus": os.cpu_count(),
        # Which queues it takes, so the batch planner counts only the processes that render.
        "queues": sorted(q.name for q in consumer.queues) if consumer is not None else None,
    }


app.conf.task_routes = (route_by_kind,)
use_queue_namespace(env_str("CELERY_QUEUE_NAMESPACE", ""))
# Every installed app's tasks, by convention: ``<app>.tasks`` holds the work runs are made
# of; ``<app>.launch_tasks`` the tasks that start runs (beat's schedules, a benchmark's next
# step), which import the launcher and so cannot sit with the tasks it queues. Each app pins
# its task names (``<app>/task_names.py``) and installs its beat entries when it is ready.
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="launch_tasks")
