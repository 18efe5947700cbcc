"""Each strategy's Celery canvas for a run, and queuing it.

Imports the tasks at the top: strategies sit above tasks (admin / CLI / beat -> launch ->
strategies -> tasks -> services), and nothing below imports this module.
"""

from __future__ import annotations

from collections.abc import Callable

from celery import chord, group

from rolls import tasks as t
from rolls.models import Run
from rolls.services.run_tasks import run_link_result_tree
from rolls.services.runs import run_center_ids, run_set_root_task


def build_all_in_one(run: Run):
    return t.all_in_one.si(run.pk)


def build_with_join(run: Run):
    return t.by_center_with_join.si(run.pk)


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
    subtasks.insert(0, t.fail_on_purpose.si(run.pk, centers[0]))
    body = t.finalize_run.s(run_id=run.pk).on_error(t.record_chord_error.s(run_id=run.pk))
    return chord(group(subtasks), body)


def build_database_then_balanced_batches(run: Run):
    return t.assign_election.si(run.pk) | t.fan_out_renders.si(run.pk, "balanced")


BUILDERS: dict[str, Callable[[Run], object]] = {
    "all_in_one": build_all_in_one,
    "parallelize_tasks_by_center_with_join": build_with_join,
    "queue_tasks_by_center_with_chord": build_chord_by_center,
    "assign_all_stations_in_parallel": build_assign_in_parallel,
    "assign_stations_and_generate_lists_with_starmap": build_assign_then_starmap,
    "assign_stations_and_generate_lists_with_chord": build_assign_then_chord,
    "group_with_error_in_sub_task": build_group_with_error,
    "assign_in_database_then_balanced_batches": build_database_then_balanced_batches,
}


def strategy_launch(run: Run) -> None:
    """Queue the run's canvas, then remember its tasks (the run page lists them)."""
    result = BUILDERS[run.strategy](run).apply_async()
    run_set_root_task(run_id=run.pk, task_id=result.id)
    run_link_result_tree(run_id=run.pk, result=result)
