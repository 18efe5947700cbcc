"""Alphabetical order in the election's language: ICU sort keys stored per registration.

The order is the Unicode Collation Algorithm with the CLDR tailoring of the election's
language, as ICU implements it: Spanish ñ after n, French é with e, German ä with a, Swedish
å ä ö after z, Arabic and Cyrillic in their own alphabets. Neither SQLite nor PostgreSQL can
be trusted to collate alike (SQLite has no ICU, PostgreSQL's depends on how it was built), so
the key is computed here, in Python, and stored as bytes in ``Registration.sort_key``: both
databases compare bytes bytewise, and the (center, sort_key) index serves the one set-based
assignment statement on either.

Anything that creates or renames registrations must give them their key:

* one row: ``sort_key(language, family_name, given_name, voter_number)``; the register
  import builds its registration rows with it (``registration_sort_key`` for a voter);
* many rows: ``refresh_sort_keys(election=...)`` after a bulk load (fake data calls it), or
  when the election's language or voters' names change (the election and voter admins do).

A row left without a key is not lost: the assignment fills missing keys before it splits.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Iterator

import icu
from django.db import connection, transaction

from elections.models import Election, Language, Registration, Voter

# Field separator: below every byte of an ICU sort key (which ends each key with 0x00 and
# uses 0x01 between levels only), so "family, then given name, then number" compares like a
# tuple: a family name that is a prefix of another sorts first.
SEPARATOR = b"\x00"
CHUNK = 5_000

_local = threading.local()


class CollationError(ValueError):
    """The language has no collation here."""


def _collator(language: str) -> icu.Collator:
    """One collator per language and thread (ICU collators are not thread-safe)."""
    collators = getattr(_local, "collators", None)
    if collators is None:
        collators = _local.collators = {}
    collator = collators.get(language)
    if collator is None:
        if language not in Language.values:
            raise CollationError(f"No alphabetical order is known for language {language!r}")
        collator = icu.Collator.createInstance(icu.Locale.forLanguageTag(language))
        # Tertiary strength (ICU's default): case and accents decide only between names that
        # are otherwise equal; the voter number then makes the order total.
        collators[language] = collator
    return collator


@functools.lru_cache(maxsize=65_536)
def _name_key(language: str, text: str) -> bytes:
    # Registers repeat family and given names a lot: the cache makes a million keys cheap.
    return _collator(language).getSortKey(text).rstrip(b"\x00")


def sort_key(language: str, family_name: str, given_name: str, voter_number: str) -> bytes:
    """The registration's place in *language*'s alphabetical order, as comparable bytes:
    family name, then given name, then the voter number (binary) as the last tie-break."""
    return (
        _name_key(language, family_name)
        + SEPARATOR
        + _name_key(language, given_name)
        + SEPARATOR
        + voter_number.encode()
    )


def registration_sort_key(*, election: Election, voter: Voter) -> bytes:
    """The key of *voter*'s registration in *election* (for code that builds rows)."""
    return sort_key(election.language, voter.family_name, voter.given_name, voter.voter_number)


def _rows(registrations) -> Iterator[tuple[int, str, str, str]]:
    return (
        registrations.order_by()
        .values_list("id", "voter__family_name", "voter__given_name", "voter__voter_number")
        .iterator(chunk_size=CHUNK)
    )


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_TEMP = "registration_sort_keys_new"


def _write_keys(keyed: Iterator[list[tuple[int, bytes]]]) -> int:
    """Store (registration id, key) pairs: into a temporary table first, then one UPDATE
    joining it, so a million rows are one set-based write and not a million statements."""
    table = Registration._meta.db_table
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TEMP}")
        key_type = "bytea" if connection.vendor == "postgresql" else "BLOB"
        cursor.execute(f"CREATE TEMPORARY TABLE {_TEMP} (id bigint PRIMARY KEY, k {key_type})")
        for chunk in keyed:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {_TEMP} (id, k) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {_TEMP} (id, k) VALUES (%s, %s)", chunk)
            written += len(chunk)
        if written:
            cursor.execute(
                f"UPDATE {table} SET sort_key = t.k FROM {_TEMP} t WHERE {table}.id = t.id"
            )
        cursor.execute(f"DROP TABLE {_TEMP}")
    return written


def refresh_sort_keys(
    *,
    election: Election,
    center_ids: Iterable[int] | None = None,
    voter_ids: Iterable[int] | None = None,
    missing_only: bool = False,
) -> int:
    """Compute and store the sort keys of the election's registrations (of some centers or
    voters only, or only those still without a key); returns how many were written.

    Call it after the election's language changed or voters were renamed. One transaction:
    nobody sees half an election in the new order.
    """
    registrations = Registration.objects.filter(election=election)
    if center_ids is not None:
        registrations = registrations.filter(center_id__in=list(center_ids))
    if voter_ids is not None:
        registrations = registrations.filter(voter_id__in=list(voter_ids))
    if missing_only:
        registrations = registrations.filter(sort_key__isnull=True)
    language = election.language
    keyed = (
        [(pk, sort_key(language, family, given, number)) for pk, family, given, number in chunk]
        for chunk in _chunks(_rows(registrations), CHUNK)
    )
    with transaction.atomic():
        return _write_keys(keyed)


def voter_sort_keys_refresh(*, voter_ids: Iterable[int]) -> int:
    """After voters were renamed: the keys of their registrations in every election."""
    voter_ids = list(voter_ids)
    elections = Election.objects.filter(registrations__voter_id__in=voter_ids).distinct()
    return sum(refresh_sort_keys(election=e, voter_ids=voter_ids) for e in elections)
