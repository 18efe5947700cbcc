"""The strategy lab sits beside the console: staff generate and schedule rolls with the
production strategy only, the lab's strategies are registered into the catalog and still run,
a run's end is announced by the console and a benchmark's next step is the lab's answer, and
benchmarks moved into the lab with their runs and permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from lab import task_names as lab_names
from lab.models import Benchmark, BenchmarkRun
from rolls.events import run_ended
from rolls.launch import run_start
from rolls.models import Run, RunStatus
from rolls.services.ledger import run_fail
from rolls.services.schedules import (
    ScheduleRefused,
    schedulable_strategies,
    schedule_kwargs_validate,
)
from rolls.strategies import DEFAULT_STRATEGY, STRATEGIES, production_strategies
from tests.factories import ElectionFactory
from tests.support.builders import build_election
from tests.support.runs import no_launch
from tests.support.users import STAFF, make_user

pytestmark = pytest.mark.django_db

TALK = [
    "all_in_one",
    "parallelize_tasks_by_center_with_join",
    "queue_tasks_by_center_with_chord",
    "assign_all_stations_in_parallel",
    "assign_stations_and_generate_lists_with_starmap",
    "assign_stations_and_generate_lists_with_chord",
    "group_with_error_in_sub_task",
]


def test_the_catalog_holds_ours_for_staff_and_the_labs_for_teaching():
    assert production_strategies() == [DEFAULT_STRATEGY]
    assert [name for name in STRATEGIES if name != DEFAULT_STRATEGY] == TALK
    failing = {name for name, s in STRATEGIES.items() if s.fails_on_purpose}
    assert failing == {"parallelize_tasks_by_center_with_join", "group_with_error_in_sub_task"}
    assert not any(STRATEGIES[name].production for name in TALK)


def test_generate_rolls_offers_the_production_strategy_only(client):
    election = build_election(centers={"C001": 3})
    client.force_login(make_user("staff-member", STAFF))
    page = client.post(
        reverse("admin:elections_election_changelist"),
        {"action": "generate_rolls", "_selected_action": [election.pk]},
    ).content.decode()
    assert f'value="{DEFAULT_STRATEGY}"' in page
    assert not [name for name in TALK if f'value="{name}"' in page]
    # A lab strategy posted anyway is refused by the form, and no run starts.
    refused = client.post(
        reverse("admin:elections_election_changelist"),
        {
            "action": "generate_rolls",
            "_selected_action": [election.pk],
            "post": "yes",
            "strategy": "all_in_one",
            "mode": "balanced",
            "purpose": "final",
        },
    ).content.decode()
    assert "Select a valid choice" in refused
    assert not Run.objects.exists()


def test_schedules_take_production_strategies_only():
    election = ElectionFactory()
    assert schedulable_strategies() == [DEFAULT_STRATEGY]
    with pytest.raises(ScheduleRefused, match="teaching strategy of the strategy lab"):
        schedule_kwargs_validate({"election": election.slug, "strategy": "all_in_one"})
    with pytest.raises(ScheduleRefused, match="fails on purpose"):
        schedule_kwargs_validate(
            {"election": election.slug, "strategy": "group_with_error_in_sub_task"}
        )
    schedule_kwargs_validate({"election": election.slug, "strategy": DEFAULT_STRATEGY})


def test_a_lab_strategy_still_starts_by_name_outside_the_forms():
    election = build_election(centers={"C001": 3})
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="cli", launch=no_launch
    )
    assert run.strategy == "all_in_one" and run.status == RunStatus.QUEUED


def test_the_console_announces_a_run_end_once_and_the_lab_queues_the_next_step(
    django_capture_on_commit_callbacks, monkeypatch
):
    election = build_election(centers={"C001": 3})
    heard = []

    def listener(sender, run_id, status, **kwargs):
        heard.append((run_id, status))

    run_ended.connect(listener, dispatch_uid="test-listener")
    sent = []
    monkeypatch.setattr(
        "lab.ledger.current_app.send_task", lambda name, **kw: sent.append((name, kw["args"]))
    )
    try:
        alone = run_start(
            election_id=election.pk, strategy=DEFAULT_STRATEGY, started_by="t", launch=no_launch
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert run_fail(run_id=alone.pk, error="stopped")
            assert not run_fail(run_id=alone.pk, error="again")  # already ended: no second word
        assert heard == [(alone.pk, RunStatus.FAILED)]
        assert sent == []  # no benchmark started that run: the lab queues nothing

        benchmark = Benchmark.objects.create(
            election=election,
            strategies=["all_in_one"],
            repeats=2,
            plan=["all_in_one", "all_in_one"],
            next_position=1,
            started_by="t",
        )
        run = run_start(
            election_id=election.pk, strategy="all_in_one", started_by="t", launch=no_launch
        )
        BenchmarkRun.objects.create(benchmark=benchmark, position=0, run=run)
        with django_capture_on_commit_callbacks(execute=True):
            run_fail(run_id=run.pk, error="stopped")
        assert sent == [(lab_names.BENCHMARK_STEP, (benchmark.pk,))]
    finally:
        run_ended.disconnect(dispatch_uid="test-listener")


def test_a_failing_listener_does_not_undo_the_runs_end(caplog):
    election = build_election(centers={"C001": 3})

    def broken(sender, **kwargs):
        raise RuntimeError("listener broke")

    run_ended.connect(broken, dispatch_uid="test-broken")
    try:
        run = run_start(
            election_id=election.pk, strategy=DEFAULT_STRATEGY, started_by="t", launch=no_launch
        )
        assert run_fail(run_id=run.pk, error="stopped")
    finally:
        run_ended.disconnect(dispatch_uid="test-broken")
    assert Run.objects.get(pk=run.pk).status == RunStatus.FAILED
    assert "run-ended receiver" in caplog.text and "RuntimeError" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_benchmarks_move_into_the_lab_with_their_runs_and_permissions():
    executor = MigrationExecutor(connection)
    before = [("rolls", "0019_verbose_names_in_every_language")]
    executor.migrate([*before, ("lab", None)])
    old = executor.loader.project_state(before).apps
    election = ElectionFactory(slug="benchmarked")
    OldBenchmark = old.get_model("rolls", "Benchmark")
    OldRun = old.get_model("rolls", "Run")
    benchmark = OldBenchmark.objects.create(
        election_id=election.pk,
        strategies=["all_in_one"],
        repeats=2,
        plan=["all_in_one", "all_in_one"],
        next_position=2,
        status="finished",
        started_by="t",
    )
    runs = [
        OldRun.objects.create(
            election_id=election.pk,
            strategy="all_in_one",
            status="failed",
            started_by="t",
            benchmark_id=benchmark.pk,
            benchmark_position=position,
        )
        for position in (1, 0)
    ]
    OldRun.objects.create(
        election_id=election.pk, strategy="all_in_one", status="failed", started_by="alone"
    )
    view = Permission.objects.filter(content_type__app_label="rolls", codename="view_benchmark")
    assert view.exists()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = Benchmark.objects.get(pk=benchmark.pk)
    assert [run.pk for run in moved.runs] == [runs[1].pk, runs[0].pk]
    assert [entry.position for entry in moved.entries.all()] == [0, 1]
    assert BenchmarkRun.objects.count() == 2  # the run no benchmark started has no entry
    assert Permission.objects.filter(
        content_type__app_label="lab", codename="view_benchmark"
    ).exists()
    assert not Permission.objects.filter(
        content_type__app_label="rolls", codename="view_benchmark"
    ).exists()
    assert "benchmark_id" not in {f.column for f in Run._meta.fields}
