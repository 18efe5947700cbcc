"""After an election's personal data is closed, a voter's name is nowhere: not in storage
(the media folder, PDFs read back as text), not in any text column of any table, not in the
worker's log or this process's log. The register is imported and the rolls rendered by a real
worker, so the name has been everywhere it can go first; the search finds it before the
closing, so it is a search that can fail."""

from __future__ import annotations

import io
import logging
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from pypdf import PdfReader

from elections.models import ImportState, RegisterImport
from elections.services.registers.records import register_import_create
from elections.tasks import import_register
from rolls.launch import run_start
from rolls.management.commands._common import wait_for
from rolls.models import PersonalDataClosing, RollFile, Run, RunStatus
from rolls.services.closing import personal_data_close
from rolls.services.publication import run_publish
from tests.elections.registers import csv_bytes
from tests.factories import ElectionFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# A name no other test or fake register makes, in the file and on the rolls.
FAMILY, GIVEN = "Zyxquorblat", "Ondrelina"
TIMEOUT = 180


def names_in_storage(name: str, *, since: float) -> list[str]:
    """The stored files holding ``name``: PDFs by their text, anything else by its bytes.
    Only files written since ``since`` (the test's start) are read: the name is this test's
    own, so an older file cannot hold it, and the shared media folder holds other tests'."""
    found = []
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if not path.is_file() or path.stat().st_mtime < since:
            continue
        data = path.read_bytes()
        if path.suffix == ".pdf":
            try:
                pages = PdfReader(io.BytesIO(data)).pages
                text = "".join(page.extract_text() or "" for page in pages)
            except Exception:  # a half-written PDF of another test: read its bytes
                text = data.decode("latin-1")
        else:
            text = data.decode("utf-8", errors="replace")
        if name.casefold() in text.casefold():
            found.append(str(path))
    return found


def names_in_database(name: str) -> list[str]:
    """``table.column`` of every column, of every table, where a value holds ``name``."""
    found = []
    needle = f"%{name.casefold()}%"
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            for column in connection.introspection.get_table_description(cursor, table):
                col = connection.ops.quote_name(column.name)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quoted} WHERE LOWER(CAST({col} AS TEXT)) LIKE %s",
                    [needle],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{table}.{column.name}")
    return found


def test_after_the_closing_a_voters_name_is_in_no_file_table_or_log(shared_worker, caplog):
    caplog.set_level(logging.INFO)
    since = time.time() - 1
    election = ElectionFactory(
        slug="closing-leftovers",
        polling_date=date.today() - timedelta(days=400),
        retention_date=date.today() - timedelta(days=1),
    )
    rows = [
        ["L0001", FAMILY, GIVEN, "C1", "Town Hall"],
        ["L0002", "Martin", "Paul", "C1", ""],
        ["L0003", FAMILY, "Second", "", ""],  # rejected (no center): in the rejected rows CSV
    ]
    record = register_import_create(
        election=election,
        upload=io.BytesIO(csv_bytes(rows)),
        file_name="register.csv",
        username="clerk",
        state=ImportState.QUEUED,
        skip_invalid=True,
    )
    import_register.delay(record.pk).get(timeout=TIMEOUT)
    record.refresh_from_db()
    assert record.state == ImportState.SUCCEEDED and record.rejected_path, record.message
    run = run_start(election_id=election.pk, strategy="all_in_one", started_by="cli")
    run = wait_for(run, timeout=TIMEOUT, drained=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    run_publish(run_id=run.pk, published_by="cli")
    # The name is everywhere a voter's name goes: the search below can find it.
    assert (
        len(names_in_storage(FAMILY, since=since)) >= 3
    )  # upload, rejected rows, roll, center list
    assert {"elections_voter.family_name", "rolls_placement.family_name"} <= set(
        names_in_database(FAMILY)
    )
    hashes = sorted(RollFile.objects.filter(run=run).values_list("path", "sha256"))

    closing = personal_data_close(election_id=election.pk, closed_by="cli")

    assert names_in_storage(FAMILY, since=since) == []
    assert names_in_storage(GIVEN, since=since) == []
    assert names_in_database(FAMILY) == [] and names_in_database(GIVEN) == []
    assert FAMILY not in shared_worker.log() and GIVEN not in shared_worker.log()
    assert FAMILY not in caplog.text and GIVEN not in caplog.text
    # The proof stays: the published run and every file's record with its SHA-256.
    run = Run.objects.get(pk=run.pk)
    assert run.is_published and run.published_by == "cli"
    assert sorted(RollFile.objects.filter(run=run).values_list("path", "sha256")) == hashes
    assert PersonalDataClosing.objects.get(pk=closing.pk).removed["registrations"] == 2
    assert RegisterImport.objects.get(pk=record.pk).file_sha256 == record.file_sha256
