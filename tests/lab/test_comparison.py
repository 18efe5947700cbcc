"""Comparisons that can be trusted: like with like (the same work on the same worker setup),
benchmarks of interleaved repeats with their spread, and a "fastest" that follows the data."""

from __future__ import annotations

import itertools
import os
import statistics
import time
from datetime import timedelta

import celery
import pytest
from celery.result import E_WOULDBLOCK
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from lab.admin import strategy_rows
from lab.comparison import benchmark_report, election_comparison, measured_fastest
from lab.ledger import (
    benchmark_claim_step,
    benchmark_create,
    benchmark_finish_if_done,
)
from lab.models import Benchmark, BenchmarkRun, BenchmarkStatus
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.models import Run
from rolls.selectors.run_figures import run_metrics
from rolls.strategies import DEFAULT_STRATEGY, STRATEGIES
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.runs import no_launch

TIMEOUT = 240


@pytest.fixture
def small_election():
    election = ElectionFactory(max_voters_per_station=50, slug="small")
    for code, size in {"A": 30, "B": 70}.items():
        center = PollingCenterFactory(election=election, code=code)
        register_voters(center, [(f"Fam{code}{i:04d}", f"Given{i % 5}") for i in range(size)])
    return election


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_run_records_the_worker_setup_the_workers_report(shared_worker, small_election):
    run = run_start(election_id=small_election.pk, strategy="all_in_one", started_by="test")
    run = wait_for(run, timeout=TIMEOUT)

    setup = run.worker_setup
    assert setup["answered"] is True
    assert setup["celery"] == celery.__version__
    assert setup["broker"] in {"filesystem", "amqp"}
    assert setup["database"] in {"sqlite3", "postgresql"}
    node = next(v for name, v in setup["nodes"].items() if name.startswith("shared."))
    assert node == {
        "processes": 2,
        "pool": "prefork",
        "prefetch": node["prefetch"],
        "prefetch_multiplier": 1,  # the setting the worker runs with, as docs/operators.md says
        "cpus": os.cpu_count(),
        "queues": sorted(shared_worker.queues),  # the batch planner counts render processes
    }
    assert node["prefetch"] == 2  # Celery's count is the node's: 1 for each of 2 processes
    assert len(run.template_version) == 16


# --- like with like --------------------------------------------------------------------------


def finished(election, strategy, seconds, *, benchmark=None, status="succeeded", **start):
    """A run as a worker would have left it, taking ``seconds`` of wall time."""
    run = run_start(
        election_id=election.pk, strategy=strategy, started_by="test", launch=no_launch, **start
    )
    Run.objects.filter(pk=run.pk).update(
        status=status,
        finished_at=run.queued_at + timedelta(seconds=seconds),
        pages=0 if status == "failed" else 10,
    )
    if benchmark is not None:
        BenchmarkRun.objects.create(
            benchmark=benchmark,
            position=BenchmarkRun.objects.filter(benchmark=benchmark).count(),
            run=run,
        )
    run.refresh_from_db()
    return run


@pytest.fixture
def bench(small_election):
    return Benchmark.objects.create(
        election=small_election, strategies=[], repeats=1, plan=[], started_by="test"
    )


@pytest.mark.django_db
def test_partial_center_and_sequential_runs_are_never_ranked_with_whole_election_balanced_runs(
    small_election, bench
):
    center_a = small_election.centers.get(code="A")
    finished(small_election, "all_in_one", 9, benchmark=bench)
    finished(small_election, "assign_stations_and_generate_lists_with_chord", 5, benchmark=bench)
    # Far quicker, because they did less or other work: never ranked with the two above.
    partial = finished(
        small_election,
        "queue_tasks_by_center_with_chord",
        1,
        benchmark=bench,
        center_ids=[center_a.pk],
    )
    sequential = finished(
        small_election,
        "assign_in_database_then_balanced_batches",
        1,
        benchmark=bench,
        mode="sequential",
    )

    comparison = election_comparison(small_election)

    assert [r.name for r in comparison.results] == [
        "all_in_one",
        "assign_stations_and_generate_lists_with_chord",
    ]
    assert comparison.ranking.winner == "assign_stations_and_generate_lists_with_chord"
    apart = dict(comparison.apart)
    assert set(apart) == {partial, sequential}
    assert any(
        d.startswith("centers: 1 chosen centers (compared: whole election)") for d in apart[partial]
    )
    assert "voters: 30 (compared: 100)" in apart[partial]
    assert "assignment mode: sequential (compared: balanced)" in apart[sequential]
    assert measured_fastest(small_election) == "assign_stations_and_generate_lists_with_chord"


