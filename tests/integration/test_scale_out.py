"""Scale-out: a database node and two render nodes, each with its own name and working
directory, sharing only the broker, the database and the storage. A run spreads over the
render nodes, database work stays on the database node, and the run page shows it."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from config.celery import queue_name
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.models import RunStatus
from rolls.selectors.run_figures import run_task_results
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import voter_numbers_in_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def start_nodes(workers, tmp_path, render_processes: int) -> list:
    """A database node and two render nodes, each in a working directory of its own."""
    folders = [tmp_path / name for name in ("db", "render-a", "render-b")]
    for folder in folders:
        folder.mkdir()
    ns = workers.namespace
    workers.start(
        node="dbnode", concurrency=1, queues=[queue_name("db", ns), queue_name("default", ns)],
        cwd=folders[0],
    )  # fmt: skip
    for name, folder in zip(("render-a", "render-b"), folders[1:], strict=True):
        workers.start(
            node=name, concurrency=render_processes, queues=[queue_name("render", ns)], cwd=folder
        )
    return folders


def run_of_centers(strategy: str, codes: str, voters: int, per_station: int = 40):
    election = ElectionFactory(max_voters_per_station=per_station)
    for code in codes:
        center = PollingCenterFactory(election=election, code=code)
        register_voters(center, [(f"Fam{code}{i:03d}", "Ann") for i in range(voters)])
    run = run_start(election_id=election.pk, strategy=strategy, started_by="test")
    return wait_for(run, timeout=240, drained=True)


def test_a_run_spreads_over_render_nodes_and_database_work_stays_on_its_node(
    workers, tmp_path, client
):
    folders = start_nodes(workers, tmp_path, render_processes=1)
    run = run_of_centers("assign_stations_and_generate_lists_with_chord", "NSEW", 120)

    assert run.status == RunStatus.SUCCEEDED, run.error
    rows = list(run_task_results(run))
    render_nodes = {
        r.worker.split(".")[0] for r in rows if r.task_name == "rolls.tasks.render_station"
    }
    db_nodes = {r.worker.split(".")[0] for r in rows if r.task_name != "rolls.tasks.render_station"}
    assert render_nodes == {"render-a", "render-b"}
    assert db_nodes == {"dbnode"}
    seen = voter_numbers_in_run(run)
    assert len(seen) == 480 and max(seen.values()) == 1
    # Nothing was written to the workers' own working directories: files went to storage.
    assert not any(p.is_file() for d in folders for p in d.rglob("*"))

    admin = get_user_model().objects.create_superuser("boss", password="x" * 12)
    client.force_login(admin)
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert "render-a" in page and "render-b" in page and "dbnode" in page


def test_the_planner_sizes_batches_to_both_render_nodes_and_both_get_batches(
    workers, tmp_path, client
):
    """Two render nodes of 2 processes each (own names, own working directories): the
    balanced fan-out asks the live workers, plans for their 4 render processes (not the
    database node's), and both nodes render batches."""
    start_nodes(workers, tmp_path, render_processes=2)
    # 24 stations of 14 pages: a first round of 4 batches, then shorter ones down to one
    # station each; with prefetch 1 a node holds no more batches than it has processes, so
    # on the polling filesystem broker one node cannot take them all before the other asks.
    run = run_of_centers("assign_in_database_then_balanced_batches", "NSEWCX", 2000, 500)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.planned_processes == 4, run.planned_from
    assert run.planned_from.startswith("live: "), run.planned_from
    assert run.planned_batches >= 4, "a first round of one batch per render process"
    batches = [r for r in run_task_results(run) if r.task_name == "rolls.tasks.render_stations"]
    assert len(batches) == run.planned_batches
    assert {r.worker.split(".")[0] for r in batches} == {"render-a", "render-b"}
    seen = voter_numbers_in_run(run)
    assert len(seen) == 12_000 and max(seen.values()) == 1

    admin = get_user_model().objects.create_superuser("boss", password="x" * 12)
    client.force_login(admin)
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert f"Planned {run.planned_batches} render batches for 4 worker processes" in page
