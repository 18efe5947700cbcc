"""Time the roll renderer on one synthetic 500-voter station: ``python -m bench.pdf``.

Prints the median CPU seconds per station over N renders in this one process (one core),
pages per station, pages per second per core, and whether HarfBuzz subset the fonts.
``--compare-table`` also times a plain HTML ``<table>`` layout of the same roll;
``--compare-direction`` the same station as an English (left-to-right) and an Arabic
(right-to-left) roll, interleaved, for a mixed register and an all-Arabic one.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import django
from django.template import engines
from weasyprint import HTML

# Nothing here reads settings at import time: django.setup() in main() comes first of use.
from rolls.pdf import harfbuzz_subset_available, render_station_roll
from rolls.pdf.data import RollVoter
from tests.pdf_data import OTHER, synthetic_header, synthetic_voters

# The straightforward one-row-per-voter layout, for comparison only: not a product template.
TABLE_TEMPLATE = Path(__file__).with_name("table.html")


def render_table(header, voters) -> int:
    """The naive layout the note compares against: one table row per voter."""
    template = engines["django"].from_string(TABLE_TEMPLATE.read_text())
    html = template.render({"header": header, "voters": voters})
    document = HTML(string=html, base_url=".").render()
    document.write_pdf()
    return len(document.pages)


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU seconds of *work* with the collection of its own garbage.

    The renderer pauses the cyclic collector while it builds a document, so what it leaves
    is collected at the next allocation: untimed, that bill goes to whatever is timed next
    (a door sign timed after ten rolls paid for their garbage too). Earlier garbage is
    collected untimed first, this work's own inside the timing.
    """
    gc.collect()
    started = time.process_time()
    work()
    gc.collect(0)
    return time.process_time() - started


def time_renders(render: Callable[[], int], repeats: int) -> tuple[float, float, int]:
    """Median CPU and wall seconds per render (as :func:`cpu_seconds` counts them), and the
    pages of the last one."""
    cpu, wall, pages = [], [], 0
    for _ in range(repeats):
        gc.collect()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        pages = render()
        gc.collect(0)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
    return statistics.median(cpu), statistics.median(wall), pages


def compare_directions(repeats: int, count: int) -> None:
    """Median CPU per station, left-to-right (en) against right-to-left (ar), the two
    interleaved so that a noisy neighbour slows both alike."""
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
                times[language].append(
                    cpu_seconds(lambda h=header, v=voters: render_station_roll(h, v))
                )
        ltr, rtl = (statistics.median(times[lang]) for lang in ("en", "ar"))
        print(
            f"{label + ':':<24} left to right {ltr:.3f} s, right to left {rtl:.3f} s "
            f"per station ({rtl / ltr - 1:+.1%})"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf", description=__doc__)
    parser.add_argument("-n", "--repeats", type=int, default=9)
    parser.add_argument("--voters", type=int, default=500)
    parser.add_argument("--compare-table", action="store_true")
    parser.add_argument("--compare-direction", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
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
