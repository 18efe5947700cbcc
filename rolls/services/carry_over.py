"""Changed-only runs: carry every unchanged center over from the official set.

A center is unchanged when its register fingerprint now (template, mode, maximum, voters and
names in roll order: see :mod:`rolls.services.fingerprints`) equals the one the official set
recorded. Its split and files are then the official set's: the new run records the center
(pointing at the run whose split it is) and its files (same paths and SHA-256), renders
nothing for it, and its manifest lists them like its own. Everything else is assigned and
rendered as usual, so the new run is a complete set that can itself be published.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from elections.models import PollingCenter
from elections.services.collation import refresh_sort_keys
from rolls.models import DocumentKind, RollFile, Run, RunCenter
from rolls.services.fingerprints import register_fingerprints


class NoOfficialSet(LookupError):
    """A changed-only run needs an official set to compare with."""


@dataclass(frozen=True)
class CarryOver:
    official_run_id: int
    carried: int
    changed: int
    files: int


def run_carry_over_unchanged(*, run: Run) -> CarryOver:
    """Record the run's unchanged centers as carried over (once: a repeat does nothing)."""
    official = Run.objects.official().filter(election_id=run.election_id).first()
    if official is None:
        raise NoOfficialSet(f"{run.election.name} has no official roll set to compare with")
    centers = run.planned_center_ids()
    # The register's order is its sort keys: a row still without one would sort apart.
    refresh_sort_keys(election=run.election, missing_only=True)
    current = register_fingerprints(
        election_id=run.election_id,
        center_ids=centers,
        mode=run.assignment_mode,
        maximum=run.election.max_voters_per_station,
        language=run.election.language,
    )
    recorded = {rc.center_id: rc for rc in RunCenter.objects.filter(run=official)}
    unchanged = [
        center_id
        for center_id in centers
        if center_id in recorded
        and recorded[center_id].fingerprint
        and recorded[center_id].fingerprint == current[center_id]
    ]
    files = list(RollFile.objects.filter(run=official, center_id__in=unchanged))
    # A set published before door signs and center lists were printed lacks them: such a
    # center is rendered again (with all its documents) instead of carried over incomplete.
    documents = Counter(roll.center_id for roll in files)
    complete = {
        c
        for c in unchanged
        if documents[c] == 2 * recorded[c].stations + bool(recorded[c].stations)
    }
    unchanged = [c for c in unchanged if c in complete]
    files = [roll for roll in files if roll.center_id in complete]
    with transaction.atomic():
        if RunCenter.objects.filter(run=run).exists():
            return CarryOver(official.pk, 0, len(centers), 0)  # carried over already
        RunCenter.objects.bulk_create(
            RunCenter(
                run=run,
                center_id=center_id,
                stations=recorded[center_id].stations,
                voters=recorded[center_id].voters,
                fingerprint=recorded[center_id].fingerprint,
                source_run_id=recorded[center_id].split_run_id,
            )
            for center_id in unchanged
        )
        RollFile.objects.bulk_create(
            RollFile(
                run=run,
                center_id=roll.center_id,
                station_number=roll.station_number,
                kind=roll.kind,
                voters=roll.voters,
                path=roll.path,
                pages=roll.pages,
                bytes=roll.bytes,
                sha256=roll.sha256,
                source_run_id=roll.source_run_id or official.pk,
            )
            for roll in files
        )
        empty = sorted(
            PollingCenter.objects.filter(
                pk__in=[c for c in unchanged if not recorded[c].voters]
            ).values_list("code", flat=True)
        )
        everything = len(unchanged) == len(centers)
        Run.objects.filter(pk=run.pk).update(
            # With nothing left to split, the plan is exactly what was carried.
            stations_total=(
                sum(recorded[c].stations for c in unchanged) if everything else F("stations_total")
            ),
            centers_assigned=F("centers_assigned") + len(unchanged),
            stations_done=F("stations_done")
            + sum(1 for roll in files if roll.kind == DocumentKind.ROLL),
            pages=F("pages") + sum(roll.pages for roll in files),
            empty_centers=sorted({*run.empty_centers, *empty}),
        )
    return CarryOver(official.pk, len(unchanged), len(centers) - len(unchanged), len(files))
