"""Comparisons that can be trusted: like with like (the same work on the same worker setup),
benchmarks of interleaved repeats with their spread, and a "fastest" that follows the data."""

from __future__ import annotations

import os

import celery
import pytest

from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters

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
        "cpus": os.cpu_count(),
    }
    assert isinstance(node["prefetch"], int)
    assert len(run.template_version) == 16
