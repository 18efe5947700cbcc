"""Render one station's roll: load it in roll order, render the PDF, store it, count it."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext

from rolls.models import Placement, Run, RunCenter, RunStatus, Station
from rolls.pdf import RollHeader, RollVoter, render_station_roll
from rolls.services.runs import run_record_station
from rolls.services.storage import roll_path, write_whole


class RenderError(RuntimeError):
    """The station cannot be rendered (missing, or not assigned in this run)."""


@dataclass(frozen=True)
class RenderedStation:
    center_code: str
    station_number: int
    voters: int
    pages: int
    bytes: int
    path: str
    seconds: float
    counted: bool


# Called after a roll is rendered and before it is stored and counted: raising there (e.g.
# the task is past its time limit) leaves nothing written.
Check = Callable[[], None]


def station_render(
    *,
    run: Run,
    center_id: int,
    station_number: int,
    task_id: str = "",
    before_storing: Check | None = None,
) -> RenderedStation:
    started = time.perf_counter()
    if Run.objects.filter(pk=run.pk, status=RunStatus.SUCCEEDED).exists():
        # A late redelivery after the run succeeded: its files were verified and may be
        # published; writing them again could only change what was checked and printed.
        raise RenderError(f"Run {run.pk} has succeeded; its rolls are not rendered again")
    station = (
        Station.objects.select_related("center", "election")
        .filter(run=run, center_id=center_id, number=station_number)
        .first()
    )
    if station is None:
        raise RenderError(
            f"Station {station_number} of center {center_id} does not exist in run {run.pk}"
            " (was the center assigned?)"
        )
    voters = [
        RollVoter(position=position, voter_number=number, family_name=family, given_name=given)
        # The (station, row) unique index serves this in roll order.
        for position, number, family, given in Placement.objects.filter(station=station)
        .order_by("position")
        .values_list("position", "voter_number", "family_name", "given_name")
        .iterator(chunk_size=2000)
    ]
    if len(voters) != station.voter_count:
        raise RenderError(
            f"Station {station_number} of center {station.center.code} lists {station.voter_count} "
            f"voters but {len(voters)} are assigned to it"
        )
    split = RunCenter.objects.filter(run=run, center_id=center_id).first()
    run_row = Run.objects.only("started_at", "queued_at").get(pk=run.pk)
    language = station.election.language
    with translation.override(language):
        set_status = gettext(
            "Draft roll set: run %(run)s, not the official set of %(election)s when printed"
        ) % {"run": run.pk, "election": station.election.name}
    header = RollHeader(
        election_name=station.election.name,
        polling_date=station.election.polling_date,
        center_code=station.center.code,
        center_name=station.center.name,
        station_number=station.number,
        voter_count=station.voter_count,
        first_voter=station.first_voter_name,
        last_voter=station.last_voter_name,
        # Every page says which run and split it comes from. The run's start, not the
        # moment of this render: a redelivered station renders to the same bytes.
        run_id=run.pk,
        generated_at=run_row.started_at or run_row.queued_at,
        fingerprint=split.fingerprint if split else "",
        set_status=set_status,
        language=language,
    )
    # Slow I/O (rendering, writing) happens outside any transaction.
    rendered = render_station_roll(header, voters)
    if before_storing is not None:
        before_storing()
    path = roll_path(
        election_id=station.election_id,
        run_id=run.pk,
        center_id=station.center_id,
        center_code=station.center.code,
        station_number=station.number,
    )
    write_whole(path, rendered.pdf)
    counted = run_record_station(
        run_id=run.pk,
        center_id=center_id,
        station_number=station_number,
        voters=len(voters),
        path=path,
        pages=rendered.pages,
        size=len(rendered.pdf),
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        task_id=task_id,
    )
    return RenderedStation(
        center_code=station.center.code,
        station_number=station.number,
        voters=len(voters),
        pages=rendered.pages,
        bytes=len(rendered.pdf),
        path=path,
        seconds=time.perf_counter() - started,
        counted=counted,
    )
