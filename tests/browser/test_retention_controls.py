"""Staff click the retention controls in Chromium: delete an import's uploaded files from its
page, and close an election's personal data from the elections list, each after a
confirmation page that says what goes and what stays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage

from elections.models import Registration
from rolls.models import PersonalDataClosing, Placement, RollFile
from rolls.services.publication import run_publish
from tests.browser.console_pages import PASSWORD, logged_in_page
from tests.elections.registers import csv_bytes, import_now
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import STAFF, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_staff_delete_an_imports_files_from_its_page(browser, live_server):
    from playwright.sync_api import expect

    election = build_election("Municipal election 2026")
    rows = [["0001", "Martin", "Paul", "A", ""], ["0002", "", "Nobody", "A", ""]]
    record = import_now(election, csv_bytes(rows), mode="add", skip_invalid=True)
    paths = [record.file_path, record.rejected_path]
    assert all(default_storage.exists(path) for path in paths)
    user = make_user("maria", STAFF, password=PASSWORD)
    page = logged_in_page(
        browser, live_server, user, f"/admin/elections/registerimport/{record.pk}/change/"
    )

    page.click("#delete-files-link")
    expect(page.locator("#files-to-delete")).to_contain_text("the uploaded register register.csv")
    expect(page.locator("#files-to-delete")).to_contain_text("the rejected-rows CSV (1 row)")
    page.click("#delete-files-confirm")

    expect(page.locator(".messagelist")).to_contain_text("were deleted; its record stays")
    expect(page.locator("#import-files-deleted")).to_contain_text("(admin:maria)")
    expect(page.locator("#delete-files-link")).to_have_count(0)
    assert not any(default_storage.exists(path) for path in paths)


def test_an_officer_closes_an_elections_personal_data_after_its_date(browser, live_server):
    from playwright.sync_api import expect

    election = build_election(
        "Municipal election 2025",
        polling_date=date.today() - timedelta(days=400),
        retention_date=date.today() - timedelta(days=1),
    )
    run = run_publish(run_id=make_finished_run(election).pk, published_by="admin:someone")
    registered = Registration.objects.filter(election=election).count()
    officer = make_user("officer", STAFF, password=PASSWORD)
    officer.user_permissions.add(Permission.objects.get(codename="close_personal_data"))
    page = logged_in_page(browser, live_server, officer, "/admin/elections/election/")

    page.check(f'input[name="_selected_action"][value="{election.pk}"]')
    page.select_option('select[name="action"]', "close_personal_data")
    page.click('button[name="index"]')
    plan = page.locator("#closing-plan")
    expect(plan).to_contain_text("registrations")
    row = plan.locator("tr", has_text="voters registered in no other election")
    expect(row.locator("td")).to_have_text(str(registered))
    expect(page.locator("#closing-keeps")).to_contain_text("SHA-256")
    assert Placement.objects.filter(run=run).exists()  # the page removed nothing
    page.click('input[type=submit][value="Yes, close its personal data"]')

    expect(page.locator(".messagelist")).to_contain_text(
        f"The personal data of {election.name} is closed"
    )
    closing = PersonalDataClosing.objects.get()
    assert closing.closed_by == "admin:officer" and closing.removed["registrations"] == registered
    assert not Registration.objects.filter(election=election).exists()
    assert RollFile.objects.filter(run=run).exclude(sha256="").count() == run.roll_files.count()
    page.goto(f"{live_server.url}/admin/rolls/run/{run.pk}/change/")
    expect(page.locator("#run-closed")).to_contain_text("was closed on")
