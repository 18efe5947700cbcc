"""The talk's teaching strategies: their catalog entries and canvases, registered into the
console's catalog when the lab is ready (``lab.apps``). Each still runs and teaches as in
the talk, from the lab's benchmarks and from ``manage.py queue_task``; none is offered to
staff generating rolls or scheduling them."""

from __future__ import annotations

from celery import chord, group
from django.utils.translation import gettext_noop as _

from lab import tasks as lab_tasks
from rolls import tasks as t
from rolls.models import Run
from rolls.services.ledger import run_center_ids
from rolls.strategies import Strategy
from rolls.strategies.canvases import builder_register


def build_all_in_one(run: Run):
    return lab_tasks.all_in_one.si(run.pk)


def build_with_join(run: Run):
    return lab_tasks.by_center_with_join.si(run.pk)


def build_chord_by_center(run: Run):
    header = group(t.assign_and_render_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.finalize_run.s(run_id=run.pk))


def build_assign_in_parallel(run: Run):
    header = group(t.assign_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.finalize_run.s(run_id=run.pk))


def build_assign_then_starmap(run: Run):
    header = group(t.assign_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.fan_out_renders.si(run.pk, "starmap"))


def build_assign_then_chord(run: Run):
    header = group(t.assign_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.fan_out_renders.si(run.pk, "chord"))


def build_group_with_error(run: Run):
    centers = run_center_ids(run)
    subtasks = [t.assign_and_render_center.si(run.pk, c) for c in centers[1:]]
    subtasks.insert(0, lab_tasks.fail_on_purpose.si(run.pk, centers[0]))
    body = t.finalize_run.s(run_id=run.pk).on_error(lab_tasks.record_chord_error.s(run_id=run.pk))
    return chord(group(subtasks), body)


TEACHING = [
    (
        Strategy(
            name="all_in_one",
            summary=_("One task assigns and renders every center in turn."),
            lesson=_("The baseline: no parallelism at all, one worker process does everything."),
        ),
        build_all_in_one,
    ),
    (
        Strategy(
            name="parallelize_tasks_by_center_with_join",
            summary=_(
                "A group per center whose parent task waits for it with .get() (fails on purpose)."
            ),
            lesson=_(
                "Never wait for subtasks inside a task: Celery raises RuntimeError, "
                "though the queued subtasks still run."
            ),
            fails_on_purpose=True,
        ),
        build_with_join,
    ),
    (
        Strategy(
            name="queue_tasks_by_center_with_chord",
            summary=_("A group of one task per center (assign + render), with a chord callback."),
            lesson=_(
                "Chords replace waiting: the callback runs when the group is done. "
                "But a center of 7,000 voters is one long task: the tail shows."
            ),
        ),
        build_chord_by_center,
    ),
    (
        Strategy(
            name="assign_all_stations_in_parallel",
            summary=_("Station assignment only, one task per center."),
            lesson=_("Small database tasks in parallel: Celery overhead dominates."),
            renders=False,
        ),
        build_assign_in_parallel,
    ),
    (
        Strategy(
            name="assign_stations_and_generate_lists_with_starmap",
            summary=_(
                "Assignment per center, then one starmap task rendering station after station."
            ),
            lesson=_("starmap is ONE task: it saves messages but renders serially on one process."),
        ),
        build_assign_then_starmap,
    ),
    (
        Strategy(
            name="assign_stations_and_generate_lists_with_chord",
            summary=_("Assignment per center, then one render task per station in a chord."),
            lesson=_(
                "Fine-grained tasks balance load across processes at the cost of more messages."
            ),
        ),
        build_assign_then_chord,
    ),
    (
        Strategy(
            name="group_with_error_in_sub_task",
            summary=_(
                "A chord whose first sub-task fails: its on_error handler records the failure."
            ),
            lesson=_(
                "Errors in a group: the chord callback never runs, the on_error errback does."
            ),
            fails_on_purpose=True,
        ),
        build_group_with_error,
    ),
]


def register_teaching_strategies() -> None:
    for strategy, builder in TEACHING:
        builder_register(strategy, builder)
