"""The steps strategies are built from, each safe to repeat within a run."""

from __future__ import annotations

from rolls.models import Run, Station
from rolls.services import ledger as run_services
from rolls.services.assignment import stations_assign
from rolls.services.fingerprints import split_fingerprints
from rolls.services.station_render import Check, station_render


def center_assign_for_run(*, run: Run, center_id: int) -> dict:
    """Assign one center's stations once per run. A repeat (redelivery) does not split again:
    render tasks for the first split may already be queued, and must find their stations."""
    done = run.run_centers.filter(center_id=center_id).first()
    if done is not None:
        return {"stations": done.stations, "voters": done.voters, "repeat": True}
    result = stations_assign(run_id=run.pk, center_ids=[center_id])
    fingerprints = split_fingerprints(
        run_id=run.pk,
        center_ids=[center_id],
        mode=result.mode,
        maximum=result.maximum,
        language=result.language,
    )
    run_services.run_record_center(
        run_id=run.pk,
        center_id=center_id,
        stations=result.stations,
        voters=result.voters,
        fingerprint=fingerprints[center_id],
    )
    return {"stations": result.stations, "voters": result.voters}


def election_assign_for_run(*, run: Run) -> int:
    """Assign all of the run's centers still to do in one set-based statement (once per
    run; a changed-only run has carried the unchanged ones over already)."""
    to_do = run_services.run_center_ids(run)
    if to_do and not run.run_centers.filter(source_run__isnull=True).exists():
        carried = run.run_centers.exists()
        whole = run.center_ids is None and not carried
        result = stations_assign(run_id=run.pk, center_ids=None if whole else to_do)
        fingerprints = split_fingerprints(
            run_id=run.pk,
            center_ids=to_do,
            mode=result.mode,
            maximum=result.maximum,
            language=result.language,
            whole=whole,
        )
        run_services.run_record_assigned_centers(
            run=run, center_ids=to_do, fingerprints=fingerprints
        )
    return len(to_do)


def stations_of_run(run: Run) -> list[tuple[int, int, int]]:
    """(center id, station number, voters) of every station the run's centers now have."""
    return list(
        Station.objects.filter(run=run)
        .order_by("center_id", "number")
        .values_list("center_id", "number", "voter_count")
    )


def center_render_for_run(
    *, run: Run, center_id: int, task_id: str = "", before_storing: Check | None = None
) -> int:
    """Render every station of a center, one after another; returns the pages written."""
    numbers = Station.objects.filter(run=run, center_id=center_id).order_by("number")
    return sum(
        station_render(
            run=run,
            center_id=center_id,
            station_number=n,
            task_id=task_id,
            before_storing=before_storing,
        ).pages
        for n in numbers.values_list("number", flat=True)
    )


def stations_render_for_run(
    *, run: Run, stations: list[list[int]], task_id: str = "", before_storing: Check | None = None
) -> int:
    return sum(
        station_render(
            run=run, center_id=c, station_number=n, task_id=task_id, before_storing=before_storing
        ).pages
        for c, n in stations
    )
