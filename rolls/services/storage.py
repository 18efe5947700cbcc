"""Writing roll PDFs through Django's storage API, whole or not at all."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

# Folder and file names are built from database ids, which are unique by construction, so
# two centers (or elections) can never share a folder whatever their codes look like: "12/3",
# "12.3" and "12 3" all slugged to "12_3" once, and one center's PDFs overwrote another's.
# The center code follows the id only so a person browsing the files can read them.
_READABLE = re.compile(r"[^A-Za-z0-9-]+")
READABLE_CODE_LENGTH = 40
# Stored files read side by side in a process (storage_threads).
STORAGE_THREADS = 8
# Above this many folders, stored_missing lists by prefix on an object store (see there).
PREFIX_LISTING_FOLDERS = 8


def readable_component(text: str) -> str:
    """``text`` reduced to ASCII letters, digits and dashes (runs of anything else become one
    ``_``), at most 40 characters: for people only, never relied on to be unique."""
    return _READABLE.sub("_", text).strip("_")[:READABLE_CODE_LENGTH]


def election_folder(*, election_id: int) -> str:
    return f"rolls/election-{int(election_id)}"


def run_folder(*, election_id: int, run_id: int) -> str:
    return f"{election_folder(election_id=election_id)}/run-{int(run_id)}"


def center_folder_name(*, center_id: int, center_code: str) -> str:
    readable = readable_component(center_code)
    return f"center-{int(center_id)}" + (f"-{readable}" if readable else "")


def roll_path(
    *, election_id: int, run_id: int, center_id: int, center_code: str, station_number: int
) -> str:
    """Deterministic: a redelivered task writes the same name again, never a second copy.
    Collision-free: the run, center and station ids make each name unique."""
    center = center_folder_name(center_id=center_id, center_code=center_code)
    return (
        f"{run_folder(election_id=election_id, run_id=run_id)}/{center}/"
        f"station-{int(station_number):03d}.pdf"
    )


def sign_path(
    *, election_id: int, run_id: int, center_id: int, center_code: str, station_number: int
) -> str:
    """The station's door sign, beside its roll: ``station-NNN-sign.pdf``."""
    roll = roll_path(
        election_id=election_id,
        run_id=run_id,
        center_id=center_id,
        center_code=center_code,
        station_number=station_number,
    )
    return roll.removesuffix(".pdf") + "-sign.pdf"


def center_list_path(*, election_id: int, run_id: int, center_id: int, center_code: str) -> str:
    """The list posted at the center's entrance, in the center's folder: ``center-list.pdf``."""
    center = center_folder_name(center_id=center_id, center_code=center_code)
    return f"{run_folder(election_id=election_id, run_id=run_id)}/{center}/center-list.pdf"


def reprint_path(original: str, *, reprint_number: int) -> str:
    """A regenerated file whose bytes differ from the recorded one is kept beside it, never
    over it: ``station-NNN.reprint-7.pdf``."""
    return original.removesuffix(".pdf") + f".reprint-{int(reprint_number)}.pdf"


