"""Before a run may say "succeeded": prove that its set of rolls is complete and intact.

Counting stations is not proof. When two centers' PDFs once shared a folder, every station
was counted while one center's files overwrote another's: the run succeeded with voters in
no PDF, others printed twice, and recorded SHA-256s that no longer matched the files. So the
run is checked against what is really stored before it is marked succeeded:

- every center of the run was assigned, and every voter its split counted has a place,
- (for rendering runs)
- each assigned center has exactly the stations 1..N its split made, one roll and one door
  sign each, and (when it has stations) one center list,
- the voters in a center's files add up to the registrations its split assigned,
- no two stations recorded the same file, and
- every recorded file exists with its recorded size and SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.core.files.storage import default_storage
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext

from elections.models import PollingCenter
from rolls.models import DocumentKind, FileDamage, Placement, RollFile, Run, RunCenter
from rolls.selectors.placements import centers_placements
from rolls.services.storage import storage_threads, stored_missing

logger = logging.getLogger(__name__)

MAX_LISTED = 20
CHUNK = 1024 * 1024
# Files read a query chunk at a time, and hashed side by side a chunk at a time.
VERIFIED_A_CHUNK = 500
# Paths in one UPDATE ... WHERE path IN (...): well below SQLite's bound on parameters.
PATHS_A_QUERY = 500


class StoredFileDamaged(Exception):
    """A recorded file is missing, or its bytes no longer match its recorded size and
    SHA-256: it must not be handed out as the record (reprint it instead)."""

    def __init__(self, path: str, damage: FileDamage) -> None:
        self.path = path
        self.damage = damage
        what = (
            "is no longer in storage"
            if damage == FileDamage.MISSING
            else "no longer matches its recorded SHA-256"
        )
        super().__init__(f"The file {path} {what}: reprint it")


def file_damage_found(*, paths: list[str], damage: FileDamage) -> int:
    """Flag every recorded file stored at one of ``paths`` (a carried-over file is recorded
    by each run that carries it) and say so in the log; the number of records flagged."""
    if not paths:
        return 0
    # The paths hold only ids and center codes: no voter data in this line.
    logger.warning(
        "%d stored file(s) %s: %s", len(paths), FileDamage(damage).label.lower(), _listed(paths)
    )
    now = timezone.now()
    return sum(
        RollFile.objects.filter(path__in=paths[start : start + PATHS_A_QUERY]).update(
            damage=damage, damage_found_at=now
        )
        for start in range(0, len(paths), PATHS_A_QUERY)
    )


def file_damage_cleared(*, paths: list[str]) -> int:
    """Unflag the records of ``paths``, found intact again (restored, or Verify files)."""
    return sum(
        RollFile.objects.filter(path__in=paths[start : start + PATHS_A_QUERY])
        .damaged()
        .update(damage="", damage_found_at=None)
        for start in range(0, len(paths), PATHS_A_QUERY)
    )


def content_verified(path: str, content: bytes, *, size: int, sha256: str) -> bytes:
    """``content``, read from ``path``, if it is what was recorded; else the damage is
    recorded and StoredFileDamaged raised."""
    if len(content) != size or hashlib.sha256(content).hexdigest() != sha256:
        file_damage_found(paths=[path], damage=FileDamage.DAMAGED)
        raise StoredFileDamaged(path, FileDamage.DAMAGED)
    return content


def stored_bytes_verified(path: str, *, size: int, sha256: str) -> bytes:
    """The whole stored file at ``path``, only if it matches its recorded size and SHA-256
    (a roll is small enough to hash before its first byte is sent)."""
    try:
        with default_storage.open(path, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        file_damage_found(paths=[path], damage=FileDamage.MISSING)
        raise StoredFileDamaged(path, FileDamage.MISSING) from None
    return content_verified(path, content, size=size, sha256=sha256)


def flagged_files_verified(files: list[RollFile]) -> None:
    """Check again the files among ``files`` already flagged (a zip about to be streamed):
    unflag the ones intact again, raise StoredFileDamaged for the first still damaged."""
    flagged = [roll for roll in files if roll.damage]
    intact = []
    for roll in flagged:
        stored_bytes_verified(roll.path, size=roll.bytes, sha256=roll.sha256)
        intact.append(roll.path)
    file_damage_cleared(paths=intact)


def run_stored_files_check(*, run_id: int) -> int:
    """Flag the run's files gone from storage, found by listing its folders (cheap enough
    for its page to do on each view: no file is read), and read again only the files
    flagged missing that are back (put back from a copy): unflagged if intact, else flagged
    damaged. How many files changed flag."""
    files = list(
        RollFile.objects.filter(run_id=run_id).values_list("path", "bytes", "sha256", "damage")
    )
    missing = set(stored_missing([row[0] for row in files]))
    gone = [row[0] for row in files if row[0] in missing and row[3] != FileDamage.MISSING]
    back = [row for row in files if row[0] not in missing and row[3] == FileDamage.MISSING]
    file_damage_found(paths=gone, damage=FileDamage.MISSING)
    intact, damaged = [], []
    for path, size, sha256, _ in back:
        (intact if file_digest(path) == (size, sha256) else damaged).append(path)
    file_damage_cleared(paths=intact)
    file_damage_found(paths=damaged, damage=FileDamage.DAMAGED)
    return len(gone) + len(back)


def run_damaged_files(run: Run):
    """The run's files last found damaged or missing, with their centers, in page order."""
    return (
        RollFile.objects.filter(run=run)
        .damaged()
        .select_related("center")
        .order_by("center__code", "center_id", "station_number", "kind")
    )


