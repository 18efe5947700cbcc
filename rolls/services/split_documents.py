"""A station's and a center's documents, made from a run's split: what rendering and
reprinting both call, so a reprint is made exactly as the run made the original.

Everything here reads the split (its stations and placements) and renders; nothing writes.
The split of a carried-over center is its source run's: callers pass that run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext, pgettext

from elections.folding import fold
from rolls.models import (
    CENTER_LIST_STATION,
    DocumentKind,
    Placement,
    Run,
    RunCenter,
    RunPurpose,
    Station,
)
from rolls.page_codes import document_codes
from rolls.pdf import RenderedRoll, RollHeader, RollVoter, expected_pages, render_station_roll
from rolls.pdf.center_documents import list_pages, render_center_list, render_door_sign
from rolls.pdf.ranges import CenterHeader, NameRange, StationRange
from rolls.pdf.text import name_script


class DocumentError(RuntimeError):
    """The document cannot be made from the run's split (station missing, rows wrong)."""


@dataclass(frozen=True)
class _End:
    family: str
    given: str


def _label(end: _End, *others: _End | None) -> str:
    """The family name alone, or "Family, Given" when a neighbouring end shares it."""
    key = fold(end.family)
    if any(other is not None and fold(other.family) == key for other in others):
        return f"{end.family}, {end.given}"
    return end.family


def center_ranges(*, split_run_id: int, center_id: int) -> list[StationRange]:
    """Every station of the center in the split with the range posted for it: two rows a
    station, found through the (station, row) index; and where a station's first and last
    names are in different scripts, the range within each script (script_ranges)."""
    stations = list(
        Station.objects.filter(run_id=split_run_id, center_id=center_id)
        .order_by("number")
        .values_list("id", "number", "voter_count")
    )
    if not stations:
        return []
    ends = Q()
    for station_id, _, count in stations:
        ends |= Q(station_id=station_id, position__in=[1, count])
    found: dict[tuple[int, int], _End] = {
        (station_id, position): _End(family, given)
        for station_id, position, family, given in Placement.objects.filter(ends).values_list(
            "station_id", "position", "family_name", "given_name"
        )
    }
    firsts = [found.get((sid, 1)) for sid, _, _ in stations]
    lasts = [found.get((sid, count)) for sid, _, count in stations]
    if None in firsts or None in lasts:
        raise DocumentError(
            f"run {split_run_id} center {center_id}: a station has no first or last row"
        )
    ranges = []
    for i, (station_id, number, count) in enumerate(stations):
        before = lasts[i - 1] if i > 0 else None
        after = firsts[i + 1] if i + 1 < len(stations) else None
        first, last = firsts[i], lasts[i]
        by_script: tuple[NameRange, ...] = ()
        if name_script(first.family) != name_script(last.family):
            by_script = script_ranges(station_id=station_id, before=before, after=after)
        ranges.append(
            StationRange(
                number=number,
                voters=count,
                first=_label(first, before, last if count > 1 else None),
                last=_label(last, after, first if count > 1 else None),
                by_script=by_script,
            )
        )
    return ranges


def script_ranges(
    *, station_id: int, before: _End | None, after: _End | None
) -> tuple[NameRange, ...]:
    """The station's range within each script of its family names, in the order the roll
    meets them: the first and the last name of that script in the roll's order. ``before``
    and ``after``: the neighbouring stations' ends (a shared family name adds the given).

    Only a station whose first and last names differ in script is read in full: ICU sorts
    each script as one block (by the first letter, which name_script reads), so a station
    that begins and ends in one script holds no other.
    """
    rows = [
        _End(family, given)
        for family, given in Placement.objects.filter(station_id=station_id)
        .order_by("position")
        .values_list("family_name", "given_name")
        .iterator(chunk_size=2000)
    ]
    spans: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        spans.setdefault(name_script(row.family), [index, index])[1] = index
    out = []
    for start, end in spans.values():
        previous = rows[start - 1] if start > 0 else before
        following = rows[end + 1] if end + 1 < len(rows) else after
        out.append(
            NameRange(
                first=_label(rows[start], previous, rows[end] if end > start else None),
                last=_label(rows[end], following, rows[start] if end > start else None),
            )
        )
    return tuple(out)


def _provenance(run: Run, center_id: int) -> tuple[datetime.datetime | None, str]:
    """What every page prints of where it comes from: the run's start (not the moment of
    this render: a redelivered or reprinted document renders to the same bytes) and the
    center's split fingerprint."""
    split = RunCenter.objects.filter(run=run, center_id=center_id).first()
    run_row = Run.objects.only("started_at", "queued_at").get(pk=run.pk)
    return run_row.started_at or run_row.queued_at, split.fingerprint if split else ""


