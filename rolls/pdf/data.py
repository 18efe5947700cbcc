"""What a station's roll is made of, independent of the database models."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from rolls.planning import ROWS_PER_PAGE, expected_pages

__all__ = ["ROWS_PER_PAGE", "expected_pages"]  # with the roll's data, as callers read it


@dataclass(frozen=True)
class RollVoter:
    position: int  # row number on the roll, 1..N
    voter_number: str
    family_name: str
    given_name: str


@dataclass(frozen=True)
class RollHeader:
    election_name: str
    polling_date: datetime.date
    center_code: str
    center_name: str
    station_number: int
    voter_count: int
    first_voter: str  # display text, e.g. "Abbott, Anne": the name range posted at the door
    last_voter: str
    # Provenance, printed on every page so a loose sheet can be traced to the run that made
    # it. Each is optional: an empty one prints nothing.
    run_id: int | None = None
    generated_at: datetime.datetime | None = None  # timezone-aware; printed in UTC
    fingerprint: str = ""  # hex digest of the station's split; its first characters print
    # What the run was generated for, in the election's language ("Final rolls for polling
    # day"): printed on every page, above the provenance. It never changes after printing, as
    # a set's status does. Empty for the runs made before purposes existed.
    purpose: str = ""
    # A box on the cover. For a run of a purpose: that purpose. For the runs made before
    # purposes existed: the words their covers always carried (reprints print them again).
    set_status: str = ""
    # The election's language: the labels, the date format and, for Arabic, right to left.
    language: str = "en"
    # The verification code of each page, cover first (rolls/page_codes.py), printed in the
    # page's top corner with a QR code of it; empty: no codes (the benchmark's baseline).
    page_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedRoll:
    pdf: bytes
    pages: int  # including the cover
