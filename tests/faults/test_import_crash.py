"""A worker killed (SIGKILL, the whole process group) while an import merges its staging
table: the merge's transaction dies with it, so the old register is exactly as it was and the
import record is not "succeeded"; RabbitMQ redelivers the late-acknowledged task and the next
worker runs the import again from the kept file."""

from __future__ import annotations

import io

import pytest

from elections.models import ImportState, RegisterImport, Registration, Voter
from elections.services.registers.imports import register_import_preview
from elections.services.registers.records import register_import_confirm, register_import_create
from elections.tasks import import_register
from tests.elections.registers import csv_bytes, import_now
from tests.factories import ElectionFactory
from tests.faults.support import requires_services, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), requires_services]

VOTERS = 200_000


def rows(family: str, center_of) -> list[list[str]]:
    return [
        [f"K{i:08d}", f"{family}{i % 97}", "Given", center_of(i), f"School {center_of(i)}"]
        for i in range(VOTERS)
    ]


def test_a_worker_killed_mid_merge_leaves_the_old_register_and_a_recoverable_import(workers):
    election = ElectionFactory()
    old = import_now(election, csv_bytes(rows("Old", lambda i: f"C{i // 1000:03d}")))
    assert old.state == ImportState.SUCCEEDED, old.message
    before = sorted(
        Registration.objects.filter(election=election).values_list("voter_id", "center_id")
    )
    # Everyone renamed and moved: a merge that takes long enough to be killed in.
    new_file = csv_bytes(rows("New", lambda i: f"D{i // 500:03d}"))
    record = register_import_create(
        election=election, upload=io.BytesIO(new_file), file_name="new.csv", username="test"
    )
    register_import_preview(import_id=record.pk)
    record = register_import_confirm(import_id=record.pk)

    doomed = workers.start(concurrency=1, node="doomed")
    import_register.delay(record.pk)
    wait_until(
        lambda: RegisterImport.objects.filter(pk=record.pk, phase="merging").exists(),
        timeout=180,
        what="the import's merge",
        every=0.01,
    )
    doomed.kill()

    record.refresh_from_db()
    assert record.state == ImportState.RUNNING  # killed before its commit: not "succeeded"
    assert (
        sorted(Registration.objects.filter(election=election).values_list("voter_id", "center_id"))
        == before
    )
    assert not Voter.objects.filter(family_name__startswith="New").exists()
    # Another import of the election is refused while this one may still finish.
    with pytest.raises(Exception, match="under way"):
        register_import_create(
            election=election,
            upload=io.BytesIO(new_file),
            file_name="again.csv",
            username="test",
            state=ImportState.RUNNING,
        )

    workers.start(concurrency=1, node="rescuer")
    wait_until(
        lambda: (
            RegisterImport.objects.filter(pk=record.pk)
            .exclude(state__in=[ImportState.QUEUED, ImportState.RUNNING])
            .exists()
        ),
        timeout=300,
        what="the redelivered import",
    )
    record.refresh_from_db()
    assert record.state == ImportState.SUCCEEDED, record.message
    assert record.counts["moved"] == VOTERS and record.counts["updated"] == VOTERS
    assert Voter.objects.filter(family_name__startswith="New").count() == VOTERS
    assert Registration.objects.filter(election=election, center__code__startswith="D").count() == (
        VOTERS
    )
