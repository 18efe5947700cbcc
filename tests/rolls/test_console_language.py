"""The console speaks the staff member's browser language (LocaleMiddleware), English by
default; the project's own strings come from its catalogs (locale/)."""

import pytest
from django.urls import reverse

from tests.rolls.test_admin_support import STAFF, make_election, make_user

pytestmark = pytest.mark.django_db

ELECTIONS = reverse("admin:elections_election_changelist")


@pytest.fixture
def clerk(client):
    client.force_login(make_user("clerk", STAFF))
    return client


def test_a_french_browser_gets_the_console_in_french(clerk):
    make_election()

    page = clerk.get(ELECTIONS, headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"})

    text = page.content.decode()
    assert page.status_code == 200 and page.headers["Content-Language"] == "fr"
    # Our own strings (the app, the actions) and Django's admin alike.
    assert "Données électorales" in text
    assert "Planifier la génération des listes" in text
    assert "Générer les listes" in text and "Generate rolls" not in text


def test_the_generate_rolls_confirmation_in_french(clerk):
    election = make_election()

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
    make_election()
    for headers in ({}, {"accept-language": "de-DE,de;q=0.9"}):
        text = clerk.get(ELECTIONS, headers=headers).content.decode()
        assert "Election data" in text and "Generate rolls" in text
        assert "Données électorales" not in text
