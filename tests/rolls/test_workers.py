"""The worker setup probe counts the workers of this deployment only (its queue namespace):
another console's workers on the same broker change neither a run's recorded setup nor a
benchmark's comparison."""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest
from django.conf import settings

from config.celery import all_queue_names, app
from lab.comparison import benchmark_report
from lab.launch import benchmark_start
from lab.management.commands._benchmarks import wait_for_benchmark
from lab.models import BenchmarkStatus
from lab.same_work import setup_label, setup_signature
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.services import workers as worker_services
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.workers import WorkerFactory

TIMEOUT = 240
ON_RABBITMQ = settings.CELERY_BROKER_URL.startswith(("amqp", "pyamqp"))


PREFORK = "celery.concurrency.prefork:TaskPool"


def answer(queues: list[str] | None, processes: int) -> dict:
    return {
        "pool": {"max-concurrency": processes, "implementation": PREFORK},
        "prefetch_count": 8,
        "cpus": 2,
        "queues": queues,
    }  # fmt: skip


def test_the_probe_leaves_out_nodes_that_consume_none_of_our_queues(monkeypatch):
    ours = all_queue_names()
    replies = [
        {"w1@vm": answer(ours, 2)},
        {"render@vm": answer([ours[2]], 4)},  # one of our queues is enough
        {"foreign@vm": answer(all_queue_names("foreign."), 3)},
        {"starting@vm": answer(None, 2)},  # no task consumer yet: takes nothing of ours
        {"broken@vm": {"error": "No handler for worker_setup"}},
    ]
    monkeypatch.setattr(app.control, "broadcast", lambda *args, **kwargs: replies)

    setup = worker_services.worker_setup_probe()

    assert sorted(setup["nodes"]) == ["render@vm", "w1@vm"]
    assert setup["nodes"]["w1@vm"]["processes"] == 2 and setup["answered"] is True


def test_a_probe_answered_only_by_other_deployments_says_nobody_answered(monkeypatch):
    replies = [{"foreign@vm": answer(all_queue_names("foreign."), 3)}]
    monkeypatch.setattr(app.control, "broadcast", lambda *args, **kwargs: replies)

    setup = worker_services.worker_setup_probe()

    assert setup["nodes"] == {} and setup["answered"] is False


def _runs_started(benchmark) -> int:
    return benchmark.runs.count()


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.rabbitmq
@pytest.mark.skipif(
    not ON_RABBITMQ,
    reason="a second deployment's workers share a broker's virtual host on RabbitMQ; the "
    "filesystem broker is one checkout's folders. Run with CELERY_BROKER_URL=amqp://...",
)
@pytest.mark.django_db(transaction=True)
def test_a_foreign_worker_started_and_stopped_during_a_benchmark_changes_nothing(workers, tmp_path):
    election = ElectionFactory(max_voters_per_station=50, slug="small")
    for code, size in {"A": 30, "B": 70}.items():
        center = PollingCenterFactory(election=election, code=code)
        register_voters(center, [(f"Fam{code}{i:04d}", f"Given{i % 5}") for i in range(size)])
    ours = workers.start(node="ours", concurrency=2)
    # A second console on the same RabbitMQ: queues of its own namespace, 3 processes.
    foreign_namespace = f"foreign{uuid.uuid4().hex[:8]}."
    (tmp_path / "foreign").mkdir()
    foreign = WorkerFactory(foreign_namespace, tmp_path / "foreign")
    try:
        foreign.start(node=f"foreign{uuid.uuid4().hex[:4]}", concurrency=3)
        benchmark = benchmark_start(
            election_id=election.pk,
            strategies=["all_in_one", "assign_stations_and_generate_lists_with_chord"],
            repeats=2,
            started_by="test",
        )
        # It answered the first run's probe; it goes away, and comes back for the later ones.
        _wait(lambda: _runs_started(benchmark) >= 2, "the second run")
        foreign.stop_all()
        _wait(lambda: _runs_started(benchmark) >= 3, "the third run")
        foreign.start(node=f"foreign{uuid.uuid4().hex[:4]}", concurrency=3)
        benchmark = wait_for_benchmark(benchmark, timeout=TIMEOUT * 4)
    finally:
        foreign.stop_all()
        _delete_queues(foreign_namespace)

    assert benchmark.status == BenchmarkStatus.FINISHED, benchmark.error
    runs = list(benchmark.runs)
    assert [run.status for run in runs] == ["succeeded"] * 4
    for run in runs:
        nodes = run.worker_setup["nodes"]
        assert [name.partition("@")[0] for name in nodes] == [f"ours.{workers.namespace}"], nodes
        assert [node["processes"] for node in nodes.values()] == [2]
    assert len({setup_signature(run.worker_setup) for run in runs}) == 1
    report = benchmark_report(benchmark)
    assert report.apart == []
    assert sorted(len(result.runs) for result in report.results) == [2, 2]
    assert ours.process.poll() is None


def _delete_queues(namespace: str) -> None:
    """Leave nothing of the other deployment behind on the shared RabbitMQ."""
    with app.connection_for_write() as connection, contextlib.suppress(Exception):
        for name in all_queue_names(namespace):
            connection.default_channel.queue_delete(name)


def test_the_label_says_the_prefetch_per_process_beside_the_nodes_count(monkeypatch):
    ours = all_queue_names()
    replies = [{"w1@vm": answer(ours, 4)}]  # prefetch_count 8 on 4 processes: multiplier 2
    monkeypatch.setattr(app.control, "broadcast", lambda *args, **kwargs: replies)

    setup = worker_services.worker_setup_probe()

    assert setup["nodes"]["w1@vm"]["prefetch_multiplier"] == 2
    assert setup["prefetch_multiplier"] == 2
    assert "w1@vm: 4 prefork processes, 2 CPUs, prefetch 2 per process (8 in all)" in (
        setup_label(setup)
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_runs_recorded_setup_is_the_workers_concurrency_and_prefetch_multiplier(workers):
    election = ElectionFactory(max_voters_per_station=50, slug="small")
    center = PollingCenterFactory(election=election, code="A")
    register_voters(center, [(f"Fam{i:04d}", "Given") for i in range(20)])
    # Not this process's setting (1): what the worker was started with is what counts.
    workers.start(node="setup", concurrency=3, extra_args=["--prefetch-multiplier", "2"])

    run = run_start(election_id=election.pk, strategy="all_in_one", started_by="test")
    run = wait_for(run, timeout=TIMEOUT)

    (name,) = run.worker_setup["nodes"]
    node = run.worker_setup["nodes"][name]
    assert (node["processes"], node["prefetch_multiplier"], node["prefetch"]) == (3, 2, 6)
    assert run.worker_setup["prefetch_multiplier"] == 2
    assert f"{name}: 3 prefork processes" in setup_label(run.worker_setup)
    assert "prefetch 2 per process (6 in all)" in setup_label(run.worker_setup)
