"""Downloads at any size and who downloaded what: streamed zips of the run and of a center,
manifests with their digests on the run page, incomplete sets named as such, and a
read-only trail of every download."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from rolls.models import Download, DownloadKind, RollFile, Run, RunStatus
from rolls.services.publication import run_publish
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(private_media, election) -> Run:
    return make_finished_run(election)


def unzip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_run_zip_streams_and_its_manifests_match_the_digests_on_the_run_page(staff_client, run):
    response = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))

    assert isinstance(response, StreamingHttpResponse)  # no temporary copy first
    assert response["Content-Disposition"].endswith(f'-run-{run.pk}-draft.zip"')
    archive = unzip(response)
    assert archive.testzip() is None
    folder = f"{run.election.slug}-run-{run.pk}"
    manifest_csv = archive.read(f"{folder}/manifest.csv")
    manifest_json = json.loads(archive.read(f"{folder}/manifest.json"))
    assert manifest_json["complete"] is True and manifest_json["missing"] == []
    assert len(manifest_json["files"]) == RollFile.objects.filter(run=run).count()
    for entry in manifest_json["files"]:
        data = archive.read(f"{folder}/{entry['file']}")
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    page = staff_client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert hashlib.sha256(manifest_csv).hexdigest() in page
    csv_download = staff_client.get(reverse("admin:rolls_run_manifest", args=[run.pk, "csv"]))
    assert csv_download.content == manifest_csv


def test_a_center_zip_holds_that_center_only(staff_client, run, election):
    center = election.centers.get(code="B")
    response = staff_client.get(reverse("admin:rolls_run_center_zip", args=[run.pk, center.pk]))

    archive = unzip(response)
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    # Three stations: a roll and a door sign each, and the center's list.
    assert len(pdfs) == RollFile.objects.filter(run=run, center=center).count() == 3 * 2 + 1
    assert f"{run.election.slug}-run-{run.pk}/center-{center.pk}-B/center-list.pdf" in pdfs
    assert all(f"/center-{center.pk}-B/" in name for name in pdfs)
    assert f"-center-{center.pk}-B-draft.zip" in response["Content-Disposition"]
    stranger = build_election("Other election")
    assert (
        staff_client.get(
            reverse("admin:rolls_run_center_zip", args=[run.pk, stranger.centers.first().pk])
        ).status_code
        == 404
    )


def test_a_failed_runs_zip_is_named_incomplete_and_lists_what_is_missing(staff_client, run):
    RollFile.objects.filter(run=run, center__code="B", station_number=3).delete()
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)

    response = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))

    assert "-INCOMPLETE.zip" in response["Content-Disposition"]
    archive = unzip(response)
    folder = f"{run.election.slug}-run-{run.pk}"
    assert "B station 3" in archive.read(f"{folder}/INCOMPLETE.txt").decode()
    manifest = json.loads(archive.read(f"{folder}/manifest.json"))
    assert manifest["complete"] is False
    assert manifest["missing"] == ["B station 3", "B station 3 door sign"]
    assert response["X-Roll-Set"] == "incomplete"


def test_every_download_is_recorded_and_listed_for_staff_only(staff_client, client, run):
    roll = RollFile.objects.filter(run=run).first()
    staff_client.get(reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]))
    b"".join(staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk])).streaming_content)
    staff_client.get(
        reverse("admin:rolls_run_manifest", args=[run.pk, "json"]), REMOTE_ADDR="10.1.2.3"
    )

    records = list(Download.objects.order_by("at"))
    assert [(d.kind, d.username, d.run_number) for d in records] == [
        (DownloadKind.ROLL, "clerk", run.pk),
        (DownloadKind.RUN_ZIP, "clerk", run.pk),
        (DownloadKind.MANIFEST, "clerk", run.pk),
    ]
    assert records[0].roll_file == roll and records[0].name.endswith(".pdf")
    assert records[2].ip_address == "10.1.2.3"
    page = staff_client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert 'id="run-download-trail"' in page and records[1].name in page

    trail = reverse("admin:rolls_download_changelist")
    assert staff_client.get(trail).status_code == 200
    change = staff_client.get(reverse("admin:rolls_download_change", args=[records[0].pk]))
    assert b'name="_save"' not in change.content  # read-only: no save button
    assert (
        staff_client.post(reverse("admin:rolls_download_delete", args=[records[0].pk])).status_code
        == 403
    )

    client.force_login(make_user("watcher", OBSERVER))
    assert client.get(trail).status_code == 403
    assert client.get(reverse("admin:rolls_run_zip", args=[run.pk])).status_code == 403
    assert Download.objects.count() == 3  # a refused download is not a download


def test_the_changes_csv_compares_with_the_official_set(staff_client, run, election):
    official = make_finished_run(election)
    run_publish(run_id=official.pk, published_by="t")

    response = staff_client.get(reverse("admin:rolls_run_changes", args=[run.pk]))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["change", "voter_number"] and len(rows) == 1  # same register
    assert f"changes-since-run-{official.pk}.csv" in response["Content-Disposition"]
    page = staff_client.get(
        reverse("admin:rolls_run_change", args=[run.pk]) + "?changes=1"
    ).content.decode()
    assert f"What changed since the official set (run {official.pk})" in page
    assert "0 stations to reprint" in page
    assert Download.objects.filter(kind=DownloadKind.CHANGES).count() == 1


def test_every_download_name_says_what_the_set_is(staff_client, run, election):
    roll = RollFile.objects.filter(run=run).first()

    def names() -> tuple[str, str]:
        pdf = staff_client.get(reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]))
        archive = staff_client.get(reverse("admin:rolls_run_zip", args=[run.pk]))
        return pdf["Content-Disposition"], archive["Content-Disposition"]

    assert all("-draft" in name for name in names())
    run_publish(run_id=run.pk, published_by="t")
    assert all("-official" in name for name in names())
    later = make_finished_run(election)
    run_publish(run_id=later.pk, published_by="t")
    assert all("-superseded" in name for name in names())


def test_a_zip_reads_its_files_ahead_in_order_a_few_at_a_time():
    # Reads that finish out of order (an object store's round trips) still come out in the
    # zip's order, with at most depth + 1 files read and not yet written.
    import random
    import threading
    import time

    from rolls.services.manifest import read_ahead

    rng = random.Random(7)
    delays = {f"f{i}": rng.random() / 200 for i in range(40)}
    lock, state = threading.Lock(), {"open": 0, "most": 0, "done": 0}

    class Handle:
        def __init__(self, path):
            self.path = path

        def __enter__(self):
            with lock:
                state["open"] += 1
                state["most"] = max(state["most"], state["open"] - state["done"])
            time.sleep(delays[self.path])
            return self

        def read(self):
            return self.path.encode()

        def __exit__(self, *exc):
            return False

    read = []
    for content in read_ahead(list(delays), Handle, depth=4):
        read.append(content.decode())
        state["done"] += 1
    assert read == list(delays)
    assert 2 <= state["most"] <= 5

    def failing(path):
        if path == "f3":
            raise FileNotFoundError(path)
        return Handle(path)

    contents = read_ahead(list(delays), failing, depth=4)
    assert [next(contents) for _ in range(3)] == [b"f0", b"f1", b"f2"]
    with pytest.raises(FileNotFoundError):
        next(contents)


def test_the_trail_names_each_documents_kind(staff_client, run):
    sign = RollFile.objects.filter(run=run, kind="sign").first()
    center_list = RollFile.objects.filter(run=run, kind="center list").first()
    roll = RollFile.objects.filter(run=run, kind="roll").first()
    for document in (sign, center_list, roll):
        staff_client.get(reverse("admin:rolls_run_roll_download", args=[run.pk, document.pk]))
    records = {d.roll_file.kind: d for d in Download.objects.select_related("roll_file")}

    trail = staff_client.get(reverse("admin:rolls_download_changelist")).content.decode()
    rows = {
        kind: next(row for row in trail.split("</tr>") if record.name in row).rsplit("<tr", 1)[1]
        for kind, record in records.items()
    }
    assert "Door sign" in rows["sign"] and "Station roll" not in rows["sign"]
    assert "Center list" in rows["center list"] and "Station roll" not in rows["center list"]
    assert "Station roll" in rows["roll"]
    assert f"run {run.pk}" in rows["roll"]  # run or import in one column: fits 1280 px
    signs_only = staff_client.get(
        reverse("admin:rolls_download_changelist"), {"document": "pdf:sign"}
    ).content.decode()
    assert records["sign"].name in signs_only and records["roll"].name not in signs_only
    record_page = staff_client.get(
        reverse("admin:rolls_download_change", args=[records["center list"].pk])
    ).content.decode()
    assert "Center list" in record_page and "Station roll" not in record_page
    run_page = staff_client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert f"Door sign: {records['sign'].name}" in run_page
