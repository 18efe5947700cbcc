"""Every console page fits a 1280 px window (a laptop's screen): nothing past the right edge,
and no table wider than its box, so no column staff need hides behind a scroll bar.

Debian's headless Chromium through Playwright measures the pages as laid out.
"""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from tests.browser.console_pages import (
    ACTION_PAGES,
    PASSWORD,
    console_pages,
    console_records,
    logged_in_page,
)
from tests.support.users import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("private_media"),
]

WIDTH = 1280

# What does not fit: the page wider than the window, or a table wider than the box that
# holds it (a changelist's results, a console table's scrolling box), with its widths.
OVERFLOW = """() => {
  const found = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth) {
    found.push(`page ${page.scrollWidth} > window ${window.innerWidth}`);
  }
  for (const table of document.querySelectorAll('#changelist table, table.rolls-table')) {
    const box = table.parentElement;
    if (table.offsetWidth > box.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1) {
      const name = table.id || table.className || 'table';
      found.push(`${name} ${Math.max(table.offsetWidth, box.scrollWidth)} > ${box.clientWidth}`);
    }
  }
  // The page's buttons float over the title's line: a long title ran under them.
  const tools = document.querySelector('#content .object-tools');
  if (tools && tools.offsetParent) {
    const box = tools.getBoundingClientRect();
    for (const title of document.querySelectorAll('#content h1, #content h2')) {
      const line = title.getBoundingClientRect();
      const range = document.createRange();
      range.selectNodeContents(title);
      const text = range.getBoundingClientRect();
      const overlaps = text.right > box.left && text.left < box.right
        && line.bottom > box.top && line.top < box.bottom;
      if (overlaps) found.push(`title under the buttons: ${title.innerText.slice(0, 40)}`);
    }
  }
  return found;
}"""


@pytest.fixture(autouse=True)
def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread (see test_console.py)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_every_console_page_fits_a_1280_pixel_window(browser, live_server):
    records = console_records()
    admin = make_user("root", superuser=True, password=PASSWORD)
    page = logged_in_page(browser, live_server, admin, "/admin/", width=WIDTH)
    too_wide = {}
    for name, address in console_pages(records).items():
        response = page.goto(live_server.url + address)
        assert response.status == 200, name
        found = page.evaluate(OVERFLOW)
        if found:
            too_wide[name] = found
    # The intermediate pages, reached as staff reach them: select, choose the action, Go.
    for name, changelist, action in ACTION_PAGES:
        page.goto(live_server.url + reverse(changelist))
        page.locator(f'input[name="{helpers.ACTION_CHECKBOX_NAME}"]').first.check()
        page.select_option('select[name="action"]', action)
        page.click('button[name="index"]')
        page.wait_for_load_state()
        found = page.evaluate(OVERFLOW)
        if found:
            too_wide[name] = found
    assert too_wide == {}


@pytest.mark.usefixtures("private_media")
def test_the_stations_list_names_each_run_by_its_number_linked_to_its_page(client):
    records = console_records()
    client.force_login(make_user("root", superuser=True))
    page = client.get(reverse("admin:rolls_station_changelist")).content.decode()
    run = records.official
    assert f'<a href="{reverse("admin:rolls_run_change", args=[run.pk])}">Run {run.pk}</a>' in page
    # Not the run's own name, which ends in its election's id.
    assert str(run) not in page
