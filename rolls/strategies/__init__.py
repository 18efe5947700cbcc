"""The canvas strategies a run can use, under the talk's names, plus ours.

Each strategy builds a Celery canvas for a run and queues it; what each one teaches is in
its ``lesson`` (shown by ``queue_task --help`` and in the admin).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from celery import chord, group

from rolls.models import Run, Station
from rolls.pdf import expected_pages
from rolls.services.runs import run_center_ids, run_link_result_tree


@dataclass(frozen=True)
class Strategy:
    name: str
    summary: str
    lesson: str
    build: Callable[[Run], object]
    renders: bool = True

    def launch(self, run: Run) -> None:
        result = self.build(run).apply_async()
        Run.objects.filter(pk=run.pk).update(root_task_id=result.id)
        run_link_result_tree(run_id=run.pk, result=result)


def _tasks():
    from rolls import tasks

    return tasks


def build_all_in_one(run: Run):
    return _tasks().all_in_one.si(run.pk)


def build_with_join(run: Run):
    return _tasks().by_center_with_join.si(run.pk)


def build_chord_by_center(run: Run):
    t = _tasks()
    header = group(t.assign_and_render_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.finalize_run.s(run_id=run.pk))


def build_assign_in_parallel(run: Run):
    t = _tasks()
    header = group(t.assign_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.finalize_run.s(run_id=run.pk))


def build_assign_then_starmap(run: Run):
    t = _tasks()
    header = group(t.assign_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.fan_out_renders.si(run.pk, "starmap"))


def build_assign_then_chord(run: Run):
    t = _tasks()
    header = group(t.assign_center.si(run.pk, c) for c in run_center_ids(run))
    return chord(header, t.fan_out_renders.si(run.pk, "chord"))


def build_group_with_error(run: Run):
    t = _tasks()
    centers = run_center_ids(run)
    subtasks = [t.assign_and_render_center.si(run.pk, c) for c in centers[1:]]
    subtasks.insert(0, t.fail_on_purpose.si(run.pk, centers[0]))
    body = t.finalize_run.s(run_id=run.pk).on_error(t.record_chord_error.s(run_id=run.pk))
    return chord(group(subtasks), body)


def build_database_then_balanced_batches(run: Run):
    t = _tasks()
    return t.assign_election.si(run.pk) | t.fan_out_renders.si(run.pk, "balanced")


def balanced_batches(stations: list[tuple[int, int, int]], batches: int) -> list[list[list[int]]]:
    """Longest-processing-time-first: biggest stations first, each to the lightest batch,
    so every worker process finishes at about the same time (no long tail)."""
    bins: list[tuple[int, list[list[int]]]] = [(0, []) for _ in range(max(1, batches))]
    for center_id, number, pages in sorted(stations, key=lambda s: -s[2]):
        index = min(range(len(bins)), key=lambda i: bins[i][0])
        load, members = bins[index]
        members.append([center_id, number])
        bins[index] = (load + pages, members)
    return [members for _, members in bins if members]


def fan_out(run: Run, layout: str) -> int:
    """Queue the renders of the run's assigned stations; returns how many tasks it queued."""
    t = _tasks()
    stations = list(
        Station.objects.filter(center_id__in=run_center_ids(run))
        .order_by("center_id", "number")
        .values_list("center_id", "number", "voter_count")
    )
    if not stations:
        from rolls.services.runs import run_finish_if_complete

        run_finish_if_complete(run_id=run.pk)
        return 0
    if layout == "starmap":
        sig = t.render_station.starmap([(run.pk, c, n) for c, n, _ in stations])
        run_link_result_tree(run_id=run.pk, result=sig.apply_async())
        return 1
    if layout == "chord":
        header = group(t.render_station.si(run.pk, c, n) for c, n, _ in stations)
        result = chord(header, t.finalize_run.s(run_id=run.pk)).apply_async()
        run_link_result_tree(run_id=run.pk, result=result)
        return len(stations)
    if layout == "balanced":
        pages = [(c, n, expected_pages(size)) for c, n, size in stations]
        batches = balanced_batches(pages, BATCHES_PER_RUN)
        header = group(t.render_stations.si(run.pk, batch) for batch in batches)
        result = chord(header, t.finalize_run.s(run_id=run.pk)).apply_async()
        run_link_result_tree(run_id=run.pk, result=result)
        return len(batches)
    raise ValueError(f"unknown fan-out layout {layout!r}")


# Enough batches to keep every process of a few workers busy and to even out the tail,
# few enough that per-task overhead stays negligible.
BATCHES_PER_RUN = 16

STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in [
        Strategy(
            "all_in_one",
            "One task assigns and renders every center in turn.",
            "The baseline: no parallelism at all, one worker process does everything.",
            build_all_in_one,
        ),
        Strategy(
            "parallelize_tasks_by_center_with_join",
            "A group per center whose parent task waits for it with .get() (fails on purpose).",
            "Never wait for subtasks inside a task: Celery raises RuntimeError, "
            "though the queued subtasks still run.",
            build_with_join,
        ),
        Strategy(
            "queue_tasks_by_center_with_chord",
            "A group of one task per center (assign + render), with a chord callback.",
            "Chords replace waiting: the callback runs when the group is done. "
            "But a center of 7,000 voters is one long task: the tail shows.",
            build_chord_by_center,
        ),
        Strategy(
            "assign_all_stations_in_parallel",
            "Station assignment only, one task per center.",
            "Small database tasks in parallel: Celery overhead dominates.",
            build_assign_in_parallel,
            renders=False,
        ),
        Strategy(
            "assign_stations_and_generate_lists_with_starmap",
            "Assignment per center, then one starmap task rendering station after station.",
            "starmap is ONE task: it saves messages but renders serially on one process.",
            build_assign_then_starmap,
        ),
        Strategy(
            "assign_stations_and_generate_lists_with_chord",
            "Assignment per center, then one render task per station in a chord.",
            "Fine-grained tasks balance load across processes at the cost of more messages.",
            build_assign_then_chord,
        ),
        Strategy(
            "group_with_error_in_sub_task",
            "A chord whose first sub-task fails: its on_error handler records the failure.",
            "Errors in a group: the chord callback never runs, the on_error errback does.",
            build_group_with_error,
        ),
        Strategy(
            "assign_in_database_then_balanced_batches",
            "Ours: one set-based SQL assignment, then render batches balanced by page count.",
            "Do set work in the database in one statement, then give each process an equal "
            "share of pages (longest first) so nobody waits on a straggler.",
            build_database_then_balanced_batches,
        ),
    ]
}

FASTEST = "assign_in_database_then_balanced_batches"
