"""Verify files, clicked in a real browser on the run's page: its form sits among the object
tools, outside the change form (a form nested in another is dropped by browsers, and the
button would then post the change form and get 403)."""

from __future__ import annotations

import pytest

from rolls.models import FileDamage, RollFile
from rolls.services.publication import run_publish
from tests.support.browser import staff_page
from tests.support.builders import build_election
from tests.support.files import overwrite_middle, roll_of
from tests.support.runs import make_finished_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.embedded_only,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_verify_files_clicked_on_the_run_page_reports_and_shows_the_damage(
    browser, live_server, private_media
):
    from playwright.sync_api import expect

    run = make_finished_run(build_election())
    run_publish(run_id=run.pk, published_by="test")
    total = RollFile.objects.filter(run=run).count()
    damaged = roll_of(run, "B", 2)
    overwrite_middle(damaged.path)
    page = staff_page(browser, live_server, 1280, f"/admin/rolls/run/{run.pk}/change/")
    expect(page.locator("#run-files")).to_contain_text("No file of this run was found damaged")
    assert page.locator("#run_form #verify-files").count() == 0  # not inside the change form

    page.click("#verify-files")

    expect(page.locator(".messagelist")).to_contain_text(
        f"Run {run.pk}: {total - 1} files OK, 1 damaged, 0 missing."
    )
    expect(page.locator("#damaged-files")).to_contain_text("station 2")
    expect(page.locator("#damaged-files")).to_contain_text("Damaged")
    expect(page.locator(".field-roll_set")).to_contain_text("1 file damaged or missing")
    assert RollFile.objects.get(pk=damaged.pk).damage == FileDamage.DAMAGED
