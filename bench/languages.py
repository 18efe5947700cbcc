"""``make bench`` part "languages": what alphabetical order and right-to-left rolls cost.

* Assignment at N voters ordered by the stored ICU sort keys (today's statement) against the
  same statement ordered by the names' binary collation (what it was before election
  languages), on the same data, interleaved, in one process: the ratio is the price of the
  language's order.
* Recomputing every key of the election, as a language change does.
* One station rendered left to right (English) and right to left (Arabic), interleaved.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from elections.models import Election
from elections.services.collation import refresh_sort_keys
from rolls.models import Run, RunStatus
from rolls.services import assignment
from rolls.services.ledger import run_create

BINARY_ORDER = "ORDER BY v.family_name, v.given_name, v.voter_number"
KEY_ORDER = "ORDER BY r.sort_key"


@contextmanager
def binary_order():
    """The assignment statement as it was: rows ordered by the names' bytes."""
    original = assignment._ASSIGN_SQL
    assert KEY_ORDER in original
    assignment._ASSIGN_SQL = original.replace(KEY_ORDER, BINARY_ORDER)
    try:
        yield
    finally:
        assignment._ASSIGN_SQL = original


def _assign_once(election: Election) -> float:
    run = run_create(
        election_id=election.pk,
        strategy="assign_all_stations_in_parallel",
        renders=False,
        started_by="bench",
    )
    result = assignment.stations_assign(run_id=run.pk)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    return result.seconds


def part_collation(_: int) -> dict:
    election = Election.objects.get(name="Bench")
    times: dict[str, list[float]] = {"binary": [], "keys": []}
    for _round in range(2):
        with binary_order():
            times["binary"].append(_assign_once(election))
        times["keys"].append(_assign_once(election))
    started = time.perf_counter()
    with transaction.atomic():
        written = refresh_sort_keys(election=election)
    refresh = time.perf_counter() - started
    return {
        "binary": statistics.median(times["binary"]),
        "keys": statistics.median(times["keys"]),
        "refresh": refresh,
        "registrations": written,
    }


def render_directions(root) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "bench.pdf", "--compare-direction", "-n", "9"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.rstrip() or result.stderr
