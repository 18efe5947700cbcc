"""Time the roll renderer on one synthetic 500-voter station: ``python -m rolls.pdf.bench``.

Prints the median CPU seconds per station over N renders in this one process (one core),
pages per station, pages per second per core, and whether HarfBuzz subset the fonts.
``--compare-table`` also times a plain HTML ``<table>`` layout of the same roll;
``--compare-direction`` the same station as an English (left-to-right) and an Arabic
(right-to-left) roll, interleaved, for a mixed register and an all-Arabic one.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence

from rolls.pdf.data import RollHeader, RollVoter
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


def render_table(header, voters) -> int:
    """The naive layout the note compares against: one table row per voter."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("rolls/bench_table.html", {"header": header, "voters": voters})
    document = HTML(string=html, base_url=".").render()
    document.write_pdf()
    return len(document.pages)


def time_renders(render: Callable[[], int], repeats: int) -> tuple[float, float, int]:
    """Median CPU and wall seconds per render, and the pages of the last one."""
    cpu, wall, pages = [], [], 0
    for _ in range(repeats):
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        pages = render()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
    return statistics.median(cpu), statistics.median(wall), pages


def compare_directions(repeats: int, count: int) -> None:
    """Median CPU per station, left-to-right (en) against right-to-left (ar), the two
    interleaved so that a noisy neighbour slows both alike."""
    from rolls.pdf import render_station_roll

    arabic = [name for name in OTHER if "\u0600" <= name[0][0] <= "\u06ff"]
    registers = {
        "mixed register": synthetic_voters(count),
        "Arabic names": [
            RollVoter(v.position, v.voter_number, *arabic[v.position % len(arabic)])
            for v in synthetic_voters(count)
        ],
    }
    for label, voters in registers.items():
        headers = {lang: synthetic_header(voters, lang) for lang in ("en", "ar")}
        times: dict[str, list[float]] = {"en": [], "ar": []}
        for header in headers.values():
            render_station_roll(header, voters)  # warm-up: the language's stylesheet
        for _ in range(repeats):
            for language, header in headers.items():
                started = time.process_time()
                render_station_roll(header, voters)
                times[language].append(time.process_time() - started)
        ltr, rtl = (statistics.median(times[lang]) for lang in ("en", "ar"))
        print(
            f"{label + ':':<24} left to right {ltr:.3f} s, right to left {rtl:.3f} s "
            f"per station ({rtl / ltr - 1:+.1%})"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rolls.pdf.bench", description=__doc__)
    parser.add_argument("-n", "--repeats", type=int, default=9)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--compare-table", action="store_true")
    parser.add_argument("--compare-direction", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from rolls.pdf import harfbuzz_subset_available, render_station_roll

    if args.compare_direction:
        compare_directions(args.repeats, args.voters)
        return
    voters = synthetic_voters(args.voters)
    header = synthetic_header(voters)
    render_station_roll(header, voters)  # warm-up: font files, templates, imports
    cpu, wall, pages = time_renders(lambda: render_station_roll(header, voters).pages, args.repeats)
    print(f"voters per station:      {args.voters}")
    print(f"pages per station:       {pages}")
    print(f"median s per station:    {cpu:.3f} CPU, {wall:.3f} wall (n={args.repeats})")
    print(f"pages/s per core:        {pages / cpu:.1f}")
    print(f"HarfBuzz subsetting:     {'yes' if harfbuzz_subset_available() else 'no (fontTools)'}")
    if args.compare_table:
        render_table(header, voters)
        table_cpu, _, table_pages = time_renders(
            lambda: render_table(header, voters), max(3, args.repeats // 3)
        )
        print(f"naive <table>:           {table_cpu:.3f} s per station, {table_pages} pages")
        print(f"speed-up over <table>:   {table_cpu / cpu:.1f}x")


if __name__ == "__main__":
    main()
