"""Fingerprints of what a center's rolls are made from.

A center's rolls are fully determined by the roll template and renderer, the election's
language (labels and alphabetical order), the assignment mode, the station maximum, and the
center's voters (number and names) in roll order. The
fingerprint is the SHA-256 of exactly that, so two equal fingerprints mean two equal sets of
rolls: a changed-only run compares the register's fingerprint of each center with the one the
official set recorded and re-renders only the centers that differ. The same value, taken from
a run's own placements, is printed on every page of the center's rolls.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, transaction

from elections.models import Registration
from rolls.models import Placement
from rolls.selectors.placements import centers_placements

ROOT = Path(__file__).resolve().parent.parent.parent
SHORT = 12
FIELD, RECORD = "\x1f", "\x1e"  # unit and record separators: never in a cleaned name


@functools.cache
def template_version() -> str:
    """A digest of the roll template and the renderer's code: any change to either makes
    every center differ from sets made before it."""
    digest = hashlib.sha256()
    sources = sorted((ROOT / "templates" / "rolls").glob("roll.*")) + sorted(
        (ROOT / "rolls" / "pdf").glob("*.py")
    )
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _fingerprints(
    rows: Iterator[tuple[int, str, str, str]],
    *,
    center_ids: Iterable[int],
    mode: str,
    maximum: int,
    language: str,
) -> dict[int, str]:
    header = f"{template_version()}{FIELD}{language}{FIELD}{mode}{FIELD}{int(maximum)}{RECORD}"
    header = header.encode()
    digests = {center_id: hashlib.sha256(header) for center_id in center_ids}
    for center_id, number, family, given in rows:
        digest = digests.get(center_id)
        if digest is None:  # a center not asked about
            continue
        digest.update(f"{number}{FIELD}{family}{FIELD}{given}{RECORD}".encode())
    return {center_id: digest.hexdigest() for center_id, digest in digests.items()}


@contextmanager
def _planned_for_every_row() -> Iterator[None]:
    """For a query read to its last row through a server-side cursor (``iterator()``):
    planned for the whole result. PostgreSQL plans a cursor's query for its first tenth of
    rows (``cursor_tuple_fraction``); with a run's placements just written and not yet in
    the table's statistics, it took a nested loop that read a 10,000-voter split in 0.53 s,
    against 11 ms for the hash join and sort it plans for the whole result. SET LOCAL lasts
    to the end of the transaction this opens (or the caller's)."""
    if connection.vendor != "postgresql":
        yield  # SQLite has no such setting: it plans by its indexes alone
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield


def split_fingerprints(
    *,
    run_id: int,
    center_ids: Iterable[int],
    mode: str,
    maximum: int,
    language: str,
    whole: bool = False,
) -> dict[int, str]:
    """Fingerprints of the centers as the run split them (its own placements, row order).
    ``whole``: the centers are all the run has, so no need to list them in the query."""
    center_ids = list(center_ids)
    if whole:
        placements = Placement.objects.filter(run_id=run_id)
    else:
        placements = Placement.objects.filter(centers_placements(run_id, center_ids))
    rows = (
        placements.order_by("station__center_id", "station__number", "position")
        .values_list("station__center_id", "voter_number", "family_name", "given_name")
        .iterator(chunk_size=10_000)
    )
    with _planned_for_every_row():
        return _fingerprints(
            rows, center_ids=center_ids, mode=mode, maximum=maximum, language=language
        )


def register_fingerprints(
    *, election_id: int, center_ids: Iterable[int], mode: str, maximum: int, language: str
) -> dict[int, str]:
    """Fingerprints the election's centers would have if split now (the register, in roll
    order: the sort keys, which the caller makes sure are all there); ``center_ids`` are the
    centers to report, those without voters included."""
    center_ids = list(center_ids)
    rows = (
        Registration.objects.filter(election_id=election_id)
        .order_by("center_id", "sort_key")
        .values_list("center_id", "voter__voter_number", "voter__family_name", "voter__given_name")
        .iterator(chunk_size=10_000)
    )
    with _planned_for_every_row():
        return _fingerprints(
            rows, center_ids=center_ids, mode=mode, maximum=maximum, language=language
        )
