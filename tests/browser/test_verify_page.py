"""Verify a printed page, as an observer does it in a real browser (Debian's headless Chromium
through Playwright): the QR code read from a rendered page, its code typed into the form
reached from the runs list, the answer read off the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rolls.models import DocumentKind, RollFile
from rolls.services.publication import run_publish
from tests.browser.console_pages import PASSWORD, logged_in_page
from tests.support.builders import build_election
from tests.support.pdfs import forged, qr_of_page
from tests.support.runs import full_run
from tests.support.users import OBSERVER, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media", "database_beside_playwright"),
]


def test_an_observer_verifies_a_page_from_its_qr_code(browser, live_server, tmp_path):
    from playwright.sync_api import expect

    election = build_election("Municipal 2027")
    run = run_publish(run_id=full_run(election).pk, published_by="test")
    roll = RollFile.objects.get(run=run, center__code="B", kind=DocumentKind.ROLL, station_number=3)
    code = qr_of_page(roll.path, 2, tmp_path)

    observer = make_user("olga", OBSERVER, password=PASSWORD)
    page = logged_in_page(browser, live_server, observer, reverse("admin:rolls_run_changelist"))
    page.click("#verify-page")
    # As read aloud from paper: lower case, a space for the dash.
    page.fill("#verify-code", code.lower().replace("-", " "))
    page.click("#verify-page-form input[type=submit]")
    answer = page.locator("#page-answers .page-official")
    expect(answer).to_contain_text(
        f"{code}: Page 2 of {roll.pages} of B station 3, run {run.pk}, final, "
        "the official set of Municipal 2027 since"
    )

    page.fill("#verify-code", forged(code))
    page.click("#verify-page-form input[type=submit]")
    expect(page.locator("#page-answers .page-unknown")).to_contain_text(
        f"{forged(code)} is unknown"
    )
    # The address a QR code could hold answers at once.
    page.goto(f"{live_server.url}{reverse('admin:rolls_run_verify_page')}?code={code}")
    expect(page.locator("#page-answers .page-official")).to_contain_text("B station 3")
