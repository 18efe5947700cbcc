"""Roll sets as records: a run keeps its split and files whatever runs later, one official
set per election, published sets immutable, and changed-only runs that re-render exactly
the centers that changed."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from elections.models import Registration, Voter
from rolls.launch import run_start
from rolls.models import Placement, RollFile, Run, RunCenter, RunStatus, SetStatus, Station
from rolls.selectors.changes import run_changes
from rolls.services import pipeline
from rolls.services.completeness import run_problems
from rolls.services.ledger import RunRefused, run_fail
from rolls.services.publication import PublishRefused, run_publish
from rolls.services.retention import runs_purge
from rolls.services.station_render import RenderError, station_render
from rolls.services.storage import write_whole
from tests.factories import register_voters
from tests.rolls.helpers import read_pdf, roll_page_texts
from tests.support.builders import build_election
from tests.support.runs import full_run, no_launch, snapshot
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(private_media):
    return build_election()


@pytest.fixture
def official(election) -> Run:
    run = full_run(election)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run_publish(run_id=run.pk, published_by="admin:chief")


# --- a run keeps its own split ---------------------------------------------------------------


def test_later_runs_never_change_an_earlier_runs_split_files_or_counts(
    election, official, django_capture_on_commit_callbacks
):
    before = snapshot(official)
    voter = Voter.objects.filter(registrations__center__code="A").order_by("pk").first()
    Voter.objects.filter(pk=voter.pk).update(family_name="Renamed")
    election.max_voters_per_station = 20
    election.save()

    full_run(election)  # the whole election, split differently
    subset = run_start(
        election_id=election.pk,
        strategy="all_in_one",
        started_by="test",
        center_ids=[election.centers.get(code="B").pk],
        launch=no_launch,
    )
    pipeline.center_assign_for_run(run=subset, center_id=election.centers.get(code="B").pk)
    run_fail(run_id=subset.pk, error="stopped by test")
    full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)

    assert snapshot(official) == before


# --- publishing --------------------------------------------------------------------------------


def test_publishing_makes_one_official_set_and_supersedes_the_previous(election, official):
    assert official.set_status == SetStatus.OFFICIAL
    assert official.published_by == "admin:chief"
    second = full_run(election)

    run_publish(run_id=second.pk, published_by="cli")

    official.refresh_from_db()
    second.refresh_from_db()
    assert second.set_status == SetStatus.OFFICIAL
    assert official.set_status == SetStatus.SUPERSEDED
    assert official.superseded_by_id == second.pk and official.superseded_at is not None
    assert list(Run.objects.official().filter(election=election)) == [second]
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.filter(pk=official.pk).update(superseded_at=None)  # two official sets


def test_publish_refuses_failed_incomplete_partial_and_tampered_runs(election):
    failed = full_run(election)
    Run.objects.filter(pk=failed.pk).update(status=RunStatus.FAILED)
    with pytest.raises(PublishRefused, match="is failed, not succeeded"):
        run_publish(run_id=failed.pk, published_by="t")

    partial = run_start(
        election_id=election.pk,
        strategy="assign_in_database_then_balanced_batches",
        started_by="test",
        center_ids=[election.centers.get(code="A").pk],
        launch=no_launch,
    )
    pipeline.election_assign_for_run(run=partial)
    for station in Station.objects.filter(run=partial):
        station_render(run=partial, center_id=station.center_id, station_number=station.number)
    partial.refresh_from_db()
    assert partial.status == RunStatus.SUCCEEDED, partial.error
    assert partial.set_status == SetStatus.INCOMPLETE
    with pytest.raises(PublishRefused, match=r"does not cover every center .*missing B"):
        run_publish(run_id=partial.pk, published_by="t")

    tampered = full_run(election)
    roll = RollFile.objects.filter(run=tampered).first()
    default_storage.delete(roll.path)
    write_whole(roll.path, b"%PDF-1.7 not what was rendered")
    with pytest.raises(PublishRefused, match="no longer match their recorded size and SHA-256"):
        run_publish(run_id=tampered.pk, published_by="t")

    with pytest.raises(PublishRefused, match="does not exist"):
        run_publish(run_id=987_654, published_by="t")
    assert not Run.objects.published().exists()


def test_publish_run_command_publishes_and_refuses_with_the_reason(election, capsys):
    run = full_run(election)
    call_command("publish_run", str(run.pk))
    assert f"Run {run.pk} is now the official roll set" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already official"):
        call_command("publish_run", str(run.pk))


# --- published sets are immutable ----------------------------------------------------------------


def test_purge_leaves_official_and_superseded_sets_and_their_files(election, official):
    second = full_run(election)
    run_publish(run_id=second.pk, published_by="t")
    draft = full_run(election)
    Run.objects.update(finished_at=timezone.now() - timedelta(days=90))
    kept_files = [r.path for r in RollFile.objects.filter(run__in=[official, second])]

    result = runs_purge(older_than=timedelta(days=30))

    assert result.runs == 1
    assert set(Run.objects.values_list("pk", flat=True)) == {official.pk, second.pk}
    assert not Run.objects.filter(pk=draft.pk).exists()
    assert all(default_storage.exists(path) for path in kept_files)


def test_nobody_deletes_a_published_set_from_the_admin(client, official):
    client.force_login(make_user("root", superuser=True))
    response = client.post(reverse("admin:rolls_run_delete", args=[official.pk]), {"post": "yes"})

    assert Run.objects.filter(pk=official.pk).exists()
    assert response.status_code == 200  # the "cannot delete" page
    assert "roll set: a record" in response.content.decode()


def test_a_succeeded_runs_rolls_are_never_rendered_again(election, official):
    station = Station.objects.filter(run=official).first()
    with pytest.raises(RenderError, match="has succeeded"):
        station_render(run=official, center_id=station.center_id, station_number=station.number)


def test_publish_action_in_the_admin(client, election):
    run = full_run(election)
    client.force_login(make_user("chief", "Election staff"))
    response = client.post(
        reverse("admin:rolls_run_changelist"),
        {"action": "publish_runs", "_selected_action": [run.pk]},
        follow=True,
    )
    run.refresh_from_db()
    assert run.set_status == SetStatus.OFFICIAL and run.published_by == "admin:chief"
    assert "is now the official roll set" in response.content.decode()
    observer = make_user("watcher", "Observer")
    client.force_login(observer)
    again = full_run(election)
    client.post(
        reverse("admin:rolls_run_changelist"),
        {"action": "publish_runs", "_selected_action": [again.pk]},
    )
    again.refresh_from_db()
    assert again.set_status == SetStatus.DRAFT


# --- changed only ------------------------------------------------------------------------------


def test_changed_only_rerenders_exactly_the_changed_centers_and_is_complete(
    election, official, django_capture_on_commit_callbacks
):
    center_a = election.centers.get(code="A")
    voter = Voter.objects.filter(registrations__center=center_a).order_by("pk").first()
    Voter.objects.filter(pk=voter.pk).update(family_name="Zzyzx-Renamed")

    run = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error
    own = RollFile.objects.filter(run=run, source_run__isnull=True)
    carried = RollFile.objects.filter(run=run, source_run__isnull=False)
    assert set(own.values_list("center__code", flat=True)) == {"A"}
    assert set(carried.values_list("center__code", flat=True)) == {"B"}
    assert set(carried.values_list("path", flat=True)) == set(
        RollFile.objects.filter(run=official, center__code="B").values_list("path", flat=True)
    )
    assert all(f"/run-{run.pk}/" in path for path in own.values_list("path", flat=True))
    assert set(RunCenter.objects.filter(run=run).values_list("center__code", "source_run")) == {
        ("A", None),
        ("B", official.pk),
    }
    texts = " ".join(text for roll in own for text in roll_page_texts(read_pdf(roll.path)))
    assert "Zzyzx-Renamed" in texts
    published = run_publish(run_id=run.pk, published_by="t")  # a complete set
    assert published.set_status == SetStatus.OFFICIAL


def test_a_changed_only_runs_check_counts_carried_voters_through_the_source_runs_stations(
    election, official, django_capture_on_commit_callbacks
):
    """The completeness check counts the voters of the carried centers in the run whose
    split they carry, through that run's stations of those centers: filtered by the source
    run, PostgreSQL may read every placement of a run whose statistics lag its writes."""
    center_a = election.centers.get(code="A")
    voter = Voter.objects.filter(registrations__center=center_a).order_by("pk").first()
    Voter.objects.filter(pk=voter.pk).update(family_name="Zzyzx-Renamed")
    run = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED, run.error

    with CaptureQueriesContext(connection) as queries:
        assert run_problems(run) == []
    carried_reads = [
        q["sql"]
        for q in queries.captured_queries
        if "rolls_placement" in q["sql"] and f'"run_id" = {official.pk}' in q["sql"]
    ]
    assert carried_reads, "the carried centers' placements were not counted"
    for sql in carried_reads:
        assert '"rolls_placement"."run_id"' not in sql.partition(" WHERE ")[2], sql
    # And a carried voter missing from the source run's split is caught.
    Placement.objects.filter(run=official, station__center__code="B").first().delete()
    assert any("voters placed in stations" in problem for problem in run_problems(run))


def test_a_center_of_a_set_without_signs_and_lists_is_rendered_again_not_carried(
    election, official, django_capture_on_commit_callbacks
):
    # As in a set published before door signs and center lists were printed.
    RollFile.objects.filter(run=official, center__code="A").exclude(kind="roll").delete()

    run = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)

    assert run.status == RunStatus.SUCCEEDED, run.error
    own = RollFile.objects.filter(run=run, source_run__isnull=True)
    assert set(own.values_list("center__code", "kind")) == {
        ("A", "roll"),
        ("A", "sign"),
        ("A", "center list"),
    }
    carried = RollFile.objects.filter(run=run, source_run=official)
    assert set(carried.values_list("center__code", flat=True)) == {"B"}
    assert carried.count() == RollFile.objects.filter(run=official, center__code="B").count()


def test_changed_only_with_nothing_changed_renders_nothing_and_succeeds(
    election, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = run_start(
            election_id=election.pk,
            strategy="assign_in_database_then_balanced_batches",
            started_by="test",
            changed_only=True,
            launch=lambda run: pytest.fail("nothing to queue"),
        )
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert not RollFile.objects.filter(run=run, source_run__isnull=True).exists()
    assert run.stations_done == official.stations_done and run.pages == official.pages


def test_changed_only_needs_an_official_set_and_the_whole_election(election):
    with pytest.raises(RunRefused, match="has no official roll set yet"):
        run_start(
            election_id=election.pk,
            strategy="all_in_one",
            started_by="t",
            changed_only=True,
            launch=no_launch,
        )
    with pytest.raises(RunRefused, match="covers the whole election"):
        run_start(
            election_id=election.pk,
            strategy="all_in_one",
            started_by="t",
            changed_only=True,
            center_ids=[election.centers.first().pk],
            launch=no_launch,
        )
    assert not Run.objects.exists()


def test_every_page_names_its_run_time_and_split_and_the_cover_its_purpose(election):
    run = full_run(election)
    files = RollFile.objects.filter(run=run, center__code="B")
    roll = files.rolls().first()
    split = RunCenter.objects.get(run=run, center=roll.center).fingerprint
    for document in files:  # the roll, and the door signs and center list beside it
        pages = [page.extract_text() or "" for page in read_pdf(document.path).pages]
        assert len(pages) == document.pages
        for text in pages:
            assert f"Run {run.pk}" in text
            assert f"split {split[:12]}" in text
            assert f"generated {run.started_at or run.queued_at:%Y-%m-%d %H:%M} UTC" in text
    pages = [page.extract_text() or "" for page in read_pdf(roll.path).pages]
    # What the run was generated for, never a status that changes once it is printed.
    assert "Final rolls for polling day" in pages[0]
    assert all("Draft" not in text for text in pages)


# --- what changed ----------------------------------------------------------------------------


def test_changes_between_two_runs_are_counted_and_listed(
    election, official, django_capture_on_commit_callbacks, tmp_path, capsys
):
    center_a, center_b = election.centers.get(code="A"), election.centers.get(code="B")
    in_a = list(Registration.objects.filter(center=center_a).order_by("pk")[:3])
    Voter.objects.filter(pk=in_a[0].voter_id).update(given_name="Renamed")
    Registration.objects.filter(pk=in_a[1].pk).update(center=center_b)  # moved
    Registration.objects.filter(pk=in_a[2].pk).delete()  # removed
    (added,) = register_voters(center_b, [("Newcomer", "Ann")])

    run = full_run(election, changed_only=True, callbacks=django_capture_on_commit_callbacks)
    changes = run_changes(official, run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    # B grew from 130 to 132: its station boundaries shift, so some of its voters move to
    # the next station too (a real reprint), besides the one moved from A.
    assert {k: v for k, v in changes.counts.items() if k != "moved"} == {
        "added": 1,
        "removed": 1,
        "renamed": 1,
        "moved and renamed": 0,
    }
    assert changes.counts["moved"] >= 1
    new_b = Placement.objects.get(run=run, voter_id=added.voter_id).station.number
    assert ("B", new_b) in changes.stations_to_reprint

    path = tmp_path / "changes.csv"
    call_command("run_changes", str(run.pk), "--csv", str(path))
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == changes.total
    by_kind = {row["change"]: row for row in rows if row["change"] != "moved"}
    assert set(by_kind) == {"added", "removed", "renamed"}
    assert by_kind["renamed"]["given_name_after"] == "Renamed"
    across = [r for r in rows if r["change"] == "moved" and r["center_before"] != r["center_after"]]
    assert [(r["center_before"], r["center_after"]) for r in across] == [("A", "B")]
    assert by_kind["added"]["family_name_after"] == "Newcomer"
    assert "added: 1" in capsys.readouterr().out


def test_the_run_page_publish_button(client, election):
    run = full_run(election)
    client.force_login(make_user("chief", "Election staff"))
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert 'id="publish-form"' in page
    assert client.get(reverse("admin:rolls_run_publish", args=[run.pk])).status_code == 405

    response = client.post(reverse("admin:rolls_run_publish", args=[run.pk]), follow=True)

    run.refresh_from_db()
    assert run.set_status == SetStatus.OFFICIAL
    assert "is now the official roll set" in response.content.decode()
    assert 'id="publish-form"' not in response.content.decode()  # published: no button
    client.force_login(make_user("watcher", "Observer"))
    other = full_run(election)
    assert client.post(reverse("admin:rolls_run_publish", args=[other.pk])).status_code == 403


def test_an_election_with_a_published_set_cannot_be_deleted_from_the_admin(client, official):
    client.force_login(make_user("root", superuser=True))
    url = reverse("admin:elections_election_delete", args=[official.election_id])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 200 and "roll set: a record" in response.content.decode()
    assert Run.objects.filter(pk=official.pk).exists()