def center_header(*, run: Run, station: Station) -> CenterHeader:
    generated_at, fingerprint = _provenance(run, station.center_id)
    with translation.override(station.election.language):
        purpose, _ = printed_purpose(run, station.election.name)
    return CenterHeader(
        election_name=station.election.name,
        polling_date=station.election.polling_date,
        center_code=station.center.code,
        center_name=station.center.name,
        run_id=run.pk,
        generated_at=generated_at,
        fingerprint=fingerprint,
        language=station.election.language,
        purpose=purpose,
    )


def split_station(*, split_run_id: int, center_id: int, station_number: int) -> Station:
    station = (
        Station.objects.select_related("center", "election")
        .filter(run_id=split_run_id, center_id=center_id, number=station_number)
        .first()
    )
    if station is None:
        raise DocumentError(
            f"Station {station_number} of center {center_id} does not exist in run {split_run_id}"
            " (was the center assigned?)"
        )
    return station


def printed_purpose(run: Run, election_name: str) -> tuple[str, str]:
    """What the run's rolls say they are, in the active language: on every page, and in the
    box on the cover. Only what was chosen when the run was generated, never the set's status
    (which changes after printing: a final run becomes the official set, then superseded)."""
    purpose = RunPurpose(run.purpose)
    if purpose is RunPurpose.DRAFT_LEGACY:
        # The words these runs always printed: a reprint gives back the recorded bytes.
        legacy = gettext(
            "Draft roll set: run %(run)s, not the official set of %(election)s when printed"
        ) % {"run": run.pk, "election": election_name}
        return "", legacy
    if purpose is RunPurpose.PROVISIONAL:
        # Translators: printed on every page of lists generated for public display.
        words = pgettext("run purpose", "Provisional lists for public display and checking")
    else:
        # Translators: printed on every page of the rolls generated for polling day.
        words = pgettext("run purpose", "Final rolls for polling day")
    return words, words


def station_roll_document(*, run: Run, station: Station) -> tuple[RenderedRoll, int]:
    """The station's roll from the split's placements, as the run printed it; and its
    voters. ``run`` is the run that split the center (its id and start are printed)."""
    voters = [
        RollVoter(position=position, voter_number=number, family_name=family, given_name=given)
        # The (station, row) unique index serves this in roll order.
        for position, number, family, given in Placement.objects.filter(station=station)
        .order_by("position")
        .values_list("position", "voter_number", "family_name", "given_name")
        .iterator(chunk_size=2000)
    ]
    if len(voters) != station.voter_count:
        raise DocumentError(
            f"Station {station.number} of center {station.center.code} lists "
            f"{station.voter_count} voters but {len(voters)} are assigned to it"
        )
    generated_at, fingerprint = _provenance(run, station.center_id)
    language = station.election.language
    with translation.override(language):
        purpose, set_status = printed_purpose(run, station.election.name)
    header = RollHeader(
        election_name=station.election.name,
        polling_date=station.election.polling_date,
        center_code=station.center.code,
        center_name=station.center.name,
        station_number=station.number,
        voter_count=station.voter_count,
        first_voter=station.first_voter_name,
        last_voter=station.last_voter_name,
        run_id=run.pk,
        generated_at=generated_at,
        fingerprint=fingerprint,
        purpose=purpose,
        set_status=set_status,
        language=language,
        page_codes=document_codes(
            run_id=run.pk,
            kind=DocumentKind.ROLL,
            center_id=station.center_id,
            station_number=station.number,
            pages=expected_pages(len(voters)),
        ),
    )
    return render_station_roll(header, voters), len(voters)


def station_sign_document(
    *, run: Run, station: Station, ranges: list[StationRange] | None = None
) -> RenderedRoll:
    ranges = ranges or center_ranges(split_run_id=run.pk, center_id=station.center_id)
    mine = next((r for r in ranges if r.number == station.number), None)
    if mine is None:
        raise DocumentError(f"station {station.number} of {station.center.code} has no range")
    codes = document_codes(
        run_id=run.pk,
        kind=DocumentKind.SIGN,
        center_id=station.center_id,
        station_number=station.number,
        pages=1,
    )
    return render_door_sign(center_header(run=run, station=station), mine, codes)


def center_list_document(
    *, run: Run, station: Station, ranges: list[StationRange] | None = None
) -> RenderedRoll:
    """The center's list (``station`` is any station of it: it carries the center)."""
    ranges = ranges or center_ranges(split_run_id=run.pk, center_id=station.center_id)
    codes = document_codes(
        run_id=run.pk,
        kind=DocumentKind.CENTER_LIST,
        center_id=station.center_id,
        station_number=CENTER_LIST_STATION,
        pages=list_pages(len(ranges)),
    )
    return render_center_list(center_header(run=run, station=station), ranges, codes)
