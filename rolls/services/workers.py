"""The worker setup a run was measured on, asked of the workers themselves when it starts.

Timings are only comparable on the same setup: two runs on one 2-process node and on two
8-process nodes differ by the machine, not the strategy. Nothing here writes: the launcher
stores the answer on the run.
"""

from __future__ import annotations

import os

import celery
from celery import current_app
from django.conf import settings

PROBE_TIMEOUT = 1.0


def broker_kind() -> str:
    """``amqp``, ``filesystem``, ``redis``...: the scheme, never the URL (it has a password)."""
    return str(settings.CELERY_BROKER_URL).split(":", 1)[0] or "?"


def database_kind() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def _node(answer: dict) -> dict:
    pool = answer.get("pool") or {}
    processes = pool.get("max-concurrency")
    implementation = str(pool.get("implementation", "?"))
    return {
        "processes": processes if isinstance(processes, int) else None,
        # "celery.concurrency.prefork:TaskPool" -> "prefork"
        "pool": implementation.rsplit(":", 1)[0].rsplit(".", 1)[-1],
        "prefetch": answer.get("prefetch_count"),
        "cpus": answer.get("cpus"),
        "queues": answer.get("queues"),
    }


def worker_setup_probe(*, timeout: float = PROBE_TIMEOUT) -> dict:
    """What the running workers say about themselves (our ``worker_setup`` control command,
    ``config/celery.py``: their stats and CPU count in one broadcast), plus broker and
    database kind. With no worker answering it says so (``"answered": False``)."""
    setup = _common()
    try:
        replies = current_app.control.broadcast("worker_setup", reply=True, timeout=timeout)
    except Exception as exc:  # a broker that is down: the run's own launch will say so
        setup["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return setup
    answers = {name: answer for reply in replies or [] for name, answer in reply.items()}
    setup["nodes"] = {name: _node(answers[name]) for name in sorted(answers)}
    setup["answered"] = bool(answers)
    return setup


def _common() -> dict:
    return {
        "broker": broker_kind(),
        "database": database_kind(),
        "celery": celery.__version__,
        "prefetch_multiplier": settings.CELERY_WORKER_PREFETCH_MULTIPLIER,
        "answered": False,
        "nodes": {},
    }


def worker_setup_in_process() -> dict:
    """The setup of a run whose tasks are applied in this process (tests, no workers)."""
    return {
        **_common(),
        "in_process": True,
        "nodes": {
            "in-process": {
                "processes": 1,
                "pool": "in-process",
                "prefetch": None,
                "cpus": os.cpu_count(),
            }
        },
    }
