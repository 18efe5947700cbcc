"""From a file's columns to checked register rows, and from a row to the staging table.

``staged_values`` is the one place that builds a row's column values for the staging table:
a new column of the register (a collation sort key of the registration, a folded search name
of the voter) is one edit there, plus its name in ``STAGING_COLUMNS`` and in
``VOTER_COLUMNS`` or ``REGISTRATION_COLUMNS`` (:mod:`.staging` copies those on the merge).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from elections.folding import search_name, search_name_given_first
from elections.models import Election, PollingCenter, Voter
from elections.services.collation import sort_key

REQUIRED = ("voter_number", "family_name", "given_name", "center_code")
OPTIONAL = ("center_name",)
FIELDS = REQUIRED + OPTIONAL
# A field may be empty only if listed here (some people have one name).
MAY_BE_EMPTY = ("given_name", "center_name")
LIMITS = {
    "voter_number": Voter._meta.get_field("voter_number").max_length,
    "family_name": Voter._meta.get_field("family_name").max_length,
    "given_name": Voter._meta.get_field("given_name").max_length,
    "center_code": PollingCenter._meta.get_field("code").max_length,
    "center_name": PollingCenter._meta.get_field("name").max_length,
}
# C0 and C1 control characters (tab, line breaks and NUL among them): never part of a name,
# and a NUL is refused by PostgreSQL. Format characters (ZWNJ in Persian names) are kept.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# The staging table's columns, in the order staged_values returns them.
STAGING_COLUMNS = (
    "line",
    "voter_number",
    "family_name",
    "given_name",
    "center_code",
    "center_name",
    "sort_key",
    "search_name",
    "search_name_given_first",
)
# Column types of the staging table other than text, by database vendor where they differ.
STAGING_TYPES = {"line": "integer", "sort_key": {"postgresql": "bytea", "sqlite": "blob"}}
# Staged columns copied onto the voter (insert and update) and onto the registration.
VOTER_COLUMNS = ("family_name", "given_name")
# Made from those (never compared on their own, so the preview counts name changes once):
# the folded names that find a voter.
VOTER_DERIVED_COLUMNS = ("search_name", "search_name_given_first")
REGISTRATION_COLUMNS: tuple[str, ...] = ("sort_key",)


class ColumnsError(ValueError):
    """The header lacks a required column (or a mapping names a missing one)."""


def header_key(text: str) -> str:
    """``Voter Number`` and `` voter-number`` both name ``voter_number``."""
    return re.sub(r"[\s\-]+", "_", text.strip().lstrip("\ufeff").lower())


def column_positions(headers: list[str], mapping: dict[str, str] | None) -> dict[str, int]:
    """{field: index in the row} for the file's header, by name or by the staff's mapping
    ({field: header}); extra columns are ignored."""
    keys = [header_key(h) for h in headers]
    positions: dict[str, int] = {}
    for field in FIELDS:
        wanted = header_key((mapping or {}).get(field) or field)
        if wanted in keys:
            positions[field] = keys.index(wanted)
    missing = [field for field in REQUIRED if field not in positions]
    if missing:
        found = ", ".join(h for h in headers if h.strip()) or "none"
        raise ColumnsError(
            f"Missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(the header has: {found}). Rename them in the file or map them to its columns."
        )
    return positions


@dataclass(frozen=True)
class RegisterRow:
    voter_number: str
    family_name: str
    given_name: str
    center_code: str
    center_name: str


def row_fields(values: list[str], positions: dict[str, int]) -> dict[str, str]:
    """The row's fields as read, trimmed and in NFC, so a name typed with combining accents
    and the same name typed precomposed compare equal (a short row's missing cells are
    empty)."""
    return {
        field: (unicodedata.normalize("NFC", values[index].strip()) if index < len(values) else "")
        for field, index in positions.items()
    }


def row_problems(fields: dict[str, str], width: int, header_width: int) -> list[str]:
    """Why the row cannot be imported (empty when it can)."""
    problems = []
    if width > header_width:
        problems.append(
            f"{width} fields where the header has {header_width} "
            "(a name with the delimiter in it must be quoted)"
        )
    for field in FIELDS:
        value = fields.get(field, "")
        if not value and field not in MAY_BE_EMPTY:
            problems.append(f"empty {field}")
        elif len(value) > LIMITS[field]:
            problems.append(f"{field} is {len(value)} characters long (at most {LIMITS[field]})")
        if CONTROL.search(value):
            problems.append(f"control character in {field}")
    return problems


def register_row(fields: dict[str, str]) -> RegisterRow:
    return RegisterRow(**{field: fields.get(field, "") for field in FIELDS})


def staged_values(line: int, row: RegisterRow, election: Election) -> tuple:
    """The staging table's values for one valid row (see ``STAGING_COLUMNS``).

    The registration's sort key is in the election's language: the merge writes it with the
    registration, so an imported register is in alphabetical order as soon as it lands."""
    return (
        line,
        row.voter_number,
        row.family_name,
        row.given_name,
        row.center_code,
        row.center_name,
        sort_key(election.language, row.family_name, row.given_name, row.voter_number),
        search_name(row.family_name, row.given_name),
        search_name_given_first(row.family_name, row.given_name),
    )
