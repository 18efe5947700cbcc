"""Which runs did the same work on the same setup, and what differs when they did not.

"The same work": election, centers, assignment mode, voters, stations and (for runs that
succeeded) pages, what the run rendered itself (a changed-only run carries the unchanged
centers' files over and renders only the rest), roll template version, and the worker setup
the run recorded when it started. Runs that differ in any of these are listed apart with
what differs, never ranked. Differences are said in the staff member's language.
"""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rolls.models import AssignmentMode, Run, RunStatus
from rolls.selectors.run_figures import run_pages_carried


def setup_signature(setup: dict) -> tuple:
    """The parts of a recorded worker setup that change speed, comparable with ``==``."""
    if not setup:
        return ("not recorded",)
    nodes = tuple(
        (name, node.get("processes"), node.get("pool"), node.get("prefetch"), node.get("cpus"))
        for name, node in sorted((setup.get("nodes") or {}).items())
    )
    return (
        setup.get("broker"),
        setup.get("database"),
        setup.get("celery"),
        setup.get("prefetch_multiplier"),
        bool(setup.get("answered")),
        nodes,
    )


def prefetch_label(node: dict) -> str:
    """``prefetch 1 per process (2 in all)``: the multiplier the worker was started with, as
    the settings and docs/operators.md name it, beside the node's whole count its stats report.
    Setups recorded before the multiplier was, say only the node's count."""
    prefetch, multiplier = node.get("prefetch"), node.get("prefetch_multiplier")
    if prefetch is None:
        return gettext("prefetch not reported")
    if prefetch == 0:
        return gettext("no prefetch limit")
    if multiplier is None:
        return gettext("prefetch %(prefetch)s in all") % {"prefetch": prefetch}
    return gettext("prefetch %(multiplier)s per process (%(prefetch)s in all)") % {
        "multiplier": multiplier,
        "prefetch": prefetch,
    }


def setup_label(setup: dict) -> str:
    """``w1@host: 2 prefork processes, 4 CPUs, prefetch 1 per process (2 in all) · broker
    amqp, database ...``."""
    if not setup:
        return gettext("worker setup not recorded")
    nodes = setup.get("nodes") or {}
    if not nodes:
        where = gettext("no worker answered when it started")
    else:
        where = "; ".join(
            f"{name}: "
            + gettext("%(processes)s %(pool)s processes, %(cpus)s CPUs, %(prefetch)s")
            % {
                "processes": node.get("processes"),
                "pool": node.get("pool"),
                "cpus": node.get("cpus"),
                "prefetch": prefetch_label(node),
            }
            for name, node in sorted(nodes.items())
        )
    return f"{where} · " + gettext(
        "broker %(broker)s, database %(database)s, Celery %(celery)s"
    ) % {
        "broker": setup.get("broker"),
        "database": setup.get("database"),
        "celery": setup.get("celery"),
    }


def _centers(run: Run) -> str:
    if not run.center_ids:
        return gettext("whole election")
    return gettext("%(count)s chosen centers") % {"count": len(run.center_ids)}


def _rendered(run: Run) -> str:
    if not run.changed_only:
        return gettext("the whole set")
    if run.status != RunStatus.SUCCEEDED:
        return gettext("changed centers only")
    carried = run_pages_carried(run)
    return gettext("changed centers only: %(pages)s pages, %(carried)s carried over") % {
        "pages": run.pages - carried,
        "carried": carried,
    }


def run_work(run: Run) -> dict[str, object]:
    """What a run did and on what, field by field (see the module docstring)."""
    return {
        "rendered": _rendered(run),
        "election": run.election_id,
        "centers": tuple(sorted(run.center_ids)) if run.center_ids else "whole election",
        "assignment mode": run.assignment_mode,
        "voters": run.voters_total,
        "stations": run.stations_total,
        "pages": run.pages if run.status == RunStatus.SUCCEEDED else None,
        "roll template version": run.template_version or gettext("not recorded"),
        "worker setup": setup_signature(run.worker_setup),
    }


# How each field of the work is named where two runs differ.
WORK_FIELDS = {
    "rendered": _("rendered"),
    "election": _("election"),
    "centers": _("centers"),
    "assignment mode": _("assignment mode"),
    "voters": _("voters"),
    "stations": _("stations"),
    "pages": _("pages"),
    "roll template version": _("roll template version"),
    "worker setup": _("worker setup"),
}


def work_differences(run: Run, reference: Run) -> list[str]:
    """What ``run`` did differently from ``reference``, in words (empty: the same work).
    A failed run's pages are not a difference: it stopped before printing them."""
    mine, theirs = run_work(run), run_work(reference)
    differences = []
    for key, value in mine.items():
        other = theirs[key]
        if value == other or (key == "pages" and None in (value, other)):
            continue
        if key == "centers":
            value, other = _centers(run), _centers(reference)
        elif key == "worker setup":
            value, other = setup_label(run.worker_setup), setup_label(reference.worker_setup)
        differences.append(
            gettext("%(field)s: %(value)s (compared: %(other)s)")
            % {"field": WORK_FIELDS.get(key, key), "value": value, "other": other}
        )
    return differences


def reference_run(runs: list[Run]) -> Run | None:
    """The run whose work the comparison is about: by default the latest finished run that
    rendered the whole election in balanced mode and succeeded (else the latest at all)."""
    for run in runs:
        if (
            not run.center_ids
            and not run.changed_only
            and run.assignment_mode == AssignmentMode.BALANCED
            and run.status == RunStatus.SUCCEEDED
        ):
            return run
    return runs[0] if runs else None


def compare_runs(runs: list[Run], reference: Run | None) -> tuple[list, list]:
    """(runs doing the reference's work, [(other run, what differs)])."""
    if reference is None:
        return [], []
    alike, apart = [], []
    for run in runs:
        differences = work_differences(run, reference)
        if differences:
            apart.append((run, differences))
        else:
            alike.append(run)
    return alike, apart
