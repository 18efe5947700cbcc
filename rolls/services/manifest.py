"""What a run's files are called outside storage: zip entries, download names, manifest rows.

Center codes and names are user text. In a file name they lose control and bidi characters
(a right-to-left override would show "fdp.exe" as "exe.pdf") and path separators; in the
manifest a cell starting like a formula (``=1+1``, ``+``, ``-``, ``@``) is neutralised, as
spreadsheets would otherwise evaluate it on opening.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import itertools
import json
import stat
import unicodedata
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max
from stream_zip import NO_COMPRESSION_64, stream_zip

from elections.models import PollingCenter
from elections.spreadsheets import spreadsheet_safe
from rolls.models import (
    CENTER_LIST_STATION,
    DocumentKind,
    FileDamage,
    RollFile,
    Run,
    RunCenter,
    RunStatus,
    SetStatus,
)
from rolls.services.completeness import StoredFileDamaged, content_verified, file_damage_found
from rolls.services.storage import STORAGE_THREADS, check_relative_name, storage_threads

CHUNK = 1024 * 1024
FILE_MODE = stat.S_IFREG | 0o644

UNSAFE_IN_FILE_NAMES = set('/\\:*?"<>|')
MANIFEST_HEADER = [
    "center",
    "station",
    "document",
    "voters",
    "pages",
    "bytes",
    "sha256",
    "file",
    "carried_from_run",
]


@functools.lru_cache(maxsize=16_384)  # the same center folders and station names recur
def file_name_safe(text: str) -> str:
    """``text`` without control, format (bidi) or separator characters, for a file name."""
    kept = []
    for ch in unicodedata.normalize("NFC", text):
        category = unicodedata.category(ch)
        if category.startswith("C") or category in ("Zl", "Zp"):
            continue
        kept.append("_" if ch in UNSAFE_IN_FILE_NAMES or category == "Zs" else ch)
    return "".join(kept).strip("._") or "file"


def zip_folder(run: Run) -> str:
    return file_name_safe(f"{run.election.slug}-run-{run.pk}")


def zip_entry_name(run: Run, roll: RollFile) -> str:
    """``<election>-run-<id>/<center folder>/station-NNN.pdf``: unique, since the center
    folder begins with the center's id, and never ``..`` or absolute."""
    center_folder, file_name = roll.path.rsplit("/", 2)[-2:]
    return check_relative_name(
        f"{zip_folder(run)}/{file_name_safe(center_folder)}/{file_name_safe(file_name)}"
    )


def set_label(run: Run) -> str:
    """What a downloaded file's name says of its set: official, superseded, draft or
    INCOMPLETE (capitals: a file named so must not be taken for a set to print)."""
    status = run.set_status
    return "INCOMPLETE" if status in (SetStatus.INCOMPLETE, SetStatus.IN_PROGRESS) else status.value


def record_label(run: Run) -> str:
    """``set_label``, with ``-DAMAGED`` when files of the set were last found damaged or
    missing: a name that says "official" must not stand for a set that cannot be served."""
    label = set_label(run)
    return f"{label}-DAMAGED" if RollFile.objects.filter(run=run).damaged().exists() else label


def roll_download_name(run: Run, roll: RollFile) -> str:
    """For people: the set's status and the center's own code (need not be unique: one file
    per download)."""
    file_name = roll.path.rsplit("/", 1)[-1]
    return file_name_safe(
        f"{run.election.slug}-{set_label(run)}-run-{run.pk}-{roll.center.code}-{file_name}"
    )


def manifest_values(run: Run, roll: RollFile) -> list[object]:
    """One manifest entry, as stored; ``roll.center`` must be loaded."""
    return [
        roll.center.code,
        roll.station_number or "",
        roll.kind,
        roll.voters,
        roll.pages,
        roll.bytes,
        roll.sha256,
        zip_entry_name(run, roll).split("/", 1)[1],
        roll.source_run_id or "",
    ]


