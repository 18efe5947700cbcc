"""Stored files of a run: finding a roll and damaging it on disk."""

from __future__ import annotations

import io

from django.core.files.storage import default_storage

from rolls.models import RollFile, Run


def overwrite_middle(path: str, count: int = 16) -> None:
    """Overwrite ``count`` bytes in the middle of the stored file (each one changed)."""
    with open(default_storage.path(path), "r+b") as handle:
        size = handle.seek(0, io.SEEK_END)
        handle.seek(size // 2)
        original = handle.read(count)
        handle.seek(size // 2)
        handle.write(bytes(byte ^ 0xFF for byte in original))


def roll_of(run: Run, code: str, number: int) -> RollFile:
    return RollFile.objects.rolls().get(run=run, center__code=code, station_number=number)
