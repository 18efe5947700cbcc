"""The mass-change guard: a snapshot deregistering a large share of the register waits for
staff to confirm that exact number (the admin and the command line have their own tests)."""

from __future__ import annotations

import pytest

from elections.models import ImportState, Registration
from elections.services.registers.imports import register_import_execute
from elections.services.registers.records import ImportRefused, register_import_confirm
from tests.elections.registers import csv_bytes, import_now, preview
from tests.factories import ElectionFactory, RegistrationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

REGISTER = [[f"{i:04d}", f"Family{i}", "Given", "C1", ""] for i in range(1, 21)]


@pytest.fixture
def election():
    election = ElectionFactory(slug="general-2026")
    assert import_now(election, csv_bytes(REGISTER)).state == ImportState.SUCCEEDED
    return election


def registered(election) -> int:
    return Registration.objects.filter(election=election).count()


def test_a_snapshot_dropping_many_voters_is_refused_until_that_number_is_confirmed(election):
    shown = preview(election, csv_bytes(REGISTER[:5]))
    assert (shown.counts["deregistered"], shown.counts["registered"]) == (15, 20)
    with pytest.raises(ImportRefused, match=r"deregister 15 of the election's 20 .*\(15\)"):
        register_import_confirm(import_id=shown.pk)
    with pytest.raises(ImportRefused, match="14 deregistrations were confirmed"):
        register_import_confirm(import_id=shown.pk, confirmed_deregistrations=14)
    queued = register_import_confirm(import_id=shown.pk, confirmed_deregistrations=15)
    assert (queued.state, queued.confirmed_deregistrations) == (ImportState.QUEUED, 15)
    done = register_import_execute(import_id=shown.pk)
    assert done.state == ImportState.SUCCEEDED, done.message
    assert registered(election) == 5


def test_a_confirmation_gone_stale_before_the_merge_writes_nothing(election):
    shown = preview(election, csv_bytes(REGISTER[:5]))
    register_import_confirm(import_id=shown.pk, confirmed_deregistrations=15)
    RegistrationFactory(center__election=election)  # the register moved on: now 16 would go
    record = register_import_execute(import_id=shown.pk)
    assert record.state == ImportState.FAILED
    assert "15 deregistrations were confirmed, but the snapshot would now deregister 16" in (
        record.message
    )
    assert registered(election) == 21


def test_an_unconfirmed_import_at_once_is_refused_and_a_confirmed_one_goes(election):
    refused = import_now(election, csv_bytes(REGISTER[:5]))
    assert refused.state == ImportState.FAILED
    assert "confirm that number (15)" in refused.message
    assert refused.deregistration_sample[0]["voter_number"] == "0006"
    assert registered(election) == 20
    wrong = import_now(election, csv_bytes(REGISTER[:5]), confirmed_deregistrations=16)
    assert wrong.state == ImportState.FAILED and registered(election) == 20
    done = import_now(election, csv_bytes(REGISTER[:5]), confirmed_deregistrations=15)
    assert done.state == ImportState.SUCCEEDED and registered(election) == 5


def test_a_handful_or_a_small_share_needs_no_confirmation(election, settings):
    # 10 of 20: not more than the handful.
    assert import_now(election, csv_bytes(REGISTER[:10])).state == ImportState.SUCCEEDED
    assert registered(election) == 10
    other = ElectionFactory()
    many = [[f"{i:04d}", "Family", "Given", "C1", ""] for i in range(1, 301)]
    import_now(other, csv_bytes(many))
    # 11 of 300 (3.7%): more than the handful, under the share.
    assert import_now(other, csv_bytes(many[:289])).state == ImportState.SUCCEEDED
    settings.REGISTER_GUARD_PERCENT = 1
    settings.REGISTER_GUARD_MIN_VOTERS = 3
    refused = import_now(other, csv_bytes(many[:280]))
    assert refused.state == ImportState.FAILED and "more than 1%" in refused.message


def test_an_add_import_deregisters_no_one_and_needs_no_confirmation(election):
    record = import_now(election, csv_bytes(REGISTER[:5]), mode="add")
    assert record.state == ImportState.SUCCEEDED and registered(election) == 20
