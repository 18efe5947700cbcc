"""The command line: queue_task (the talk's interface) and compare_strategies."""

import time

import pytest
from django.core.management import CommandError, call_command

from bench.processes import comparison_table
from rolls.models import Run, RunStatus
from rolls.selectors.run_records import run_task_tally
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters


@pytest.fixture
def election():
    election = ElectionFactory(max_voters_per_station=40, slug="spring")
    for code, size in (("A", 50), ("B", 30)):
        center = PollingCenterFactory(election=election, code=code)
        register_voters(center, [(f"Fam{code}{i:03d}", "Ann") for i in range(size)])
    return election


@pytest.mark.django_db
def test_an_unknown_strategy_lists_the_choices_with_their_explanations(election):
    with pytest.raises(CommandError) as error:
        call_command("queue_task", "fastest")
    message = str(error.value)
    assert "Unknown strategy 'fastest'" in message
    assert "all_in_one" in message and "One task assigns and renders every center" in message
    assert "assign_in_database_then_balanced_batches" in message
    assert not Run.objects.exists()


@pytest.mark.django_db
def test_help_explains_every_strategy(capsys):
    with pytest.raises(SystemExit):
        call_command("queue_task", "--help")
    out = capsys.readouterr().out
    assert "group_with_error_in_sub_task" in out and "on_error" in out


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"election": "autumn"}, "No election with slug 'autumn'"),
        ({"centers": "A,Z"}, "No center Z in"),
    ],
)
def test_bad_arguments_get_a_clear_error(election, options, message):
    with pytest.raises(CommandError, match=message):
        call_command("queue_task", "all_in_one", **options)
    assert not Run.objects.exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_wait_prints_the_summary_when_the_run_ends(shared_worker, election, capsys):
    call_command("queue_task", "all_in_one", "--election", "spring", "--wait", "--timeout", "120")
    out = capsys.readouterr().out
    run = Run.objects.get()
    assert run.status == RunStatus.SUCCEEDED and run.started_by == "cli"
    assert f"Run {run.pk}: all_in_one on {election.slug} ({election.name}): SUCCEEDED" in out
    assert f"stations 3/3, pages {run.pages}" in out
    assert "efficiency" in out and "pages/s" in out


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_wait_exits_non_zero_when_the_run_fails(shared_worker, election, capsys):
    with pytest.raises(CommandError, match="failed"):
        call_command(
            "queue_task", "parallelize_tasks_by_center_with_join", "--wait", "--timeout", "120"
        )
    assert "Never call result.get() within a task!" in capsys.readouterr().out
    # The run failed in its joining task; the center tasks it had queued still render. Let
    # them end before the database is emptied for the next test (else the flush deadlocks
    # with their writes).
    run = Run.objects.get()
    deadline = time.monotonic() + 120
    while not run_task_tally(run).drained and time.monotonic() < deadline:
        time.sleep(0.2)
    assert run_task_tally(run).drained


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_subset_of_centers_renders_only_those(shared_worker, election):
    call_command("queue_task", "all_in_one", "--centers", "B", "--wait", "--timeout", "120")
    run = Run.objects.get()
    # One station: its roll (2 pages), its door sign, its center's list.
    assert (run.centers_total, run.stations_done, run.pages) == (1, 1, 2 + 1 + 1)
    assert set(run.roll_files.values_list("center__code", flat=True)) == {"B"}


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_compare_strategies_prints_one_row_per_strategy(shared_worker, election, capsys):
    call_command(
        "compare_strategies",
        "--election",
        "spring",
        "--strategies",
        "all_in_one,assign_stations_and_generate_lists_with_chord",
        "--repeat",
        "1",
    )
    out = capsys.readouterr().out
    table = out.split("Comparison on")[1].split("Per strategy")[0].splitlines()
    rows = [line for line in table if " all_in_one " in line or " assign_stations" in line]
    assert len(rows) == 2
    assert all(" succeeded " in row for row in rows)
    assert Run.objects.filter(status=RunStatus.SUCCEEDED).count() == 2
    # python -m bench (parts strategies and load) reads the table from this same output.
    read = comparison_table(out)
    assert read.startswith("\n") and "Comparison on" not in read
    assert all(row in read.splitlines() for row in rows)
