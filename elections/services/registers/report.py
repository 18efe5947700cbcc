"""What an import's counts say, in the words the preview page and the command line use (in
the console's language, English on the command line)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from elections.models import ImportMode, ImportState, RegisterImport
from elections.services.registers.guard import confirmation_needed
from elections.services.registers.rows import VOTER_COLUMNS


def import_status(record: RegisterImport) -> str:
    """Where the import stands, in the words staff use (never a state's or phase's name)."""
    if record.state == ImportState.PREVIEWING:
        return gettext("Reading the file for the preview: nothing is written yet")
    if record.state == ImportState.PREVIEWED:
        if record.message:
            return gettext("Cannot be imported: see why below")
        if invalid_rows_block(record):
            return gettext("Cannot be imported as it is: see why below")
        return gettext("Ready to import: check the counts and confirm")
    if record.state == ImportState.QUEUED:
        return gettext("Confirmed: waiting for a worker to start the import")
    if record.state == ImportState.RUNNING:
        if record.phase == "merging":
            return gettext("Importing: writing the register")
        return gettext("Importing: reading the file")
    if record.state == ImportState.SUCCEEDED:
        return gettext("Imported")
    return gettext("Failed: nothing was written")


def rows_read_line(record: RegisterImport) -> str:
    """How far the reading got ("Read 5,000 rows", "Read 5,000 of 12,000 rows")."""
    if record.state in (ImportState.QUEUED, ImportState.RUNNING) and record.rows_total:
        return gettext("Read %(read)s of %(total)s rows") % {
            "read": intcomma(record.rows_read),
            "total": intcomma(record.rows_total),
        }
    return ngettext("Read %(read)s row", "Read %(read)s rows", record.rows_read) % {
        "read": intcomma(record.rows_read)
    }


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
    rows = ngettext("%(count)s row is invalid", "%(count)s rows are invalid", invalid) % {
        "count": intcomma(invalid)
    }
    if not valid:
        return gettext("%(rows)s and none is valid: correct the file and upload it again.") % {
            "rows": rows
        }
    skip = (
        gettext("tick “Skip invalid rows” below and preview again")
        if can_remap
        else gettext("upload it again with “Skip invalid rows” ticked")
    )
    return ngettext(
        "%(rows)s, so nothing can be imported yet: correct the file and upload it again, "
        "or %(skip)s to import the %(valid)s valid row without them.",
        "%(rows)s, so nothing can be imported yet: correct the file and upload it again, "
        "or %(skip)s to import the %(valid)s valid rows without them.",
        valid,
    ) % {"rows": rows, "skip": skip, "valid": intcomma(valid)}


# How the preview names each voter column that an import may change.
COLUMN_CHANGED = {
    "family_name": _("family name changed"),
    "given_name": _("given name changed"),
}


def count_lines(record: RegisterImport) -> list[tuple[str, int]]:
    """(label, number) for each count of the preview or the import, in reading order."""
    counts = record.counts
    if not counts:
        return []
    lines = [
        (gettext("rows read as valid"), counts["rows"]),
        (gettext("new to this election"), counts["new"]),
        ("  " + gettext("of whom new voters"), counts["new_voters"]),
        (gettext("names updated"), counts["updated"]),
        *(
            (
                "  "
                + str(
                    COLUMN_CHANGED.get(column)
                    or gettext("%(column)s changed") % {"column": column.replace("_", " ")}
                ),
                counts.get(f"updated_{column}", 0),
            )
            for column in VOTER_COLUMNS
        ),
        (gettext("unchanged"), counts["unchanged"]),
        (gettext("moved to another center"), counts["moved"]),
    ]
    if record.mode == ImportMode.SNAPSHOT:
        lines.append((gettext("deregistered (not in the file)"), counts["deregistered"]))
        lines.append((gettext("kept: on a rejected line"), counts.get("kept_rejected", 0)))
    lines.append((gettext("new centers"), counts["new_centers"]))
    lines.append((gettext("renamed, registered elsewhere too"), counts.get("renamed_elsewhere", 0)))
    return lines


def deregistration_note(record: RegisterImport) -> str:
    """What the mass-change guard asks of staff before this snapshot (empty if nothing)."""
    counts = record.counts
    if record.mode != ImportMode.SNAPSHOT or not counts or not confirmation_needed(counts):
        return ""
    return gettext(
        "This snapshot would deregister %(deregistered)s of the election's "
        "%(registered)s registered voters, more than %(percent)s%%: staff must confirm "
        "that number to import it."
    ) % {
        "deregistered": intcomma(counts["deregistered"]),
        "registered": intcomma(counts["registered"]),
        "percent": settings.REGISTER_GUARD_PERCENT,
    }


def deregistration_sample_lines(record: RegisterImport) -> list[str]:
    """The first voters (by number) the snapshot would deregister, or did."""
    return [
        f"{voter['voter_number']}  {voter['family_name']}, {voter['given_name']}  ("
        + gettext("center %(code)s") % {"code": voter["center_code"]}
        + ")"
        for voter in record.deregistration_sample
    ]


def renamed_elsewhere_lines(record: RegisterImport) -> list[str]:
    """Each other election that registers voters this import renames, and how many."""
    return [
        f"{other['slug']} ({other['name']}): "
        + ngettext("%(count)s voter", "%(count)s voters", other["voters"])
        % {"count": intcomma(other["voters"])}
        for other in record.renamed_elsewhere
    ]


def error_lines(record: RegisterImport, limit: int = 20) -> list[str]:
    return [
        gettext("line %(line)s: %(reason)s") % {"line": error["line"], "reason": error["reason"]}
        for error in record.errors[:limit]
    ]
