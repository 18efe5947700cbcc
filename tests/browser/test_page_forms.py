"""No console page holds a form inside a form.

A browser drops a <form> tag met inside another form, so the inner form's button submits the
outer one (the run page's Publish once answered 403 that way). The browser's DOM no longer
shows the inner tag: these tests parse the HTML as served.
"""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from tests.browser.console_pages import (
    ACTION_PAGES,
    console_pages,
    console_records,
    nested_forms,
)
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def test_the_parser_finds_a_form_inside_a_form():
    assert nested_forms('<form id="outer"><form id="inner"></form></form>') == [
        "line 1: <form inner>"
    ]
    assert nested_forms('<form id="a"></form><form id="b"></form>') == []


@pytest.mark.parametrize("role", ["superuser", STAFF, OBSERVER])
def test_no_console_page_holds_a_form_inside_a_form(client, role):
    records = console_records()
    client.force_login(make_user("someone", role, superuser=role == "superuser"))
    found = {}
    shown = 0
    for name, address in console_pages(records).items():
        response = client.get(address)
        if response.status_code != 200:
            continue  # this role may not see the page
        shown += 1
        nested = nested_forms(response.content.decode())
        if nested:
            found[name] = nested
    for name, changelist, action in ACTION_PAGES:
        model = changelist.split("_")[1]
        selected = (
            records.election.pk if model == "election" else records.election.centers.first().pk
        )
        response = client.post(
            reverse(changelist), {"action": action, helpers.ACTION_CHECKBOX_NAME: [selected]}
        )
        if response.status_code == 200:
            shown += 1
            nested = nested_forms(response.content.decode())
            if nested:
                found[name] = nested
    assert shown >= 5  # the pages were rendered, not refused
    assert found == {}
