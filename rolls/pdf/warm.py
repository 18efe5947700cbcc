"""The renderer made ready before a worker takes its first task.

A process's first document costs about a second more than the next (here: 0.8-1.3 s against
0.1 s for a 300-voter roll): fontconfig's lookups, the width tables read from the font files,
the cut CJK font, the font configuration and the stylesheets parsed. A worker does it once,
in its main process before the pool starts (the ``worker_init`` signal, rolls/task_base.py),
so that every pool process, forked from it, starts with all of that in memory, and neither
the first run after a deployment nor a process replaced after a crash pays for it in a run.

Made-up names in four scripts, so that their fonts' widths are read too; nothing is stored,
no database is touched, and nothing of a voter is logged.
"""

from __future__ import annotations

import datetime
import logging
import time

from rolls.pdf.center_documents import render_center_list, render_door_sign
from rolls.pdf.data import RollHeader, RollVoter
from rolls.pdf.ranges import CenterHeader, StationRange
from rolls.pdf.roll import render_station_roll
from rolls.pdf.text import display_name

logger = logging.getLogger(__name__)

NAMES = (
    ("Abbott", "Anne"),
    ("Müller", "Jürgen"),
    ("حداد", "فاطمة"),
    ("Иванов", "Пётр"),
    ("山田 太郎", "さくら"),
)


def warm_up(language: str) -> float:
    """Render a roll, a door sign and a center list of made-up names in *language*, in
    memory; the seconds it took."""
    started = time.perf_counter()
    voters = [
        RollVoter(position, f"W{position:05d}", family, given)
        for position, (family, given) in enumerate(NAMES, start=1)
    ]
    first, last = (display_name(v.family_name, v.given_name) for v in (voters[0], voters[-1]))
    day = datetime.date(2000, 1, 1)
    header = RollHeader(
        language=language,
        election_name="Warm-up",
        polling_date=day,
        center_code="W",
        center_name="Warm-up",
        station_number=1,
        voter_count=len(voters),
        first_voter=first,
        last_voter=last,
    )
    center = CenterHeader("Warm-up", day, "W", "Warm-up", run_id=0, language=language)
    station = StationRange(1, len(voters), first, last)
    render_station_roll(header, voters)
    render_door_sign(center, station)
    render_center_list(center, [station])
    seconds = time.perf_counter() - started
    logger.info("Renderer ready in %.2f s (%s)", seconds, language)
    return seconds