@dataclass(frozen=True)
class FilesVerified:
    """What Verify files found: each of the run's recorded files intact, damaged or gone."""

    run_id: int
    intact: int
    damaged: int
    missing: int

    @property
    def summary(self) -> str:
        # In the language of whoever asked (the console's), English on the command line.
        return ngettext(
            "Run %(run)s: %(intact)s file OK, %(damaged)s damaged, %(missing)s missing.",
            "Run %(run)s: %(intact)s files OK, %(damaged)s damaged, %(missing)s missing.",
            self.intact,
        ) % {
            "run": self.run_id,
            "intact": self.intact,
            "damaged": self.damaged,
            "missing": self.missing,
        }


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def files_hash_and_flag(
    files: Iterable[tuple[str, int, str, str]],
) -> tuple[list[str], list[str], int]:
    """Hash each ``(path, bytes, sha256, damage)`` again, flag the missing and the damaged
    files and unflag those found intact again; the paths missing, then those damaged, then
    how many files were read.

    Read back side by side: on an object store each file is a few round trips, which one
    after another would keep a 1M-voter run (32,000 files) waiting many minutes. Taken a
    chunk at a time, so that a run's files are never all in memory at once (*files* may be
    a query's iterator)."""
    missing, damaged, restored = [], [], []
    read = 0
    for chunk in _chunks(files, VERIFIED_A_CHUNK):
        digests = storage_threads().map(file_digest, [row[0] for row in chunk])
        for (path, size, sha256, flagged), found in zip(chunk, digests, strict=True):
            if found is None:
                missing.append(path)
            elif found != (size, sha256):
                damaged.append(path)
            elif flagged:
                restored.append(path)
        read += len(chunk)
    file_damage_found(paths=missing, damage=FileDamage.MISSING)
    file_damage_found(paths=damaged, damage=FileDamage.DAMAGED)
    file_damage_cleared(paths=restored)
    return missing, damaged, read


def run_files_verify(*, run_id: int) -> FilesVerified:
    """Hash every file the run records again, flag the damaged and missing ones and unflag
    those found intact again."""
    files = RollFile.objects.filter(run_id=run_id).values_list("path", "bytes", "sha256", "damage")
    missing, damaged, read = files_hash_and_flag(files.iterator(chunk_size=VERIFIED_A_CHUNK))
    return FilesVerified(
        run_id=run_id,
        intact=read - len(damaged) - len(missing),
        damaged=len(damaged),
        missing=len(missing),
    )


def file_digest(path: str) -> tuple[int, str] | None:
    """(size, SHA-256) of a stored file, or None when it is not in storage."""
    digest = hashlib.sha256()
    size = 0
    try:
        with default_storage.open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return None
    return size, digest.hexdigest()


