"""What a register task leaves in its task result when it fails: which import, the kind of
error and where, never a row of the file (task results are kept for weeks, and Observers
read them)."""

from __future__ import annotations

import io
from xml.etree.ElementTree import ParseError

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django_celery_results.models import TaskResult

from elections import tasks
from elections.models import ImportState
from elections.services.registers.records import register_import_create
from elections.services.registers.staging import Staging
from tests.elections.registers import csv_bytes
from tests.factories import ElectionFactory
from tests.support.users import OBSERVER, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

NAME = "Salazarquintero"  # a family name no other text could hold by chance
ROWS = [["0001", NAME, "Ana", "C1", "North"], ["0002", "Leroy", "Zoé", "C2", "South"]]


@pytest.fixture
def stored_eager_results(monkeypatch):
    """The register tasks applied here store their result as a worker would
    (django-celery-results). On the tasks themselves: each copied the setting from the
    app's configuration when it was bound."""
    for task in (tasks.preview_register_import, tasks.import_register):
        monkeypatch.setattr(task, "store_eager_result", True)


@pytest.fixture
def database_quotes_the_row(monkeypatch):
    """The staging table refuses the file's first row the way PostgreSQL words a constraint
    violation: with the whole row in the message."""

    def load(self, batches):
        for batch in batches:
            raise IntegrityError(
                'new row for relation "staging" violates check constraint\n'
                f"DETAIL:  Failing row contains {batch[0]}."
            )

    monkeypatch.setattr(Staging, "load", load)


def uploaded(**options):
    return register_import_create(
        election=ElectionFactory(slug="general-2026"),
        upload=io.BytesIO(csv_bytes(ROWS)),
        file_name="register.csv",
        username="clerk",
        **options,
    )


@pytest.mark.usefixtures("stored_eager_results", "database_quotes_the_row")
def test_a_failed_preview_stores_no_row_of_the_file_in_its_task_result():
    """The preview service ends the import failed itself (the task then succeeds): neither
    the import's message nor the task's result quotes the row the database refused."""
    record = uploaded()

    outcome = tasks.preview_register_import.apply(args=[record.pk])

    stored = TaskResult.objects.get(task_id=outcome.id)
    record.refresh_from_db()
    assert record.state == ImportState.FAILED
    assert "IntegrityError" in record.message
    for text in (record.message, stored.result or "", stored.traceback or ""):
        assert NAME not in text and "Failing row" not in text, text


@pytest.mark.usefixtures("stored_eager_results", "database_quotes_the_row")
def test_a_failed_import_stores_no_row_of_the_file_in_its_task_result(monkeypatch):
    record = uploaded(state=ImportState.RUNNING)
    # The merge's own refusal (it marks the import failed) raised past the service.
    monkeypatch.setattr(
        tasks, "register_import_execute",
        lambda *, import_id: (_ for _ in ()).throw(ValueError(f"bad row ('0001', {NAME!r})")),
    )  # fmt: skip

    outcome = tasks.import_register.apply(args=[record.pk])

    stored = TaskResult.objects.get(task_id=outcome.id)
    assert stored.status == "FAILURE"
    assert NAME not in stored.traceback + stored.result
    assert "failed while importing: ValueError." in stored.result


def test_the_failure_says_where_in_the_file_when_the_error_knows_it():
    error = ParseError(f"not well-formed (invalid token): {NAME}")
    error.position = (3, 7)

    with pytest.raises(tasks.RegisterTaskFailed) as raised, tasks.row_contents_kept_out(5, "x"):
        raise error

    assert str(raised.value) == (
        "Register import 5 failed while x: ParseError at line 3, column 7. "
        "The import's page says what to do."
    )
    assert raised.value.__suppress_context__ and raised.value.__cause__ is None


@pytest.mark.usefixtures("stored_eager_results")
def test_an_observer_reads_no_name_of_the_file_on_the_failed_import_task_page(client, monkeypatch):
    record = uploaded(state=ImportState.RUNNING)
    monkeypatch.setattr(
        tasks, "register_import_execute",
        lambda *, import_id: (_ for _ in ()).throw(ValueError(f"bad row ('0001', {NAME!r})")),
    )  # fmt: skip
    outcome = tasks.import_register.apply(args=[record.pk])
    stored = TaskResult.objects.get(task_id=outcome.id)
    page = reverse("admin:django_celery_results_taskresult_change", args=[stored.pk])

    client.force_login(make_user("watcher", OBSERVER))
    response = client.get(page)

    assert response.status_code == 200
    text = response.content.decode()
    assert "failed with RegisterTaskFailed" in text
    assert NAME not in text and "bad row" not in text
