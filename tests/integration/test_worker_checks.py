"""A worker runs the system checks before it takes a task (rolls/task_base.py): on a render
node whose WeasyPrint the rolls were not tested with it exits at start, saying why, instead
of failing every roll it is given."""

import pytest

# What the worker's internals check finds (tests/support/untested_weasyprint.py, which this
# module must not import: it replaces the check in the process that imports it).
PROBLEM = "draw_first_line(stream, textbox) takes other arguments than the ones tested"

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_worker_whose_weasyprint_fails_the_checks_exits_at_start_saying_why(workers):
    worker = workers.launch(
        app_module="tests.support.untested_weasyprint",
        concurrency=1,
        extra_env={"UNTESTED_PROBLEM": PROBLEM},
    )
    code = worker.process.wait(timeout=60)
    log = worker.log()

    assert code != 0, log
    assert "The worker does not start: the system checks found errors." in log
    assert "rolls.E002" in log and PROBLEM in log
    assert " ready." not in log  # it never took its queues


def test_a_worker_with_the_tested_weasyprint_starts(workers):
    worker = workers.start(concurrency=1)

    assert worker.process.poll() is None
    assert "rolls.E002" not in worker.log()
