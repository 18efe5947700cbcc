"""What an import's counts say, in the words the preview page and the command line use."""

from __future__ import annotations

from django.conf import settings

from elections.models import ImportMode, ImportState, RegisterImport
from elections.services.registers.guard import confirmation_needed
from elections.services.registers.rows import VOTER_COLUMNS


def import_status(record: RegisterImport) -> str:
    """Where the import stands, in the words staff use (never a state's or phase's name)."""
    if record.state == ImportState.PREVIEWING:
        return "Reading the file for the preview: nothing is written yet"
    if record.state == ImportState.PREVIEWED:
        if record.message:
            return "Cannot be imported: see why below"
        if invalid_rows_block(record):
            return "Cannot be imported as it is: see why below"
        return "Ready to import: check the counts and confirm"
    if record.state == ImportState.QUEUED:
        return "Confirmed: waiting for a worker to start the import"
    if record.state == ImportState.RUNNING:
        if record.phase == "merging":
            return "Importing: writing the register"
        return "Importing: reading the file"
    if record.state == ImportState.SUCCEEDED:
        return "Imported"
    return "Failed: nothing was written"


def rows_read_line(record: RegisterImport) -> str:
    """How far the reading got ("Read 5,000 rows", "Read 5,000 of 12,000 rows")."""
    if record.state in (ImportState.QUEUED, ImportState.RUNNING) and record.rows_total:
        return f"Read {record.rows_read:,} of {record.rows_total:,} rows"
    return f"Read {record.rows_read:,} row{'' if record.rows_read == 1 else 's'}"


def invalid_rows_block(record: RegisterImport) -> bool:
    """A preview whose only obstacle is its invalid rows: staff did not choose to skip them."""
    return (
        record.state == ImportState.PREVIEWED
        and not record.message
        and bool(record.error_count)
        and not record.skip_invalid
    )


def invalid_rows_note(record: RegisterImport, *, can_remap: bool) -> str:
    """Why a preview with invalid rows cannot be imported, and the two ways on (empty when
    the invalid rows are no obstacle)."""
    if not invalid_rows_block(record):
        return ""
    invalid = record.error_count
    valid = (record.counts or {}).get("rows", 0)
    rows = f"{invalid:,} row{'s are' if invalid != 1 else ' is'} invalid"
    if not valid:
        return f"{rows} and none is valid: correct the file and upload it again."
    skip = (
        "tick “Skip invalid rows” below and preview again"
        if can_remap
        else "upload it again with “Skip invalid rows” ticked"
    )
    return (
        f"{rows}, so nothing can be imported yet: correct the file and upload it again, "
        f"or {skip} to import the {valid:,} valid row{'s' if valid != 1 else ''} "
        "without them."
    )


def count_lines(record: RegisterImport) -> list[tuple[str, int]]:
    """(label, number) for each count of the preview or the import, in reading order."""
    counts = record.counts
    if not counts:
        return []
    lines = [
        ("rows read as valid", counts["rows"]),
        ("new to this election", counts["new"]),
        ("  of whom new voters", counts["new_voters"]),
        ("names updated", counts["updated"]),
        *(
            (f"  {column.replace('_', ' ')} changed", counts.get(f"updated_{column}", 0))
            for column in VOTER_COLUMNS
        ),
        ("unchanged", counts["unchanged"]),
        ("moved to another center", counts["moved"]),
    ]
    if record.mode == ImportMode.SNAPSHOT:
        lines.append(("deregistered (not in the file)", counts["deregistered"]))
        lines.append(("kept: on a rejected line", counts.get("kept_rejected", 0)))
    lines.append(("new centers", counts["new_centers"]))
    lines.append(("renamed, registered elsewhere too", counts.get("renamed_elsewhere", 0)))
    return lines


def deregistration_note(record: RegisterImport) -> str:
    """What the mass-change guard asks of staff before this snapshot (empty if nothing)."""
    counts = record.counts
    if record.mode != ImportMode.SNAPSHOT or not counts or not confirmation_needed(counts):
        return ""
    return (
        f"This snapshot would deregister {counts['deregistered']:,} of the election's "
        f"{counts['registered']:,} registered voters, more than "
        f"{settings.REGISTER_GUARD_PERCENT}%: staff must confirm that number to import it."
    )


def deregistration_sample_lines(record: RegisterImport) -> list[str]:
    """The first voters (by number) the snapshot would deregister, or did."""
    return [
        f"{voter['voter_number']}  {voter['family_name']}, {voter['given_name']}"
        f"  (center {voter['center_code']})"
        for voter in record.deregistration_sample
    ]


def renamed_elsewhere_lines(record: RegisterImport) -> list[str]:
    """Each other election that registers voters this import renames, and how many."""
    return [
        f"{other['slug']} ({other['name']}): {other['voters']:,} voter"
        f"{'s' if other['voters'] != 1 else ''}"
        for other in record.renamed_elsewhere
    ]


def error_lines(record: RegisterImport, limit: int = 20) -> list[str]:
    return [f"line {error['line']}: {error['reason']}" for error in record.errors[:limit]]
