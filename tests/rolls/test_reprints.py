"""Reprinting a station or a center from a finished run: served, restored, or kept apart."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from rolls.models import Placement, Reprint, RollFile, Station
from rolls.services.publication import run_publish
from rolls.services.reprints import ReprintRefused, run_reprint
from rolls.services.storage import write_whole
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import read_pdf, roll_page_texts
from tests.support.runs import full_run
from tests.support.users import STAFF, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(private_media):
    election = ElectionFactory(name="Reprint 2026", max_voters_per_station=50)
    center = PollingCenterFactory(election=election, code="C1", name="Harbour School")
    register_voters(center, [(f"Fam{i:03d}", f"Given{i % 4}") for i in range(90)])
    run = full_run(election)
    return run_publish(run_id=run.pk, published_by="test")


def stored_sha(path: str) -> str:
    with default_storage.open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def numbers_in_order(path: str) -> list[str]:
    return [n for text in roll_page_texts(read_pdf(path)) for n in re.findall(r"R\d{9}", text)]


def test_an_intact_station_is_served_as_recorded_without_a_new_split(official):
    stations_before = Station.objects.count()
    done = run_reprint(
        run=official, center_code="C1", station_number=2, requested_by="cli", reason="torn"
    )
    assert [(d.roll_file.kind, d.reprint.outcome) for d in done] == [
        ("roll", "served"),
        ("sign", "served"),
    ]
    for item in done:
        assert item.reprint.path == item.roll_file.path
        assert item.reprint.sha256 == item.roll_file.sha256 == stored_sha(item.reprint.path)
        assert (item.reprint.requested_by, item.reprint.reason) == ("cli", "torn")
    assert Station.objects.count() == stations_before


def test_a_corrupt_roll_is_regenerated_byte_for_byte_and_restored(official):
    roll = RollFile.objects.rolls().get(run=official, station_number=1)
    write_whole(roll.path, b"%PDF-1.7 damaged")
    (roll_reprint, _sign) = run_reprint(
        run=official, center_code="C1", station_number=1, requested_by="admin:x", reason="bad"
    )
    assert roll_reprint.reprint.outcome == "restored"
    assert stored_sha(roll.path) == roll.sha256  # the run's verified bytes, exactly


def test_a_missing_center_is_regenerated_whole_list_included(official):
    files = list(RollFile.objects.filter(run=official))
    for roll_file in files:
        default_storage.delete(roll_file.path)
    done = run_reprint(run=official, center_code="C1", requested_by="cli", reason="lost box")
    assert len(done) == len(files) == 2 * 2 + 1
    assert {d.reprint.outcome for d in done} == {"restored"}
    assert all(stored_sha(f.path) == f.sha256 for f in files)


def test_regenerated_bytes_that_differ_never_replace_the_recorded_file(official):
    roll = RollFile.objects.rolls().get(run=official, station_number=2)
    original = numbers_in_order(roll.path)
    default_storage.delete(roll.path)
    # A renamed center prints differently: the reprint must be kept apart from the record.
    official.election.centers.update(name="Harbour School (renamed)")
    (item, _sign) = run_reprint(
        run=official, center_code="C1", station_number=2, requested_by="cli", reason="lost"
    )
    reprint = item.reprint
    assert reprint.outcome == "separate"
    assert reprint.path.endswith("/station-002.reprint-1.pdf") and reprint.path != roll.path
    assert reprint.sha256 == stored_sha(reprint.path) != roll.sha256
    assert not default_storage.exists(roll.path)
    roll.refresh_from_db()
    assert roll.path.endswith("/station-002.pdf")  # the record is untouched
    placed = Placement.objects.filter(station__run=official, station__number=2)
    expected = list(placed.order_by("position").values_list("voter_number", flat=True))
    assert numbers_in_order(reprint.path) == original == expected  # same voters, same rows


def test_reprint_refuses_without_a_reason_or_for_an_unknown_station(official):
    with pytest.raises(ReprintRefused, match="Say why"):
        run_reprint(run=official, center_code="C1", station_number=1, requested_by="x", reason=" ")
    with pytest.raises(ReprintRefused, match="no documents for station 9"):
        run_reprint(run=official, center_code="C1", station_number=9, requested_by="x", reason="r")
    assert not Reprint.objects.exists()


def test_reprint_command_copies_the_files_and_records_the_reprint(official, tmp_path, capsys):
    call_command(
        "reprint", str(official.pk), "--station", "C1/1", "--reason", "rain", "--output", tmp_path
    )
    out = capsys.readouterr().out
    assert out.count("Served as recorded") == 2
    roll = RollFile.objects.rolls().get(run=official, station_number=1)
    assert hashlib.sha256((tmp_path / "station-001.pdf").read_bytes()).hexdigest() == roll.sha256
    assert (tmp_path / "station-001-sign.pdf").exists()
    assert Reprint.objects.filter(requested_by="cli", reason="rain").count() == 2
    with pytest.raises(CommandError, match="CENTER-CODE/NUMBER"):
        call_command("reprint", str(official.pk), "--station", "C1", "--reason", "r")


def test_a_nul_in_the_reason_is_refused_before_any_file_is_written(official):
    """On main the file was regenerated and written, then PostgreSQL refused the record."""
    roll = RollFile.objects.rolls().get(run=official, station_number=1)
    default_storage.delete(roll.path)
    with pytest.raises(ReprintRefused, match="control character"):
        run_reprint(
            run=official, center_code="C1", station_number=1, requested_by="x", reason="a\x00b"
        )
    assert not default_storage.exists(roll.path)
    assert not Reprint.objects.exists()


def test_a_reprint_whose_record_cannot_be_saved_leaves_no_file_behind(official, monkeypatch):
    roll = RollFile.objects.rolls().get(run=official, station_number=2)
    default_storage.delete(roll.path)
    official.election.centers.update(name="Harbour School (renamed)")  # -> a separate file

    def refused(**fields):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Reprint.objects, "create", refused)
    with pytest.raises(RuntimeError):
        run_reprint(
            run=official, center_code="C1", station_number=2, requested_by="x", reason="lost"
        )
    assert not default_storage.exists(roll.path.replace(".pdf", ".reprint-1.pdf"))


def test_a_reprint_whose_file_cannot_be_written_records_nothing(official, monkeypatch):
    roll = RollFile.objects.rolls().get(run=official, station_number=1)
    write_whole(roll.path, b"%PDF-1.7 damaged")

    def full_disk(name, data, storage=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rolls.services.reprints.write_whole", full_disk)
    with pytest.raises(OSError):
        run_reprint(run=official, center_code="C1", station_number=1, requested_by="x", reason="r")
    assert not Reprint.objects.exists()


@pytest.mark.parametrize(
    ("station", "reason", "message"),
    [
        ("²", "torn", "Station must be a whole number written with the digits 0-9"),
        ("99999999999", "torn", "Station must be at most"),
        ("1", "torn\x00", "control character"),
    ],
)
def test_the_reprint_page_refuses_hostile_input_with_a_message(
    official, client, station, reason, message
):
    client.force_login(make_user("clerk", STAFF))
    response = client.post(
        reverse("admin:rolls_run_reprint", args=[official.pk]),
        {"center": "C1", "station": station, "reason": reason},
        follow=True,
    )
    assert response.status_code == 200
    assert any(message in str(m) for m in response.context["messages"])
    assert not Reprint.objects.exists()
