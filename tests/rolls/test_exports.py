"""A run's voter-to-station lists: every voter once, the page and row the PDF really shows,
formula cells neutralised, downloads recorded, and the carried centers of a changed-only run
included."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from elections.models import Registration, Voter
from rolls.models import DocumentKind, Download, DownloadKind, Placement, RollFile, RunCenter
from rolls.services.placement_csv import roll_page, run_export_lines
from rolls.services.publication import run_publish
from tests.rolls.helpers import read_pdf
from tests.support.builders import build_election
from tests.support.runs import full_run
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def exported(run, order: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(run_export_lines(run, order)))))


@pytest.fixture
def run():
    election = build_election()
    Voter.objects.filter(family_name="FamA0000").update(family_name="=HYPERLINK(1)")
    Voter.objects.filter(family_name="FamA0001").update(given_name="-2+3")
    return full_run(election)


def test_both_lists_read_back_into_the_runs_counts(run):
    by_number, by_station = exported(run, "by-number"), exported(run, "by-station")
    assert len(by_number) == len(by_station) == Placement.objects.filter(run=run).count() == 175
    assert Counter(r["voter_number"] for r in by_number) == Counter(
        Registration.objects.filter(election=run.election).values_list(
            "voter__voter_number", flat=True
        )
    )
    assert [r["voter_number"] for r in by_number] == sorted(r["voter_number"] for r in by_number)
    keys = [(r["center_code"], int(r["station"]), int(r["row"])) for r in by_station]
    assert keys == sorted(keys)
    per_station = Counter((r["center_code"], int(r["station"])) for r in by_station)
    assert per_station == {
        (roll.center.code, roll.station_number): roll.voters
        for roll in RollFile.objects.filter(run=run, kind=DocumentKind.ROLL).select_related(
            "center"
        )
    }
    assert {r["center_name"] for r in by_station} == {"A School", "B School"}


def test_the_page_is_the_one_the_pdf_numbers_and_shows_the_voter_on(run):
    rows = [r for r in exported(run, "by-station") if r["center_code"] == "B"]
    assert max(int(r["row"]) for r in rows) > 40  # a station of more than one roll page
    rolls = {
        r.station_number: r
        for r in RollFile.objects.filter(run=run, center__code="B", kind=DocumentKind.ROLL)
    }
    readers = {number: read_pdf(roll.path) for number, roll in rolls.items()}
    for row in rows:
        reader = readers[int(row["station"])]
        page = int(row["page"])
        text = reader.pages[page - 1].extract_text()
        assert row["voter_number"] in text
        assert re.search(rf"Page\s+{page}\s+of\s+{len(reader.pages)}", text)
    assert (roll_page(1), roll_page(40), roll_page(41)) == (2, 2, 3)


def test_formula_cells_are_neutralised(run):
    names = {(r["family_name"], r["given_name"]) for r in exported(run, "by-number")}
    assert ("'=HYPERLINK(1)", "Given0") in names
    assert ("FamA0001", "'-2+3") in names
    assert not any(value.startswith(("=", "+", "-", "@")) for pair in names for value in pair)


def test_download_is_staff_only_and_recorded(run, client):
    url = reverse("admin:rolls_run_export", args=[run.pk, "by-station"])
    client.force_login(make_user("watcher", OBSERVER))
    assert client.get(url).status_code == 403
    client.force_login(make_user("clerk", STAFF))
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert len(body.strip().splitlines()) == 176
    record = Download.objects.get(kind=DownloadKind.EXPORT)
    assert record.username == "clerk" and record.name.endswith("voters-by-station.csv")
    assert client.get(reverse("admin:rolls_run_export", args=[run.pk, "nope"])).status_code == 404
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert 'id="export-by-number"' in page


def test_export_command_writes_the_list(run, tmp_path):
    path = tmp_path / "voters.csv"
    out = io.StringIO()
    call_command(
        "export_run", str(run.pk), "--order", "by-number", "--output", str(path), stdout=out
    )
    assert "175 voters" in out.getvalue()
    assert len(list(csv.DictReader(path.open(encoding="utf-8")))) == 175


def test_export_command_into_a_missing_folder_is_a_command_error(run, tmp_path):
    with pytest.raises(CommandError, match=r"Cannot write .*No such file or directory"):
        call_command("export_run", str(run.pk), "--output", str(tmp_path / "nowhere" / "x.csv"))


def test_a_changed_only_run_lists_its_carried_centers_too(run, django_capture_on_commit_callbacks):
    run_publish(run_id=run.pk, published_by="test")
    Voter.objects.filter(family_name="FamB0000").update(given_name="Renamed")
    later = full_run(run.election, changed_only=True, callbacks=django_capture_on_commit_callbacks)
    assert RunCenter.objects.filter(run=later, source_run=run).count() == 1
    rows = exported(later, "by-number")
    assert len(rows) == 175
    assert {r["center_code"] for r in rows} == {"A", "B"}
