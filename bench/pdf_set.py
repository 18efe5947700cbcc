"""Time a center's whole set against its rolls alone: ``python -m bench.pdf_set``.

One synthetic center of 10 stations of 500 voters in this one process (one core): the ten
rolls alone, the whole set (rolls, a door sign each, the center list) without verification
codes, and the whole set with a code and QR code on every page (the codes made in the timed
part, as a run makes them) beside the rolls alone with their codes, median CPU seconds over
N repeats, interleaved, and pages/s of each. Each station has its own voters (consecutive
slices of one synthetic register), so each door sign shows its own first and last name, as in
a run. The targets: the whole set's pages/s within 10% of the rolls' alone (with codes, as a
run prints both), and the codes costing at most 10% of the set's.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from collections.abc import Sequence

import django

# Nothing here reads settings at import time: django.setup() in main() comes first of use.
from bench.pdf import time_renders
from rolls.page_codes import document_codes
from rolls.pdf import render_station_roll
from rolls.pdf.center_documents import list_pages, render_center_list, render_door_sign
from rolls.pdf.data import expected_pages
from rolls.pdf.ranges import NameRange, StationRange
from tests.pdf_data import LATIN, OTHER, synthetic_center, synthetic_header, synthetic_voters

STATIONS = 10


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf_set", description=__doc__)
    parser.add_argument("-n", "--repeats", type=int, default=5)
    parser.add_argument("--voters", type=int, default=500)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    register = synthetic_voters(args.voters * STATIONS)
    stations = [
        [
            dataclasses.replace(voter, position=index)
            for index, voter in enumerate(register[start : start + args.voters], start=1)
        ]
        for start in range(0, len(register), args.voters)
    ]
    headers = [
        dataclasses.replace(synthetic_header(voters), station_number=n)
        for n, voters in enumerate(stations, start=1)
    ]
    center = synthetic_center(headers[0])
    ranges = [
        StationRange(h.station_number, len(voters), h.first_voter, h.last_voter)
        for h, voters in zip(headers, stations, strict=True)
    ]

    def rolls() -> int:
        return sum(
            render_station_roll(h, voters).pages
            for h, voters in zip(headers, stations, strict=True)
        )

    def whole_set() -> int:
        pages = rolls()
        pages += sum(render_door_sign(center, r).pages for r in ranges)
        return pages + render_center_list(center, ranges).pages

    def codes(kind: str, station: int, pages: int) -> tuple[str, ...]:
        return document_codes(
            run_id=12, kind=kind, center_id=42, station_number=station, pages=pages
        )

    def rolls_with_codes() -> int:
        return sum(
            render_station_roll(
                dataclasses.replace(
                    h, page_codes=codes("roll", h.station_number, expected_pages(len(voters)))
                ),
                voters,
            ).pages
            for h, voters in zip(headers, stations, strict=True)
        )

    def whole_set_with_codes() -> int:
        pages = rolls_with_codes()
        pages += sum(render_door_sign(center, r, codes("sign", r.number, 1)).pages for r in ranges)
        list_codes = codes("center list", 0, list_pages(len(ranges)))
        return pages + render_center_list(center, ranges, list_codes).pages

    whole_set_with_codes()  # warm-up: fonts, templates, both stylesheets
    started = time.process_time()
    # Interleaved, so that load from other processes on a shared machine hits all alike.
    roll_times, set_times, coded_times, coded_roll_times = [], [], [], []
    for _ in range(args.repeats):
        roll_cpu, _, roll_pages = time_renders(rolls, 1)
        set_cpu, _, set_pages = time_renders(whole_set, 1)
        coded_cpu, _, coded_pages = time_renders(whole_set_with_codes, 1)
        coded_roll_cpu, _, _ = time_renders(rolls_with_codes, 1)
        roll_times.append(roll_cpu)
        set_times.append(set_cpu)
        coded_times.append(coded_cpu)
        coded_roll_times.append(coded_roll_cpu)
    roll_cpu, set_cpu = statistics.median(roll_times), statistics.median(set_times)
    coded_cpu = statistics.median(coded_times)
    coded_rolls_rate = roll_pages / statistics.median(coded_roll_times)
    sign_cpu, _, _ = time_renders(lambda: render_door_sign(center, ranges[0]).pages, 9)
    # A station at the turn of the scripts: its sign gives a range within each.
    mixed = dataclasses.replace(
        ranges[0],
        by_script=(
            NameRange(LATIN[0][0], LATIN[-1][0]),
            NameRange(OTHER[2][0], OTHER[3][0]),
            NameRange(OTHER[0][0], OTHER[1][0]),
            NameRange(OTHER[4][0], OTHER[5][0]),
        ),
    )
    mixed_cpu, _, _ = time_renders(lambda: render_door_sign(center, mixed).pages, 9)
    list_cpu, _, _ = time_renders(lambda: render_center_list(center, ranges).pages, 9)
    rolls_rate, set_rate = roll_pages / roll_cpu, set_pages / set_cpu
    coded_rate = coded_pages / coded_cpu
    print(f"center of {STATIONS} stations x {args.voters} voters, n={args.repeats}")
    print(f"rolls alone:       {roll_pages} pages, {roll_cpu:.2f} s CPU, {rolls_rate:.1f} pages/s")
    print(f"whole set:         {set_pages} pages, {set_cpu:.2f} s CPU, {set_rate:.1f} pages/s")
    print(f"whole set vs rolls: {set_rate / rolls_rate - 1:+.1%} pages/s")
    print(
        f"with codes:        {coded_pages} pages, {coded_cpu:.2f} s CPU, {coded_rate:.1f} pages/s"
    )
    print(f"with vs without codes: {coded_rate / set_rate - 1:+.1%} pages/s")
    # As a run prints them: the rolls carry their codes too.
    print(f"rolls alone, with codes: {coded_rolls_rate:.1f} pages/s")
    print(f"whole set vs rolls, both with codes: {coded_rate / coded_rolls_rate - 1:+.1%} pages/s")
    print(f"door sign:         {sign_cpu * 1000:.0f} ms CPU; center list {list_cpu * 1000:.0f} ms")
    print(f"door sign, a range in each of 4 scripts: {mixed_cpu * 1000:.0f} ms CPU")
    print(f"(measured in {time.process_time() - started:.0f} s CPU)")


if __name__ == "__main__":
    main()
