"""Staff pick the console's language in the header, in Chromium: the choice holds from page to
page (Django's set_language keeps it in a cookie), Arabic lays the console out right to left
without the console's own boxes spilling past the window.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.browser.console_pages import PASSWORD, console_records, logged_in_page
from tests.support.users import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]

# What spills out of the window, right or left (a right-to-left page overflows leftwards).
OUTSIDE = """() => {
  const found = [];
  for (const element of document.querySelectorAll('#header *, #content *')) {
    const box = element.getBoundingClientRect();
    if (box.width && (box.left < -1 || box.right > window.innerWidth + 1)) {
      found.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
    }
  }
  return found.slice(0, 10);
}"""


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def choose(page, language: str) -> None:
    """Pick ``language`` in the header's selector and press its button, as staff do."""
    page.select_option("#language-select", language)
    page.click("#language-submit")
    page.wait_for_load_state()


def test_staff_switch_the_console_to_french_then_arabic_and_it_stays(browser, live_server):
    records = console_records()
    user = make_user("clerk", superuser=True, password=PASSWORD)
    run_page = reverse("admin:rolls_run_change", args=[records.official.pk])
    page = logged_in_page(browser, live_server, user, run_page, width=1280)
    assert page.locator("html").get_attribute("lang") == "en"

    choose(page, "fr")

    assert page.url.endswith(run_page)  # back on the page it was changed from
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#site-name").inner_text() == "Console des opérations électorales"
    # The run's figures too, with a decimal comma: "terminé après 2,5 s".
    assert re.search(r"terminé après \d+,\d s", page.locator("#run-progress").inner_text())
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookie[settings.LANGUAGE_COOKIE_NAME] == "fr"
    # Another page, reached by a link: still French, the choice shown in the selector.
    page.click(f"#content a[href$='/compare/{records.election.pk}/']")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Comparer les stratégies")
    assert page.locator("#language-select").input_value() == "fr"

    page.goto(live_server.url + run_page)
    choose(page, "ar")

    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#site-name").inner_text() == "وحدة تحكم العمليات الانتخابية"
    # Right to left: the header's language picker sits at the left, the sidebar at the right.
    picker = page.locator("#language-form").bounding_box()
    assert picker["x"] < 640
    assert page.evaluate(OUTSIDE) == []
    page.screenshot(path=str(settings.VAR_DIR / "run-page-ar.png"), full_page=True)
    page.close()
