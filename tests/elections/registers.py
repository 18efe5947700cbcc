"""Writing register files for the tests, and importing them through the service."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from elections.models import ImportState, RegisterImport
from elections.services.registers.imports import register_import_execute, register_import_preview
from elections.services.registers.records import register_import_create

HEADER = ["voter_number", "family_name", "given_name", "center_code", "center_name"]


def csv_bytes(
    rows: list[list[str]],
    *,
    header: list[str] = HEADER,
    delimiter: str = ",",
    bom: bool = False,
    newline: str = "\n",
) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[object]], *, header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def preview(election, data: bytes, *, name: str = "register.csv", **options) -> RegisterImport:
    record = register_import_create(
        election=election, upload=io.BytesIO(data), file_name=name, username="tester", **options
    )
    return register_import_preview(import_id=record.pk)


def import_now(election, data: bytes, *, name: str = "register.csv", **options) -> RegisterImport:
    """Import at once, as the command line does (the record created running)."""
    record = register_import_create(
        election=election,
        upload=io.BytesIO(data),
        file_name=name,
        username="tester",
        state=ImportState.RUNNING,
        **options,
    )
    return register_import_execute(import_id=record.pk)
