"""The console speaks the staff member's browser language (LocaleMiddleware), English by
default; the project's own strings come from its catalogs (locale/)."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.builders import build_election
from tests.support.users import STAFF, make_user

pytestmark = pytest.mark.django_db

ELECTIONS = reverse("admin:elections_election_changelist")


@pytest.fixture
def clerk(client):
    client.force_login(make_user("clerk", STAFF))
    return client


def test_a_french_browser_gets_the_console_in_french(clerk):
    build_election()

    page = clerk.get(ELECTIONS, headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"})

    text = page.content.decode()
    assert page.status_code == 200 and page.headers["Content-Language"] == "fr"
    # Our own strings (the app, the actions) and Django's admin alike.
    assert "Données électorales" in text
    assert "Planifier la génération des listes" in text
    assert "Générer les listes" in text and "Generate rolls" not in text


def test_the_generate_rolls_confirmation_in_french(clerk):
    election = build_election()

    page = clerk.post(
        ELECTIONS,
        {"action": "generate_rolls", "_selected_action": [election.pk]},
        headers={"accept-language": "fr"},
    )

    text = page.content.decode()
    assert "Ce qui sera produit" in text
    assert "Électeurs max. / bureau" in text
    assert "Mettre l’exécution en file" in text  # noqa: RUF001 - French apostrophe


def test_without_a_preference_or_in_another_language_the_console_is_english(clerk):
    build_election()
    for headers in ({}, {"accept-language": "de-DE,de;q=0.9"}):
        text = clerk.get(ELECTIONS, headers=headers).content.decode()
        assert "Election data" in text and "Generate rolls" in text
        assert "Données électorales" not in text


def test_figures_are_grouped_the_way_the_chosen_language_writes_them(client):
    """1,200 in English, 1 200 in French, Spanish and Russian (a no-break space, as Django's
    formats for them say): the count under a changelist, as every list shows it."""
    center = PollingCenterFactory(election=ElectionFactory(name="Big 2026"), code="BIG")
    register_voters(center, [(f"Fam{i:05d}", "Given") for i in range(1200)])
    client.force_login(make_user("clerk", superuser=True))
    shown = {}
    for language in ("en", "fr", "es", "ru"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(reverse("admin:elections_registration_changelist"))
        shown[language] = re.search(r"(1\D?200) \w+\s*</p>", page.content.decode())[1]
    assert shown == {"en": "1,200", "fr": "1\xa0200", "es": "1\xa0200", "ru": "1\xa0200"}
