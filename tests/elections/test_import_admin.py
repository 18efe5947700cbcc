"""The admin's import flow: upload -> preview -> confirm -> result, with the tasks applied
in-process (a browser test runs the same flow against a real worker)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from elections.models import ImportState, RegisterImport, Registration
from elections.services.registers.imports import register_import_execute, register_import_preview
from tests.elections.registers import csv_bytes
from tests.factories import ElectionFactory, RegistrationFactory
from tests.rolls.test_admin_support import OBSERVER, STAFF, make_user

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


@pytest.mark.parametrize("object_id", ["abc", "²", "99999999999999999999", "0"])
def test_an_import_page_with_an_id_that_is_not_one_is_not_found(clerk, object_id):
    """``registerimport/abc/change/`` was a server error (the text reached the query)."""
    response = clerk.get(f"/admin/elections/registerimport/{object_id}/change/")
    assert response.status_code == 404
