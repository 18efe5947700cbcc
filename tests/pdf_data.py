"""Synthetic roll data: a realistic mix of names and a filled-in header, for the PDF tests
and the renderer's benchmarks (``python -m bench.pdf``, ``python -m bench.pdf_set``).

Pure data: nothing here reads settings, so it imports before ``django.setup()``.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from rolls.pdf.data import RollHeader, RollVoter
from rolls.pdf.ranges import CenterHeader
from rolls.pdf.text import display_name

LATIN = [
    ("Abbott", "Anne"),
    ("Álvarez", "José Luis"),
    ("Müller", "Jürgen"),
    ("Nguyễn", "Thị Hoa"),
    ("O'Connor", "Siobhán"),
    ("Søndergaard", "Åse"),
    ("Dubois", "Hélène"),
    ("Kowalczyk", "Łucja"),
    ("Smith", "John"),
    ("Okafor", "Chukwuemeka"),
]
OTHER = [
    ("حداد", "فاطمة"),
    ("العبدالله", "محمد"),
    ("Иванов", "Пётр"),
    ("Кузнецова", "Анна"),
    ("王", "小明"),
    ("山田", "太郎"),
]
LONG = ("Rodríguez de la Santísima Trinidad y Montenegro", "María de los Ángeles Guadalupe")


def synthetic_voters(count: int, seed: int = 2026) -> list[RollVoter]:
    """A realistic mix: mostly Latin, one in six another script, one in fifty very long."""
    rng = random.Random(seed)
    voters = []
    for position in range(1, count + 1):
        roll = rng.random()
        family, given = LONG if roll < 0.02 else rng.choice(OTHER if roll < 0.18 else LATIN)
        voters.append(RollVoter(position, f"R{rng.randrange(10**9):09d}", family, given))
    return voters


def synthetic_header(voters: Sequence[RollVoter], language: str = "en") -> RollHeader:
    return RollHeader(
        language=language,
        election_name="General Election 2026",
        polling_date=datetime.date(2026, 6, 14),
        center_code="C-0042",
        center_name="Riverside Primary School",
        station_number=3,
        voter_count=len(voters),
        first_voter=display_name(voters[0].family_name, voters[0].given_name),
        last_voter=display_name(voters[-1].family_name, voters[-1].given_name),
        # The provenance the console prints, so the benchmark pays for its footer and label.
        run_id=12,
        generated_at=datetime.datetime(2026, 6, 1, 10, 5, tzinfo=datetime.UTC),
        fingerprint="3f9a1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8",
        purpose="Final rolls for polling day",
        set_status="Final rolls for polling day",
    )


def synthetic_center(header: RollHeader) -> CenterHeader:
    """The center of a synthetic roll, as its door signs and list print it."""
    return CenterHeader(
        header.election_name,
        header.polling_date,
        header.center_code,
        header.center_name,
        run_id=header.run_id or 12,
        generated_at=header.generated_at,
        fingerprint=header.fingerprint,
        language=header.language,
    )
