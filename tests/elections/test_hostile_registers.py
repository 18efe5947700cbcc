"""Register files that are hostile, damaged or not registers at all: each ends its import
with a message staff can act on, in bounded time and memory, and nothing is left polling
or behind (through the admin's preview and the command line's dry run)."""

from __future__ import annotations

import datetime
import gzip
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from elections.models import ImportState, RegisterImport, Registration
from elections.services.registers import imports
from elections.services.registers.imports import register_import_preview
from elections.services.registers.reading import source_rows
from elections.services.registers.workbook import cell_text
from tests.elections import workbooks as wb
from tests.elections.registers import csv_bytes, import_now, preview
from tests.factories import ElectionFactory, RegistrationFactory
from tests.support.users import STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

ROWS = [["0001", "Martin", "Paul", "C1", "North"], ["0002", "Leroy", "Zoé", "C2", "South"]]
ROOT = Path(__file__).resolve().parents[2]
GIB = 1024**3


@pytest.fixture
def election():
    return ElectionFactory(slug="general-2026")


def good_xlsx() -> bytes:
    return wb.xlsx(ROWS)


def truncated_sheet() -> bytes:
    parts = wb.workbook(wb.sheet(wb.rows_xml(ROWS)))
    whole = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = whole[: len(whole) * 2 // 3]
    return wb.zipped(parts)


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'


def sheet_with_prolog(prolog: str, value: str) -> bytes:
    rows = wb.rows_xml([]) + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{value}</t></is></c></row>'
    return wb.zipped(wb.workbook(wb.sheet(rows, prolog=prolog)))


# (case, file bytes, file name, what the message says)
UNREADABLE = [
    (
        "nul in the csv header",
        b"voter_number,family\x00name,given_name,center_code\n0001,Martin,Paul,C1\n",
        "register.csv",
        "Line 1, column B: the header holds a control character (0x00)",
    ),
    ("truncated sheet xml", truncated_sheet(), "register.xlsx", "sheet1.xml is damaged (XML"),
    (
        "a chart as the first sheet",
        wb.zipped(wb.workbook(wb.sheet(wb.rows_xml(ROWS)), first_sheet="chartsheet")),
        "register.xlsx",
        "first sheet, 'Chart1', is a chart",
    ),
    (
        "password-protected workbook",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"EncryptedPackage",
        "register.xlsx",
        "password-protected Excel workbook or an old Excel .xls",
    ),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "register.pdf", "is a PDF document"),
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "register.png", "is a PNG image"),
    ("gzip", gzip.compress(csv_bytes(ROWS)), "register.csv.gz", "is gzip-compressed"),
    ("truncated zip", good_xlsx()[:700], "register.xlsx", "or not a whole one"),
    (
        "billion laughs",
        sheet_with_prolog(BILLION_LAUGHS, "&lol9;"),
        "register.xlsx",
        "document type declaration",
    ),
    (
        "external entity",
        sheet_with_prolog(EXTERNAL_ENTITY, "&secret;"),
        "register.xlsx",
        "document type declaration",
    ),
    (
        "nul in a sheet cell",
        sheet_with_prolog("", "Mar&#0;tin"),
        "register.xlsx",
        "sheet1.xml is damaged (XML",
    ),
    (
        "voter number in scientific notation",
        wb.xlsx([[1234567891, "Martin", "Paul", "C1"]], formats=["0.00E+00"], column_styles={0: 1}),
        "register.xlsx",
        "Line 2, column A (voter_number): a number with the format '0.00E+00'",
    ),
]
CASES = [pytest.param(*case[1:], id=case[0]) for case in UNREADABLE]


@pytest.fixture
def clerk(client):
    client.force_login(make_user("clerk", STAFF))
    return client


@pytest.mark.parametrize(("data", "name", "says"), CASES)
def test_an_unreadable_file_ends_its_admin_preview_failed_with_why(
    clerk, election, django_capture_on_commit_callbacks, data, name, says
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = clerk.post(
            reverse("admin:elections_registerimport_upload", args=[election.pk]),
            {"file": SimpleUploadedFile(name, data), "mode": "snapshot"},
        )
    assert response.status_code == 302 and len(callbacks) == 1
    record = RegisterImport.objects.get()
    register_import_preview(import_id=record.pk)  # what the queued task runs

    record.refresh_from_db()
    assert record.state == ImportState.FAILED, record.message
    assert says in record.message and "Martin" not in record.message
    assert record.finished_at is not None
    progress = clerk.get(reverse("admin:elections_registerimport_progress", args=[record.pk]))
    assert progress.json()["moving"] is False
    page = clerk.get(response["Location"]).content.decode()
    assert 'data-moving="false"' in page and 'id="confirm-import"' not in page


@pytest.mark.parametrize(("data", "name", "says"), CASES)
def test_an_unreadable_file_ends_a_dry_run_with_a_command_error_and_leaves_nothing(
    tmp_path, election, data, name, says
):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError) as refused:
        call_command("import_register", str(path), "--election", election.slug, "--dry-run")
    assert says in str(refused.value)
    assert not RegisterImport.objects.exists()
    assert not default_storage.listdir(f"imports/election-{election.pk}")[1]


