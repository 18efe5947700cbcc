"""The strategies a run can use, under the talk's names, plus ours: what each does and
teaches. Data only: the canvases are built in :mod:`rolls.strategies.canvases`, so anything
may validate a strategy name without importing the tasks."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as _


class UnknownStrategy(ValueError):
    """No strategy has that name."""


@dataclass(frozen=True, kw_only=True)
class Strategy:
    name: str
    # English, marked for translation: the console shows them through gettext (the command
    # line as they are).
    summary: str
    lesson: str
    renders: bool = True
    # Preselected on the forms: ours, built to be quick. Which strategy *is* fastest on an
    # election is measured (rolls.selectors.comparison), never declared here.
    preselected: bool = False


_CATALOG = [
    Strategy(
        name="all_in_one",
        summary=_("One task assigns and renders every center in turn."),
        lesson=_("The baseline: no parallelism at all, one worker process does everything."),
    ),
    Strategy(
        name="parallelize_tasks_by_center_with_join",
        summary=_(
            "A group per center whose parent task waits for it with .get() (fails on purpose)."
        ),
        lesson=_(
            "Never wait for subtasks inside a task: Celery raises RuntimeError, "
            "though the queued subtasks still run."
        ),
    ),
    Strategy(
        name="queue_tasks_by_center_with_chord",
        summary=_("A group of one task per center (assign + render), with a chord callback."),
        lesson=_(
            "Chords replace waiting: the callback runs when the group is done. "
            "But a center of 7,000 voters is one long task: the tail shows."
        ),
    ),
    Strategy(
        name="assign_all_stations_in_parallel",
        summary=_("Station assignment only, one task per center."),
        lesson=_("Small database tasks in parallel: Celery overhead dominates."),
        renders=False,
    ),
    Strategy(
        name="assign_stations_and_generate_lists_with_starmap",
        summary=_("Assignment per center, then one starmap task rendering station after station."),
        lesson=_("starmap is ONE task: it saves messages but renders serially on one process."),
    ),
    Strategy(
        name="assign_stations_and_generate_lists_with_chord",
        summary=_("Assignment per center, then one render task per station in a chord."),
        lesson=_("Fine-grained tasks balance load across processes at the cost of more messages."),
    ),
    Strategy(
        name="group_with_error_in_sub_task",
        summary=_("A chord whose first sub-task fails: its on_error handler records the failure."),
        lesson=_("Errors in a group: the chord callback never runs, the on_error errback does."),
    ),
    Strategy(
        name="assign_in_database_then_balanced_batches",
        summary=_(
            "Ours: one set-based SQL assignment, then render batches balanced by page count."
        ),
        lesson=_(
            "Do set work in the database in one statement, then give each process an equal "
            "share of pages (longest first) so nobody waits on a straggler."
        ),
        preselected=True,
    ),
]

STRATEGIES: dict[str, Strategy] = {s.name: s for s in _CATALOG}
DEFAULT_STRATEGY = next(s.name for s in _CATALOG if s.preselected)


def strategy_get(name: str) -> Strategy:
    """The strategy called ``name``, or UnknownStrategy naming the choices (the one place
    that says which names are valid)."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise UnknownStrategy(
            f"Unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}"
        ) from None
