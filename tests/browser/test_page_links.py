"""Every link a console page shows works for the person it is shown to: a role without the
right to what a link leads to does not get the link (the server refuses it anyway).

Follows each link in the content of every console page (not the admin's own header and
sidebar), as staff and as an observer, and fails on any answer of 400 or more.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser.console_pages import console_pages, console_records, content_links
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_the_link_finder_reads_only_the_pages_content():
    html = (
        '<div id="header"><a href="/admin/logout/">out</a></div>'
        '<div id="content"><p><a href="/admin/rolls/run/">runs</a><br>'
        '<img src="x"><a href="?o=1">sort</a></p></div><a href="/after/">after</a>'
    )
    assert content_links(html) == ["/admin/rolls/run/", "?o=1"]


@pytest.mark.parametrize("role", [STAFF, OBSERVER])
def test_every_link_on_a_console_page_answers_the_role_it_is_shown_to(client, role):
    records = console_records()
    client.force_login(make_user("someone", role))
    broken: dict[str, list[str]] = {}
    followed: set[str] = set()
    for name, address in console_pages(records).items():
        response = client.get(address)
        if response.status_code != 200:
            continue
        for href in content_links(response.content.decode()):
            target = urljoin(address, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
                continue  # elsewhere (the documentation, another site)
            target = target.split("#")[0]
            if target in followed:
                continue
            followed.add(target)
            status = client.get(target).status_code
            if status >= 400:
                broken.setdefault(name, []).append(f"{status} {target}")
    assert len(followed) > 50
    assert broken == {}
