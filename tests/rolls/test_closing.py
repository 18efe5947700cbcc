"""Closing an election's personal data after its retention date: what goes, what stays as
proof, the refusals, the command, the admin action and what serving answers afterwards."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from elections.models import Registration, Voter
from elections.services.registers.records import ImportRefused
from rolls.launch import run_start
from rolls.models import (
    Download,
    PersonalDataClosing,
    Placement,
    RollFile,
    Run,
    RunStatus,
    Station,
)
from rolls.services.closing import (
    ClosingRefused,
    closing_plan,
    personal_data_close,
)
from rolls.services.ledger import RunRefused
from tests.elections.registers import csv_bytes, import_now
from tests.factories import ElectionFactory, RegistrationFactory
from tests.support.builders import build_election
from tests.support.pages import text_of
from tests.support.runs import make_finished_run
from tests.support.users import STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

POLLING = date.today() - timedelta(days=10)
RETENTION = date.today() + timedelta(days=60)
AFTER = RETENTION + timedelta(days=1)


@pytest.fixture
def closable():
    """An election past nothing yet (its retention date is set), with a published run whose
    files are stored, an import with its uploaded file and rejected rows, and one voter also
    registered in another election."""
    election = build_election(polling_date=POLLING, retention_date=RETENTION)
    run = make_finished_run(election)
    Run.objects.filter(pk=run.pk).update(published_at=timezone.now(), published_by="admin:chief")
    shared = Registration.objects.filter(election=election).first().voter
    RegistrationFactory(voter=shared, center__election=ElectionFactory(slug="other"))
    record = import_now(
        election,
        csv_bytes([[shared.voter_number, shared.family_name, shared.given_name, "A", ""]] * 2),
        mode="add",
        skip_invalid=True,
    )
    assert record.rejected_path  # the duplicated line
    return election, run, shared, record


def test_closing_is_refused_until_the_retention_date_is_past(closable):
    election, run, _, record = closable
    with pytest.raises(ClosingRefused, match=f"kept until its retention date, {RETENTION}"):
        personal_data_close(election_id=election.pk, closed_by="cli", today=RETENTION)
    election.refresh_from_db()
    assert election.personal_data_closed_at is None
    assert Placement.objects.filter(run=run).exists()
    assert default_storage.exists(record.file_path)
    assert not PersonalDataClosing.objects.exists()


def test_the_default_retention_date_is_the_polling_date_plus_the_setting(settings):
    settings.ELECTION_RETENTION_DAYS = 90
    election = ElectionFactory(polling_date=POLLING)
    assert election.retention_date == POLLING + timedelta(days=90)


def test_closing_removes_the_personal_data_and_keeps_the_proof(closable):
    election, run, shared, record = closable
    files = list(RollFile.objects.filter(run=run).values_list("path", "sha256"))
    planned = closing_plan(election_id=election.pk)
    voters_here = Registration.objects.filter(election=election).count()
    assert planned.registrations == voters_here and planned.voters == voters_here - 1
    assert planned.upload_files == 2 and planned.roll_files == len(files)
    assert planned.stored_files == len(files) + 2 and planned.task_results == 4

    closing = personal_data_close(election_id=election.pk, closed_by="admin:chief", today=AFTER)

    assert closing.removed == planned.as_dict()
    assert (closing.closed_by, closing.election_slug, closing.retention_date) == (
        "admin:chief",
        election.slug,
        RETENTION,
    )
    assert not any(default_storage.exists(path) for path, _ in files)
    assert not default_storage.exists(record.file_path)
    assert not Placement.objects.filter(run__election=election).exists()
    assert not Registration.objects.filter(election=election).exists()
    assert list(Voter.objects.values_list("pk", flat=True)) == [shared.pk]  # still registered
    assert not Station.objects.filter(election=election).exclude(first_voter_name="").exists()
    assert not TaskResult.objects.exists()
    # The proof: the run, its published record and every file's record with its SHA-256.
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.published_by == "admin:chief"
    assert sorted(RollFile.objects.filter(run=run).values_list("path", "sha256")) == sorted(files)
    assert Station.objects.filter(run=run).count() == run.stations_total
    record.refresh_from_db()
    assert record.file_sha256 and record.counts and record.errors == []
    assert (record.file_path, record.rejected_path) == ("", "")
    election.refresh_from_db()
    assert election.personal_data_closed_at is not None
    with pytest.raises(ClosingRefused, match="was closed already"):
        personal_data_close(election_id=election.pk, closed_by="cli", today=AFTER)


def test_nothing_new_lands_in_a_closed_election(closable):
    election, *_ = closable
    personal_data_close(election_id=election.pk, closed_by="cli", today=AFTER)
    with pytest.raises(RunRefused, match="was closed: no run can start"):
        run_start(election_id=election.pk, strategy="all_in_one", started_by="t")
    with pytest.raises(ImportRefused, match="personal data was closed"):
        import_now(election, csv_bytes([["0001", "Martin", "Paul", "A", ""]]))


def test_a_closed_elections_files_and_lists_answer_closed_and_its_manifest_stays(closable, client):
    election, run, *_ = closable
    personal_data_close(election_id=election.pk, closed_by="cli", today=AFTER)
    client.force_login(make_user("clerk", STAFF))
    roll = RollFile.objects.filter(run=run).first()
    center = roll.center_id
    closed = [
        reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]),
        reverse("admin:rolls_run_zip", args=[run.pk]),
        reverse("admin:rolls_run_center_zip", args=[run.pk, center]),
        reverse("admin:rolls_run_export", args=[run.pk, "by-number"]),
        reverse("admin:rolls_run_changes", args=[run.pk]) + f"?against={run.pk}",
    ]
    for url in closed:
        response = client.get(url)
        assert response.status_code == 410, url
        assert "was closed on" in text_of(response.content.decode(), "personal-data-closed")
    assert client.post(reverse("admin:rolls_run_verify", args=[run.pk])).status_code == 410
    assert not Download.objects.exists()  # nothing served, nothing recorded

    manifest = client.get(reverse("admin:rolls_run_manifest", args=[run.pk, "csv"]))
    assert manifest.status_code == 200 and roll.sha256 in manifest.content.decode()
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert "was closed on" in text_of(page, "run-closed") and 'id="verify-files"' not in page
    # Viewing the page lists the run's folders: the files removed on purpose stay unflagged.
    assert not RollFile.objects.filter(run=run).exclude(damage="").exists()
    assert "were removed when" in text_of(page, "run-files-closed")
    assert "damaged" not in text_of(page, "run-downloads") and roll.sha256[:16] in page
    assert 'id="download-zip"' not in page and 'id="reprint"' not in page
    assert 'class="roll-download"' not in page and 'id="export-by-number"' not in page


def test_the_command_is_a_dry_run_unless_confirmed(closable, capsys, monkeypatch):
    election, run, *_ = closable
    with pytest.raises(CommandError, match="kept until its retention date"):
        call_command("close_personal_data", election.slug)
    monkeypatch.setattr(timezone, "localdate", lambda: AFTER)

    call_command("close_personal_data", election.slug)
    dry = capsys.readouterr().out
    assert "would remove" in dry and "Nothing was removed" in dry
    assert Placement.objects.filter(run=run).exists()

    call_command("close_personal_data", f"id:{election.pk}", "--confirm")
    done = capsys.readouterr().out
    assert "is closed. Removed:" in done and "registrations" in done
    assert PersonalDataClosing.objects.get().closed_by == "cli"
    with pytest.raises(CommandError, match="No election with slug 'nope'"):
        call_command("close_personal_data", "nope")


def plan_rows(html: str) -> dict[str, int]:
    """The confirmation page's table of what goes: {label: count}."""
    table = html.split('id="closing-plan"', 1)[1].split("</table>", 1)[0]
    return {
        label: int(number)
        for label, number in re.findall(
            r'<th scope="row">([^<]+)</th><td class="num">(\d+)</td>', table
        )
    }