def test_a_nul_in_a_csv_row_rejects_that_row_and_ends_the_preview(election):
    data = csv_bytes([ROWS[0], ["0002", "Le\x00roy", "Zoé", "C2", "South"]])
    record = preview(election, data)
    assert record.state == ImportState.PREVIEWED and record.error_count == 1
    assert record.errors == [{"line": 3, "reason": "control character in family_name"}]


def test_an_unexpected_error_fails_the_preview_without_quoting_the_file(
    election, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise ValueError("Martin Paul 0001")  # an error that quotes a row

    monkeypatch.setattr(imports, "register_row", broken)
    caplog.set_level(logging.INFO)
    record = preview(election, csv_bytes(ROWS))
    assert "failed: ValueError" in caplog.text and "Martin" not in caplog.text
    assert record.state == ImportState.FAILED
    assert "(ValueError)" in record.message and "Martin" not in record.message
    record = import_now(election, csv_bytes(ROWS))
    assert record.state == ImportState.FAILED
    assert "(ValueError)" in record.message and "Martin" not in record.message


def test_a_preview_over_the_task_time_limit_ends_failed_saying_so(election, monkeypatch):
    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(imports, "register_row", too_slow)
    record = preview(election, csv_bytes(ROWS))
    assert record.state == ImportState.FAILED
    assert "CELERY_TASK_SOFT_TIME_LIMIT" in record.message


def test_a_file_over_the_upload_limit_is_refused_by_the_form_the_command_and_the_import(
    clerk, election, settings, tmp_path
):
    settings.REGISTER_UPLOAD_MAX_BYTES = 100
    data = csv_bytes(ROWS * 5)
    response = clerk.post(
        reverse("admin:elections_registerimport_upload", args=[election.pk]),
        {"file": SimpleUploadedFile("register.csv", data), "mode": "snapshot"},
    )
    assert response.status_code == 200 and "over the limit of 100" in response.content.decode()
    path = tmp_path / "register.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="over the limit of 100"):
        call_command("import_register", str(path), "--election", election.slug, "--dry-run")
    record = preview(election, data)  # a file stored before the limit was lowered
    assert record.state == ImportState.FAILED and "REGISTER_UPLOAD_MAX_BYTES" in record.message
    assert not RegisterImport.objects.exclude(pk=record.pk).exists()


def test_a_csv_field_over_the_limit_is_refused_with_its_line(election, settings):
    settings.REGISTER_FIELD_MAX_CHARS = 2048
    data = csv_bytes([ROWS[0], ["0002", "x" * 5000, "Zoé", "C2", ""]])
    record = preview(election, data)
    assert record.state == ImportState.FAILED
    assert "Line 3" in record.message and "REGISTER_FIELD_MAX_CHARS" in record.message


# --- numbers read as the sheet shows them -------------------------------------------------------


def test_zero_padded_voter_numbers_read_as_shown_and_a_snapshot_keeps_the_register(election):
    for number in ("0000000001", "0000000002"):
        RegistrationFactory(center__election=election, voter__voter_number=number)
    rows = [[1, "Martin", "Paul", "C1"], [2, "Leroy", "Zoé", "C2"]]
    data = wb.xlsx(rows, formats=["0000000000"], column_styles={0: 1})
    record = preview(election, data, name="register.xlsx")
    assert record.state == ImportState.PREVIEWED and record.message == ""
    assert record.counts["deregistered"] == 0 and record.counts["new"] == 0
    record = import_now(election, data, name="register.xlsx")
    assert record.state == ImportState.SUCCEEDED
    assert sorted(
        Registration.objects.filter(election=election).values_list("voter__voter_number", flat=True)
    ) == ["0000000001", "0000000002"]


def test_a_number_format_in_a_column_the_register_does_not_use_is_not_refused(election):
    rows = [["0001", "Martin", "Paul", "C1", "North", 0.125]]
    data = wb.xlsx(rows, formats=["# ?/?"], column_styles={5: 1}, header=[*wb.HEADER, "share"])
    record = import_now(election, data, name="register.xlsx")
    assert record.state == ImportState.SUCCEEDED and record.message == ""


def test_formulas_dates_and_merged_cells_read_as_before(election):
    """A formula reads as its cached value; a date as an ISO date; a merged cell's value in
    its first cell only (the others are empty, as Excel stores them)."""
    styles = wb.styles(["yyyy-mm-dd"])
    sheet = wb.sheet(
        wb.rows_xml([]) + '<row r="2"><c r="A2" t="str"><f>TEXT(1,"0000")</f><v>0001</v></c>'
        '<c r="B2" t="inlineStr"><is><r><t>Mar</t></r><r><t>tin</t></r></is></c>'
        '<c r="C2" s="1"><v>44927</v></c><c r="D2" t="inlineStr"><is><t>C1</t></is></c></row>'
        '<row r="3"><c r="A3"><f>1+1</f><v>2</v></c><c r="B3" t="inlineStr"><is><t>Leroy</t>'
        '</is></c><c r="D3" t="inlineStr"><is><t>C1</t></is></c></row>'
    )
    data = wb.zipped(wb.workbook(sheet, styles_xml=styles))
    record = import_now(election, data, name="register.xlsx")
    assert record.state == ImportState.SUCCEEDED, record.message
    voters = {
        r.voter.voter_number: (r.voter.family_name, r.voter.given_name)
        for r in Registration.objects.filter(election=election).select_related("voter")
    }
    assert voters == {"0001": ("Martin", "2023-01-01T00:00:00"), "2": ("Leroy", "")}


# --- bounded reading: measured in a process of its own ------------------------------------------


def measure(tmp_path: Path, data: bytes, fmt: str = "xlsx") -> dict:
    path = tmp_path / f"hostile.{fmt}"
    path.write_bytes(data)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.elections.measure_reading", str(path), fmt],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # The whole process's peak (ru_maxrss), Django's start included, stays modest too.
    assert result["process_peak_mb"] < 400
    return result


def bomb_workbook(*, claims_its_size: bool) -> bytes:
    deflated, crc, size = wb.bomb_part(
        b'<?xml version="1.0"?><worksheet xmlns="%s"><sheetData>' % wb.MAIN.encode(),
        b"<row/>",
        2 * GIB,
        b"</sheetData></worksheet>",
    )
    parts = wb.workbook(b"")
    del parts["xl/worksheets/sheet1.xml"]
    claims = size if claims_its_size else 4096
    return wb.zipped_with_raw_part(
        parts, "xl/worksheets/sheet1.xml", deflated, crc, size, claims=claims
    )


@pytest.mark.parametrize(
    ("claims_its_size", "says"),
    [(True, "over 536,870,912 bytes once uncompressed"), (False, "is damaged")],
    ids=["declared", "size-lies"],
)
def test_a_zip_bomb_is_refused_in_seconds_and_bounded_memory(tmp_path, claims_its_size, says):
    data = bomb_workbook(claims_its_size=claims_its_size)
    assert len(data) < 5 * 1024 * 1024  # ~3 MB that decompress to 2 GiB
    result = measure(tmp_path, data)
    assert says in result["refusal"] and "sheet1.xml" in result["refusal"]
    assert result["seconds"] < 10 and result["growth_mb"] < 200


def test_a_huge_shared_string_is_never_held_whole(tmp_path):
    deflated, crc, size = wb.bomb_part(
        b'<?xml version="1.0"?><sst xmlns="%s"><si><t>' % wb.MAIN.encode(),
        b"A",
        300 * 1024 * 1024,
        b"</t></si></sst>",
    )
    sheet = wb.sheet(
        wb.rows_xml([])
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>0001</t></is></c><c r="B2" t="s"><v>0</v>'
        "</c></row>"
    )
    parts = wb.workbook(sheet, shared_strings=b"placeholder")
    del parts["xl/sharedStrings.xml"]
    data = wb.zipped_with_raw_part(parts, "xl/sharedStrings.xml", deflated, crc, size, claims=size)
    assert len(data) < 1024 * 1024
    result = measure(tmp_path, data)
    assert result["refusal"].startswith("Line 2, column B: a cell of over 1,048,576 characters")
    assert result["seconds"] < 30 and result["growth_mb"] < 200


def test_a_false_dimension_is_ignored_and_rows_read_fast(tmp_path):
    rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="inlineStr"><is><t>Martin</t>'
        f'</is></c><c r="C{n}" t="inlineStr"><is><t>Paul</t></is></c><c r="D{n}" '
        f't="inlineStr"><is><t>C1</t></is></c></row>'
        for n in range(2, 50_002)
    )
    sheet = wb.sheet(wb.rows_xml([]) + rows, dimension="A1:XFD1048576")
    result = measure(tmp_path, wb.zipped(wb.workbook(sheet)))
    assert result["refusal"] == "" and result["rows"] == 50_001
    assert result["widest"] == 5  # the header's five columns, not 16,384
    assert result["seconds"] < 30 and result["growth_mb"] < 200


