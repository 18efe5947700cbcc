"""A file is served only while its bytes match the SHA-256 recorded for it: a damaged or
missing file is refused (a single PDF answers a page saying so, a zip stops before it and
never completes), flagged, shown on the run's page and the run list beside its set's status,
found by Verify files, and served again once a reprint restores it."""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.urls import reverse

from rolls.models import Download, FileDamage, RollFile, Run
from rolls.services.completeness import StoredFileDamaged, run_files_verify
from rolls.services.manifest import zip_entry_name
from rolls.services.publication import run_publish
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.files import overwrite_middle, roll_of
from tests.support.runs import full_run, make_finished_run
from tests.support.users import OBSERVER, make_user

pytestmark = pytest.mark.django_db

RUNS = reverse("admin:rolls_run_changelist")


@pytest.fixture
def official(private_media, election) -> Run:
    run = make_finished_run(election)
    return run_publish(run_id=run.pk, published_by="test")


def download(client, roll: RollFile):
    return client.get(reverse("admin:rolls_run_roll_download", args=[roll.run_id, roll.pk]))


def streamed_until_it_fails(response) -> bytes:
    """What a client receives of a zip whose stream ends with StoredFileDamaged."""
    received = bytearray()
    with pytest.raises(StoredFileDamaged):
        for chunk in response.streaming_content:
            received += chunk
    return bytes(received)


def test_a_station_pdf_with_16_bytes_overwritten_is_refused_not_served_as_official(
    staff_client, official, caplog
):
    roll = roll_of(official, "B", 2)
    assert download(staff_client, roll)["X-Roll-Set"] == "official"  # intact: served
    overwrite_middle(roll.path)

    with caplog.at_level(logging.WARNING, logger="rolls.services.completeness"):
        response = download(staff_client, roll)

    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "X-Roll-Set" not in response and "Content-Disposition" not in response
    page = response.content.decode()
    assert "no longer matches its recorded SHA-256" in page and "Reprint it" in page
    roll.refresh_from_db()
    assert roll.damage == FileDamage.DAMAGED and roll.damage_found_at is not None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and roll.path in warnings[0].getMessage()
    assert "Fam" not in caplog.text  # no voter names in the log
    assert Download.objects.count() == 1  # only the intact download was handed out


def test_a_damaged_file_marks_its_official_set_on_the_run_page_the_run_list_and_names(
    staff_client, official
):
    roll = roll_of(official, "A", 1)
    overwrite_middle(roll.path)
    download(staff_client, roll)  # the check that finds it

    page = staff_client.get(reverse("admin:rolls_run_change", args=[official.pk])).content
    text = page.decode()
    assert "1 file damaged or missing" in text
    assert 'id="damaged-files"' in text and "Damaged: its bytes no longer match" in text
    assert 'id="reprint-damaged"' in text
    listing = staff_client.get(RUNS).content.decode()
    assert 'Official</span> <span class="rolls-set rolls-set-damaged"' in listing
    manifest = staff_client.get(reverse("admin:rolls_run_manifest", args=[official.pk, "csv"]))
    assert "-official-DAMAGED-manifest.csv" in manifest["Content-Disposition"]


@pytest.mark.parametrize("scope", ["run", "center"])
def test_a_zip_stops_before_a_damaged_file_and_never_completes(staff_client, official, scope):
    roll = roll_of(official, "B", 2)  # neither the first file of its zip nor the last
    overwrite_middle(roll.path)
    url = (
        reverse("admin:rolls_run_zip", args=[official.pk])
        if scope == "run"
        else reverse("admin:rolls_run_center_zip", args=[official.pk, roll.center_id])
    )

    response = staff_client.get(url)
    received = streamed_until_it_fails(response)

    assert received  # the files before it were streamed
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(received))  # no complete zip, no manifest at its end
    assert zip_entry_name(official, roll).encode() not in received  # nothing of that file
    assert b"manifest.csv" not in received
    roll.refresh_from_db()
    assert roll.damage == FileDamage.DAMAGED

    # Known damaged now: refused before the first byte, and no "-official" zip name.
    again = staff_client.get(url)
    assert again.status_code == 409
    assert "Content-Disposition" not in again and "X-Roll-Set" not in again


