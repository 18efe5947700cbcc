"""The run page's badge for a task the run outlived without a word from it
(tests/rolls/test_run_page_silent_tasks.py says when), seen in a real browser: its words wrap
inside the task table at a laptop's width and a narrow window's, and the page does not
scroll sideways for it."""

from __future__ import annotations

import pytest

from rolls.models import Run, RunTask
from rolls.models.task import TaskState
from tests.browser.console_pages import PASSWORD, logged_in_page
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import STAFF, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media", "database_beside_playwright"),
]


@pytest.fixture
def run() -> Run:
    run = make_finished_run(build_election("Municipal election 2026"))
    RunTask.objects.create(
        run=run,
        task_id=f"run{run.pk}-killed",
        task_name="render_station",
        state=TaskState.STARTED,
        started_at=run.started_at or run.queued_at,
        worker="w1@host",
        pid=101,
    )
    return run


@pytest.mark.parametrize("width", [1280, 800])
def test_the_silent_badge_reads_whole_on_the_run_page(browser, live_server, run, width):
    from playwright.sync_api import expect

    page = logged_in_page(
        browser,
        live_server,
        make_user("amina", STAFF, password=PASSWORD),
        f"/admin/rolls/run/{run.pk}/change/",
        width=width,
    )
    badge = page.locator(".rolls-status-silent")
    expect(badge).to_have_count(1)
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("no word since the run ended", ignore_case=True)
    box = badge.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