def test_a_cell_far_beyond_the_register_columns_is_refused(election):
    sheet = wb.sheet(wb.rows_xml(ROWS) + '<row r="4"><c r="XFD4"><v>1</v></c></row>')
    record = preview(election, wb.zipped(wb.workbook(sheet)), name="register.xlsx")
    assert record.state == ImportState.FAILED
    assert record.message.startswith("Line 4, column XFD: a cell beyond column ALL")


def test_a_csv_line_with_no_end_is_refused_before_it_is_held(tmp_path):
    data = csv_bytes(ROWS) + b"0003," + b"x" * (6 * 1024 * 1024)
    result = measure(tmp_path, data, fmt="csv")
    assert result["refusal"].startswith("Line 4 is over 4,194,306 bytes long")
    assert result["growth_mb"] < 50


def test_the_measuring_helper_reads_a_good_file(tmp_path):
    result = measure(tmp_path, good_xlsx())
    assert result["refusal"] == "" and result["rows"] == 3 and result["widest"] == 5


def test_a_workbook_reads_as_openpyxl_read_it_numbers_aside():
    """The reader that replaced openpyxl's read-only mode gives the same text for what the
    register has always read: text, dates, times, booleans, plain numbers, empty cells."""
    book = Workbook()
    sheet = book.active
    sheet.append([*wb.HEADER, "born", "flag"])
    sheet.append(["0001", "Martin", "Paul", "C1", "North", datetime.date(1990, 5, 17), True])
    sheet.append([2.5, "Leroy", "Zoé", 7, None, datetime.datetime(1990, 5, 17, 12, 30), False])
    sheet.append([3, "Ngũgĩ", "", "C2", "Sud", datetime.time(10, 0), "=1+1"])
    out = io.BytesIO()
    book.save(out)
    theirs = load_workbook(io.BytesIO(out.getvalue()), read_only=True, data_only=True)
    expected = [
        [cell_text(value) for value in row]
        for row in theirs.worksheets[0].iter_rows(values_only=True)
    ]
    ours = [row.values for row in source_rows(io.BytesIO(out.getvalue()), "xlsx")]
    assert ours == [row[: len(mine)] for row, mine in zip(expected, ours, strict=True)]
    assert all(not any(row[len(mine) :]) for row, mine in zip(expected, ours, strict=True))


