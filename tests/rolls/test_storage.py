"""write_whole: a roll is stored whole under its name or not at all, whatever fails."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from rolls.services import storage as storage_module
from rolls.services.storage import check_relative_name, roll_path, write_whole

NAME = "rolls/election/run-1/A/station-001.pdf"
GOOD = b"%PDF-1.7 the good roll"


@pytest.fixture
def media(tmp_path) -> FileSystemStorage:
    return FileSystemStorage(location=tmp_path)


def everything_in(media: FileSystemStorage) -> list[str]:
    root = Path(media.location)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_writes_the_bytes_under_exactly_the_name_and_replaces_a_previous_file(media):
    assert write_whole(NAME, b"first", media) == NAME
    assert write_whole(NAME, GOOD, media) == NAME
    assert media.open(NAME).read() == GOOD
    assert everything_in(media) == [NAME]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_neither_a_temporary_file_nor_a_file_under_the_name(
    media, monkeypatch, failing
):
    monkeypatch.setattr(storage_module.os, failing, no_space)
    with pytest.raises(OSError, match=r"No space left on device: 'rolls/.*/A/station-001\.pdf'"):
        write_whole(NAME, GOOD * 1000, media)
    assert everything_in(media) == []


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_rewrite_leaves_the_existing_good_file_intact(media, monkeypatch, failing):
    write_whole(NAME, GOOD, media)
    monkeypatch.setattr(storage_module.os, failing, no_space)
    with pytest.raises(OSError) as raised:
        write_whole(NAME, b"%PDF-1.7 a newer roll that does not fit" * 1000, media)
    assert raised.value.errno == errno.ENOSPC
    assert media.open(NAME).read() == GOOD
    assert everything_in(media) == [NAME]


def test_an_interrupted_write_removes_its_temporary_file(media, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(storage_module.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_whole(NAME, GOOD, media)
    assert everything_in(media) == []


def test_a_really_full_disk_keeps_the_old_roll_and_leaves_no_partial_file(tmp_path):
    """ENOSPC from the kernel, on a 64 kB tmpfs (needs root to mount; skipped otherwise)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        media = FileSystemStorage(location=mount)
        write_whole(NAME, GOOD, media)
        with pytest.raises(OSError, match=r"\[Errno 28\] No space left on device: 'rolls/"):
            write_whole(NAME, os.urandom(200 * 1024), media)
        assert media.open(NAME).read() == GOOD
        assert everything_in(media) == [NAME]
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_roll_names_are_deterministic():
    first = roll_path(election_id=3, run_id=7, center_id=12, center_code="C 12", station_number=3)
    again = roll_path(election_id=3, run_id=7, center_id=12, center_code="C 12", station_number=3)
    assert first == again == "rolls/election-3/run-7/center-12-C_12/station-003.pdf"


def test_look_alike_center_codes_never_share_a_folder():
    codes = ["12/3", "12.3", "12 3", "12_3", "A.1", "A_1", "A-1", "", "../..", "\u202e1.3"]
    names = [
        roll_path(election_id=1, run_id=1, center_id=i, center_code=code, station_number=1)
        for i, code in enumerate(codes, start=1)
    ]
    assert len(set(names)) == len(codes)
    for name in names:
        assert name.startswith("rolls/election-1/run-1/center-")
        assert check_relative_name(name) == name
        assert name.count("/") == 4  # no separator comes from a center code


@pytest.mark.parametrize(
    "name",
    [
        "../outside.pdf",
        "rolls/../../x.pdf",
        "/etc/x.pdf",
        "rolls//x.pdf",
        "a\\b.pdf",
        "rolls/./x.pdf",
        "rolls/x\x00.pdf",
        "",
    ],
)
def test_a_name_that_could_leave_its_folder_is_refused_and_nothing_is_written(media, name):
    with pytest.raises(ValueError, match="Unsafe storage name"):
        write_whole(name, GOOD, media)
    assert everything_in(media) == []
