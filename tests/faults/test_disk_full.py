"""The disk fills up while a roll is written: the run fails saying "No space left on
device" and which station, and no partial file is left, let alone one under a roll's name."""

from __future__ import annotations

import contextlib
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rolls.launch import run_start
from rolls.models import RollFile, RunStatus
from rolls.services.storage import roll_path
from tests.faults.support import (
    files_in,
    requires_services,
    run_folder,
    use_media_root,
    wait_settled,
)
from tests.support.builders import build_election

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), requires_services]

ROOM = 200 * 1024  # a 40-voter roll (~12 kB) fits; a 4,000-voter one (~220 kB) does not

# Where a tmpfs cannot be mounted (not root), the worker imports this at start-up
# (``sitecustomize`` on its PYTHONPATH) and fails fsync with ENOSPC once the folder is full.
SMALL_DISK = textwrap.dedent(
    """
    import errno
    import os

    _root = os.environ["FAULTS_SMALL_DISK_ROOT"]
    _room = int(os.environ["FAULTS_SMALL_DISK_BYTES"])
    _fsync = os.fsync


    def _used():
        return sum(
            os.path.getsize(os.path.join(folder, name))
            for folder, _, names in os.walk(_root)
            for name in names
        )


    def fsync(fd):
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if path.startswith(_root + os.sep) and _used() > _room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _fsync(fd)


    os.fsync = fsync
    """
)


@dataclass
class SmallDisk:
    root: Path
    worker_env: dict[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def tmpfs(folder: Path):
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={ROOM // 1024}k,mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}): see the injected case")
    try:
        yield
    finally:
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture(params=["tmpfs", "injected"])
def small_disk(request, settings, tmp_path):
    root = tmp_path / "small-media"
    root.mkdir()
    if request.param == "tmpfs":
        with tmpfs(root):
            use_media_root(settings, root)
            yield SmallDisk(root)
        return
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SMALL_DISK)
    use_media_root(settings, root)
    yield SmallDisk(
        root,
        {
            "PYTHONPATH": str(hooks),
            "FAULTS_SMALL_DISK_ROOT": str(root),
            "FAULTS_SMALL_DISK_BYTES": str(ROOM),
        },
    )


def test_a_full_disk_fails_the_run_naming_the_station_and_leaves_no_partial_file(
    small_disk, workers
):
    election = build_election(name=None, centers={"A": 40, "B": 4000}, max_per_station=4000)
    workers.start(concurrency=1, extra_env=small_disk.worker_env)
    run = run_start(
        election_id=election.pk,
        strategy="assign_stations_and_generate_lists_with_chord",
        started_by="test",
    )
    wait_settled(run, workers.namespace)

    assert run.status == RunStatus.FAILED
    center_b = election.centers.get(code="B")
    big = roll_path(
        election_id=election.pk,
        run_id=run.pk,
        center_id=center_b.pk,
        center_code="B",
        station_number=1,
    )
    assert "No space left on device" in run.error
    assert big in run.error  # names the election, run, center and station
    assert "rolls.tasks.render_station" in run.error
    final, partial = files_in(run_folder(run, small_disk.root))
    assert not partial  # the temporary file was removed
    assert big not in final
    # What was written is whole and counted; what was not is not counted.
    rolls = {roll.path: roll for roll in RollFile.objects.filter(run=run)}
    assert big not in rolls
    # Station A's roll, its sign and its center's list; nothing of station B is left.
    assert set(rolls) == final and len(rolls) == 3
    assert RollFile.objects.rolls().filter(run=run).count() == 1
    for path, roll in rolls.items():
        assert (small_disk.root / path).stat().st_size == roll.bytes
