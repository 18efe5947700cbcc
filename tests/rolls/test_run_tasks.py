"""The run's task record when a chord's header fails: whichever of the queuing process and
the failing worker writes first, the callback ends failed, under its own name."""

import pytest
from celery import chord, group

from rolls import tasks
from rolls.launch import run_start
from rolls.models import TaskState
from rolls.services.run_tasks import (
    canvas_task_names,
    run_link_result_tree,
    run_task_abandon,
)
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters

pytestmark = pytest.mark.django_db


@pytest.fixture
def run():
    election = ElectionFactory(max_voters_per_station=50)
    center = PollingCenterFactory(election=election, code="A")
    register_voters(center, [(f"Fam{i:03d}", "Ann") for i in range(3)])
    return run_start(
        election_id=election.pk, strategy="all_in_one", started_by="test", launch=lambda r: None
    )


def frozen_chord(run):
    """A chord as a strategy queues it, its ids fixed without sending it."""
    canvas = chord(
        group(tasks.render_stations.si(run.pk, [1]), tasks.render_stations.si(run.pk, [2])),
        tasks.finalize_run.s(run_id=run.pk),
    )
    return canvas, canvas.freeze()


@pytest.mark.parametrize("first", ["abandoned", "linked"])
def test_the_callback_of_a_failed_header_ends_failed_under_its_name_in_either_order(run, first):
    canvas, result = frozen_chord(run)
    callback = canvas.body
    abandon = {"run_id": run.pk, "task_id": callback.id, "task_name": callback.task}

    link = {"run_id": run.pk, "result": result, "names": canvas_task_names(canvas)}
    if first == "abandoned":  # the header failed before the launcher linked the canvas
        run_task_abandon(**abandon)
        run_link_result_tree(**link)
    else:
        run_link_result_tree(**link)
        run_task_abandon(**abandon)

    row = run.tasks.get(task_id=callback.id)
    assert row.task_name == "rolls.tasks.finalize_run"
    assert row.state == TaskState.FAILED and row.ended_at is not None
    assert run.tasks.filter(task_id=callback.id).count() == 1
    # The header tasks are linked, still queued: only the callback is abandoned.
    header = run.tasks.exclude(task_id=callback.id)
    assert [t.state for t in header] == [TaskState.QUEUED] * 2


def test_a_linked_canvas_lists_each_queued_task_under_the_task_it_will_run(run):
    chain = tasks.assign_election.si(run.pk) | tasks.fan_out_renders.si(run.pk, "balanced")
    canvas, chord_result = frozen_chord(run)
    for signature, result in ((chain, chain.freeze()), (canvas, chord_result)):
        run_link_result_tree(run_id=run.pk, result=result, names=canvas_task_names(signature))

    assert sorted(run.tasks.values_list("task_name", flat=True)) == [
        "rolls.tasks.assign_election",
        "rolls.tasks.fan_out_renders",
        "rolls.tasks.finalize_run",
        "rolls.tasks.render_stations",
        "rolls.tasks.render_stations",
    ]
    # Without names (a canvas not frozen first) a task is listed as queued until it starts.
    unnamed = tasks.render_stations.si(run.pk, [3])
    run_link_result_tree(run_id=run.pk, result=unnamed.freeze())
    assert run.tasks.get(task_id=unnamed.id).task_name == "queued"


def test_abandoning_leaves_a_callback_that_already_ran_as_it_ended(run):
    canvas, result = frozen_chord(run)
    run_link_result_tree(run_id=run.pk, result=result)
    run.tasks.filter(task_id=canvas.body.id).update(state=TaskState.SUCCEEDED)

    run_task_abandon(run_id=run.pk, task_id=canvas.body.id, task_name=canvas.body.task)

    assert run.tasks.get(task_id=canvas.body.id).state == TaskState.SUCCEEDED
