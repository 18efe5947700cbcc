"""The worker setup a run was measured on, asked of the workers themselves when it starts.

Timings are only comparable on the same setup: two runs on one 2-process node and on two
8-process nodes differ by the machine, not the strategy. Nothing here writes: the launcher
stores the answer on the run.

A broadcast reaches every worker on the broker's virtual host, another deployment's too
(another checkout, a test session, a second console with its own queue namespace). Only
the nodes that consume one of this deployment's queues are counted: a worker that takes
none of our tasks neither runs our work nor belongs in a run's setup or a benchmark's
"like with like".
"""

from __future__ import annotations

import os

import celery
from celery import current_app
from django.conf import settings

from config.celery import all_queue_names

PROBE_TIMEOUT = 1.0


def broker_kind() -> str:
    """``amqp``, ``filesystem``, ``redis``...: the scheme, never the URL (it has a password)."""
    return str(settings.CELERY_BROKER_URL).split(":", 1)[0] or "?"


def database_kind() -> str:
    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


def prefetch_per_process(prefetch_count: object, processes: object) -> int | None:
    """The prefetch multiplier a node runs with, from what its stats say: Celery's
    ``prefetch_count`` is the whole node's (multiplier x pool processes), so a 2-process
    node with multiplier 1 reports 2. None when the stats cannot say (no processes, or a
    count that is no multiple of them, as while Celery has it reduced after a reconnect)."""
    if not isinstance(prefetch_count, int) or not isinstance(processes, int) or processes < 1:
        return None
    per_process, rest = divmod(prefetch_count, processes)
    return None if rest else per_process


def _node(answer: dict) -> dict:
    pool = answer.get("pool") or {}
    processes = pool.get("max-concurrency")
    processes = processes if isinstance(processes, int) else None
    implementation = str(pool.get("implementation", "?"))
    return {
        "processes": processes,
        # "celery.concurrency.prefork:TaskPool" -> "prefork"
        "pool": implementation.rsplit(":", 1)[0].rsplit(".", 1)[-1],
        "prefetch": answer.get("prefetch_count"),  # the node's, all processes together
        "prefetch_multiplier": prefetch_per_process(answer.get("prefetch_count"), processes),
        "cpus": answer.get("cpus"),
        "queues": answer.get("queues"),
    }


def worker_setup_probe(*, timeout: float = PROBE_TIMEOUT, limit: int | None = None) -> dict:
    """What the running workers say about themselves (our ``worker_setup`` control command,
    ``config/celery.py``: their stats and CPU count in one broadcast), plus broker and
    database kind. With no worker answering it says so (``"answered": False``).

    The broadcast waits ``timeout`` in full, unless ``limit`` nodes answer first (any
    node on the broker counts, another deployment's too)."""
    setup = _common()
    try:
        replies = current_app.control.broadcast(
            "worker_setup", reply=True, timeout=timeout, limit=limit
        )
    except Exception as exc:  # a broker that is down: the run's own launch will say so
        setup["error"] = f"{type(exc).__name__}: {exc}"[:300]
        return setup
    ours = set(all_queue_names())
    answers = {
        name: answer
        for reply in replies or []
        for name, answer in reply.items()
        if consumes_any(answer, ours)
    }
    setup["nodes"] = {name: _node(answers[name]) for name in sorted(answers)}
    setup["answered"] = bool(answers)
    # What the workers run with, not this process's setting (a worker may be started with
    # another ``--prefetch-multiplier``); None when the nodes differ or cannot say.
    multipliers = {node["prefetch_multiplier"] for node in setup["nodes"].values()}
    if answers:
        setup["prefetch_multiplier"] = multipliers.pop() if len(multipliers) == 1 else None
    return setup


def consumes_any(answer: object, queues: set[str]) -> bool:
    """Whether a node's answer says it consumes one of ``queues``. A node that does not say
    (no task consumer yet, an error instead of an answer) takes none of our tasks now."""
    if not isinstance(answer, dict):
        return False
    consumed = answer.get("queues")
    return isinstance(consumed, list) and not queues.isdisjoint(consumed)


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
                "prefetch_multiplier": None,
                "cpus": os.cpu_count(),
            }
        },
    }