@pytest.mark.django_db
def test_runs_on_another_worker_setup_or_template_are_listed_apart(small_election, bench):
    finished(small_election, "all_in_one", 9, benchmark=bench)
    other_setup = finished(small_election, "all_in_one", 2, benchmark=bench)
    other_setup.worker_setup = {
        **other_setup.worker_setup,
        "nodes": {"big@host": {"processes": 16}},
    }
    other_setup.save(update_fields=["worker_setup"])
    other_template = finished(small_election, "all_in_one", 3, benchmark=bench)
    Run.objects.filter(pk=other_template.pk).update(template_version="0123456789abcdef")
    reference = finished(small_election, "all_in_one", 10, benchmark=bench)  # the latest

    comparison = election_comparison(small_election)

    assert comparison.reference == reference
    (result,) = comparison.results
    assert (result.wall.low, result.wall.high) == (9, 10)
    apart = {run.pk: differences for run, differences in comparison.apart}
    assert apart[other_setup.pk][0].startswith("worker setup: big@host: 16")
    assert apart[other_template.pk][0].startswith("roll template version: 0123456789abcdef")


# --- ranking: ties and winners from the data -------------------------------------------------


@pytest.mark.django_db
def test_overlapping_spreads_are_a_tie_not_a_win(small_election, bench):
    for seconds in (5, 6, 9):
        finished(small_election, "all_in_one", seconds, benchmark=bench)
    for seconds in (4, 8.5, 10):
        finished(small_election, "queue_tasks_by_center_with_chord", seconds, benchmark=bench)

    comparison = election_comparison(small_election)

    assert comparison.ranking.winner is None
    assert comparison.ranking.tied == ["all_in_one", "queue_tasks_by_center_with_chord"]
    assert (
        "A tie between all_in_one, queue_tasks_by_center_with_chord" in comparison.ranking.sentence
    )
    assert not any(r.fastest for r in comparison.results)
    assert measured_fastest(small_election) is None


@pytest.mark.django_db
def test_the_fastest_label_follows_the_data(small_election, bench, staff_client):
    # The preselected strategy is ours; here the baseline measures faster, and says so.
    for seconds in (2, 3, 2.5):
        finished(small_election, "all_in_one", seconds, benchmark=bench)
    for seconds in (6, 7, 8):
        finished(small_election, DEFAULT_STRATEGY, seconds, benchmark=bench)
    finished(small_election, "group_with_error_in_sub_task", 0.5, benchmark=bench, status="failed")

    comparison = election_comparison(small_election)

    assert comparison.ranking.winner == "all_in_one"
    assert comparison.ranking.sentence.startswith(
        "all_in_one is fastest: median 2.50 s, and even its slowest run (3.00 s) beat the "
        f"quickest run of the next, {DEFAULT_STRATEGY} (6.00 s)."
    )
    failed = next(r for r in comparison.results if r.name == "group_with_error_in_sub_task")
    assert failed.only_failed and failed.wall is None and not failed.fastest
    options = {o["name"]: o for o in strategy_rows(small_election, [])}
    assert options["all_in_one"]["fastest"] and not options[DEFAULT_STRATEGY]["fastest"]
    page = staff_client.get(reverse("admin:lab_benchmark_compare", args=[small_election.pk]))
    rows = {row["name"]: row for row in page.context["rows"]}
    assert rows["all_in_one"]["fastest"] and not rows[DEFAULT_STRATEGY]["fastest"]
    assert rows["group_with_error_in_sub_task"]["only_failed"]
    assert "failed (1 of 1 runs)" in page.content.decode()  # in the chart, not as a time


@pytest.mark.django_db
def test_without_a_benchmark_the_fastest_is_not_measured_yet(small_election):
    finished(small_election, "all_in_one", 2)  # a single run outside any benchmark

    options = strategy_rows(small_election, [])

    assert not any(o["fastest"] for o in options)
    assert all(o["not_measured"] for o in options)
    assert election_comparison(small_election).ranking.sentence.startswith("Not measured yet")


