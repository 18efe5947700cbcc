"""A register import and the console's runs: a published set is a record an import never
touches, and an import and a run of one election never overlap."""

from __future__ import annotations

import pytest

from elections.models import ImportState, Registration, Voter
from elections.services.registers.records import ImportRefused, register_import_confirm
from rolls.launch import run_start
from rolls.models import Placement
from rolls.services.ledger import RunRefused
from rolls.services.publication import run_publish
from tests.elections.registers import csv_bytes, import_now, preview
from tests.support.builders import build_election
from tests.support.runs import full_run, no_launch, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


def register_rows(election) -> list[list[str]]:
    return [
        [r.voter.voter_number, r.voter.family_name, r.voter.given_name, r.center.code, ""]
        for r in Registration.objects.filter(election=election).select_related("voter", "center")
    ]


def test_an_import_after_publishing_leaves_the_published_set_untouched():
    election = build_election()
    official = full_run(election)
    run_publish(run_id=official.pk, published_by="test")
    before = snapshot(official)
    rows = register_rows(election)
    rows[0][1] = "Renamed"  # a voter renamed,
    rows[1][3] = "B" if rows[1][3] == "A" else "A"  # one moved,
    del rows[2]  # one deregistered,
    rows.append(["NEW0001", "Newcomer", "Nina", "Z", "New school"])  # one new, a new center
    record = import_now(election, csv_bytes(rows))
    assert record.state == ImportState.SUCCEEDED, record.message
    assert (record.counts["updated"], record.counts["moved"]) == (1, 1)
    assert (record.counts["deregistered"], record.counts["new"]) == (1, 1)
    assert Voter.objects.get(voter_number=rows[0][0]).family_name == "Renamed"
    # The run printed the old name and split; its record and files are as they were.
    assert snapshot(official) == before
    placed = Placement.objects.get(run=official, voter_number=rows[0][0])
    assert placed.family_name != "Renamed"


def test_an_import_is_refused_while_a_run_of_the_election_is_active():
    election = build_election()
    record = preview(election, csv_bytes(register_rows(election)))
    run = run_start(
        election_id=election.pk,
        strategy="assign_in_database_then_balanced_batches",
        started_by="test",
        launch=no_launch,
    )
    with pytest.raises(ImportRefused, match=f"Run {run.pk} .* is queued"):
        register_import_confirm(import_id=record.pk)


def test_a_run_is_refused_while_an_import_of_the_election_is_active():
    election = build_election()
    record = register_import_confirm(
        import_id=preview(election, csv_bytes(register_rows(election))).pk
    )
    with pytest.raises(RunRefused, match=f"import {record.pk}"):
        run_start(
            election_id=election.pk,
            strategy="assign_in_database_then_balanced_batches",
            started_by="test",
            launch=no_launch,
        )