def test_a_deleted_file_is_shown_missing_offered_for_reprint_and_marks_the_set(
    staff_client, official
):
    roll = roll_of(official, "B", 3)
    default_storage.delete(roll.path)

    page = staff_client.get(reverse("admin:rolls_run_change", args=[official.pk])).content
    text = page.decode()
    assert "Missing from storage" in text and roll.path in text
    assert 'id="reprint-damaged"' in text and 'id="reprint"' in text
    assert "rolls-set-damaged" in text  # beside "Official" in the page's roll set
    assert "rolls-set-damaged" in staff_client.get(RUNS).content.decode()
    assert RollFile.objects.get(pk=roll.pk).damage == FileDamage.MISSING

    zipped = staff_client.get(reverse("admin:rolls_run_zip", args=[official.pk]))
    assert zipped.status_code == 410 and "is no longer in storage" in zipped.content.decode()
    single = download(staff_client, roll)
    assert single.status_code == 410 and "Content-Disposition" not in single


def test_verify_files_counts_intact_damaged_and_missing_files_and_unflags_restored_ones(
    staff_client, official
):
    total = RollFile.objects.filter(run=official).count()
    damaged, deleted = roll_of(official, "A", 1), roll_of(official, "B", 1)
    with default_storage.open(damaged.path, "rb") as handle:
        original = handle.read()
    overwrite_middle(damaged.path)
    default_storage.delete(deleted.path)

    response = staff_client.post(
        RUNS, {"action": "verify_files", "_selected_action": [official.pk]}, follow=True
    )

    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"Run {official.pk}: {total - 2} files OK, 1 damaged, 1 missing." in said
    assert dict(RollFile.objects.filter(run=official).damaged().values_list("pk", "damage")) == {
        damaged.pk: FileDamage.DAMAGED,
        deleted.pk: FileDamage.MISSING,
    }

    with open(default_storage.path(damaged.path), "wb") as handle:
        handle.write(original)  # put back from a copy
    found = run_files_verify(run_id=official.pk)
    assert (found.intact, found.damaged, found.missing) == (total - 1, 0, 1)
    assert list(RollFile.objects.filter(run=official).damaged().values_list("pk", flat=True)) == [
        deleted.pk
    ]


def test_verify_files_is_for_election_staff_only(client, official):
    client.force_login(make_user("watcher", OBSERVER))
    assert "verify_files" not in client.get(RUNS).content.decode()
    page = client.get(reverse("admin:rolls_run_change", args=[official.pk])).content.decode()
    assert 'id="verify-files"' not in page
    assert client.post(reverse("admin:rolls_run_verify", args=[official.pk])).status_code == 403


@pytest.fixture
def rendered_official(private_media) -> Run:
    """Really rendered, so that a reprint gives back the recorded bytes."""
    election = ElectionFactory(name="Reprint 2026", max_voters_per_station=50)
    center = PollingCenterFactory(election=election, code="C1", name="Harbour School")
    register_voters(center, [(f"Fam{i:03d}", f"Given{i % 4}") for i in range(90)])
    return run_publish(run_id=full_run(election).pk, published_by="test")


def test_after_a_reprint_restores_the_file_its_downloads_work_again(
    staff_client, rendered_official
):
    run = rendered_official
    roll = roll_of(run, "C1", 2)
    overwrite_middle(roll.path)
    assert download(staff_client, roll).status_code == 409

    staff_client.post(
        reverse("admin:rolls_run_reprint", args=[run.pk]),
        {"center": "C1", "station": "2", "reason": "damaged in storage"},
    )

    roll.refresh_from_db()
    assert roll.damage == ""
    response = download(staff_client, roll)
    assert response.status_code == 200 and response["X-Roll-Set"] == "official"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == roll.sha256
    archive = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))
    assert "-official.zip" in archive["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).testzip() is None
    page = staff_client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert "rolls-set-damaged" not in page and "damaged or missing</strong>" not in page


def test_a_missing_file_put_back_intact_is_unflagged_when_the_run_page_lists_storage(
    staff_client, official
):
    roll = roll_of(official, "A", 1)
    with default_storage.open(roll.path, "rb") as handle:
        original = handle.read()
    default_storage.delete(roll.path)
    page = reverse("admin:rolls_run_change", args=[official.pk])
    assert "Missing from storage" in staff_client.get(page).content.decode()

    with open(default_storage.path(roll.path), "wb") as handle:
        handle.write(original)  # put back from a copy

    assert "rolls-set-damaged" not in staff_client.get(page).content.decode()
    assert RollFile.objects.get(pk=roll.pk).damage == ""
