"""A roll in the election's language: stations, roll order and the door range follow the
language's alphabet (ICU/CLDR), read back from the PDFs, on SQLite and PostgreSQL alike; a
language change reorders, and makes a changed-only run reprint the center."""

from __future__ import annotations

import re

import pytest

from elections.models import Language, Registration
from elections.services.collation import refresh_sort_keys
from rolls.models import DocumentKind, Placement, RollFile, RunCenter, RunStatus, Station
from rolls.services.publication import run_publish
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import read_pdf, roll_page_texts
from tests.support.languages import LANGUAGE_ORDER
from tests.support.runs import full_run

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"R\d{9}")


def election_with(language: str, names: list[str], maximum: int = 500):
    election = ElectionFactory(language=language, max_voters_per_station=maximum)
    center = PollingCenterFactory(election=election, code="A")
    # Registered in reverse order, so neither insertion nor ids give the expected order.
    register_voters(center, [(name, "Ana") for name in reversed(names)])
    return election


def printed_order(run) -> list[str]:
    """Family names in the order the run's PDFs print them (station by station)."""
    family = dict(Registration.objects.values_list("voter__voter_number", "voter__family_name"))
    out = []
    for roll in RollFile.objects.filter(run=run, kind=DocumentKind.ROLL).order_by("station_number"):
        for text in roll_page_texts(read_pdf(roll.path)):
            out += [family[number] for number in NUMBER.findall(text)]
    return out


@pytest.mark.parametrize("language", sorted(LANGUAGE_ORDER))
def test_the_roll_and_its_door_range_follow_the_language_order(private_media, language):
    expected = LANGUAGE_ORDER[language]
    election = election_with(language, expected)

    run = full_run(election)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert printed_order(run) == expected
    station = Station.objects.get(run=run)
    assert station.first_voter_name == f"{expected[0]}, Ana"
    assert station.last_voter_name == f"{expected[-1]}, Ana"
    cover = (
        read_pdf(RollFile.objects.get(run=run, kind=DocumentKind.ROLL).path).pages[0].extract_text()
    )
    for word in (expected[0], expected[-1]):
        assert word in cover


def test_stations_split_in_the_language_order(private_media):
    # Swedish: å ä ö come after z, so with two stations of two, Å and Ä share the second.
    expected = LANGUAGE_ORDER["sv"][:4]  # Abel, Zorn, Åberg, Ärla
    election = election_with(Language.SWEDISH, expected, maximum=2)

    run = full_run(election)

    assert run.status == RunStatus.SUCCEEDED, run.error
    stations = list(
        Station.objects.filter(run=run)
        .order_by("number")
        .values_list("first_voter_name", "last_voter_name")
    )
    assert stations == [("Abel, Ana", "Zorn, Ana"), ("Åberg, Ana", "Ärla, Ana")]
    positions = list(
        Placement.objects.filter(run=run)
        .order_by("station__number", "position")
        .values_list("family_name", flat=True)
    )
    assert positions == expected
    assert printed_order(run) == expected


def test_a_language_change_reorders_and_the_changed_only_run_reprints_the_center(
    private_media, django_capture_on_commit_callbacks
):
    names = LANGUAGE_ORDER["es"]  # Nuñez, Ñandú, Ortega, Zapata
    election = election_with(Language.ENGLISH, names)
    official = full_run(election)
    assert printed_order(official) == ["Ñandú", "Nuñez", "Ortega", "Zapata"]  # root order
    run_publish(run_id=official.pk, published_by="t")

    election.language = Language.SPANISH
    election.save()
    refresh_sort_keys(election=election)
    again = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)

    assert again.status == RunStatus.SUCCEEDED, again.error
    # Reprinted, not carried over: the center's split is this run's own, in Spanish order.
    assert RunCenter.objects.get(run=again).source_run_id is None
    assert printed_order(again) == names
