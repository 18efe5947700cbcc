"""Retention: voter rolls are personal data and are not kept longer than needed.

Task results expire through Celery's ``result_expires`` and the ``celery.backend_cleanup``
task that beat runs daily; this removes old finished runs with their PDF files.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.storage import default_storage
from django.utils import timezone

from rolls.models import RollFile, Run
from rolls.services.storage import stored_missing


@dataclass(frozen=True)
class PurgeResult:
    runs: int
    files: int
    missing_files: int


def runs_purge(*, older_than: timedelta, dry_run: bool = False) -> PurgeResult:
    """Delete finished runs that ended before ``now - older_than`` and their files.

    Active runs and published sets (official or superseded) are never touched. Files go
    first: a crash midway leaves run rows whose files are gone (and are removed on the next
    pass), never orphaned personal data.
    """
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative")
    cutoff = timezone.now() - older_than
    # Official and superseded sets are records: never purged.
    runs = Run.objects.finished().filter(finished_at__lt=cutoff, published_at__isnull=True)
    run_ids = list(runs.values_list("pk", flat=True))
    # Files a run carried over belong to the official set they came from: left alone.
    paths = list(
        RollFile.objects.filter(run_id__in=run_ids, source_run__isnull=True).values_list(
            "path", flat=True
        )
    )
    absent = set(stored_missing(paths))
    missing = len(absent)
    if dry_run:
        return PurgeResult(runs=len(run_ids), files=len(paths) - missing, missing_files=missing)
    folders = set()
    for path in paths:
        if path not in absent:
            default_storage.delete(path)
        folders.add(posixpath.dirname(path))
    _remove_empty_folders(folders)
    Run.objects.filter(pk__in=run_ids).delete()
    return PurgeResult(runs=len(run_ids), files=len(paths) - missing, missing_files=missing)


def _remove_empty_folders(folders: set[str]) -> None:
    """Tidy the run's folders on a local filesystem. Object stores have no folders (a
    "folder" is a key prefix, gone with its last object), and no local path either."""
    import os

    for folder in sorted(folders, key=len, reverse=True):
        try:
            path = default_storage.path(folder)
        except NotImplementedError:
            return
        while folder and os.path.isdir(path) and not os.listdir(path):
            os.rmdir(path)
            folder = posixpath.dirname(folder)
            if folder in ("", "rolls"):
                break
            path = default_storage.path(folder)