def manifest_row(run: Run, roll: RollFile) -> list[object]:
    """One manifest CSV line, safe to open in a spreadsheet."""
    return [spreadsheet_safe(value) for value in manifest_values(run, roll)]


@dataclass(frozen=True)
class Manifest:
    """A run's manifest as CSV and JSON, each with its own SHA-256: print the digest with the
    set, and anyone can check a copy of the manifest (and through it every PDF) against it."""

    csv: bytes
    json: bytes
    complete: bool
    missing: list[str]

    @property
    def csv_sha256(self) -> str:
        return hashlib.sha256(self.csv).hexdigest()

    @property
    def json_sha256(self) -> str:
        return hashlib.sha256(self.json).hexdigest()


def run_missing(run: Run, rolls: list[RollFile], center_id: int | None = None) -> list[str]:
    """The documents (and centers) the run should hold and does not: "C012 station 3",
    "C012 station 3 door sign", "C012 center list"."""
    have = {(roll.center_id, roll.station_number, roll.kind) for roll in rolls}
    planned = run.planned_center_ids() if center_id is None else [center_id]
    assigned = {
        rc.center_id: rc.stations for rc in RunCenter.objects.filter(run=run, center_id__in=planned)
    }
    codes = dict(PollingCenter.objects.filter(pk__in=planned).values_list("pk", "code"))
    missing = []
    for center in sorted(planned, key=lambda c: (codes.get(c, ""), c)):
        if center not in assigned:
            missing.append(f"{codes.get(center, center)} (never assigned)")
            continue
        code = codes.get(center, center)
        for number in range(1, assigned[center] + 1):
            if (center, number, DocumentKind.ROLL) not in have:
                missing.append(f"{code} station {number}")
            if (center, number, DocumentKind.SIGN) not in have:
                missing.append(f"{code} station {number} door sign")
        if assigned[center] and (center, CENTER_LIST_STATION, DocumentKind.CENTER_LIST) not in have:
            missing.append(f"{code} center list")
    return missing


def run_manifest(run: Run, rolls: list[RollFile], center_id: int | None = None) -> Manifest:
    """The manifest of ``rolls`` (the run's, or one center's): deterministic, so the same
    set always has the same digest."""
    missing = run_missing(run, rolls, center_id)
    complete = run.status == RunStatus.SUCCEEDED and not missing
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(MANIFEST_HEADER)
    writer.writerows(manifest_row(run, roll) for roll in rolls)
    document = {
        "election": {"id": run.election_id, "name": run.election.name, "slug": run.election.slug},
        "run": run.pk,
        "strategy": run.strategy,
        "status": run.status,
        "roll_set": run.set_status.value,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "center": center_id,
        "complete": complete,
        "missing": missing,
        "files": [
            dict(zip(MANIFEST_HEADER, manifest_values(run, roll), strict=True)) for roll in rolls
        ],
    }
    return Manifest(
        csv=text.getvalue().encode(),
        json=json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode(),
        complete=complete,
        missing=missing,
    )


@dataclass(frozen=True)
class ManifestSummary:
    """What the run page shows of its manifest: the two digests and what is missing."""

    csv_sha256: str
    json_sha256: str
    complete: bool
    missing: list[str]


# A finished run's files do not change, but its manifest of 2,500 files (1M voters) takes
# ~0.5 s to build: the run page keeps the digests, keyed by everything the manifest says.
SUMMARY_SECONDS = 24 * 3600


def run_manifest_summary(run: Run, load_rolls) -> ManifestSummary:
    """The digests of the run's manifest; ``load_rolls()`` gives its files when they must be
    read. Kept in the cache while the run, its set status and its files stay as they are
    (an active run's files still arrive: never kept)."""
    files = RollFile.objects.filter(run=run).aggregate(count=Count("id"), last=Max("id"))
    key = (
        f"rolls:manifest:{run.pk}:{run.status}:{run.set_status.value}:"
        f"{run.finished_at and run.finished_at.isoformat()}:{files['count']}:{files['last']}"
    )
    summary = None if run.is_active else cache.get(key)
    if summary is None:
        manifest = run_manifest(run, load_rolls())
        summary = ManifestSummary(
            csv_sha256=manifest.csv_sha256,
            json_sha256=manifest.json_sha256,
            complete=manifest.complete,
            missing=manifest.missing,
        )
        if not run.is_active:
            cache.set(key, summary, SUMMARY_SECONDS)
    return summary