def test_the_admin_action_counts_what_goes_and_needs_its_permission(closable, client, monkeypatch):
    election, *_ = closable
    changelist = reverse("admin:elections_election_changelist")
    client.force_login(make_user("clerk", STAFF))
    assert "close_personal_data" not in client.get(changelist).content.decode()

    chief = make_user("chief", STAFF)
    chief.user_permissions.add(Permission.objects.get(codename="close_personal_data"))
    client.force_login(chief)
    assert "close_personal_data" in client.get(changelist).content.decode()
    selection = {"action": "close_personal_data", "_selected_action": [election.pk]}
    early = client.post(changelist, selection, follow=True)
    assert "kept until its retention date" in early.content.decode()

    monkeypatch.setattr(timezone, "localdate", lambda: AFTER)
    confirm = client.post(changelist, selection)
    registered = Registration.objects.filter(election=election).count()
    rows = plan_rows(confirm.content.decode())
    assert rows["registrations"] == registered
    assert rows["voters registered in no other election"] == registered - 1
    assert rows["uploaded registers and rejected-rows CSVs"] == 2
    assert not PersonalDataClosing.objects.exists()

    done = client.post(changelist, {**selection, "post": "yes"}, follow=True)
    assert "is closed" in done.content.decode()
    assert PersonalDataClosing.objects.get().closed_by == "admin:chief"


def test_the_commands_that_read_voters_refuse_a_closed_election(closable):
    election, run, *_ = closable
    personal_data_close(election_id=election.pk, closed_by="cli", today=AFTER)
    for command in (
        ["export_run", str(run.pk), "--output", "-"],
        ["run_changes", str(run.pk), "--against", str(run.pk)],
        ["reprint", str(run.pk), "--center", "A", "--reason", "lost"],
        ["publish_run", str(run.pk)],
    ):
        with pytest.raises(CommandError, match="was closed"):
            call_command(*command)


def test_each_closing_is_listed_with_who_when_and_what_was_removed(closable, admin_client):
    election, *_ = closable
    closing = personal_data_close(election_id=election.pk, closed_by="admin:chief", today=AFTER)
    listing = admin_client.get(reverse("admin:rolls_personaldataclosing_changelist"))
    assert election.name in listing.content.decode() and "admin:chief" in listing.content.decode()
    page = admin_client.get(
        reverse("admin:rolls_personaldataclosing_change", args=[closing.pk])
    ).content.decode()
    registered = closing.removed["registrations"]
    assert f"registrations: {registered}" in page
    assert 'name="_save"' not in page  # a record: read, never edited
