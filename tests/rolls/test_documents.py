"""Door signs, center lists and the end of the roll, read back from the PDFs of a run."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from pypdf import PdfReader

from elections.models import Election
from rolls.models import DocumentKind, Placement, RollFile, Station
from rolls.pdf import center_set_pages
from rolls.pdf.center_documents import STATIONS_PER_LIST_PAGE, render_center_list
from rolls.pdf.ranges import CenterHeader, StationRange
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import read_pdf
from tests.support.runs import full_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def text_of(path: str) -> str:
    return " ".join(" ".join((page.extract_text() or "").split()) for page in read_pdf(path).pages)


@pytest.fixture
def election() -> Election:
    """130 voters at 50 a station: 44 + 43 + 43. Families of 20 (``Fam02`` holds rows 41-60),
    so station 1 ends and station 2 begins with the same family name."""
    election = ElectionFactory(name="Signs 2026", max_voters_per_station=50)
    center = PollingCenterFactory(election=election, code="C1", name="Harbour School")
    register_voters(center, [(f"Fam{i // 20:02d}", f"Given{i:03d}") for i in range(130)])
    small = PollingCenterFactory(election=election, code="C2", name="Hill Hall")
    register_voters(small, [(f"Solo{i:02d}", "Ann") for i in range(7)])
    return election


def ends(station: Station) -> tuple[Placement, Placement]:
    rows = Placement.objects.filter(station=station)
    return rows.get(position=1), rows.get(position=station.voter_count)


def test_every_station_has_a_sign_whose_range_is_its_first_and_last_voter(election):
    run = full_run(election)
    stations = list(Station.objects.filter(run=run, center__code="C1").order_by("number"))
    assert [s.voter_count for s in stations] == [44, 43, 43]
    for station in stations:
        sign = RollFile.objects.get(
            run=run, center=station.center, station_number=station.number, kind=DocumentKind.SIGN
        )
        assert sign.path.endswith(f"/station-{station.number:03d}-sign.pdf")
        assert sign.pages == len(read_pdf(sign.path).pages) == 1
        text = text_of(sign.path)
        first, last = ends(station)
        assert f"FROM {first.family_name}" in text and f"TO {last.family_name}" in text
        assert f"{station.number} POLLING STATION" in text
        assert f"{station.voter_count} voters" in text and "Harbour School" in text
    # Station 1 ends and station 2 begins inside family Fam02: both name the given names.
    assert "TO Fam02, Given043" in text_of(
        RollFile.objects.get(run=run, center__code="C1", station_number=1, kind="sign").path
    )
    second = text_of(
        RollFile.objects.get(run=run, center__code="C1", station_number=2, kind="sign").path
    )
    assert "FROM Fam02, Given044" in second
    # Where no neighbour shares the family name, the family name alone is posted.
    third = text_of(
        RollFile.objects.get(run=run, center__code="C1", station_number=3, kind="sign").path
    )
    assert "TO Fam06 Final rolls" in third


def test_each_center_list_names_every_station_with_its_range_and_count(election):
    run = full_run(election)
    for code in ("C1", "C2"):
        listed = RollFile.objects.get(run=run, center__code=code, kind=DocumentKind.CENTER_LIST)
        assert listed.path.endswith("/center-list.pdf") and listed.station_number == 0
        text = text_of(listed.path)
        stations = Station.objects.filter(run=run, center__code=code).order_by("number")
        assert listed.voters == sum(s.voter_count for s in stations)
        for station in stations:
            first, last = ends(station)
            given = f"(, {re.escape(first.given_name)})?"
            row = (
                rf"(?<!\d){station.number} {re.escape(first.family_name)}{given} "
                rf"{re.escape(last.family_name)}(, {re.escape(last.given_name)})? "
                rf"{station.voter_count}(?!\d)"
            )
            assert re.search(row, text), (station.number, text)
        assert f"{stations.count()} station" in text


def test_the_last_roll_page_states_the_total_and_the_last_row(election):
    run = full_run(election)
    for roll in RollFile.objects.rolls().filter(run=run):
        pages = read_pdf(roll.path).pages
        last = " ".join((pages[-1].extract_text() or "").split())
        assert f"END OF ROLL · Station {roll.station_number} · {roll.voters} voters" in last
        assert f"last row {roll.voters} · {roll.pages} pages" in last
        assert "END OF ROLL" not in (pages[-2].extract_text() or "")


def test_the_run_counts_every_document_in_its_pages_and_files(election):
    run = full_run(election)
    assert run.status == "succeeded", run.error
    assert run.pages == center_set_pages([44, 43, 43]) + center_set_pages([7])
    assert run.roll_files.count() == 2 * 4 + 2
    assert run.stations_done == 4


def test_a_long_center_list_runs_onto_a_second_page_and_keeps_every_station():
    header = CenterHeader("E", datetime.date(2027, 1, 1), "C9", "Big Hall", run_id=1)
    stations = [StationRange(n, 500, f"First{n:02d}", f"Last{n:02d}") for n in range(1, 18)]
    rendered = render_center_list(header, stations)
    assert rendered.pages == 2 == -(-17 // STATIONS_PER_LIST_PAGE)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert all(f"First{n:02d} Last{n:02d} 500" in text for n in range(1, 18))
