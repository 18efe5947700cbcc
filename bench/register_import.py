"""``make bench`` part ``import``: a register file of N rows imported into a fresh database,
imported again (nothing changes), then a run's voter-to-station lists exported.

Each size runs in a subprocess of its own, so its peak memory (ru_maxrss) is the import's:
flat in N means the same figure at 100,000 and 1,000,000 rows.
"""

from __future__ import annotations

import csv
import os
import resource
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from bench.processes import bench_part, fresh, last_json
from elections.models import Election, ImportState
from elections.services.registers.imports import register_import_execute
from elections.services.registers.records import register_import_create
from rolls.models import Run, RunStatus
from rolls.services.assignment import stations_assign
from rolls.services.ledger import run_create
from rolls.services.placement_csv import run_export_lines

FAMILY = ["Martin", "Nguyễn", "Иванова", "الهاشمي", "山田", "O'Brien", "Dupont, de la Tour"]
GIVEN = ["Anne", "Zoé", 'Jean "Jeannot"', "Анна", "فاطمة", "太郎", "Chidi"]


def write_register(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["voter_number", "family_name", "given_name", "center_code", "center_name"])
        for i in range(rows):
            center = i // 1000
            writer.writerow(
                [
                    f"I{i:09d}",
                    FAMILY[i % 7],
                    GIVEN[(i // 7) % 7],
                    f"C{center:05d}",
                    f"School {center}",
                ]
            )


def timed_import(election: Election, path: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    with path.open("rb") as upload:
        record = register_import_create(
            election=election, upload=upload, file_name=path.name, username="bench",
            state=ImportState.RUNNING,
        )  # fmt: skip
    record = register_import_execute(import_id=record.pk)
    if record.state != ImportState.SUCCEEDED:
        raise RuntimeError(f"bench import failed: {record.message}")
    return time.perf_counter() - started, record.counts


def part_import(rows: int) -> dict:
    folder = Path(settings.VAR_DIR) / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"register-{rows}-{os.getpid()}.csv"
    write_register(path, rows)
    election = Election.objects.create(name="Bench import", slug="bench-import",
                                       polling_date=timezone.now().date())  # fmt: skip
    try:
        seconds, counts = timed_import(election, path)
        again, counts_again = timed_import(election, path)
    finally:
        path.unlink(missing_ok=True)
    assert counts["new"] == rows and counts_again["unchanged"] == rows
    import_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run = run_create(election_id=election.pk, strategy="assign_all_stations_in_parallel",
                     renders=False, started_by="bench")  # fmt: skip
    stations_assign(run_id=run.pk)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    exports = {}
    for order in ("by-number", "by-station"):
        started = time.perf_counter()
        size = sum(len(chunk) for chunk in run_export_lines(run, order))
        exports[order] = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": seconds,
        "again": again,
        "export_by_number": exports["by-number"],
        "export_by_station": exports["by-station"],
        "export_mb": size / 1e6,
        "import_peak_mb": import_peak,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def import_table(command, databases: dict, sizes: list[int]) -> None:
    command.stdout.write("\n== Register import and voter-to-station export (seconds) ==")
    command.stdout.write(
        f"{'database':<11} {'rows':>10} {'import':>8} {'re-import':>10} {'export #':>9} "
        f"{'export st':>10} {'import MB':>9} {'peak MB':>8}"
    )
    for label, env in databases.items():
        for n in sizes:
            fresh(env)
            r = last_json(bench_part("import", "--voters", str(n), env=env))
            command.stdout.write(
                f"{label:<11} {n:>10,} {r['seconds']:>8.2f} {r['again']:>10.2f} "
                f"{r['export_by_number']:>9.2f} {r['export_by_station']:>10.2f} "
                f"{r['import_peak_mb']:>9.0f} {r['peak_mb']:>8.0f}"
            )
