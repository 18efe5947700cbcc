"""Render one station's documents (roll and door sign; its center's list with station 1),
store them, count the station."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.storage import default_storage

from rolls.models import CENTER_LIST_STATION, DocumentKind, Run, RunStatus
from rolls.pdf.roll import collect_documents
from rolls.services.ledger import RecordedDocument, run_record_station
from rolls.services.split_documents import (
    DocumentError,
    center_list_document,
    center_ranges,
    split_station,
    station_roll_document,
    station_sign_document,
)
from rolls.services.storage import center_list_path, roll_path, sign_path, write_whole


class RenderError(DocumentError):
    """The station cannot be rendered (missing, not assigned in this run, run finished)."""


@dataclass(frozen=True)
class RenderedStation:
    center_code: str
    station_number: int
    voters: int
    pages: int  # of all the documents written: roll, sign and (station 1) the center list
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
    """Render the station's roll and door sign, and with station 1 its center's list.

    The center list is made by the task of station 1 only: the list is drawn from the
    split's station ranges, which are complete once the center is assigned, so it never
    waits for (or races with) the other stations, and a redelivery renders the same bytes
    under the same name. Sign and list are recorded in the same transaction as the roll,
    before the roll counts the station: a run that is counted complete has them all.
    """
    started = time.perf_counter()
    if Run.objects.filter(pk=run.pk, status=RunStatus.SUCCEEDED).exists():
        # A late redelivery after the run succeeded: its files were verified and may be
        # published; writing them again could only change what was checked and printed.
        raise RenderError(f"Run {run.pk} has succeeded; its rolls are not rendered again")
    try:
        station = split_station(
            split_run_id=run.pk, center_id=center_id, station_number=station_number
        )
    except DocumentError as exc:
        raise RenderError(str(exc)) from None
    # Slow I/O (rendering, writing) happens outside any transaction.
    roll, voters = station_roll_document(run=run, station=station)
    ranges = center_ranges(split_run_id=run.pk, center_id=center_id)
    names = {
        "election_id": station.election_id,
        "run_id": run.pk,
        "center_id": station.center_id,
        "center_code": station.center.code,
    }
    documents = [
        (
            DocumentKind.SIGN,
            station.number,
            station.voter_count,
            sign_path(**names, station_number=station.number),
            station_sign_document(run=run, station=station, ranges=ranges),
        )
    ]
    if station.number == 1:
        documents.append(
            (
                DocumentKind.CENTER_LIST,
                CENTER_LIST_STATION,
                sum(r.voters for r in ranges),
                center_list_path(**names),
                center_list_document(run=run, station=station, ranges=ranges),
            )
        )
    if before_storing is not None:
        before_storing()
    # A failed write (a full disk) leaves no file that this call created: the station is
    # then neither counted nor half there. Files already there (a redelivery) stay.
    created: list[str] = []
    try:
        recorded = [
            _store(kind, number, count, name, rendered, created)
            for kind, number, count, name, rendered in documents
        ]
        stored = _store(
            DocumentKind.ROLL,
            station.number,
            voters,
            roll_path(**names, station_number=station.number),
            roll,
            created,
        )
    except BaseException:
        for name in created:
            default_storage.delete(name)
        raise
    collect_documents()  # the three documents' objects: unreachable now, see roll.py
    counted = run_record_station(
        run_id=run.pk,
        center_id=center_id,
        station_number=station_number,
        voters=voters,
        path=stored.path,
        pages=stored.pages,
        size=stored.size,
        sha256=stored.sha256,
        task_id=task_id,
        documents=recorded,
    )
    return RenderedStation(
        center_code=station.center.code,
        station_number=station.number,
        voters=voters,
        pages=roll.pages + sum(d.pages for d in recorded),
        bytes=len(roll.pdf),
        path=stored.path,
        seconds=time.perf_counter() - started,
        counted=counted,
    )


def _store(
    kind: str, number: int, voters: int, path: str, rendered, created: list[str]
) -> RecordedDocument:
    """Write one document whole and describe it for the run's record; ``created`` collects
    the names that did not exist before."""
    new = not default_storage.exists(path)
    write_whole(path, rendered.pdf)
    if new:
        created.append(path)
    return RecordedDocument(
        kind=kind,
        station_number=number,
        voters=voters,
        path=path,
        pages=rendered.pages,
        size=len(rendered.pdf),
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
    )
