"""Importing register files: formats, semantics, bad input, all or nothing."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.core.files.storage import default_storage

from elections.folding import search_name
from elections.models import ImportMode, ImportState, PollingCenter, Registration, Voter
from elections.services.collation import sort_key
from elections.services.registers.records import (
    ImportRefused,
    register_import_confirm,
    register_import_create,
)
from elections.services.registers.rejected import duplicate_reason
from elections.services.registers.report import (
    count_lines,
    deregistration_sample_lines,
    renamed_elsewhere_lines,
)
from tests.elections.registers import HEADER, csv_bytes, import_now, preview, xlsx_bytes
from tests.factories import ElectionFactory, PollingCenterFactory, RegistrationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ROWS = [
    ["0001", "Dupont, de la Tour", 'Jean "Jeannot"', "C1", "École Jules Ferry"],
    ["0002", "الهاشمي", "فاطمة", "C1", "École Jules Ferry"],
    ["0003", "Иванова", "Анна", "C2", "Школа №5"],
    ["0004", "山田", "太郎", "C2", "Школа №5"],
    ["0005", "Nguyễn", "Thị Minh", "C3", ""],
]


@pytest.fixture
def election():
    return ElectionFactory(slug="general-2026")


def register_of(election) -> dict[str, tuple[str, str, str]]:
    return {
        r.voter.voter_number: (r.voter.family_name, r.voter.given_name, r.center.code)
        for r in Registration.objects.filter(election=election).select_related("voter", "center")
    }


EXPECTED = {row[0]: (row[1], row[2], row[3]) for row in ROWS}


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"bom": True, "newline": "\r\n"},
        {"delimiter": ";"},
        {"delimiter": "\t", "bom": True},
    ],
    ids=["plain", "bom-crlf", "semicolon", "tab"],
)
def test_csv_dialects_import_names_with_commas_quotes_and_every_script(election, options):
    record = import_now(election, csv_bytes(ROWS, **options))
    assert record.state == ImportState.SUCCEEDED, record.message
    assert register_of(election) == EXPECTED
    assert record.counts["new"] == 5 and record.counts["new_centers"] == 3
    assert PollingCenter.objects.get(election=election, code="C3").name == "C3"
    assert PollingCenter.objects.get(election=election, code="C1").name == "École Jules Ferry"


def test_xlsx_is_read_with_numbers_as_voter_numbers(election):
    rows = [list(row) for row in ROWS]
    rows.append([123456, "Okafor", "Chidi", "C1", None])
    record = import_now(election, xlsx_bytes(rows), name="register.xlsx")
    assert record.state == ImportState.SUCCEEDED, record.message
    assert record.file_format == "xlsx"
    assert register_of(election) == {**EXPECTED, "123456": ("Okafor", "Chidi", "C1")}


def test_the_file_is_kept_under_the_import_id_with_its_sha256(election):
    data = csv_bytes(ROWS)
    record = import_now(election, data, name="../../etc/passwd.csv")
    assert record.file_path == f"imports/election-{election.pk}/import-{record.pk}.csv"
    assert default_storage.open(record.file_path).read() == data
    assert record.file_sha256 == hashlib.sha256(data).hexdigest()
    assert record.file_size == len(data)


def test_preview_counts_and_writes_nothing(election):
    center = PollingCenterFactory(election=election, code="C1", name="École Jules Ferry")
    other = PollingCenterFactory(election=election, code="C9")
    kept = RegistrationFactory(
        center=center, voter__voter_number="0001", voter__family_name="Old", voter__given_name="J"
    )
    RegistrationFactory(center=other, voter__voter_number="0002", voter__family_name="الهاشمي",
                        voter__given_name="فاطمة")  # fmt: skip
    RegistrationFactory(center=other, voter__voter_number="0999")
    before = register_of(election)
    record = preview(election, csv_bytes(ROWS))
    assert record.state == ImportState.PREVIEWED
    assert record.counts == {
        "rows": 5,
        "new": 3,
        "new_voters": 3,
        "updated": 1,
        "updated_family_name": 1,
        "updated_given_name": 1,
        "unchanged": 0,
        "moved": 1,
        "deregistered": 1,
        "kept_rejected": 0,
        "new_centers": 2,
        "registered": 3,
        "renamed_elsewhere": 0,
    }
    assert register_of(election) == before
    kept.voter.refresh_from_db()
    assert kept.voter.family_name == "Old"
    assert record.rows_read == 5 and record.rows_written == 5


def test_snapshot_deregisters_and_add_does_not(election):
    other_election = ElectionFactory()
    gone = RegistrationFactory(center__election=election, voter__voter_number="0999")
    RegistrationFactory(center__election=other_election, voter=gone.voter)
    added = import_now(election, csv_bytes(ROWS), mode="add")
    assert added.counts["deregistered"] == 0
    assert "0999" in register_of(election)
    snap = import_now(election, csv_bytes(ROWS))
    assert snap.counts["deregistered"] == 1
    assert register_of(election) == EXPECTED
    # The person stays, and stays registered in the other election.
    assert Voter.objects.filter(voter_number="0999").exists()
    assert Registration.objects.filter(election=other_election, voter=gone.voter).exists()


def test_importing_the_same_file_twice_changes_nothing(election):
    import_now(election, csv_bytes(ROWS))
    ids = sorted(Registration.objects.filter(election=election).values_list("id", "center_id"))
    again = import_now(election, csv_bytes(ROWS))
    assert again.counts["unchanged"] == 5
    assert again.counts["new"] == again.counts["moved"] == again.counts["updated"] == 0
    assert again.counts["deregistered"] == again.counts["new_centers"] == 0
    assert (
        sorted(Registration.objects.filter(election=election).values_list("id", "center_id")) == ids
    )


def test_a_move_and_a_rename_are_applied(election):
    import_now(election, csv_bytes(ROWS))
    changed = [list(row) for row in ROWS]
    changed[0][1], changed[2][3] = "Durand", "C1"
    record = import_now(election, csv_bytes(changed))
    assert (record.counts["updated_family_name"], record.counts["moved"]) == (1, 1)
    assert register_of(election)["0001"][0] == "Durand"
    assert register_of(election)["0003"][2] == "C1"


BAD_CASES = [
    (
        ["0001", "Dupont", "Jean", "C1", ""],
        3,
        "voter number 0001 is on 2 lines (2, 3): none of them was kept, since choosing one "
        "would be a guess (a snapshot leaves this voter's registration as it was); keep "
        "only the right line and import again",
    ),
    (["0007", "", "Jean", "C1", ""], 3, "empty family_name"),
    (["", "Dupont", "Jean", "C1", ""], 3, "empty voter_number"),
    (["0007", "x" * 501, "Jean", "C1", ""], 3, "family_name is 501 characters long (at most 500)"),
    (["0007", "Du\x00pont", "Jean", "C1", ""], 3, "control character in family_name"),
    (["0007", "Dupont", "Jean\x1b[31m", "C1", ""], 3, "control character in given_name"),
    (["0007", "Dupont", "Jean", "C" * 33, ""], 3, "center_code is 33 characters long (at most 32)"),
]


@pytest.mark.parametrize(("bad_row", "line", "reason"), BAD_CASES)
def test_an_invalid_row_is_reported_by_line_and_nothing_is_written(election, bad_row, line, reason):
    rows = [["0001", "Martin", "Paul", "C1", ""], bad_row, ["0008", "Leroy", "Zoé", "C2", ""]]
    shown = preview(election, csv_bytes(rows))
    assert {"line": line, "reason": reason} in shown.errors
    record = import_now(election, csv_bytes(rows))
    assert record.state == ImportState.FAILED
    assert "nothing was written" in record.message
    assert {"line": line, "reason": reason} in record.errors
    assert Registration.objects.filter(election=election).count() == 0
    assert not PollingCenter.objects.filter(election=election).exists()


def test_a_row_with_an_unquoted_delimiter_is_refused_with_its_line(election):
    data = csv_bytes([["0001", "Martin", "Paul", "C1", ""]]) + b"0002,Dupont, Jr,Jean,C1,\n"
    record = import_now(election, data)
    assert record.state == ImportState.FAILED
    assert record.errors[0]["line"] == 3
    assert "6 fields where the header has 5" in record.errors[0]["reason"]


def test_a_file_that_is_not_utf8_names_the_first_bad_line_and_byte(election):
    data = csv_bytes([["0001", "Martin", "Paul", "C1", ""]]) + "0002,Müller,Jörg,C1,\n".encode(
        "latin-1"
    )
    record = import_now(election, data)
    assert record.state == ImportState.FAILED
    first_lines = len(csv_bytes([["0001", "Martin", "Paul", "C1", ""]]))
    assert record.message.startswith(f"Line 3 is not UTF-8: byte {first_lines + 7} of the file")
    assert "(0xFC" in record.message
    assert not Registration.objects.filter(election=election).exists()


def test_skip_invalid_imports_the_rest_and_offers_the_rejected_rows(election):
    rows = [
        ["0001", "Martin", "Paul", "C1", ""],
        ["0002", "", "Anne", "C1", ""],
        ["0003", '=HYPERLINK("http://x")', "Eve", "C1", ""],
        ["0004", "-Dash", "@at", "C1", ""],
        ["0004", "Twice", "Again", "C2", ""],
    ]
    record = import_now(election, csv_bytes(rows), skip_invalid=True)
    assert record.state == ImportState.SUCCEEDED, record.message
    assert sorted(register_of(election)) == ["0001", "0003"]
    assert record.error_count == 3
    text = default_storage.open(record.rejected_path).read().decode()
    rejected = list(csv.DictReader(io.StringIO(text)))
    assert [(r["line"], r["voter_number"]) for r in rejected] == [
        ("3", "0002"),
        ("5", "0004"),
        ("6", "0004"),
    ]
    assert rejected[0]["reason"] == "empty family_name"
    assert rejected[1]["family_name"] == "'-Dash" and rejected[1]["given_name"] == "'@at"


def test_other_header_names_are_mapped(election):
    header = ["Numéro", "Nom", "Prénom", "Bureau", "Extra"]
    rows = [["0001", "Martin", "Paul", "C1", "ignored"]]
    unmapped = preview(election, csv_bytes(rows, header=header))
    assert unmapped.message.startswith("Missing columns voter_number, family_name, given_name")
    assert unmapped.headers == header
    mapping = {
        "voter_number": "Numéro",
        "family_name": "Nom",
        "given_name": "Prénom",
        "center_code": "Bureau",
    }
    record = import_now(election, csv_bytes(rows, header=header), columns=mapping)
    assert record.state == ImportState.SUCCEEDED
    assert register_of(election) == {"0001": ("Martin", "Paul", "C1")}


def test_a_second_import_of_one_election_is_refused_while_one_is_active(election):
    first = preview(election, csv_bytes(ROWS))
    second = preview(election, csv_bytes(ROWS))
    register_import_confirm(import_id=first.pk)
    with pytest.raises(ImportRefused, match="under way"):
        register_import_confirm(import_id=second.pk)
    with pytest.raises(ImportRefused, match="under way"):
        register_import_create(
            election=election,
            upload=io.BytesIO(csv_bytes(ROWS)),
            file_name="x.csv",
            username="cli",
            state=ImportState.RUNNING,
        )
    # Another election is not held up.
    assert preview(ElectionFactory(), csv_bytes(ROWS)).state == ImportState.PREVIEWED


def test_header_only_snapshot_deregisters_everyone_but_says_so_first(election):
    RegistrationFactory(center__election=election)
    record = preview(election, csv_bytes([]))
    assert record.counts["rows"] == 0 and record.counts["deregistered"] == 1


def test_a_file_that_is_not_a_register(election):
    record = import_now(election, b"PK\x03\x04not really a zip", name="x.xlsx")
    assert record.state == ImportState.FAILED
    assert "not an Excel .xlsx workbook" in record.message
    empty = import_now(election, b"")
    assert "empty" in empty.message


def test_a_register_longer_than_a_progress_step_reports_its_rows(election):
    # Progress is written between two batches of the staging load (on PostgreSQL, between
    # two COPY statements: none may run on the connection during one).
    rows = [[f"P{i:06d}", "Martin", "Paul", f"C{i // 1000}", ""] for i in range(25_000)]
    record = import_now(election, csv_bytes(rows))
    assert record.state == ImportState.SUCCEEDED, record.message
    assert (record.rows_read, record.rows_written, record.counts["new"]) == (25_000,) * 3


def test_an_imported_register_is_keyed_in_the_election_language_at_once(election):
    election.language = "es"
    election.save()
    rows = [["10", "Ortega", "Ana", "C1", ""], ["11", "Ñandú", "Luis", "C1", ""]]
    import_now(election, csv_bytes(rows))
    keys = dict(
        Registration.objects.filter(election=election).values_list(
            "voter__voter_number", "sort_key"
        )
    )
    assert keys["10"] == sort_key("es", "Ortega", "Ana", "10")
    assert keys["11"] == sort_key("es", "Ñandú", "Luis", "11")
    # Spanish: ñ after n, before o.
    assert bytes(keys["11"]) < bytes(keys["10"])


def test_a_rename_by_an_import_drops_the_stale_key_in_other_elections(election):
    other = ElectionFactory(slug="local-2026")
    voter = Voter.objects.create(voter_number="20", family_name="Old", given_name="Name")
    center = PollingCenterFactory(election=other)
    kept = Voter.objects.create(voter_number="21", family_name="Same", given_name="Name")
    RegistrationFactory(election=other, center=center, voter=voter)
    RegistrationFactory(election=other, center=center, voter=kept)
    rows = [["20", "New", "Name", "C1", ""], ["21", "Same", "Name", "C1", ""]]
    import_now(election, csv_bytes(rows))
    stale = Registration.objects.get(election=other, voter=voter)
    unchanged = Registration.objects.get(election=other, voter=kept)
    assert stale.sort_key is None
    assert bytes(unchanged.sort_key) == sort_key(other.language, "Same", "Name", "21")


def test_imported_voters_are_found_by_their_folded_name(election):
    import_now(election, csv_bytes([["30", "Müller-Lüdenscheidt", "José", "C1", ""]]))
    voter = Voter.objects.get(voter_number="30")
    assert voter.search_name == search_name("Müller-Lüdenscheidt", "José")
    assert voter.search_name == "muller ludenscheidt jose"
    import_now(election, csv_bytes([["30", "Muller", "Jose", "C1", ""]]))
    voter.refresh_from_db()
    assert voter.search_name == "muller jose"


# --- a rejected line never deregisters anyone ----------------------------------------------
REJECTED_LINES = {
    "duplicated": b"0005,Nguyen,Thi,C3,\n0005,Nguyen,Minh,C3,\n",
    "unquoted-comma": b"0005,Nguyen, Jr,Thi Minh,C3,\n",
    "too-long-name": b"0005," + b"x" * 501 + b",Thi Minh,C3,\n",
    "empty-center": b"0005,Nguyen,Thi Minh,,\n",
    "control-character": b"0005,Nguy\x1ben,Thi Minh,C3,\n",
}


@pytest.mark.parametrize("bad_lines", REJECTED_LINES.values(), ids=REJECTED_LINES)
def test_a_voter_on_a_rejected_line_keeps_their_registration_in_a_snapshot(election, bad_lines):
    import_now(election, csv_bytes(ROWS))
    data = csv_bytes(ROWS[:4]) + bad_lines
    shown = preview(election, data, skip_invalid=True)
    assert (shown.counts["deregistered"], shown.counts["kept_rejected"]) == (0, 1)
    assert ("kept: on a rejected line", 1) in count_lines(shown)
    assert ("deregistered (not in the file)", 0) in count_lines(shown)
    record = import_now(election, data, skip_invalid=True)
    assert record.state == ImportState.SUCCEEDED, record.message
    assert (record.counts["deregistered"], record.counts["kept_rejected"]) == (0, 1)
    assert register_of(election)["0005"] == EXPECTED["0005"]


def test_a_voter_missing_from_the_file_is_still_deregistered_beside_a_rejected_line(election):
    import_now(election, csv_bytes(ROWS))
    data = csv_bytes(ROWS[:3]) + REJECTED_LINES["unquoted-comma"]  # 0004 is on no line
    record = import_now(election, data, skip_invalid=True)
    assert (record.counts["deregistered"], record.counts["kept_rejected"]) == (1, 1)
    assert sorted(register_of(election)) == ["0001", "0002", "0003", "0005"]


def test_an_unquoted_delimiter_before_the_voter_number_still_keeps_its_voter(election):
    # The number is the last column: the stray comma shifts it one column right.
    header = ["family_name", "given_name", "center_code", "voter_number"]
    rows = [["Martin", "Paul", "C1", "0001"], ["Leroy", "Zoé", "C1", "0002"]]
    import_now(election, csv_bytes(rows, header=header))
    data = csv_bytes(rows[:1], header=header) + "Leroy, Jr,Zoé,C1,0002\n".encode()
    record = import_now(election, data, skip_invalid=True)
    assert record.state == ImportState.SUCCEEDED, record.message
    assert record.counts["kept_rejected"] == 1
    assert sorted(register_of(election)) == ["0001", "0002"]


UNREADABLE_NUMBERS = {
    "empty": b",Nguyen,Thi Minh,C3,\n",
    "too-long": b"0" * 40 + b",Nguyen,Thi Minh,C3,\n",
    "control-character": b"00\x0705,Nguyen,Thi Minh,C3,\n",
}


@pytest.mark.parametrize("bad_line", UNREADABLE_NUMBERS.values(), ids=UNREADABLE_NUMBERS)
def test_a_snapshot_with_a_rejected_line_whose_number_cannot_be_read_is_refused(election, bad_line):
    import_now(election, csv_bytes(ROWS))
    data = csv_bytes(ROWS[:4]) + bad_line
    shown = preview(election, data, skip_invalid=True)
    assert shown.message.startswith("Line 6: rejected, and its voter number cannot be read")
    with pytest.raises(ImportRefused, match="cannot be read"):
        register_import_confirm(import_id=shown.pk)
    record = import_now(election, data, skip_invalid=True)
    assert record.state == ImportState.FAILED
    assert "cannot be read" in record.message
    assert register_of(election) == EXPECTED
    # Adding deregisters no one: the same file imports in add mode.
    added = import_now(election, data, skip_invalid=True, mode="add")
    assert added.state == ImportState.SUCCEEDED, added.message
    assert register_of(election) == EXPECTED


def test_the_preview_names_the_first_voters_a_snapshot_would_deregister(election):
    rows = [[f"{i:04d}", f"Family{i}", f"Given{i}", "C1", ""] for i in range(30, 0, -1)]
    import_now(election, csv_bytes(rows))
    shown = preview(election, csv_bytes(rows[:5]))
    assert shown.counts["deregistered"] == 25
    assert [voter["voter_number"] for voter in shown.deregistration_sample] == [
        f"{i:04d}" for i in range(1, 21)
    ]
    assert deregistration_sample_lines(shown)[0] == "0001  Family1, Given1  (center C1)"
    assert preview(election, csv_bytes(rows), mode="add").deregistration_sample == []


# --- renames seen across elections ----------------------------------------------------------
def test_renames_of_voters_registered_in_other_elections_are_counted_by_election(election):
    local = ElectionFactory(slug="local-2026", name="Local 2026")
    city = ElectionFactory(slug="city-2026", name="City 2026")
    renamed = Voter.objects.create(voter_number="20", family_name="Old", given_name="Name")
    renamed_too = Voter.objects.create(voter_number="21", family_name="Old", given_name="Two")
    same = Voter.objects.create(voter_number="22", family_name="Same", given_name="Name")
    for other, voters in ((local, [renamed, renamed_too, same]), (city, [renamed])):
        center = PollingCenterFactory(election=other)
        for voter in voters:
            RegistrationFactory(election=other, center=center, voter=voter)
    # Renamed but registered in this election only: not counted.
    Voter.objects.create(voter_number="23", family_name="Here", given_name="Only")
    rows = [
        ["20", "New", "Name", "C1", ""],
        ["21", "Old", "Renamed", "C1", ""],
        ["22", "Same", "Name", "C1", ""],
        ["23", "Here", "Renamed", "C1", ""],
    ]
    shown = preview(election, csv_bytes(rows))
    assert shown.counts["renamed_elsewhere"] == 2
    assert ("renamed, registered elsewhere too", 2) in count_lines(shown)
    assert shown.renamed_elsewhere == [
        {"slug": "city-2026", "name": "City 2026", "voters": 1},
        {"slug": "local-2026", "name": "Local 2026", "voters": 2},
    ]
    assert renamed_elsewhere_lines(shown) == ["city-2026 (City 2026): 1 voter",
                                              "local-2026 (Local 2026): 2 voters"]  # fmt: skip
    record = import_now(election, csv_bytes(rows))
    assert record.renamed_elsewhere == shown.renamed_elsewhere


def test_rejected_lines_of_a_long_file_are_kept_between_the_batches_of_the_load(election):
    # More rejected lines than a batch, interleaved with valid ones: the kept numbers are
    # written between two batches' COPY statements on PostgreSQL.
    rows = [[f"K{i:06d}", "Martin", "Paul", "C1", ""] for i in range(24_000)]
    import_now(election, csv_bytes(rows))
    mixed = csv_bytes(rows[0::2]) + b"".join(
        f"{row[0]},Martin, Jr,Paul,C1,\n".encode() for row in rows[1::2]
    )
    record = import_now(election, mixed, skip_invalid=True)
    assert record.state == ImportState.SUCCEEDED, record.message
    assert (record.counts["deregistered"], record.counts["kept_rejected"]) == (0, 12_000)
    assert Registration.objects.filter(election=election).count() == 24_000


def test_imported_voters_are_found_by_a_prefix_of_their_given_name(election):
    import_now(election, csv_bytes([["31", "Lefèvre", "Anne-Sophie", "C1", ""]]))
    voter = Voter.objects.get(voter_number="31")
    assert voter.search_name_given_first == "anne sophie lefevre"
    import_now(election, csv_bytes([["31", "Lefèvre", "Ана", "C1", ""]]))
    voter.refresh_from_db()
    assert voter.search_name_given_first == "ана lefevre"


def rejected_csv(record) -> list[list[str]]:
    return list(csv.reader(io.StringIO(default_storage.open(record.rejected_path).read().decode())))


def test_the_rejected_rows_are_in_line_order_with_every_field_as_read(election):
    data = (
        csv_bytes(
            [
                ["0001", "Martin", "Paul", "C01", ""],
                ["0002", "Leroy", "Zoé", "C02", ""],  # line 3: the number again on line 5
                ["0003", "", "Anne", "C03", "North"],
                ["0002", "Leroy", "Zoe", "C02", ""],
            ]
        )
        + b"0004,Dupont, Jr,Jean,C04,\n"
    )  # line 6: a name with an unquoted comma
    record = import_now(election, data, skip_invalid=True, mode="add")
    assert record.state == ImportState.SUCCEEDED, record.message

    header, *rows = rejected_csv(record)
    assert header == ["line", "reason", *HEADER, "extra field 1"]
    assert [row[0] for row in rows] == ["3", "4", "5", "6"]
    assert [row[2:] for row in rows] == [
        ["0002", "Leroy", "Zoé", "C02", ""],
        ["0003", "", "Anne", "C03", "North"],
        ["0002", "Leroy", "Zoe", "C02", ""],
        ["0004", "Dupont", " Jr", "Jean", "C04", ""],
    ]
    duplicated = (
        "voter number 0002 is on 2 lines (3, 5): none of them was kept, since choosing one "
        "would be a guess; keep only the right line and import again"
    )
    assert [row[1] for row in rows] == [
        duplicated,
        "empty family_name",
        duplicated,
        "6 fields where the header has 5 (a name with the delimiter in it must be quoted)",
    ]
    assert [error["line"] for error in record.errors] == [3, 4, 5, 6]


def test_the_rejected_rows_keep_the_file_s_own_column_names(election):
    header = ["N", "Nom", "Prénom", "Bureau", "Site", "Remarque"]
    rows = [
        ["0001", "Martin", "Paul", "C1", "Hall", "ok"],
        ["0002", "", "Zoé", "C1", "Hall", "-call back"],
    ]
    mapping = {"voter_number": "N", "family_name": "Nom", "given_name": "Prénom",
               "center_code": "Bureau", "center_name": "Site"}  # fmt: skip
    record = import_now(
        election, xlsx_bytes(rows, header=header), name="r.xlsx", columns=mapping, skip_invalid=True
    )
    assert record.state == ImportState.SUCCEEDED, record.message
    assert rejected_csv(record) == [
        ["line", "reason", *header],
        ["3", "empty family_name", "0002", "", "Zoé", "C1", "Hall", "'-call back"],
    ]


def test_a_duplicated_voter_number_is_reported_on_every_line_saying_none_was_kept(election):
    center = PollingCenterFactory(election=election, code="C1")
    RegistrationFactory(center=center, voter__voter_number="0002", voter__family_name="Before")
    rows = [
        ["0002", "Leroy", "Zoé", "C1", ""],
        ["0001", "Martin", "Paul", "C1", ""],
        ["0002", "Leroy", "Zoé", "C1", ""],
        ["0002", "Roy", "Zoé", "C2", ""],
    ]
    shown = preview(election, csv_bytes(rows), skip_invalid=True)
    reason = (
        "voter number 0002 is on 3 lines (2, 4, 5): none of them was kept, since choosing one "
        "would be a guess (a snapshot leaves this voter's registration as it was); keep only "
        "the right line and import again"
    )
    assert shown.errors == [{"line": line, "reason": reason} for line in (2, 4, 5)]
    assert shown.error_count == 3 and shown.counts["deregistered"] == 0

    record = import_now(election, csv_bytes(rows), skip_invalid=True)
    assert record.state == ImportState.SUCCEEDED, record.message
    assert register_of(election)["0002"][0] == "Before"
    assert [row[:3] for row in rejected_csv(record)[1:]] == [
        ["2", reason, "0002"],
        ["4", reason, "0002"],
        ["5", reason, "0002"],
    ]


def test_a_rejected_line_says_which_other_line_of_its_voter_was_kept(election):
    rows = [
        ["0002", "Leroy", "Zoé", "C1", ""],
        ["0003", "Martin", "Paul", "C1", ""],
        ["0002", "", "Zoé", "C1", ""],
        ["0003", "Martin", "Paul", "C1", ""],
        ["0003", "Martin", "", "C2" * 40, ""],
    ]
    record = import_now(election, csv_bytes(rows), skip_invalid=True, mode="add")
    assert record.state == ImportState.SUCCEEDED, record.message
    assert register_of(election) == {"0002": ("Leroy", "Zoé", "C1")}
    reasons = {row[0]: row[1] for row in rejected_csv(record)[1:]}
    assert reasons["4"] == (
        "empty family_name; voter number 0002 is also on line 2, which was kept (it is valid)"
    )
    assert reasons["6"].endswith(
        "; voter number 0003 is also on lines 3, 5, none of which was kept"
    )
    assert reasons["3"].startswith("voter number 0003 is on 2 lines (3, 5): none of them")
    assert [error["reason"] for error in record.errors] == [reasons[n] for n in "3456"]


def test_the_lines_of_a_duplicated_number_are_listed_without_thousands_separators():
    # "1,200, 3,400" could be read as four lines.
    reason = duplicate_reason("0002", [1200, 3400], ImportMode.ADD)
    assert reason.startswith("voter number 0002 is on 2 lines (1200, 3400): none of them")
