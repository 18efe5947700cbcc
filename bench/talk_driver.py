"""Run by bench/talk.py inside the talk's own virtualenv, with the talk's settings, by path
(``python bench/talk_driver.py STRATEGY LOG TIMEOUT``): queue one strategy through the
talk's ``queue_task`` command, watch its worker's log until the chord's sum task has run
(or the chord failed), and print one JSON line with the run's wall time: from just before
the command queues the task to the sum task's ``date_done``, the last task to end.

Nothing here imports this project: only the standard library, and Django and
django-celery-results from the talk's virtualenv once run as a script.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

SUM_DONE = re.compile(r"Task voter_rolls\.tasks\.task_sum_pages\[([0-9a-f-]+)\] succeeded")
SUM_PAGES = re.compile(r"sum_pages: Total pages written: (\d+)")
# A header task that fails (the talk's SQLite says "database is locked" under load) fails
# the chord: its sum task never runs.
CHORD_FAILED = re.compile(r"Chord '[0-9a-f-]+' raised")
TASK_FAILED = re.compile(r"raised unexpected: (\w+\('[^']*'\))")
# Once the chord failed, the run is over when the worker has written nothing this long
# (its other tasks still in flight have ended).
QUIET_SECONDS = 3.0


def watch(
    log: Path,
    offset: int,
    timeout: float,
    *,
    quiet: float = QUIET_SECONDS,
    poll: float = 0.1,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict:
    """What the worker's ``log`` says after ``offset`` (bytes): the sum task's id once it
    succeeded, or a failed chord once the log has been quiet for ``quiet`` seconds, or a
    timeout; with the tasks that raised and the pages the talk reported."""
    deadline = clock() + timeout
    quiet_since, size = clock(), -1
    while True:
        text = log.read_bytes()[offset:].decode(errors="replace")
        if len(text) != size:
            quiet_since, size = clock(), len(text)
        done = SUM_DONE.search(text)
        failed = CHORD_FAILED.search(text) and clock() - quiet_since >= quiet
        if done or failed or clock() > deadline:
            break
        sleep(poll)
    pages = SUM_PAGES.search(text)
    errors = TASK_FAILED.findall(text)
    return {
        "status": "succeeded" if done and not errors else "failed" if done or failed else "timeout",
        "sum_task": done.group(1) if done else None,
        "failed_tasks": len(errors),
        "errors": sorted(set(errors)),
        "reported_pages": int(pages.group(1)) if pages else None,
    }


if __name__ == "__main__":
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from django_celery_results.models import TaskResult

    strategy, log, timeout = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    offset = log.stat().st_size
    queued = timezone.now()
    call_command("queue_task", strategy)
    result = {"strategy": strategy, **watch(log, offset, timeout)}
    ended = None
    deadline = time.monotonic() + 30
    while result["sum_task"] and ended is None and time.monotonic() < deadline:
        row = TaskResult.objects.filter(task_id=result["sum_task"]).first()
        ended = row.date_done if row else None
        time.sleep(0.05)
    if ended is None and result["status"] == "succeeded":
        result["status"] = "failed"  # the sum task ran but stored no result to time it by
    result["wall"] = (ended - queued).total_seconds() if ended else None
    print(json.dumps(result))
