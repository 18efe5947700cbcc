"""A worker makes the renderer ready before it takes a task (rolls/pdf/warm.py): in its main
process, so that the pool processes forked from it start with the fonts and stylesheets in
memory; with made-up names, no database, and nothing of them in the log."""

from __future__ import annotations

import gc
import logging
import multiprocessing

import pytest
from weasyprint.formatting_structure.boxes import Box

from rolls.pdf import roll, text_widths
from rolls.pdf.warm import NAMES, warm_up
from tests.pdf_data import synthetic_header, synthetic_voters


@pytest.mark.django_db
def test_the_warm_up_renders_in_memory_without_the_database_or_a_name_in_the_log(
    django_assert_num_queries, caplog
):
    with caplog.at_level(logging.INFO), django_assert_num_queries(0):
        seconds = warm_up("en")
    assert seconds > 0
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Renderer ready in" in logged
    assert not any(part in logged for name in NAMES for part in name)


def _forked_child(answers) -> None:
    """In a process forked after the warm-up: what it found ready, and a roll rendered."""
    fonts_read = text_widths.font_widths.cache_info().currsize
    ready = getattr(roll._local, "font_config", None) is not None
    voters = synthetic_voters(45)
    answers.put(
        (fonts_read, ready, roll.render_station_roll(synthetic_header(voters), voters).pages)
    )


def test_a_process_forked_after_the_warm_up_starts_ready_and_renders():
    warm_up("en")
    context = multiprocessing.get_context("fork")  # as the worker's pool makes its processes
    answers = context.Queue()
    child = context.Process(target=_forked_child, args=(answers,))
    child.start()
    fonts_read, ready, pages = answers.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert fonts_read > 0 and ready  # nothing left to load before its first document
    assert pages == 3  # a cover and two roll pages: it renders as any process does


@pytest.mark.django_db(transaction=True)
def test_a_worker_makes_the_renderer_ready_before_it_says_it_is_ready(workers):
    worker = workers.start(concurrency=1)
    log = worker.log()
    assert "Renderer ready in" in log
    assert log.index("Renderer ready in") < log.index(" ready.")
    # ... and frozen what it holds then, for its pool processes (roll.freeze_start_up).
    assert log.index("Start-up objects frozen") < log.index(" ready.")


def _boxes_left(answers, freeze: bool) -> None:
    """In a forked process with automatic collection off, so that nothing but the call under
    test collects: the layout boxes still in memory after two rolls and collect_documents."""
    gc.disable()
    frozen = roll.freeze_start_up() if freeze else 0
    voters = synthetic_voters(45)
    for _ in range(2):
        roll.render_station_roll(synthetic_header(voters), voters)
    before = sum(isinstance(o, Box) for o in gc.get_objects())
    roll.collect_documents()
    answers.put((frozen, before, sum(isinstance(o, Box) for o in gc.get_objects())))


def _in_forked_process(freeze: bool) -> tuple[int, int, int]:
    context = multiprocessing.get_context("fork")  # frozen there, not in the test process
    answers = context.Queue()
    child = context.Process(target=_boxes_left, args=(answers, freeze))
    child.start()
    found = answers.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    return found


def test_a_process_that_froze_its_start_up_collects_each_documents_cycles():
    """A roll's boxes form cycles (parent and children); left to Python's schedule they wait
    in the oldest generation, and a worker grew by 12 MB over its first 80 stations."""
    warm_up("en")
    frozen, before, after = _in_forked_process(freeze=True)
    assert frozen > 10_000  # Django, WeasyPrint and the fonts, out of the collector's reach
    assert before > 0 and after == 0


def test_a_process_that_did_not_freeze_leaves_collection_to_python():
    """Without frozen start-up objects a full collection walks all of them (~80 ms): the
    call does nothing there (a test process, the console's web process)."""
    warm_up("en")
    frozen, before, after = _in_forked_process(freeze=False)
    assert frozen == 0 and after == before > 0
