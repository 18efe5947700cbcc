"""What an import's counts say, in the words the preview page and the command line use."""

from __future__ import annotations

from django.conf import settings

from elections.models import ImportMode, RegisterImport
from elections.services.registers.guard import confirmation_needed
from elections.services.registers.rows import VOTER_COLUMNS


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
