"""Console pages opened in Chromium as a logged-in user."""

from __future__ import annotations

from tests.support.users import STAFF, make_user

PASSWORD = "polling-day-2026"


def staff_page(browser, live_server, width: int, address: str):
    """A page of ``width`` pixels, logged in as election staff, at ``address``."""
    make_user("maria", STAFF, password=PASSWORD)
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next={address}")
    page.fill("#id_username", "maria")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return page
