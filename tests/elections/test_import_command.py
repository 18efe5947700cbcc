"""``manage.py import_register``: counts on success, the first errors and a non-zero exit."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
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


REGISTER = [[f"{i:04d}", f"Family{i}", "Given", "C1", ""] for i in range(1, 21)]


def test_a_mass_deregistration_needs_its_number_on_the_command_line(tmp_path, election):
    full, cut = tmp_path / "full.csv", tmp_path / "cut.csv"
    full.write_bytes(csv_bytes(REGISTER))
    cut.write_bytes(csv_bytes(REGISTER[:5]))
    run(str(full), "--election", election.slug)
    dry = run(str(cut), "--election", election.slug, "--dry-run")
    assert "deregistered (not in the file)" in dry and "15" in dry
    assert "The first 15 of 15 voters who would be deregistered, by voter number:" in dry
    assert "  0006  Family6, Given  (center C1)" in dry
    assert "Import it with --confirm-deregistrations 15." in dry
    for extra, refusal in [
        ([], "confirm that number"),
        (["--confirm-deregistrations", "14"], "14 deregistrations were confirmed"),
    ]:
        out = StringIO()
        with pytest.raises(CommandError, match=refusal):
            call_command("import_register", str(cut), "--election", election.slug, *extra,
                         stdout=out)  # fmt: skip
        assert "To import it: --confirm-deregistrations 15" in out.getvalue()
        assert Registration.objects.filter(election=election).count() == 20
    with pytest.raises(CommandError, match="digits 0-9"):
        run(str(cut), "--election", election.slug, "--confirm-deregistrations", "\u0661\u0665")
    out = run(str(cut), "--election", election.slug, "--confirm-deregistrations", "15")
    assert "Imported into" in out
    assert Registration.objects.filter(election=election).count() == 5


def test_a_dry_run_names_the_other_elections_whose_voters_it_renames(tmp_path, election):
    local = ElectionFactory(slug="local-2026", name="Local 2026")
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS))
    run(str(path), "--election", local.slug)
    path.write_bytes(csv_bytes([["0001", "Martin-Durand", "Paul", "C1", "North"], ROWS[1]]))
    out = run(str(path), "--election", election.slug, "--dry-run")
    assert "renamed by this file who are registered in other elections too: 1 (" in out
    assert "  local-2026 (Local 2026): 1 voter" in out


def test_a_rejected_line_keeps_its_voter_and_the_output_says_so(tmp_path, election):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS))
    run(str(path), "--election", election.slug)
    path.write_bytes(csv_bytes(ROWS[:1]) + "0002,Leroy, Jr,Zoé,C2,South\n".encode())
    out = run(str(path), "--election", election.slug, "--skip-invalid")
    assert re.search(r"kept: on a rejected line +1\n", out)
    assert re.search(r"deregistered \(not in the file\) +0\n", out)
    assert Registration.objects.filter(election=election).count() == 2


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "imports"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_dry_run_leaves_no_record_whatever_it_found(tmp_path, election):
    """A dry run writes nothing: neither the register nor an import record nor its files
    (compared with what other tests left in the shared media folder)."""
    before = stored_files()
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(ROWS))
    run(str(path), "--election", election.slug, "--dry-run")
    path.write_bytes(csv_bytes([*ROWS, ["0003", "", "Nobody", "C1", ""]]))
    with pytest.raises(CommandError, match="invalid rows"):
        run(str(path), "--election", election.slug, "--dry-run")
    run(str(path), "--election", election.slug, "--dry-run", "--skip-invalid")
    assert not RegisterImport.objects.exists()
    assert not Registration.objects.filter(election=election).exists()
    assert stored_files() <= before


def test_a_dry_run_hands_its_rejected_rows_to_a_local_file(tmp_path, election):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([*ROWS, ["0003", "", "Nobody", "C1", ""]]))
    rejected = tmp_path / "rejected.csv"
    out = run(
        str(path), "--election", election.slug, "--dry-run", "--skip-invalid",
        "--rejected-output", str(rejected),
    )  # fmt: skip
    assert f"Rejected rows written to {rejected}" in out
    text = rejected.read_text(encoding="utf-8-sig")
    assert "Nobody" in text and "empty family_name" in text
    assert not RegisterImport.objects.exists()
    with pytest.raises(CommandError, match="--rejected-output"):
        run(
            str(path), "--election", election.slug, "--dry-run", "--skip-invalid",
            "--rejected-output", str(tmp_path / "missing" / "x.csv"),
        )  # fmt: skip
