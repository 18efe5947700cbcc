"""What merging a staged register would do, counted before anything is written: the
preview's counts, the first voters a snapshot would deregister, and the other elections a
rename reaches. Read-only SQL over the staging table (:mod:`.staging`), with the merge's
own conditions, so the preview counts what the merge does.
"""

from __future__ import annotations

from django.db import connection

from elections.services.registers.rows import VOTER_COLUMNS
from elections.services.registers.staging import CENTERS, REGISTRATIONS, VOTERS, Staging


def staging_plan(staging: Staging, *, election_id: int, snapshot: bool) -> dict[str, int]:
    """What the merge would do, counted before anything is written. A row counts as
    ``new`` (not yet registered in this election), ``moved`` (registered at another
    center), ``updated`` (a name differs; ``updated_<field>`` per field) and
    ``unchanged`` (none of these); moved and updated may be the same voter."""
    differs = " OR ".join(f"v.{c} <> s.{c}" for c in VOTER_COLUMNS)
    per_field = "".join(f", SUM(CASE WHEN v.{c} <> s.{c} THEN 1 ELSE 0 END)" for c in VOTER_COLUMNS)
    sql = (
        "SELECT COUNT(*), "
        "SUM(CASE WHEN r.id IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN v.id IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN r.id IS NOT NULL AND (c.id IS NULL OR c.id <> r.center_id) "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN v.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.id IS NOT NULL AND c.id = r.center_id AND NOT ({differs}) "
        f"THEN 1 ELSE 0 END){per_field} "
        f"FROM {staging.table} s "
        f"LEFT JOIN {VOTERS} v ON v.voter_number = s.voter_number "
        f"LEFT JOIN {REGISTRATIONS} r ON r.voter_id = v.id AND r.election_id = %s "
        f"LEFT JOIN {CENTERS} c ON c.election_id = %s AND c.code = s.center_code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [election_id, election_id])
        rows, new, new_voters, moved, updated, unchanged, *fields = (
            int(n or 0) for n in cursor.fetchone()
        )
        cursor.execute(
            f"SELECT COUNT(DISTINCT center_code) FROM {staging.table} s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {CENTERS} c WHERE c.election_id = %s AND c.code = s.center_code)",
            [election_id],
        )
        new_centers = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM {REGISTRATIONS} WHERE election_id = %s", [election_id]
        )
        registered = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(DISTINCT v.id) FROM {staging.table} s "
            f"JOIN {VOTERS} v ON v.voter_number = s.voter_number "
            f"JOIN {REGISTRATIONS} r ON r.voter_id = v.id AND r.election_id <> %s "
            f"WHERE {differs}",
            [election_id],
        )
        renamed_elsewhere = cursor.fetchone()[0]
        deregistered = kept_rejected = 0
        if snapshot:
            cursor.execute(
                f"SELECT COUNT(*) FROM {REGISTRATIONS} r JOIN {VOTERS} v ON v.id = r.voter_id "
                f"WHERE r.election_id = %s AND {staging.leaving()}",
                [election_id],
            )
            deregistered = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT COUNT(*) FROM {REGISTRATIONS} r JOIN {VOTERS} v ON v.id = r.voter_id "
                f"WHERE r.election_id = %s AND NOT EXISTS (SELECT 1 FROM {staging.table} s "
                "WHERE s.voter_number = v.voter_number) AND EXISTS "
                f"(SELECT 1 FROM {staging.kept} k WHERE k.voter_number = v.voter_number)",
                [election_id],
            )
            kept_rejected = cursor.fetchone()[0]
    return {
        "rows": rows,
        "new": new,
        "new_voters": new_voters,
        "updated": updated,
        **{f"updated_{c}": n for c, n in zip(VOTER_COLUMNS, fields, strict=True)},
        "unchanged": unchanged,
        "moved": moved,
        "deregistered": deregistered,
        "kept_rejected": kept_rejected,
        "new_centers": new_centers,
        "registered": registered,
        "renamed_elsewhere": renamed_elsewhere,
    }


def leaving_sample(staging: Staging, *, election_id: int, limit: int) -> list[dict]:
    """The first ``limit`` voters (by voter number) a snapshot would deregister."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.voter_number, v.family_name, v.given_name, c.code "
            f"FROM {REGISTRATIONS} r JOIN {VOTERS} v ON v.id = r.voter_id "
            f"JOIN {CENTERS} c ON c.id = r.center_id "
            f"WHERE r.election_id = %s AND {staging.leaving()} "
            "ORDER BY v.voter_number LIMIT %s",
            [election_id, limit],
        )
        columns = ("voter_number", "family_name", "given_name", "center_code")
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def renamed_by_election(staging: Staging, *, election_id: int) -> list[tuple[int, int]]:
    """(other election's id, voters it registers whom this file renames), by id: voter
    rows are shared, so a rename here is a rename there too."""
    differs = " OR ".join(f"v.{c} <> s.{c}" for c in VOTER_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.election_id, COUNT(DISTINCT v.id) FROM {staging.table} s "
            f"JOIN {VOTERS} v ON v.voter_number = s.voter_number "
            f"JOIN {REGISTRATIONS} r ON r.voter_id = v.id AND r.election_id <> %s "
            f"WHERE {differs} GROUP BY r.election_id ORDER BY r.election_id",
            [election_id],
        )
        return [(int(other), int(voters)) for other, voters in cursor.fetchall()]
