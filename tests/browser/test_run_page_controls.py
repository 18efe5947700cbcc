"""The run page's buttons clicked as staff click them, in a real browser (Debian's headless
Chromium through Playwright): Publish, and Reprint on a draft and on an official run. Roles
without the right do not get the control.

The tests that posted to the publish and reprint addresses directly never saw that both
buttons once submitted the page's change form instead (a 403): these click them.
"""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from rolls.models import DocumentKind, Reprint, ReprintOutcome, Run, SetStatus
from rolls.services.publication import run_publish
from tests.browser.console_pages import PASSWORD, logged_in_page
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def runs():
    """An election's official run and a later draft run, both complete (sample PDFs)."""
    election = build_election("Municipal election 2026")
    official = make_finished_run(election, strategy="assign_in_database_then_balanced_batches")
    official = run_publish(run_id=official.pk, published_by="admin:someone")
    draft = make_finished_run(election)
    return {"official": official, "draft": draft}


def run_address(run: Run) -> str:
    return f"/admin/rolls/run/{run.pk}/change/"


def test_staff_publish_a_draft_run_with_the_run_pages_button(browser, live_server, runs):
    from playwright.sync_api import expect

    draft, official = runs["draft"], runs["official"]
    page = logged_in_page(
        browser, live_server, make_user("maria", STAFF, password=PASSWORD), run_address(official)
    )
    expect(page.locator("#run-progress")).to_be_visible()
    expect(page.locator("#publish-form")).to_have_count(0)  # official already
    page.goto(live_server.url + run_address(draft))
    page.click("#publish-form button[type=submit]")

    expect(page.locator(".messagelist")).to_contain_text(
        f"Run {draft.pk} is now the official roll set of Municipal election 2026"
    )
    assert page.url.endswith(run_address(draft))
    draft.refresh_from_db()
    official.refresh_from_db()
    assert draft.set_status == SetStatus.OFFICIAL
    assert draft.published_by == "admin:maria"
    assert official.set_status == SetStatus.SUPERSEDED
    assert official.superseded_by_id == draft.pk
    expect(page.locator("#publish-form")).to_have_count(0)  # published: nothing to publish


@pytest.mark.parametrize("which", ["draft", "official"])
def test_staff_reprint_a_lost_roll_with_the_run_pages_form(browser, live_server, runs, which):
    from playwright.sync_api import expect

    run = runs[which]
    roll = run.roll_files.get(center__code="A", station_number=1, kind=DocumentKind.ROLL)
    default_storage.delete(roll.path)  # lost: the reprint renders it again
    page = logged_in_page(
        browser, live_server, make_user("maria", STAFF, password=PASSWORD), run_address(run)
    )
    page.fill('#reprint input[name="center"]', "A")
    page.fill('#reprint input[name="station"]', "1")
    page.fill('#reprint input[name="reason"]', "torn at the door")
    page.click("#reprint button[type=submit]")

    expect(page.locator(".messagelist")).to_contain_text("Reprinted (recorded)")
    reprints = {
        reprint.roll_file.kind: reprint
        for reprint in Reprint.objects.filter(run=run).select_related("roll_file")
    }
    assert set(reprints) == {DocumentKind.ROLL, DocumentKind.SIGN}
    assert {r.requested_by for r in reprints.values()} == {"admin:maria"}
    assert {r.reason for r in reprints.values()} == {"torn at the door"}
    assert reprints[DocumentKind.SIGN].outcome == ReprintOutcome.SERVED  # intact: as stored
    rewritten = reprints[DocumentKind.ROLL]
    # The sample PDF stood in for the roll: the real rendering differs, so it is written
    # beside the record, never over it.
    assert rewritten.outcome == ReprintOutcome.SEPARATE
    with default_storage.open(rewritten.path, "rb") as stored:
        data = stored.read()
    assert hashlib.sha256(data).hexdigest() == rewritten.sha256
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1
    run.refresh_from_db()
    assert run.set_status == (SetStatus.OFFICIAL if which == "official" else SetStatus.DRAFT)


def test_an_observer_sees_the_run_page_without_publish_or_reprint(browser, live_server, runs):
    from playwright.sync_api import expect

    observer = make_user("olga", OBSERVER, password=PASSWORD)
    page = logged_in_page(browser, live_server, observer, run_address(runs["draft"]))
    expect(page.locator("#run-progress")).to_be_visible()
    expect(page.locator("#publish-form")).to_have_count(0)
    expect(page.locator("#reprint")).to_have_count(0)
    page.goto(live_server.url + run_address(runs["official"]))
    expect(page.locator("#run-progress")).to_be_visible()
    expect(page.locator("#reprint")).to_have_count(0)
    # Nor the list's publish action.
    page.goto(f"{live_server.url}/admin/rolls/run/")
    expect(page.locator('select[name="action"] option[value="publish_runs"]')).to_have_count(0)


def test_staff_without_a_role_get_no_run_page_nor_its_controls(browser, live_server, runs):
    from playwright.sync_api import expect

    nobody = make_user("nils", password=PASSWORD)
    page = logged_in_page(browser, live_server, nobody, "/admin/")
    response = page.goto(live_server.url + run_address(runs["draft"]))
    assert response.status == 403
    expect(page.locator("#publish-form")).to_have_count(0)
    expect(page.locator("#reprint")).to_have_count(0)
