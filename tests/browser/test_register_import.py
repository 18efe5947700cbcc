"""Election staff import a register in a real browser: upload a file, read the preview's
counts, confirm, and see the result, with a real worker reading the file and merging it."""

from __future__ import annotations

import pytest

from elections.models import ImportState, RegisterImport, Registration
from tests.elections.registers import csv_bytes
from tests.factories import ElectionFactory, PollingCenterFactory, RegistrationFactory
from tests.support.users import STAFF, make_user

PASSWORD = "polling-day-2026"
TIMEOUT_MS = 120_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.embedded_only,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_staff_upload_a_register_see_the_preview_confirm_and_see_the_result(
    browser, live_server, workers, tmp_path
):
    from playwright.sync_api import expect

    election = ElectionFactory(name="Municipal election 2026", slug="municipal-2026")
    center = PollingCenterFactory(election=election, code="C001", name="Town Hall")
    RegistrationFactory(center=center, voter__voter_number="0001", voter__family_name="Martin")
    RegistrationFactory(center=center, voter__voter_number="0999")  # not in the file
    register = tmp_path / "register.csv"
    register.write_bytes(
        csv_bytes(
            [
                ["0001", "Martin", "Paul", "C002", "Jules Ferry School"],  # moved, renamed
                ["0002", "الهاشمي", "فاطمة", "C001", ""],
                ["0003", "Иванова", "Анна", "C002", ""],
            ],
            delimiter=";",
            bom=True,
            newline="\r\n",
        )
    )
    workers.start(concurrency=1, node="browser-import")
    make_user("maria", STAFF, password=PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/elections/election/{election.pk}/change/")
    page.click("#import-register")
    page.set_input_files('input[name="file"]', str(register))
    page.check('input[name="mode"][value="snapshot"]')
    page.click("#upload-submit")

    counts = page.locator("#import-counts")
    expect(counts).to_contain_text("new to this election", timeout=TIMEOUT_MS)
    expect(page.locator("#import-state")).to_have_text(
        "Ready to import: check the counts and confirm"
    )
    cells = {
        row.locator("th").inner_text().strip(): row.locator("td").inner_text().strip()
        for row in counts.locator("tr").all()
    }
    assert cells["new to this election"] == "2"
    assert cells["moved to another center"] == "1"
    assert cells["deregistered (not in the file)"] == "1"
    assert cells["new centers"] == "1"
    assert Registration.objects.filter(election=election).count() == 2  # nothing written yet

    page.click("#confirm-import")
    expect(page.locator("#import-state")).to_have_text("Imported", timeout=TIMEOUT_MS)
    expect(page.locator("h2").first).to_contain_text("What the import changed")
    record = RegisterImport.objects.get()
    assert record.state == ImportState.SUCCEEDED and record.username == "maria"
    assert sorted(
        Registration.objects.filter(election=election).values_list(
            "voter__voter_number", "center__code"
        )
    ) == [("0001", "C002"), ("0002", "C001"), ("0003", "C002")]


def test_staff_confirm_a_mass_deregistration_by_typing_the_number_the_preview_shows(
    browser, live_server, workers, tmp_path
):
    from playwright.sync_api import expect

    election = ElectionFactory(name="Regional election 2026", slug="regional-2026")
    center = PollingCenterFactory(election=election, code="C001", name="Town Hall")
    for i in range(1, 21):
        RegistrationFactory(center=center, voter__voter_number=f"{i:04d}")
    register = tmp_path / "register.csv"
    register.write_bytes(csv_bytes([[f"{i:04d}", "Martin", "Paul", "C001", ""] for i in (1, 2)]))
    workers.start(concurrency=1, node="browser-import-guard")
    make_user("maria", STAFF, password=PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/elections/registerimport/upload/{election.pk}/")
    page.set_input_files('input[name="file"]', str(register))
    page.check('input[name="mode"][value="snapshot"]')
    page.click("#upload-submit")

    guard = page.locator("#deregistration-guard")
    expect(guard).to_contain_text("deregister 18 of the election's 20", timeout=TIMEOUT_MS)
    expect(page.locator("#import-deregistered li").first).to_contain_text("0003")
    page.fill("#id_deregistrations", "17")
    page.click("#confirm-import")
    expect(page.locator(".messagelist")).to_contain_text("17 deregistrations were confirmed")
    assert Registration.objects.filter(election=election).count() == 20
    page.fill("#id_deregistrations", "18")
    page.click("#confirm-import")
    expect(page.locator("#import-state")).to_have_text("Imported", timeout=TIMEOUT_MS)
    assert Registration.objects.filter(election=election).count() == 2


def test_staff_see_why_a_file_with_invalid_rows_cannot_be_imported_and_skip_them(
    browser, live_server, workers, tmp_path
):
    from playwright.sync_api import expect

    election = ElectionFactory(name="Local election 2026", slug="local-2026")
    register = tmp_path / "register.csv"
    register.write_bytes(
        csv_bytes(
            [
                ["0001", "Martin", "Paul", "C01", ""],
                ["0002", "", "Anne", "C01", ""],
                ["0003", "Leroy", "Zoé", "C02", ""],
            ]
        )
    )
    workers.start(concurrency=1, node="browser-import-invalid")
    make_user("maria", STAFF, password=PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{live_server.url}/admin/elections/registerimport/upload/{election.pk}/")
    page.set_input_files('input[name="file"]', str(register))
    page.check('input[name="mode"][value="add"]')
    page.click("#upload-submit")

    blocked = page.locator("#import-blocked")
    expect(blocked).to_contain_text(
        "1 row is invalid, so nothing can be imported yet: correct the file and upload it "
        "again, or tick “Skip invalid rows” below and preview again to import the 2 valid "
        "rows without them.",
        timeout=TIMEOUT_MS,
    )
    expect(page.locator("#import-state")).to_have_text("Cannot be imported as it is: see why below")
    expect(page.locator("#confirm-import")).to_have_count(0)
    with page.expect_download() as download:
        blocked.get_by_role("link", name="the rejected rows (CSV)").click()
    assert "0002,,Anne,C01," in download.value.path().read_text(encoding="utf-8")

    page.check('#import-options input[name="skip_invalid"]')
    page.click('#import-options input[type="submit"]')
    expect(page.locator("#confirm-import")).to_have_value("Import 2 rows (add)", timeout=TIMEOUT_MS)
    expect(page.locator("#import-blocked")).to_have_count(0)
    page.click("#confirm-import")
    expect(page.locator("#import-state")).to_have_text("Imported", timeout=TIMEOUT_MS)
    assert sorted(
        Registration.objects.filter(election=election).values_list("voter__voter_number", flat=True)
    ) == ["0001", "0003"]