def check_relative_name(name: str) -> str:
    """Refuse a storage name that could leave its folder (``..``, absolute, backslashes,
    NUL): nothing the console writes may land outside the election's folder."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(f"Unsafe storage name {name!r}")
    return name


def write_whole(name: str, data: bytes, storage: Storage | None = None) -> str:
    """Store ``data`` at exactly ``name``, replacing any previous file, atomically.

    On a local filesystem the bytes go to a temporary file in the same folder, are flushed
    to disk, then renamed over the target: a crash or a full disk leaves either the old file
    or none, never a truncated PDF under the final name. Object stores (S3) publish an
    object only once its upload completes, so a plain save is already whole-or-nothing.
    """
    check_relative_name(name)
    storage = storage or default_storage
    try:
        target = storage.path(name)
    except NotImplementedError:
        return _save_whole_object(storage, name, data)
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".partial-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        _discard(temp)
        if exc.filename is None and exc.errno is not None:
            # A failed write() names no file: "No space left on device" alone would not say
            # which roll (the name holds the election, run, center and station).
            raise OSError(exc.errno, exc.strerror, name) from exc
        raise
    except BaseException:
        _discard(temp)
        raise
    return name


def _save_whole_object(storage: Storage, name: str, data: bytes) -> str:
    """A store without local paths (S3). Its writes are whole-object PUTs (or, above 8 MB,
    a multipart upload the store assembles only when it completes): the new object becomes
    visible only once every byte has arrived, and a failed upload leaves the old object as
    it was, so "whole or not at all" holds by construction and no temporary name is needed.
    A store that replaces on save (django-storages' ``file_overwrite``, set in
    config/settings.py) is simply written over, so readers never see the name missing; any
    other is emptied first."""
    if not getattr(storage, "file_overwrite", False) and storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # The run records ``name``: a copy under another name would be a roll nobody finds.
        raise OSError(f"Storage saved {name!r} as {saved!r}: it must overwrite in place")
    return saved


def stored_missing(paths: list[str], storage: Storage | None = None) -> list[str]:
    """The names among ``paths`` that are not in storage, in their order.

    Listings, not one ``exists()`` per file: on an object store each ``exists()`` is a round
    trip, and a run's zip checks thousands of files before its first byte. Files in more
    than PREFIX_LISTING_FOLDERS folders on an object store (a run's zip) are found by
    listing whole prefixes, a thousand names a request: each run folder's center folders
    by the first digit of their id (``center-1``...``center-9``, nine listings side by side,
    where one listing of a 1M-voter run's 6,076 files would be 7 requests one after
    another), any other folder whole. Otherwise (a center's zip, a local filesystem) each
    folder is listed. A folder that does not exist holds nothing."""
    storage = storage or default_storage
    folders = list(dict.fromkeys(path.rpartition("/")[0] for path in paths))
    present: set[str] = set()
    if len(folders) > PREFIX_LISTING_FOLDERS and _lists_by_prefix(storage):
        prefixes = list(dict.fromkeys(_listing_prefix(folder) for folder in folders))
        for names in storage_threads().map(lambda prefix: _names_under(storage, prefix), prefixes):
            present |= names
    else:
        for folder in folders:
            try:
                present |= {f"{folder}/{name}" for name in storage.listdir(folder)[1]}
            except FileNotFoundError:
                continue
    return [path for path in paths if path not in present]


def _lists_by_prefix(storage: Storage) -> bool:
    """Whether *storage* is django-storages' S3 backend (one listing finds a whole prefix)."""
    return hasattr(storage, "bucket_name") and hasattr(storage, "_normalize_name")


_CENTER_FOLDER = re.compile(r"center-[1-9]")


def _listing_prefix(folder: str) -> str:
    """The name prefix that lists *folder* with its neighbours: ``.../run-7/center-3`` for
    ``.../run-7/center-31-C31`` (center ids never start with 0), else the folder itself."""
    parent, _, name = folder.rpartition("/")
    match = _CENTER_FOLDER.match(name)
    if parent and match:
        return f"{parent}/{match.group()}"
    return f"{folder}/" if folder else ""


def _names_under(storage: Storage, prefix: str) -> set[str]:
    """Every storage name starting with *prefix* (a folder ending in ``/``, or the start of
    names) on an S3 store: the keys without the store's location prefix (``_normalize_name``
    adds it, as the backend's own ``listdir`` does)."""
    key_prefix = storage._normalize_name(prefix.rstrip("/"))
    if (prefix.endswith("/") or not prefix) and key_prefix:
        key_prefix += "/"
    paginator = storage.connection.meta.client.get_paginator("list_objects_v2")
    names = set()
    for page in paginator.paginate(Bucket=storage.bucket_name, Prefix=key_prefix):
        for entry in page.get("Contents", ()):
            names.add(prefix + entry["Key"][len(key_prefix) :])
    return names


def storage_threads() -> ThreadPoolExecutor:
    """This process's threads for reading stored files side by side (a zip's read-ahead,
    verification).

    They live as long as the process: django-storages keeps one S3 connection per thread,
    and a new one (a boto3 session) costs about 0.3 s and 12 MB. Threads made per request
    paid that for every thread of every download: a 1M-voter run's zip waited 20 s for its
    first byte and grew the web process by 400 MB. Made on first use in each process, never
    before a fork (a forked child has no threads of its parent)."""
    pid = os.getpid()
    pool = _POOLS.get(pid)
    if pool is None:
        pool = _POOLS[pid] = ThreadPoolExecutor(
            max_workers=STORAGE_THREADS, thread_name_prefix="storage"
        )
    return pool


_POOLS: dict[int, ThreadPoolExecutor] = {}


def _discard(temp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)