# --- benchmarks with a real worker -----------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_benchmark_of_three_repeats_interleaves_its_runs_and_reports_their_spread(
    shared_worker, small_election, capsys
):
    names = ["all_in_one", "assign_stations_and_generate_lists_with_chord"]
    call_command(
        "compare_strategies",
        "--election",
        "small",
        "--strategies",
        ",".join(names),
        "--repeat",
        "3",
        "--timeout",
        str(TIMEOUT),
    )

    benchmark = Benchmark.objects.get()
    assert benchmark.status == BenchmarkStatus.FINISHED
    runs = list(benchmark.runs)
    assert [run.strategy for run in runs] == names * 3
    assert [run.benchmark_entry.position for run in runs] == list(range(6))
    for before, after in itertools.pairwise(runs):
        assert after.queued_at >= before.finished_at, "one run at a time"
    report = benchmark_report(benchmark)
    out = capsys.readouterr().out
    for result in report.results:
        walls = [run_metrics(run).wall_seconds for run in runs if run.strategy == result.name]
        assert result.wall.median == statistics.median(walls)
        assert (result.wall.low, result.wall.high) == (min(walls), max(walls))
        line = next(x for x in out.splitlines() if x.startswith(f"  {result.name} "))
        assert f"{statistics.median(walls):.2f} ({min(walls):.2f}-{max(walls):.2f})" in line
    assert report.ranking.sentence in out


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_benchmark_action_runs_on_the_workers_and_labels_failed_runs(
    shared_worker, small_election, staff_client
):
    names = ["all_in_one", "group_with_error_in_sub_task"]
    response = staff_client.post(
        reverse("admin:elections_election_changelist"),
        {
            "action": "benchmark_strategies",
            ACTION_CHECKBOX_NAME: [small_election.pk],
            "post": "yes",
            "strategies": names,
            "repeats": "1",
        },
    )
    benchmark = Benchmark.objects.get()
    assert response.status_code == 302 and response["Location"] == benchmark.get_absolute_url()

    deadline = time.monotonic() + TIMEOUT
    while benchmark.status == BenchmarkStatus.RUNNING and time.monotonic() < deadline:
        time.sleep(0.5)
        benchmark.refresh_from_db()

    assert benchmark.status == BenchmarkStatus.FINISHED
    assert [r.status for r in benchmark.runs] == [
        "succeeded",
        "failed",
    ]
    page = staff_client.get(benchmark.get_absolute_url())
    text = page.content.decode()
    assert "Only all_in_one succeeded on this work" in text
    rows = {row["name"]: row for row in page.context["rows"]}
    assert rows["group_with_error_in_sub_task"]["only_failed"]
    assert "failed (1 of 1 runs)" in str(page.context["wall_chart"])
    assert "all_in_one used 1 of 2 processes" in rows["all_in_one"]["explanation"]


@pytest.mark.django_db
def test_a_benchmark_step_delivered_twice_starts_one_run(small_election):
    benchmark = benchmark_create(
        election_id=small_election.pk,
        strategies=["all_in_one", "queue_tasks_by_center_with_chord"],
        repeats=2,
        started_by="test",
    )
    assert benchmark.plan == ["all_in_one", "queue_tasks_by_center_with_chord"] * 2

    assert benchmark_claim_step(benchmark_id=benchmark.pk) == (0, "all_in_one")
    # Claimed, its run not created yet: a duplicate step must not claim the next position.
    assert benchmark_claim_step(benchmark_id=benchmark.pk) is None
    assert benchmark_finish_if_done(benchmark_id=benchmark.pk) is False


@pytest.mark.django_db
def test_the_join_strategys_explanation_shows_its_runtime_error_not_only_a_link(
    small_election, staff_client
):
    run = finished(small_election, "parallelize_tasks_by_center_with_join", 1, status="failed")
    # As the task's failure hook records Celery's refusal (celery.result.E_WOULDBLOCK).
    error = RuntimeError(E_WOULDBLOCK)
    Run.objects.filter(pk=run.pk).update(
        error=f"rolls.tasks.by_center_with_join [{run.pk}-id] failed: RuntimeError: {error}"
    )

    comparison = election_comparison(small_election)

    (join,) = [r for r in comparison.results if r.name == "parallelize_tasks_by_center_with_join"]
    assert join.explanation.startswith(
        "parallelize_tasks_by_center_with_join failed (RuntimeError: Never call result.get() "
        "within a task! See https://docs.celeryq.dev/"
    )
    assert f"[{run.pk}-id]" not in join.explanation
    page = staff_client.get(reverse("admin:lab_benchmark_compare", args=[small_election.pk]))
    assert "RuntimeError: Never call result.get() within a task!" in page.content.decode()


@pytest.mark.parametrize(
    ("language", "strategies", "name"),
    [
        ("en", 1, "Benchmark {pk}: 1 strategy x 3"),
        ("en", 3, "Benchmark {pk}: 3 strategies x 3"),
        ("fr", 1, "Mesure {pk} : 1 stratégie x 3"),
        ("ru", 5, "Замер {pk}: 5 стратегий x 3"),
    ],
)
@pytest.mark.django_db
def test_a_benchmark_is_named_with_its_number_of_strategies_in_the_right_plural(
    small_election, language, strategies, name
):
    benchmark = Benchmark.objects.create(
        election=small_election, strategies=list(STRATEGIES)[:strategies], repeats=3, plan=[]
    )
    with translation.override(language):
        assert str(benchmark) == name.format(pk=benchmark.pk)
