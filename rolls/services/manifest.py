"""What a run's files are called outside storage: zip entries, download names, manifest rows.

Center codes and names are user text. In a file name they lose control and bidi characters
(a right-to-left override would show "fdp.exe" as "exe.pdf") and path separators; in the
manifest a cell starting like a formula (``=1+1``, ``+``, ``-``, ``@``) is neutralised, as
spreadsheets would otherwise evaluate it on opening.
"""

from __future__ import annotations

import unicodedata

from rolls.models import RollFile, Run
from rolls.services.storage import check_relative_name

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
UNSAFE_IN_FILE_NAMES = set('/\\:*?"<>|')
MANIFEST_HEADER = ["center", "station", "voters", "pages", "bytes", "sha256", "file"]


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def file_name_safe(text: str) -> str:
    """``text`` without control, format (bidi) or separator characters, for a file name."""
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category.startswith("C") or category in ("Zl", "Zp"):
            continue
        kept.append("_" if ch in UNSAFE_IN_FILE_NAMES or category == "Zs" else ch)
    return "".join(kept).strip("._") or "file"


def zip_folder(run: Run) -> str:
    return file_name_safe(f"{run.election.slug}-run-{run.pk}")


def zip_entry_name(run: Run, roll: RollFile) -> str:
    """``<election>-run-<id>/<center folder>/station-NNN.pdf``: unique, since the center
    folder begins with the center's id, and never ``..`` or absolute."""
    center_folder, file_name = roll.path.rsplit("/", 2)[-2:]
    return check_relative_name(
        f"{zip_folder(run)}/{file_name_safe(center_folder)}/{file_name_safe(file_name)}"
    )


def roll_download_name(run: Run, roll: RollFile) -> str:
    """For people: the center's own code (need not be unique: one file per download)."""
    file_name = roll.path.rsplit("/", 1)[-1]
    return file_name_safe(f"{run.election.slug}-run-{run.pk}-{roll.center.code}-{file_name}")


def manifest_row(run: Run, roll: RollFile) -> list[object]:
    """One manifest line; ``roll.center`` must be loaded."""
    entry = zip_entry_name(run, roll).split("/", 1)[1]
    return [
        spreadsheet_safe(value)
        for value in (
            roll.center.code,
            roll.station_number,
            roll.voters,
            roll.pages,
            roll.bytes,
            roll.sha256,
            entry,
        )
    ]
