"""The console serves its icon: a browser visiting the login page and the admin index logs
no failed request (it used to log a 404 for /favicon.ico in every session)."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.support.users import STAFF, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "polling-day-2026"


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_login_page_and_admin_index_log_no_404_and_the_icon_is_served(
    browser, live_server, tmp_path
):
    make_user("maria", STAFF, password=PASSWORD)
    page = browser.new_page()
    page.set_default_timeout(20_000)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.wait_for_load_state("networkidle")
    assert failed == []

    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok and icon.url.endswith(".ico")
    (tmp_path / "favicon.ico").write_bytes(icon.body())
    with Image.open(tmp_path / "favicon.ico") as image:
        assert image.format == "ICO" and (16, 16) in image.info["sizes"]
