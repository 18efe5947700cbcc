"""The commission's signing key on the election page, as an observer sees it in Chromium:
its fingerprint, and the public key downloaded by clicking its link (the key observers
check published sets with)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from rolls.models import SetSignature
from rolls.services.publication import run_publish
from rolls.signed_sets import grouped, key_fingerprint, raw_public_bytes
from tests.support.browser import PASSWORD
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.embedded_only,
    pytest.mark.django_db(transaction=True),
]


def test_an_observer_reads_the_fingerprint_and_downloads_the_key_from_the_election_page(
    browser, live_server, private_media, tmp_path, monkeypatch
):
    from playwright.sync_api import expect

    # Playwright's sync API runs an event loop in this thread (see test_console.py).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    election = build_election()
    run = run_publish(run_id=make_finished_run(election).pk, published_by="test")
    signed = SetSignature.objects.get(run=run)
    make_user("olga", OBSERVER, password=PASSWORD)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(20_000)
    page.goto(
        f"{live_server.url}/admin/login/?next=/admin/elections/election/{election.pk}/change/"
    )
    page.fill("#id_username", "olga")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    expect(page.locator("#signed-key-fingerprint")).to_have_text(grouped(signed.key_fingerprint))
    expect(page.locator("#signing-key")).to_contain_text(f"Published set of run {run.pk}")

    for link in ("#signed-key-download", "#signing-key-download"):
        with page.expect_download() as download:
            page.click(link)
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        key = load_pem_public_key(saved.read_bytes())
        assert raw_public_bytes(key) == bytes(signed.public_key), link
        assert saved.name == f"roll-set-signing-key-{key_fingerprint(key)[:16]}.pem"
