"""A worker makes the renderer ready before it takes a task (rolls/pdf/warm.py): in its main
process, so that the pool processes forked from it start with the fonts and stylesheets in
memory; with made-up names, no database, and nothing of them in the log."""

from __future__ import annotations

import logging
import multiprocessing

import pytest

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
