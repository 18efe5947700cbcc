"""The rows an import refused: the first ones kept on the record, all of them in a CSV.

The CSV (kept in storage beside the import's file) has the register's own column names plus
the line and the reason, so staff can correct it and import it again; every cell is made
inert for spreadsheet programs.
"""

from __future__ import annotations

import csv
import io
import tempfile

from django.core.files import File
from django.core.files.storage import default_storage

from elections.models import RegisterImport
from elections.services.registers.rows import FIELDS
from elections.spreadsheets import spreadsheet_safe

FIRST_ERRORS = 100
HEADER = ["line", "reason", *FIELDS]


class Rejections:
    def __init__(self, record: RegisterImport) -> None:
        self.record = record
        self.count = 0
        self.first: list[dict] = []
        self.path = ""
        # In memory up to 1 MiB, then a temporary file: flat memory for any number of rows.
        # Closed by close(), which the import calls in its finally.
        self._file = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, mode="w+b")  # noqa: SIM115
        self._text = io.TextIOWrapper(self._file, encoding="utf-8", newline="")
        self._csv = csv.writer(self._text)
        self._csv.writerow(HEADER)

    def add(self, line: int, reason: str, fields: dict) -> None:
        self.count += 1
        if len(self.first) < FIRST_ERRORS:
            self.first.append({"line": line, "reason": reason})
        self._csv.writerow(
            [spreadsheet_safe(v) for v in [line, reason, *(fields.get(f, "") for f in FIELDS)]]
        )

    def save(self) -> None:
        """Store the CSV (when anything was refused) and the first errors on the record."""
        self.first.sort(key=lambda error: error["line"])
        path = f"{self.record.folder}/import-{self.record.pk}-rejected.csv"
        default_storage.delete(path)
        if self.count:
            self._text.flush()
            self._file.seek(0)
            self.path = default_storage.save(path, File(self._file))
        RegisterImport.objects.filter(pk=self.record.pk).update(
            errors=self.first, error_count=self.count, rejected_path=self.path
        )

    def close(self) -> None:
        self._text.close()
