"""The staging table of one import and the set-based SQL that merges it.

Rows go into a temporary table of this connection (``COPY`` on PostgreSQL, batched
``executemany`` on SQLite); duplicates and the merge are then a handful of statements over
it, on both databases alike (:mod:`.plan` counts what the merge would do). Table and column
names come from model metadata and the fixed column lists; every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection, transaction

from elections.models import PollingCenter, Registration, Voter
from elections.services.registers.rows import (
    REGISTRATION_COLUMNS,
    STAGING_COLUMNS,
    STAGING_TYPES,
    VOTER_COLUMNS,
    VOTER_DERIVED_COLUMNS,
)

VOTERS = Voter._meta.db_table
REGISTRATIONS = Registration._meta.db_table
CENTERS = PollingCenter._meta.db_table
BATCH = 10_000


def staging_name(import_id: int) -> str:
    return f"register_import_{int(import_id)}"


def _column_type(name: str) -> str:
    kind = STAGING_TYPES.get(name, "text")
    return kind[connection.vendor] if isinstance(kind, dict) else kind


class Staging:
    """The temporary table of one import on the current connection."""

    def __init__(self, import_id: int) -> None:
        self.table = staging_name(import_id)
        # The voter numbers of the file's rejected lines: a snapshot keeps their
        # registrations (the voter is in the file, whatever was wrong with the line).
        self.kept = f"{self.table}_kept"

    def create(self) -> None:
        columns = ", ".join(f"{name} {_column_type(name)} NOT NULL" for name in STAGING_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.kept}")
            cursor.execute(f"CREATE TEMP TABLE {self.table} ({columns})")
            cursor.execute(f"CREATE TEMP TABLE {self.kept} (voter_number text NOT NULL)")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            cursor.execute(f"DROP TABLE IF EXISTS {self.kept}")

    def keep(self, voter_numbers: list[str]) -> None:
        """Record voter numbers read on rejected lines (called between two batches of the
        load, never during a COPY)."""
        if not voter_numbers:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {self.kept} (voter_number) FROM STDIN") as copy:
                    for number in voter_numbers:
                        copy.write_row((number,))
            else:
                with transaction.atomic():
                    cursor.executemany(
                        f"INSERT INTO {self.kept} (voter_number) VALUES (%s)",
                        [(number,) for number in voter_numbers],
                    )

    def load(self, batches: Iterable[list[tuple]]) -> None:
        """Write each batch of staged rows (the caller's generator reports progress)."""
        names = ", ".join(STAGING_COLUMNS)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One COPY a batch: between two, the connection is free for the progress
                # update (no other statement may run on it while a COPY is open).
                for batch in batches:
                    with cursor.copy(f"COPY {self.table} ({names}) FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(STAGING_COLUMNS))
                sql = f"INSERT INTO {self.table} ({names}) VALUES ({marks})"
                for batch in batches:
                    # One transaction a batch: in autocommit SQLite would commit every row.
                    with transaction.atomic():
                        cursor.executemany(sql, batch)

    def index(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {self.table}_number ON {self.table} (voter_number)")
            cursor.execute(f"CREATE INDEX {self.table}_center ON {self.table} (center_code)")
            cursor.execute(f"CREATE INDEX {self.kept}_number ON {self.kept} (voter_number)")
            # Autovacuum never analyses a temporary table: without this the planner takes
            # it for empty and picks nested loops over a million rows.
            cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(f"ANALYZE {self.kept}")

    def duplicates(self) -> Iterator[list[dict]]:
        """For each voter number the file holds more than once, its staged rows (as
        {column: value}, in line order)."""
        sql = (
            f"SELECT {', '.join(STAGING_COLUMNS)} FROM {self.table} WHERE voter_number IN "
            f"(SELECT voter_number FROM {self.table} GROUP BY voter_number HAVING COUNT(*) > 1) "
            "ORDER BY voter_number, line"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            group: list[dict] = []
            for values in cursor:
                row = dict(zip(STAGING_COLUMNS, values, strict=True))
                if group and group[0]["voter_number"] != row["voter_number"]:
                    yield group
                    group = []
                group.append(row)
            if group:
                yield group

    def drop_duplicates(self) -> None:
        """Unstage every line of a duplicated voter number; the number stays kept (the
        voter is in the file, on lines that contradict each other)."""
        duplicated = (
            f"SELECT voter_number FROM {self.table} GROUP BY voter_number HAVING COUNT(*) > 1"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {self.kept} (voter_number) {duplicated}")
            cursor.execute(f"DELETE FROM {self.table} WHERE voter_number IN ({duplicated})")

    def leaving(self) -> str:
        """The election's registrations (``r``, voter ``v``) that a snapshot deregisters: on
        no line of the file at all, valid or rejected. One condition for the plan, the sample
        and the merge, so the preview counts exactly what the merge deletes."""
        return (
            f"NOT EXISTS (SELECT 1 FROM {self.table} s WHERE s.voter_number = v.voter_number) "
            f"AND NOT EXISTS (SELECT 1 FROM {self.kept} k WHERE k.voter_number = v.voter_number)"
        )

    # --- the merge --------------------------------------------------------------------------
    def merge(self, election_id: int, snapshot: bool) -> None:
        """Apply the staged register to the election. The caller holds the transaction: these
        statements land together or not at all."""
        e = [election_id]
        written = VOTER_COLUMNS + VOTER_DERIVED_COLUMNS
        voter_cols = ", ".join(written)
        staged_voter_cols = ", ".join(f"s.{c}" for c in written)
        set_voter = ", ".join(f"{c} = s.{c}" for c in written)
        voter_differs = " OR ".join(f"{VOTERS}.{c} <> s.{c}" for c in VOTER_COLUMNS)
        reg_cols = "".join(f", {c}" for c in REGISTRATION_COLUMNS)
        staged_reg_cols = "".join(f", s.{c}" for c in REGISTRATION_COLUMNS)
        set_reg = "".join(f", {c} = s.{c}" for c in REGISTRATION_COLUMNS)
        renamed = " OR ".join(f"v.{c} <> s.{c}" for c in VOTER_COLUMNS)
        reg_differs = "".join(f" OR {REGISTRATIONS}.{c} <> s.{c}" for c in REGISTRATION_COLUMNS)
        statements = [
            # Unknown center codes become centers, named by the file when it names them.
            (
                f"INSERT INTO {CENTERS} (election_id, code, name) "
                "SELECT %s, s.center_code, "
                "COALESCE(MAX(NULLIF(s.center_name, '')), s.center_code) "
                f"FROM {self.table} s WHERE NOT EXISTS (SELECT 1 FROM {CENTERS} c "
                f"WHERE c.election_id = %s AND c.code = s.center_code) GROUP BY s.center_code",
                e + e,
            ),
            # A voter renamed here keeps a stale key in the other elections that register
            # them: drop it, and their next assignment keys them again (it fills missing keys
            # before it splits). Before the rename, while the names still differ.
            (
                f"UPDATE {REGISTRATIONS} SET sort_key = NULL WHERE election_id <> %s "
                f"AND voter_id IN (SELECT v.id FROM {VOTERS} v JOIN {self.table} s "
                f"ON s.voter_number = v.voter_number WHERE {renamed})",
                e,
            ),
            (
                f"UPDATE {VOTERS} SET {set_voter} FROM {self.table} s "
                f"WHERE {VOTERS}.voter_number = s.voter_number AND ({voter_differs})",
                [],
            ),
            (
                f"INSERT INTO {VOTERS} (voter_number, {voter_cols}) "
                f"SELECT s.voter_number, {staged_voter_cols} FROM {self.table} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {VOTERS} v "
                "WHERE v.voter_number = s.voter_number)",
                [],
            ),
            (
                f"UPDATE {REGISTRATIONS} SET center_id = c.id{set_reg} "
                f"FROM {self.table} s JOIN {VOTERS} v ON v.voter_number = s.voter_number "
                f"JOIN {CENTERS} c ON c.election_id = %s AND c.code = s.center_code "
                f"WHERE {REGISTRATIONS}.election_id = %s AND {REGISTRATIONS}.voter_id = v.id "
                f"AND ({REGISTRATIONS}.center_id <> c.id{reg_differs})",
                e + e,
            ),
            (
                f"INSERT INTO {REGISTRATIONS} (election_id, center_id, voter_id{reg_cols}) "
                f"SELECT %s, c.id, v.id{staged_reg_cols} FROM {self.table} s "
                f"JOIN {VOTERS} v ON v.voter_number = s.voter_number "
                f"JOIN {CENTERS} c ON c.election_id = %s AND c.code = s.center_code "
                f"WHERE NOT EXISTS (SELECT 1 FROM {REGISTRATIONS} r "
                f"WHERE r.election_id = %s AND r.voter_id = v.id)",
                e + e + e,
            ),
        ]
        if snapshot:
            # Deregisters from this election only, and only voters on no line of the file: the
            # voter (a person other elections may register, and earlier runs printed) stays.
            statements.append(
                (
                    f"DELETE FROM {REGISTRATIONS} WHERE election_id = %s AND EXISTS "
                    f"(SELECT 1 FROM {VOTERS} v WHERE v.id = {REGISTRATIONS}.voter_id "
                    f"AND {self.leaving()})",
                    e,
                )
            )
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
