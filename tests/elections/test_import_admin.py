"""The admin's import flow: upload -> preview -> confirm -> result, with the tasks applied
in-process (a browser test runs the same flow against a real worker)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from elections import download_trail, imports_admin
from elections.models import Election, ImportState, RegisterImport, Registration
from elections.services.registers.imports import register_import_execute, register_import_preview
from rolls.models import Download, DownloadKind
from tests.elections.registers import csv_bytes, import_now
from tests.factories import ElectionFactory, RegistrationFactory
from tests.support.pages import text_of
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ROWS = [["0001", "Martin", "Paul", "C1", "North"], ["0002", "Leroy", "Zoé", "C2", "South"]]


@pytest.fixture
def election():
    return ElectionFactory(slug="general-2026")


@pytest.fixture
def clerk(client):
    client.force_login(make_user("clerk", STAFF))
    return client


def upload(client, election, data: bytes, capture, **fields):
    with capture(execute=False) as callbacks:
        response = client.post(
            reverse("admin:elections_registerimport_upload", args=[election.pk]),
            {"file": SimpleUploadedFile("register.csv", data), "mode": "snapshot", **fields},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1  # the preview task, queued after the commit
    return RegisterImport.objects.latest("pk"), response["Location"]


def test_upload_preview_confirm_and_result(clerk, election, django_capture_on_commit_callbacks):
    RegistrationFactory(center__election=election)  # deregistered by the snapshot
    page = clerk.get(reverse("admin:elections_election_change", args=[election.pk]))
    assert 'id="import-register"' in page.content.decode()
    record, location = upload(clerk, election, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    assert record.username == "clerk" and record.state == ImportState.PREVIEWING
    waiting = clerk.get(location).content.decode()
    assert 'data-moving="true"' in waiting and 'id="confirm-import"' not in waiting

    register_import_preview(import_id=record.pk)
    preview = clerk.get(location).content.decode()
    assert "What importing would change" in preview
    assert "deregistered (not in the file)" in preview and 'id="confirm-import"' in preview
    assert Registration.objects.filter(election=election).count() == 1

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = clerk.post(reverse("admin:elections_registerimport_confirm", args=[record.pk]))
    assert response.status_code == 302 and len(callbacks) == 1
    record.refresh_from_db()
    assert (record.state, record.rows_total) == (ImportState.QUEUED, 2)
    progress = clerk.get(reverse("admin:elections_registerimport_progress", args=[record.pk]))
    assert progress.json()["state"] == "queued" and progress.json()["moving"] is True

    register_import_execute(import_id=record.pk)
    result = clerk.get(location).content.decode()
    assert "What the import changed" in result and "Imported" in result
    assert sorted(
        Registration.objects.filter(election=election).values_list("voter__voter_number", flat=True)
    ) == ["0001", "0002"]


def test_bad_rows_block_confirm_until_skip_invalid_is_chosen(
    clerk, election, django_capture_on_commit_callbacks
):
    data = csv_bytes([*ROWS, ["0003", "", "Nobody", "C1", ""]])
    record, location = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    page = clerk.get(location).content.decode()
    assert "line 4: empty family_name" in page and 'id="confirm-import"' not in page
    refused = clerk.post(
        reverse("admin:elections_registerimport_confirm", args=[record.pk]), follow=True
    )
    assert "invalid rows" in refused.content.decode()
    rejected = clerk.get(reverse("admin:elections_registerimport_rejected", args=[record.pk]))
    assert b"empty family_name" in b"".join(rejected.streaming_content)

    with django_capture_on_commit_callbacks(execute=False):
        clerk.post(location, {"mode": "add", "skip_invalid": "on"})
    record = register_import_preview(import_id=record.pk)
    assert record.skip_invalid and record.mode == "add"
    assert 'id="confirm-import"' in clerk.get(location).content.decode()


def test_other_headers_are_mapped_on_the_preview_page(
    clerk, election, django_capture_on_commit_callbacks
):
    data = csv_bytes(ROWS, header=["N", "Nom", "Prénom", "Bureau", "Site"])
    record, location = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    page = clerk.get(location).content.decode()
    assert "Missing columns" in page and '<option value="Nom">' in page
    mapping = {
        "column_voter_number": "N",
        "column_family_name": "Nom",
        "column_given_name": "Prénom",
        "column_center_code": "Bureau",
        "column_center_name": "Site",
        "mode": "snapshot",
    }
    with django_capture_on_commit_callbacks(execute=False):
        clerk.post(location, mapping)
    record = register_import_preview(import_id=record.pk)
    assert record.message == "" and record.counts["new"] == 2


def test_observers_and_anonymous_cannot_import(client, election):
    url = reverse("admin:elections_registerimport_upload", args=[election.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_user("watcher", OBSERVER))
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:elections_registerimport_changelist")).status_code == 403


def test_a_mass_deregistration_is_confirmed_by_typing_its_number(
    clerk, election, django_capture_on_commit_callbacks
):
    register = [[f"{i:04d}", f"Family{i}", "Given", "C1", ""] for i in range(1, 21)]
    import_now(election, csv_bytes(register))
    record, location = upload(
        clerk, election, csv_bytes(register[:5]), django_capture_on_commit_callbacks
    )
    register_import_preview(import_id=record.pk)
    page = clerk.get(location).content.decode()
    assert "This snapshot would deregister 15 of the election&#x27;s 20" in page
    assert 'id="deregistration-guard"' in page and 'name="deregistrations"' in page
    assert "Would be deregistered: the first 15 of 15, by voter number" in page
    assert "<li>0006  Family6, Given  (center C1)</li>" in page
    confirm = reverse("admin:elections_registerimport_confirm", args=[record.pk])
    for typed, error in [
        ("", "confirm that number (15)"),
        ("14", "14 deregistrations were confirmed"),
        ("\u0661\u0665", "digits 0-9"),  # Arabic-Indic 15: int() would take it
    ]:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            refused = clerk.post(confirm, {"deregistrations": typed}, follow=True)
        assert error in refused.content.decode() and not callbacks
        record.refresh_from_db()
        assert record.state == ImportState.PREVIEWED
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        clerk.post(confirm, {"deregistrations": "15"})
    assert len(callbacks) == 1
    register_import_execute(import_id=record.pk)
    record.refresh_from_db()
    assert record.state == ImportState.SUCCEEDED, record.message
    assert Registration.objects.filter(election=election).count() == 5
    done = clerk.get(location).content.decode()
    assert "Deregistered: the first 15 of 15" in done and 'id="deregistration-guard"' not in done


def test_a_small_snapshot_asks_for_no_number(clerk, election, django_capture_on_commit_callbacks):
    record, location = upload(clerk, election, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    page = clerk.get(location).content.decode()
    assert 'id="confirm-import"' in page and 'name="deregistrations"' not in page


def test_the_preview_names_other_elections_whose_voters_it_renames(
    clerk, election, django_capture_on_commit_callbacks
):
    local = ElectionFactory(slug="local-2026", name="Local 2026")
    import_now(local, csv_bytes(ROWS))
    renamed = [["0001", "Martin-Durand", "Paul", "C1", "North"], ROWS[1]]
    data = csv_bytes(renamed)
    record, location = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    page = clerk.get(location).content.decode()
    assert "1 renamed voter registered in other elections too" in page
    assert "<li>local-2026 (Local 2026): 1 voter</li>" in page


def test_a_download_of_the_rejected_rows_is_recorded_before_it_is_sent(
    clerk, election, django_capture_on_commit_callbacks
):
    data = csv_bytes([*ROWS, ["0003", "", "Salazarquintero", "C1", ""]])
    record, _ = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)

    response = clerk.get(reverse("admin:elections_registerimport_rejected", args=[record.pk]))

    assert b"Salazarquintero" in b"".join(response.streaming_content)
    download = Download.objects.get()
    assert (download.kind, download.username, download.name) == (
        DownloadKind.REJECTED_ROWS,
        "clerk",
        f"import-{record.pk}-rejected-rows.csv",
    )
    assert (download.import_number, download.register_import, download.run_number) == (
        record.pk,
        record,
        None,
    )
    trail = clerk.get(reverse("admin:rolls_download_changelist")).content.decode()
    assert f"import-{record.pk}-rejected-rows.csv" in trail


def test_the_rejected_rows_are_not_served_when_no_trail_records_them(
    clerk, election, django_capture_on_commit_callbacks, monkeypatch
):
    data = csv_bytes([*ROWS, ["0003", "", "Salazarquintero", "C1", ""]])
    record, _ = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    monkeypatch.setattr(download_trail, "_recorders", [])

    with pytest.raises(download_trail.DownloadNotRecorded):
        clerk.get(reverse("admin:elections_registerimport_rejected", args=[record.pk]))
    assert not Download.objects.exists()


def test_an_observer_reads_no_import_its_rows_or_its_progress(
    clerk, election, django_capture_on_commit_callbacks
):
    data = csv_bytes([*ROWS, ["0003", "", "Salazarquintero", "C1", ""]])
    record, location = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    clerk.force_login(make_user("watcher", OBSERVER))

    for url in [
        location,
        reverse("admin:elections_registerimport_progress", args=[record.pk]),
        reverse("admin:elections_registerimport_rejected", args=[record.pk]),
    ]:
        response = clerk.get(url)
        assert response.status_code == 403, url
        assert b"Salazarquintero" not in response.content
    assert not Download.objects.exists()


@pytest.mark.parametrize("object_id", ["abc", "²", "99999999999999999999", "0"])
def test_an_import_page_with_an_id_that_is_not_one_is_not_found(clerk, object_id):
    """``registerimport/abc/change/`` was a server error (the text reached the query)."""
    response = clerk.get(f"/admin/elections/registerimport/{object_id}/change/")
    assert response.status_code == 404


def test_a_preview_stopped_by_invalid_rows_says_why_and_what_to_do(
    clerk, election, django_capture_on_commit_callbacks
):
    data = csv_bytes([*ROWS, ["0003", "", "Nobody", "C1", ""], ["0004", "Roy", "Anne", "", ""]])
    record, location = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    html = clerk.get(location).content.decode()

    assert 'id="confirm-import"' not in html
    assert text_of(html, "import-state") == "Cannot be imported as it is: see why below"
    rejected = reverse("admin:elections_registerimport_rejected", args=[record.pk])
    assert text_of(html, "import-blocked") == (
        "2 rows are invalid, so nothing can be imported yet: correct the file and upload it "
        "again, or tick “Skip invalid rows” below and preview again to import the 2 valid "
        "rows without them. Every rejected row, as the file has it and with the reason, is "
        "in the rejected rows (CSV)."
    )
    blocked = html[html.index('id="import-blocked"') :]
    assert f'<a href="{rejected}">the rejected rows (CSV)</a>' in blocked[: blocked.index("</div>")]


def test_a_file_with_no_valid_row_is_not_offered_to_be_skipped(
    clerk, election, django_capture_on_commit_callbacks
):
    data = csv_bytes([["0003", "", "Nobody", "C1", ""]])
    record, location = upload(clerk, election, data, django_capture_on_commit_callbacks)
    register_import_preview(import_id=record.pk)
    note = text_of(clerk.get(location).content.decode(), "import-blocked")
    assert note.startswith(
        "1 row is invalid and none is valid: correct the file and upload it again."
    )
    assert "Skip invalid rows" not in note


def test_the_import_pages_speak_the_staff_s_words_not_the_code_s(
    clerk, election, django_capture_on_commit_callbacks
):
    record, location = upload(clerk, election, csv_bytes(ROWS), django_capture_on_commit_callbacks)
    pages = {"reading": text_of(clerk.get(location).content.decode())}
    register_import_preview(import_id=record.pk)
    pages["previewed"] = text_of(clerk.get(location).content.decode())
    with django_capture_on_commit_callbacks(execute=False):
        clerk.post(reverse("admin:elections_registerimport_confirm", args=[record.pk]))
    pages["queued"] = text_of(clerk.get(location).content.decode())
    register_import_execute(import_id=record.pk)
    pages["imported"] = text_of(clerk.get(location).content.decode())

    assert "Reading the file for the preview: nothing is written yet" in pages["reading"]
    assert "Ready to import: check the counts and confirm" in pages["previewed"]
    assert "Read 2 rows" in pages["previewed"]
    assert "Confirmed: waiting for a worker to start the import" in pages["queued"]
    assert "Read 0 of 2 rows" in pages["queued"]
    assert "Imported Read 2 rows" in pages["imported"]
    for stage, text in pages.items():
        for internal in ("staging", "written to the", "Previewed:", " done", "merging"):
            assert internal not in text, (stage, internal, text)
    progress = clerk.get(reverse("admin:elections_registerimport_progress", args=[record.pk]))
    assert progress.json()["status"] == "Imported" and "phase" not in progress.json()


def test_an_upload_refused_as_it_is_stored_says_why_and_stores_nothing(
    clerk, election, monkeypatch
):
    """The election is closed between the page's check and the upload's record (another
    staff member closed it): the refusal is shown on the form, not as a server error."""
    Election.objects.filter(pk=election.pk).update(personal_data_closed_at=timezone.now())
    monkeypatch.setattr(imports_admin, "election_closed", lambda election_id: None)
    response = clerk.post(
        reverse("admin:elections_registerimport_upload", args=[election.pk]),
        {"file": SimpleUploadedFile("register.csv", csv_bytes(ROWS)), "mode": "snapshot"},
    )
    assert response.status_code == 200
    assert "no register can be imported" in text_of(response.content.decode(), "container")
    assert 'id="register-upload"' in response.content.decode()  # the form, to try again
    assert not RegisterImport.objects.filter(election=election).exists()
