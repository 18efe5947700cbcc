"""Writing roll PDFs through Django's storage API, whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage


def roll_path(*, election_slug: str, run_id: int, center_code: str, station_number: int) -> str:
    """Deterministic: a redelivered task writes the same name again, never a second copy."""
    safe_code = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in center_code)
    return f"rolls/{election_slug}/run-{run_id}/{safe_code}/station-{station_number:03d}.pdf"


def write_whole(name: str, data: bytes, storage: Storage | None = None) -> str:
    """Store ``data`` at exactly ``name``, replacing any previous file, atomically.

    On a local filesystem the bytes go to a temporary file in the same folder, are flushed
    to disk, then renamed over the target: a crash or a full disk leaves either the old file
    or none, never a truncated PDF under the final name. Object stores (S3) publish an
    object only once its upload completes, so a plain save is already whole-or-nothing.
    """
    storage = storage or default_storage
    try:
        target = storage.path(name)
    except NotImplementedError:
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))
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


def _discard(temp: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)
