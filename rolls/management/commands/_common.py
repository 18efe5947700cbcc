"""Helpers shared by the run commands: finding the election, waiting, printing."""

from __future__ import annotations

import time

from django.core.management.base import CommandError

from elections.models import Election
from elections.references import REFERENCE_HELP, UnknownElection, election_label, election_resolve
from rolls.models import Run
from rolls.selectors.run_figures import run_metrics


def find_election(reference: str | None) -> Election:
    if reference is None:
        elections = list(Election.objects.order_by("-created_at")[:2])
        if len(elections) == 1:
            return elections[0]
        if not elections:
            raise CommandError(
                "There is no election yet: python manage.py create_fake_voter_data 10000"
            )
        raise CommandError(
            f"There are several elections: choose one with --election ({REFERENCE_HELP})"
        )
    try:
        return election_resolve(reference)
    except UnknownElection as exc:
        raise CommandError(str(exc)) from None


DRAIN_GRACE_SECONDS = 60


def wait_for(run: Run, *, timeout: float, drained: bool = False) -> Run:
    """Poll until the run has finished and, with ``drained``, its tasks have ended too
    (a failed run's subtasks may still be running). Draining waits at most a minute past
    the finish: a task whose message was lost (a broker restart) never reports, and the
    run's own accounting already says it is complete."""
    deadline = time.monotonic() + timeout
    finished_seen = None
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.is_active:
            finished_seen = finished_seen or time.monotonic()
            if not drained or run.tasks.drained():
                return run
            if time.monotonic() - finished_seen > DRAIN_GRACE_SECONDS:
                return run
        time.sleep(0.25)
    raise CommandError(
        f"Run {run.pk} still {run.status} after {timeout:.0f}s "
        f"({run.stations_done}/{run.stations_total} stations). Is a worker running?"
    )


def summary_lines(run: Run) -> list[str]:
    m = run_metrics(run)

    def s(value, spec=".2f"):
        return "-" if value is None else format(value, spec)

    lines = [
        f"Run {run.pk}: {run.strategy} on {election_label(run.election)}: {run.status.upper()}",
        f"  centers {run.centers_assigned}/{run.centers_total}, "
        f"stations {run.stations_done}/{run.stations_total}, pages {run.pages}",
        f"  wall {s(m.wall_seconds)} s, queued {s(m.queued_seconds)} s, task time "
        f"{s(m.task_seconds)} s, longest {s(m.longest_task_seconds)} s ({m.longest_task_name})",
        f"  {m.tasks} tasks on {m.worker_processes} worker processes, efficiency "
        f"{s(m.efficiency, '.0%')}, pages/s {s(m.pages_per_second)}",
    ]
    if run.empty_centers:
        lines.append(f"  centers without voters (no stations): {', '.join(run.empty_centers)}")
    if run.error:
        lines.append(f"  error: {run.error}")
    return lines
