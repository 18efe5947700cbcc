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
from rolls.selectors import run_task_results
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import voter_numbers_in_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_run_spreads_over_render_nodes_and_database_work_stays_on_its_node(
    workers, tmp_path, client
):
    db_dir, render_a_dir, render_b_dir = (tmp_path / n for n in ("db", "render-a", "render-b"))
    for folder in (db_dir, render_a_dir, render_b_dir):
        folder.mkdir()
    ns = workers.namespace
    workers.start(
        node="dbnode", concurrency=1, queues=[queue_name("db", ns), queue_name("default", ns)],
        cwd=db_dir,
    )  # fmt: skip
    workers.start(
        node="render-a", concurrency=1, queues=[queue_name("render", ns)], cwd=render_a_dir
    )
    workers.start(
        node="render-b", concurrency=1, queues=[queue_name("render", ns)], cwd=render_b_dir
    )

    election = ElectionFactory(max_voters_per_station=40)
    for code in ("N", "S", "E", "W"):
        center = PollingCenterFactory(election=election, code=code)
        register_voters(center, [(f"Fam{code}{i:03d}", "Ann") for i in range(120)])
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )
    run = wait_for(run, timeout=240, drained=True)

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
    assert not any(p.is_file() for d in (db_dir, render_a_dir, render_b_dir) for p in d.rglob("*"))

    admin = get_user_model().objects.create_superuser("boss", password="x" * 12)
    client.force_login(admin)
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert "render-a" in page and "render-b" in page and "dbnode" in page
