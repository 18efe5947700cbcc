"""A run never says "succeeded" with a voter missing: look-alike center codes, hostile slugs,
overwritten or deleted files, formula cells and hostile download names."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from elections.models import Election, Registration
from elections.spreadsheets import spreadsheet_safe
from rolls import tasks
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.models import FileDamage, RollFile, Run, RunStatus, Station
from rolls.services.completeness import run_problems
from rolls.services.ledger import (
    LAUNCH_CHECK_EVERY,
    LAUNCH_GRACE,
    RunRefused,
    runs_fail_unlaunched,
)
from rolls.services.manifest import file_name_safe
from rolls.services.storage import election_folder, write_whole
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import voter_numbers_in_run
from tests.support.runs import no_launch, sample_pdf, store_sample_roll

LOOK_ALIKE_CODES = ["12/3", "12.3", "12 3", "A.1", "A_1"]


def election_with_codes(codes: list[str], *, per_center: int = 60, **fields) -> Election:
    election = ElectionFactory(max_voters_per_station=50, **fields)
    for n, code in enumerate(codes):
        center = PollingCenterFactory(election=election, code=code, name=f"Center {n}")
        register_voters(center, [(f"Fam{n}x{i:04d}", f"Given{i % 7}") for i in range(per_center)])
    return election


# --- end to end with a real worker -------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "strategy", ["assign_in_database_then_balanced_batches", "queue_tasks_by_center_with_chord"]
)
def test_look_alike_center_codes_each_get_their_own_complete_rolls(
    shared_worker, staff_client, strategy
):
    election = election_with_codes(LOOK_ALIKE_CODES)
    run = run_start(election_id=election.pk, strategy=strategy, started_by="test")
    run = wait_for(run, timeout=240, drained=True)

    assert run.status == RunStatus.SUCCEEDED, run.error
    files = list(RollFile.objects.filter(run=run))
    # 60 voters, at most 50 -> 2 stations each: a roll and a sign each, and the center list.
    assert len(files) == len(LOOK_ALIKE_CODES) * (2 * 2 + 1)
    assert len({roll.path for roll in files}) == len(files)
    for roll in files:
        with default_storage.open(roll.path, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == roll.sha256
    seen = voter_numbers_in_run(run)
    expected = set(
        Registration.objects.filter(election=election).values_list("voter__voter_number", flat=True)
    )
    assert set(seen) == expected and max(seen.values()) == 1

    response = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == len(set(names)) == len(files) + 2  # and manifest.csv, manifest.json
    assert not any(name.startswith("/") or ".." in name.split("/") for name in names)


# --- verification before success -----------------------------------------------------------------


def assigned_run(election) -> tuple[Run, list[Station]]:
    run = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
    )
    tasks.assign_election.apply(args=(run.pk,)).get()
    stations = list(Station.objects.filter(run=run).select_related("center"))
    return run, stations


record = store_sample_roll


@pytest.mark.django_db
def test_a_complete_intact_set_succeeds(private_media, election):
    run, stations = assigned_run(election)
    for station in stations:
        record(run, station)

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run_problems(run) == []


@pytest.mark.django_db
def test_a_file_overwritten_before_the_last_station_fails_the_run_naming_it(
    private_media, election
):
    run, stations = assigned_run(election)
    first = record(run, stations[0])
    default_storage.delete(first)
    write_whole(first, sample_pdf() + b"% another center's roll")
    for station in stations[1:]:
        record(run, station)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "no longer match their recorded size and SHA-256" in run.error
    assert first in run.error
    # Flagged too: the run page names it for the reprint, and no download serves it.
    assert RollFile.objects.get(path=first).damage == FileDamage.DAMAGED


@pytest.mark.django_db
def test_a_deleted_file_fails_the_run_naming_it(private_media, election):
    run, stations = assigned_run(election)
    first = record(run, stations[0])
    default_storage.delete(first)
    for station in stations[1:]:
        record(run, station)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert f"1 file(s) not in storage: {first}" in run.error
    assert RollFile.objects.get(path=first).damage == FileDamage.MISSING


@pytest.mark.django_db
def test_two_stations_recorded_at_one_path_fail_the_run(private_media, election):
    """What the lossy center-code slugging did: every station counted, one file for two."""
    run, stations = assigned_run(election)
    shared = record(run, stations[0])
    for station in stations[1:-1]:
        record(run, station)
    record(run, stations[-1], path=shared)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "recorded for several stations" in run.error and shared in run.error


@pytest.mark.django_db
def test_voters_in_the_files_must_add_up_to_the_split(private_media, election):
    run, stations = assigned_run(election)
    for station in stations[:-1]:
        record(run, station)
    last = stations[-1]
    last.voter_count -= 1  # a roll printed one voter short
    record(run, last)

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    code = last.center.code
    assert f"center {code}: {last.center.registrations.count() - 1} voters in its rolls" in (
        run.error
    )


# --- slugs and names ---------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["..", "../x", "../outside-rolls", "a/b", "", "a\x00b", "a b"])
def test_an_orm_made_hostile_slug_is_refused_by_the_database(slug):
    with pytest.raises((IntegrityError, DataError, ValueError)), transaction.atomic():
        Election.objects.create(name=f"E {slug!r}", slug=slug, polling_date="2026-12-24")
    assert not Election.objects.exists()


@pytest.mark.django_db
def test_nothing_lands_outside_the_election_folder_whatever_the_slug(private_media, election):
    run, stations = assigned_run(election)
    paths = [record(run, station) for station in stations]
    folder = election_folder(election_id=election.pk) + "/"
    assert all(path.startswith(folder) for path in paths)
    assert all(".." not in path.split("/") for path in paths)


def test_formula_cells_are_neutralised_and_plain_ones_kept():
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("+SUM(A1)") == "'+SUM(A1)"
    assert spreadsheet_safe("@cmd") == "'@cmd"
    assert spreadsheet_safe("-2") == "'-2"
    assert spreadsheet_safe("C00012") == "C00012"
    assert spreadsheet_safe(40) == 40


def test_download_names_drop_control_and_bidi_characters():
    name = file_name_safe("run-1-center-7-\u202eabc\u200f\x07\n/..\\:station-001.pdf")
    assert name == "run-1-center-7-abc_..__station-001.pdf"  # no separator survives
    assert all(ord(ch) >= 32 for ch in name) and "\u202e" not in name


@pytest.mark.django_db
def test_the_manifest_neutralises_a_formula_center_code(private_media, staff_client):
    election = election_with_codes(["=1+1", "\u202eevil"], per_center=10)
    run, stations = assigned_run(election)
    for station in stations:
        record(run, station)

    response = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest_name = next(n for n in archive.namelist() if n.endswith("manifest.csv"))
    rows = list(csv.DictReader(io.StringIO(archive.read(manifest_name).decode())))
    rolls = [row for row in rows if row["document"] == "roll"]
    assert sorted(row["center"] for row in rolls) == ["'=1+1", "\u202eevil"]
    assert not any("\u202e" in name for name in archive.namelist())

    roll = RollFile.objects.rolls().get(run=run, center__code="\u202eevil")
    download = staff_client.get(reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]))
    assert "\u202e" not in download["Content-Disposition"]
    assert "%E2%80%AE" not in download["Content-Disposition"].upper()


# --- a run whose tasks never reached the broker ------------------------------------------------


def backdate_launch(run: Run, seconds: float) -> None:
    Run.objects.filter(pk=run.pk).update(
        launch_pending_since=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.mark.django_db
def test_a_run_never_queued_is_failed_within_a_minute(election):
    # With the plain db fixture, on_commit callbacks never run: exactly what a process
    # killed between creating the run and queuing its tasks leaves behind.
    run = run_start(election_id=election.pk, strategy="all_in_one", started_by="test")
    assert runs_fail_unlaunched() == []  # just created: not yet overdue

    backdate_launch(run, LAUNCH_GRACE.total_seconds() + 1)
    assert runs_fail_unlaunched() == [run.pk]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Never queued" in run.error
    assert timedelta(minutes=1) >= LAUNCH_GRACE + LAUNCH_CHECK_EVERY
    entry = next(
        e for e in app.conf.beat_schedule.values() if e["task"].endswith("fail_unlaunched_runs")
    )
    assert entry["schedule"] <= LAUNCH_CHECK_EVERY.total_seconds()


@pytest.mark.django_db
def test_starting_again_after_a_never_queued_run_is_not_blocked(election):
    stuck = run_start(election_id=election.pk, strategy="all_in_one", started_by="test")
    with pytest.raises(RunRefused, match="already has a run in progress"):
        run_start(election_id=election.pk, strategy="all_in_one", started_by="test")

    backdate_launch(stuck, LAUNCH_GRACE.total_seconds() + 1)
    fresh = run_start(election_id=election.pk, strategy="all_in_one", started_by="test")

    stuck.refresh_from_db()
    assert stuck.status == RunStatus.FAILED and fresh.status == RunStatus.QUEUED


@pytest.mark.django_db
def test_a_queued_run_is_not_taken_for_a_never_queued_one(
    election, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(
            election_id=election.pk, strategy="all_in_one", started_by="test", launch=no_launch
        )
    run.refresh_from_db()
    assert run.launch_pending_since is None
    Run.objects.filter(pk=run.pk).update(queued_at=timezone.now() - timedelta(hours=1))

    assert runs_fail_unlaunched() == []
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