def zip_name(run: Run, manifest: Manifest, center: PollingCenter | None = None) -> str:
    scope = f"-center-{center.pk}-{center.code}" if center is not None else ""
    state = set_label(run) if manifest.complete else "INCOMPLETE"
    return file_name_safe(f"{zip_folder(run)}{scope}-{state}") + ".zip"


def read_ahead(paths: list[str], open_file, depth: int = STORAGE_THREADS) -> Iterator[bytes]:
    """The bytes of each file of *paths*, in order, with the next *depth* already being read.

    On an object store each read is a few round trips (django-storages asks for the object's
    size before it fetches it): one after another they made a run's zip of 618 PDFs take 16 s
    from a local S3 server. Read in threads, the waits overlap; memory holds at most *depth*
    + 1 PDFs. A file that cannot be read raises here, in its turn."""

    def whole(path: str) -> bytes:
        with open_file(path) as handle:
            return handle.read()

    pool = storage_threads()
    remaining = iter(paths)
    pending = deque(pool.submit(whole, path) for path in itertools.islice(remaining, depth))
    try:
        while pending:
            content = pending.popleft().result()
            following = next(remaining, None)
            if following is not None:
                pending.append(pool.submit(whole, following))
            yield content
    finally:
        # A download cut short leaves no reads queued for nobody.
        for future in pending:
            future.cancel()


def run_zip_chunks(
    run: Run,
    rolls: list[RollFile],
    manifest: Manifest,
    open_file,
    records: Sequence[tuple[str, bytes]] = (),
) -> Iterator[bytes]:
    """The zip of ``rolls`` with its manifest, produced as it is read: the PDFs are copied
    from storage into the stream in order (``open_file(path)`` opens one), so the first bytes
    leave at once and memory holds the few PDFs being read ahead (stored, not deflated again:
    PDFs are compressed already).

    Each PDF is checked against its recorded size and SHA-256 before its entry begins: one
    that no longer matches (or is gone) is flagged and StoredFileDamaged raised, which ends
    the stream there. The client is left with a cut-off download, never a complete zip whose
    manifest its own entries contradict. ``records`` are more files about the set (name,
    bytes), put beside the manifest: a published set's signature."""
    folder = zip_folder(run)
    moment = run.finished_at or run.queued_at
    contents = read_ahead([roll.path for roll in rolls], open_file)

    def members():
        for roll in rolls:
            try:
                content = next(contents)
            except FileNotFoundError:
                file_damage_found(paths=[roll.path], damage=FileDamage.MISSING)
                raise StoredFileDamaged(roll.path, FileDamage.MISSING) from None
            content_verified(roll.path, content, size=roll.bytes, sha256=roll.sha256)
            yield zip_entry_name(run, roll), moment, FILE_MODE, NO_COMPRESSION_64, (content,)
        yield f"{folder}/manifest.csv", moment, FILE_MODE, NO_COMPRESSION_64, [manifest.csv]
        yield f"{folder}/manifest.json", moment, FILE_MODE, NO_COMPRESSION_64, [manifest.json]
        for name, content in records:
            yield f"{folder}/{name}", moment, FILE_MODE, NO_COMPRESSION_64, [content]
        if not manifest.complete:
            note = "INCOMPLETE: this zip is not a complete roll set. Missing:\n" + "\n".join(
                manifest.missing or [f"(run {run.pk} is {run.status})"]
            )
            yield f"{folder}/INCOMPLETE.txt", moment, FILE_MODE, NO_COMPRESSION_64, [note.encode()]

    return stream_zip(members(), chunk_size=CHUNK)