def test_shared_rich_text_prefixed_tags_and_cells_without_references():
    strings = (
        f'<sst xmlns="{wb.MAIN}"><si><t>Martin</t></si>'
        "<si><r><t>Le</t></r><r><t>roy</t></r><rPh><t>ルロワ</t></rPh></si><si><t/></si></sst>"
    )
    sheet = (
        f'<x:worksheet xmlns:x="{wb.MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c t="inlineStr"><x:is><x:t>voter_number</x:t></x:is></x:c>'
        '<x:c t="inlineStr"><x:is><x:t>family_name</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c><x:v>1</x:v></x:c><x:c t="s"><x:v>0</x:v></x:c></x:row>'
        '<x:row><x:c><x:v>2</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c>'
        '<x:c t="s"><x:v>2</x:v></x:c><x:c t="d"><x:v>2023-01-02T03:04:05</x:v></x:c>'
        '<x:c t="s"/></x:row></x:sheetData></x:worksheet>'
    )
    data = wb.zipped(wb.workbook(sheet, shared_strings=strings))
    rows = [(row.line, row.values) for row in source_rows(io.BytesIO(data), "xlsx")]
    assert rows == [
        (1, ["voter_number", "family_name"]),
        (2, ["1", "Martin"]),
        (3, ["2", "Leroy", "", "2023-01-02T03:04:05"]),
    ]


def _central_entry_patched(data: bytes, name: bytes, offset: int, value: bytes) -> bytes:
    """``data`` with bytes at ``offset`` of ``name``'s central directory entry replaced."""
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))
    return data[: at + offset] + value + data[at + offset + len(value) :]


@pytest.mark.parametrize(
    ("offset", "value", "says"),
    [(8, b"\x01\x00", "password-protected"), (10, b"\x09\x00", "compressed in a way")],
    ids=["zip-encrypted-part", "deflate64"],
)
def test_a_workbook_part_that_cannot_be_decompressed_is_refused(election, offset, value, says):
    data = _central_entry_patched(good_xlsx(), b"xl/worksheets/sheet1.xml", offset, value)
    record = preview(election, data, name="register.xlsx")
    assert record.state == ImportState.FAILED and says in record.message