def run_problems(run: Run) -> list[str]:
    """Why ``run`` is not a complete, intact set of rolls; empty when it is."""
    problems: list[str] = []
    assigned = {
        rc.center_id: rc
        for rc in RunCenter.objects.filter(run=run).only(
            "center", "stations", "voters", "source_run"
        )
    }
    planned = run.planned_center_ids()
    codes = dict(
        PollingCenter.objects.filter(pk__in={*planned, *assigned}).values_list("pk", "code")
    )
    missing = [codes.get(c, str(c)) for c in planned if c not in assigned]
    if missing:
        problems.append(f"{len(missing)} center(s) never assigned: {_listed(missing)}")
    # Carried-over centers' voters are placed in the run whose split they carry.
    placed = Placement.objects.filter(run=run).count()
    carried: dict[int, list[int]] = defaultdict(list)
    for center_id, center in assigned.items():
        if center.source_run_id:
            carried[center.source_run_id].append(center_id)
    for source, center_ids in carried.items():
        placed += Placement.objects.filter(centers_placements(source, center_ids)).count()
    split = sum(center.voters for center in assigned.values())
    if placed != split:
        problems.append(f"{placed} voters placed in stations but the split counted {split}")
    if not run.renders:
        return problems

    # The run's files read once, a chunk at a time: each row is folded into numbers per
    # center and handed on to be hashed again. At a million voters the rows themselves
    # (13,000 paths and digests, all at once) grew the process that finished the run by 14 MB.
    files = (
        RollFile.objects.filter(run=run)
        .order_by()
        .values_list(
            "center_id", "station_number", "voters", "kind", "path", "bytes", "sha256", "damage"
        )
    )
    by_center: dict[int, list[int]] = defaultdict(list)
    voters: Counter[int] = Counter()
    signs: dict[int, list[int]] = defaultdict(list)
    lists: Counter[int] = Counter()

    def counted() -> Iterator[tuple[str, int, str, str]]:
        for center_id, number, count, kind, *stored in files.iterator(chunk_size=VERIFIED_A_CHUNK):
            if kind == DocumentKind.ROLL:
                by_center[center_id].append(number)
                voters[center_id] += count
            elif kind == DocumentKind.SIGN:
                signs[center_id].append(number)
            else:
                lists[center_id] += 1
            yield tuple(stored)

    # What is found is recorded on the files too: the run page then shows which to reprint.
    absent_files, changed_files, _ = files_hash_and_flag(counted())
    for center_id in sorted({*by_center, *signs, *lists} - set(assigned)):
        problems.append(f"center {codes.get(center_id, center_id)} has files but is not in the run")
    for center_id, center in assigned.items():
        numbers = sorted(by_center.get(center_id, []))
        code = codes.get(center_id, str(center_id))
        if numbers != list(range(1, center.stations + 1)):
            expected = set(range(1, center.stations + 1))
            absent = sorted(expected - set(numbers))
            extra = sorted(set(numbers) - expected)
            problems.append(
                f"center {code}: {len(numbers)} of {center.stations} station files"
                + (f", missing station(s) {_listed(absent)}" if absent else "")
                + (f", unexpected station(s) {_listed(extra)}" if extra else "")
            )
        if sorted(signs.get(center_id, [])) != list(range(1, center.stations + 1)):
            problems.append(
                f"center {code}: {len(signs.get(center_id, []))} of {center.stations} door signs"
            )
        if lists[center_id] != (1 if center.stations else 0):
            problems.append(f"center {code}: {lists[center_id]} center lists, expected 1")
        in_files = voters[center_id]
        if in_files != center.voters:
            problems.append(
                f"center {code}: {in_files} voters in its rolls but its split assigned "
                f"{center.voters}"
            )
    shared = list(
        RollFile.objects.filter(run=run)
        .values("path")
        .annotate(times=Count("id"))
        .filter(times__gt=1)
        .order_by("path")
        .values_list("path", flat=True)
    )
    if shared:
        problems.append(f"{len(shared)} file(s) recorded for several stations: {_listed(shared)}")
    if absent_files:
        problems.append(f"{len(absent_files)} file(s) not in storage: {_listed(absent_files)}")
    if changed_files:
        problems.append(
            f"{len(changed_files)} file(s) no longer match their recorded size and SHA-256: "
            f"{_listed(changed_files)}"
        )
    return problems


def _listed(items: list) -> str:
    shown = ", ".join(str(item) for item in items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")
