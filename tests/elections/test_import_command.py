"""``manage.py import_register``: counts on success, the first errors and a non-zero exit."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from elections.models import RegisterImport, Registration
from tests.elections.registers import HEADER, csv_bytes, xlsx_bytes
from tests.factories import ElectionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ROWS = [["0001", "Martin", "Paul", "C1", "North"], ["0002", "Leroy", "Zoé", "C2", "South"]]


@pytest.fixture
def election():
    return ElectionFactory(slug="general-2026")


def run(*args) -> str:
    out = StringIO()
    call_command("import_register", *args, stdout=out)
    return out.getvalue()


def test_dry_run_counts_and_writes_nothing(tmp_path, election):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS))
    out = run(str(path), "--election", "general-2026", "--dry-run")
    assert "new to this election" in out and "Dry run: nothing was written." in out
    assert not Registration.objects.filter(election=election).exists()


def test_import_then_add_mode_from_an_xlsx(tmp_path, election):
    path = tmp_path / "register.xlsx"
    path.write_bytes(xlsx_bytes(ROWS))
    out = run(str(path), "--election", "general-2026", "--mode", "add")
    assert "Imported into" in out
    assert Registration.objects.filter(election=election).count() == 2
    record = RegisterImport.objects.get()
    assert (record.username, record.mode, record.file_name) == ("cli", "add", "register.xlsx")


def test_bad_rows_exit_non_zero_naming_their_lines(tmp_path, election):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([*ROWS, ["", "Nobody", "X", "C1", ""]]))
    out = StringIO()
    with pytest.raises(CommandError, match="1 invalid row: nothing was written"):
        call_command("import_register", str(path), "--election", election.slug, stdout=out)
    assert "line 4: empty voter_number" in out.getvalue()
    assert not Registration.objects.filter(election=election).exists()


def test_columns_map_other_headers(tmp_path, election):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS, header=["N", "Nom", "Prénom", "Bureau", "Site"]))
    run(
        str(path),
        "--election",
        election.slug,
        "--columns",
        "voter_number=N,family_name=Nom,given_name=Prénom,center_code=Bureau,center_name=Site",
    )
    assert Registration.objects.filter(election=election, center__name="South").count() == 1


def test_unknown_election_and_bad_columns_are_clear(tmp_path, election):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS, header=HEADER))
    with pytest.raises(CommandError, match="No election"):
        run(str(path), "--election", "nope")
    with pytest.raises(CommandError, match="FIELD=HEADER"):
        run(str(path), "--election", election.slug, "--columns", "age=Age")
