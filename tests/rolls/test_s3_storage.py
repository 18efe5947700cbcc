"""Rolls on an S3-compatible store: django-storages' S3Storage against moto's real server.

Everything the console does with stored files is done here with no local path: rendering
writes, verification reads back and hashes, downloads stream one PDF and whole zips,
missing objects are reported as missing, reprints restore and copy out, retention deletes,
and register files are kept and read back. Bytes are read from the bucket over HTTP.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from storages.backends.s3 import S3Storage

from elections.models import Registration
from rolls.models import FileDamage, Reprint, RollFile, Run
from rolls.services.closing import personal_data_close
from rolls.services.completeness import run_problems
from rolls.services.retention import runs_purge
from rolls.services.storage import stored_missing, write_whole
from tests.elections.registers import csv_bytes, import_now
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.s3 import S3_BACKEND
from tests.support.builders import build_election
from tests.support.runs import full_run, make_finished_run
from tests.support.users import STAFF, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rendered(s3_media) -> Run:
    """A run whose three stations (two centers) were really rendered into the bucket."""
    election = ElectionFactory(name="Bucket 2026", max_voters_per_station=30)
    for code, size in (("N1", 45), ("N2", 20)):
        center = PollingCenterFactory(election=election, code=code, name=f"{code} Hall")
        register_voters(center, [(f"Fam{code}{i:03d}", f"Given{i % 3}") for i in range(size)])
    return full_run(election)


def object_sha(s3_server, bucket: str, key: str) -> str:
    return hashlib.sha256(s3_server.bucket_read(bucket=bucket, key=key)).hexdigest()


def test_rendered_rolls_land_in_the_bucket_with_their_recorded_sha256(
    rendered, s3_server, s3_media
):
    assert isinstance(default_storage._wrapped, S3Storage)  # the cached default was reset
    assert rendered.status == "succeeded"
    files = list(RollFile.objects.filter(run=rendered))
    # Three stations: a roll and a door sign each, and one list per center.
    assert len(files) == 3 * 2 + 2
    assert s3_server.bucket_keys(bucket=s3_media) == sorted(f.path for f in files)
    for roll in files:
        data = s3_server.bucket_read(bucket=s3_media, key=roll.path)
        assert data.startswith(b"%PDF-")
        assert (len(data), hashlib.sha256(data).hexdigest()) == (roll.bytes, roll.sha256)
    assert run_problems(rendered) == []  # verification read every object back
    with pytest.raises(NotImplementedError):
        default_storage.path(files[0].path)  # no local file behind any of it


def test_a_station_pdf_and_the_zips_download_from_the_bucket(rendered, s3_server, s3_media, client):
    client.force_login(make_user("clerk", STAFF))
    roll = RollFile.objects.rolls().filter(run=rendered).order_by("pk").first()
    response = client.get(reverse("admin:rolls_run_roll_download", args=[rendered.pk, roll.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == s3_server.bucket_read(bucket=s3_media, key=roll.path)
    assert int(response["Content-Length"]) == roll.bytes

    whole = client.get(reverse("admin:rolls_run_zip", args=[rendered.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(whole.streaming_content)))
    assert archive.testzip() is None
    folder = f"{rendered.election.slug}-run-{rendered.pk}"
    manifest = json.loads(archive.read(f"{folder}/manifest.json"))
    assert manifest["complete"] is True
    pdfs = sorted(name for name in archive.namelist() if name.endswith(".pdf"))
    assert len(pdfs) == len(manifest["files"]) == RollFile.objects.filter(run=rendered).count()
    for entry in manifest["files"]:
        assert (
            hashlib.sha256(archive.read(f"{folder}/{entry['file']}")).hexdigest()
            == (entry["sha256"])
        )
    assert f"{folder}/manifest.csv" in archive.namelist()

    center = roll.center
    one = client.get(reverse("admin:rolls_run_center_zip", args=[rendered.pk, center.pk]))
    names = zipfile.ZipFile(io.BytesIO(b"".join(one.streaming_content))).namelist()
    center_pdfs = [name for name in names if name.endswith(".pdf")]
    assert len(center_pdfs) == RollFile.objects.filter(run=rendered, center=center).count() == 5
    assert all(f"/center-{center.pk}-{center.code}/" in name for name in center_pdfs)


def test_a_missing_object_is_reported_missing_not_a_server_error(
    rendered, s3_server, s3_media, client
):
    client.force_login(make_user("clerk", STAFF))
    roll = RollFile.objects.rolls().filter(run=rendered).order_by("pk").first()
    s3_server.client().delete_object(Bucket=s3_media, Key=roll.path)

    download = client.get(reverse("admin:rolls_run_roll_download", args=[rendered.pk, roll.pk]))
    assert download.status_code == 410  # gone: the page says so and offers the reprint
    assert client.get(reverse("admin:rolls_run_zip", args=[rendered.pk])).status_code == 410
    assert RollFile.objects.get(pk=roll.pk).damage == FileDamage.MISSING
    others = RollFile.objects.filter(run=rendered).exclude(pk=roll.pk)
    assert stored_missing([roll.path, *(f.path for f in others)]) == [roll.path]
    problems = run_problems(rendered)
    assert any("not in storage" in problem and roll.path in problem for problem in problems)


def test_a_corrupt_object_is_found_and_the_reprint_restores_it_in_the_bucket(
    rendered, s3_server, s3_media, tmp_path, capsys, client
):
    client.force_login(make_user("clerk", STAFF))
    roll = RollFile.objects.rolls().filter(run=rendered, station_number=1).order_by("pk").first()
    s3_server.client().put_object(Bucket=s3_media, Key=roll.path, Body=b"%PDF-1.7 torn")
    assert any("SHA-256" in problem or "size" in problem for problem in run_problems(rendered))
    url = reverse("admin:rolls_run_roll_download", args=[rendered.pk, roll.pk])
    assert client.get(url).status_code == 409  # refused, not served from the bucket
    assert RollFile.objects.get(pk=roll.pk).damage == FileDamage.DAMAGED

    call_command(
        "reprint", str(rendered.pk), "--station", f"{roll.center.code}/1", "--reason", "rain",
        "--output", str(tmp_path),
    )  # fmt: skip

    assert object_sha(s3_server, s3_media, roll.path) == roll.sha256  # restored in place
    copied = tmp_path / roll.path.rsplit("/", 1)[-1]
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == roll.sha256
    assert Reprint.objects.filter(roll_file=roll, reason="rain").exists()
    assert run_problems(rendered) == []
    assert "sha256" in capsys.readouterr().out
    assert RollFile.objects.get(pk=roll.pk).damage == ""
    assert client.get(url).status_code == 200


def test_a_rewrite_replaces_the_object_under_exactly_its_name(s3_media, s3_server):
    name = "rolls/election-1/run-1/center-1-A/station-001.pdf"
    assert write_whole(name, b"%PDF-1.7 first") == name
    assert write_whole(name, b"%PDF-1.7 second") == name
    assert s3_server.bucket_keys(bucket=s3_media) == [name]  # no renamed copy beside it
    assert s3_server.bucket_read(bucket=s3_media, key=name) == b"%PDF-1.7 second"
    with pytest.raises(ValueError, match="Unsafe storage name"):
        write_whole("rolls/../escape.pdf", b"x")


def test_retention_purges_old_runs_from_the_bucket(rendered, s3_server, s3_media):
    from datetime import timedelta

    from django.utils import timezone

    kept = full_run(rendered.election)  # finished now: within the retention period
    Run.objects.filter(pk=rendered.pk).update(finished_at=timezone.now() - timedelta(days=40))
    old_paths = set(RollFile.objects.filter(run=rendered).values_list("path", flat=True))
    gone = next(iter(sorted(old_paths)))
    s3_server.client().delete_object(Bucket=s3_media, Key=gone)

    dry = runs_purge(older_than=timedelta(days=30), dry_run=True)
    assert (dry.runs, dry.files, dry.missing_files) == (1, len(old_paths) - 1, 1)
    assert len(old_paths & set(s3_server.bucket_keys(bucket=s3_media))) == len(old_paths) - 1

    result = runs_purge(older_than=timedelta(days=30))

    assert (result.runs, result.files, result.missing_files) == (1, len(old_paths) - 1, 1)
    keys = set(s3_server.bucket_keys(bucket=s3_media))
    assert not keys & old_paths
    assert keys == set(RollFile.objects.filter(run=kept).values_list("path", flat=True))
    assert not Run.objects.filter(pk=rendered.pk).exists()


def test_a_register_file_is_kept_in_the_bucket_and_imported_from_it(s3_media, s3_server):
    election = ElectionFactory(slug="bucket-2026")
    data = csv_bytes(
        [["0001", "Dupont", "Jean", "C1", "Ecole"], ["0002", "Nguyen", "Minh", "C2", "Lycee"]]
    )

    record = import_now(election, data)

    assert record.state == "succeeded", record.errors
    assert s3_server.bucket_read(bucket=s3_media, key=record.file_path) == data
    assert record.file_sha256 == hashlib.sha256(data).hexdigest()
    assert Registration.objects.filter(center__election=election).count() == 2


def test_the_readme_variables_select_the_bucket_in_another_process(s3_server, tmp_path):
    """What a worker on another machine gets from STORAGE_BACKEND and the AWS_* variables
    alone (the secret key from a mounted file, as compose does)."""
    bucket = s3_server.bucket_create()
    env = s3_server.environment(bucket=bucket)
    secret = tmp_path / "s3-secret"
    secret.write_text(env.pop("AWS_SECRET_ACCESS_KEY") + "\n")
    env |= {"AWS_SECRET_ACCESS_KEY_FILE": str(secret), "VAR_DIR": str(tmp_path)}
    code = (
        "from rolls.services.storage import write_whole;"
        "print(write_whole('rolls/x/station-001.pdf', b'%PDF-1.7 far'))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert s3_server.bucket_read(bucket=bucket, key="rolls/x/station-001.pdf") == b"%PDF-1.7 far"

    del env["AWS_STORAGE_BUCKET_NAME"]
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "needs AWS_STORAGE_BUCKET_NAME" in refused.stderr


@pytest.mark.parametrize("prefix_listing_above", [0, 100])  # run folders / center folders
def test_missing_files_are_found_by_listing_under_the_location_prefix(
    settings, s3_server, monkeypatch, prefix_listing_above
):
    # A run zip of a changed-only run lists files of two runs' folders; the store may keep
    # the console's objects under a key prefix (AWS_LOCATION). Center 5's folder is a prefix
    # of center 50's in name only: neither may stand in for the other.
    from rolls.services import storage

    monkeypatch.setattr(storage, "PREFIX_LISTING_FOLDERS", prefix_listing_above)
    bucket = s3_server.bucket_create()
    options = {**s3_server.storage_options(bucket=bucket), "location": "console-a"}
    default = {"BACKEND": S3_BACKEND, "OPTIONS": options}
    settings.STORAGES = {**settings.STORAGES, "default": default}
    names = [
        f"rolls/election-1/run-{run}/center-{center}-C{center}/station-001.pdf"
        for run in (1, 2)
        for center in (5, 50)
    ]
    for name in names[:-1]:
        write_whole(name, b"%PDF-1.7 test")
    s3_server.client().put_object(Bucket=bucket, Key=names[-1], Body=b"outside the location")
    assert sorted(s3_server.bucket_keys(bucket=bucket)) == sorted(
        [f"console-a/{name}" for name in names[:-1]] + [names[-1]]
    )
    assert stored_missing(names) == [names[-1]]
    assert stored_missing([*names[:2], "rolls/election-1/run-3/center-5-C5/x.pdf"]) == [
        "rolls/election-1/run-3/center-5-C5/x.pdf"
    ]


def test_closing_empties_the_elections_folders_in_an_object_store(s3_server, s3_media):
    """On S3 a folder is a key prefix: every key under the election's go, others stay."""
    election = build_election(polling_date=date.today() - timedelta(days=400))
    make_finished_run(election)
    import_now(election, csv_bytes([["0001", "Martin", "Paul", "A", ""]]), mode="add")
    other = import_now(
        ElectionFactory(slug="elsewhere"), csv_bytes([["0002", "Leroy", "Zoé", "A", ""]])
    )
    assert len(s3_server.bucket_keys(bucket=s3_media)) > 2

    closing = personal_data_close(election_id=election.pk, closed_by="cli")

    assert s3_server.bucket_keys(bucket=s3_media) == [other.file_path]
    assert closing.removed["stored_files"] > closing.removed["upload_files"] == 1
