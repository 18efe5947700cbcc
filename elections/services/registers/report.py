"""What an import's counts say, in the words the preview page and the command line use."""

from __future__ import annotations

from elections.models import ImportMode, RegisterImport
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
    lines.append(("new centers", counts["new_centers"]))
    return lines


def error_lines(record: RegisterImport, limit: int = 20) -> list[str]:
    return [f"line {error['line']}: {error['reason']}" for error in record.errors[:limit]]
