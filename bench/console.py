"""``make bench`` part ``console``: every console page, the progress JSON and the first
byte of each kind of download, timed against the election the load part just ran (or
any database holding a finished run: ``python -m bench --part console``).

Through Django's test client in this process (no network, no gunicorn): what is measured is
the view, its queries and its template, which is what grows with the election.
"""

from __future__ import annotations

import resource
import statistics
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from rolls.models import RollFile, Run, RunStatus

REQUESTS = 20
# The goals of the console at 1M voters (p95, ms).
PAGE_GOAL_MS = 150
PROGRESS_GOAL_MS = 10
FIRST_BYTE_GOAL_MS = 1000


def console_pages(run: Run) -> dict[str, str]:
    files = RollFile.objects.filter(run=run).count()
    middle = max(1, -(-files // 100) // 2)
    center = RollFile.objects.filter(run=run).values_list("center__code", flat=True).first()
    return {
        "runs list": reverse("admin:rolls_run_changelist"),
        "run page (first 100 roll files)": reverse("admin:rolls_run_change", args=[run.pk]),
        f"run page (files page {middle})": reverse("admin:rolls_run_change", args=[run.pk])
        + f"?files={middle}",
        "compare strategies": reverse("admin:lab_benchmark_compare", args=[run.election_id]),
        "stations list": reverse("admin:rolls_station_changelist"),
        "elections list": reverse("admin:elections_election_changelist"),
        "polling centers list": reverse("admin:elections_pollingcenter_changelist"),
        "voters list": reverse("admin:elections_voter_changelist"),
        "voters search by family name": reverse("admin:elections_voter_changelist") + "?q=Smi",
        "registrations list": reverse("admin:elections_registration_changelist"),
        "registrations search (family name)": reverse("admin:elections_registration_changelist")
        + "?q=Smi",
        "registrations search (center code)": reverse("admin:elections_registration_changelist")
        + f"?q={center}",
        "task results list": reverse("admin:django_celery_results_taskresult_changelist"),
        "downloads list": reverse("admin:rolls_download_changelist"),
        "benchmarks list": reverse("admin:lab_benchmark_changelist"),
        "schedules list": reverse("admin:django_celery_beat_periodictask_changelist"),
    }


def timed(client: Client, url: str, requests: int = REQUESTS) -> tuple[float, float]:
    """p50 and p95 in ms of ``requests`` GETs after one to warm caches."""
    client.get(url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    times.sort()
    return statistics.median(times), times[round(0.95 * (len(times) - 1))]


def first_byte(client: Client, url: str, repeats: int = 5) -> dict:
    """Median ms to the first byte of a download, the whole of it once, and how much this
    process's peak memory grew while streaming it."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    firsts, size, whole = [], 0, 0.0
    for attempt in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        chunks = iter(response.streaming_content)
        first = next(chunks)
        firsts.append((time.perf_counter() - started) * 1000)
        if attempt == 0:
            size = len(first) + sum(len(chunk) for chunk in chunks)
            whole = time.perf_counter() - started
        else:
            response.close()
    return {
        "first_byte_ms": statistics.median(firsts),
        "seconds": whole,
        "megabytes": size / 1e6,
        "peak_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    }


def latest_rendered_run(what: str) -> Run:
    run = Run.objects.filter(status=RunStatus.SUCCEEDED, renders=True).order_by("-pk").first()
    if run is None:
        raise RuntimeError(f"no finished run to measure {what} on: run the load part first")
    return run


def bench_client() -> Client:
    user = get_user_model().objects.filter(username="bench").first()
    user = user or get_user_model().objects.create_superuser("bench", password=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def downloads_first_byte(client: Client, run: Run) -> dict[str, dict]:
    """The three downloads staff make: the largest station's PDF, its center's zip and the
    run's zip, through whatever ``default_storage`` this process is configured with."""
    roll = RollFile.objects.filter(run=run).order_by("-pages").first()
    return {
        "one station's PDF": first_byte(
            client, reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk])
        ),
        "one center's zip": first_byte(
            client, reverse("admin:rolls_run_center_zip", args=[run.pk, roll.center_id])
        ),
        "the run's zip": first_byte(client, reverse("admin:rolls_run_zip", args=[run.pk]), 3),
    }


def part_console(_: int) -> dict:
    run = latest_rendered_run("the console")
    client = bench_client()
    pages = {name: timed(client, url) for name, url in console_pages(run).items()}
    progress = timed(client, reverse("admin:rolls_run_progress", args=[run.pk]), 100)
    return {
        "run": run.pk,
        "voters": run.voters_total,
        "files": RollFile.objects.filter(run=run).count(),
        "requests": REQUESTS,
        "pages": pages,
        "progress": progress,
        "downloads": downloads_first_byte(client, run),
    }


def part_downloads(_: int) -> dict:
    """Only the downloads (``make bench`` part ``s3`` runs it once per storage backend)."""
    from django.core.files.storage import storages

    run = latest_rendered_run("downloads")
    return {
        "run": run.pk,
        "voters": run.voters_total,
        "files": RollFile.objects.filter(run=run).count(),
        "backend": type(storages["default"]).__name__,
        "downloads": downloads_first_byte(bench_client(), run),
    }


def download_line(name: str, figures: dict) -> str:
    mark = "" if figures["first_byte_ms"] <= FIRST_BYTE_GOAL_MS else "  OVER"
    return (
        f"  download {name:<31} first byte {figures['first_byte_ms']:6.0f} ms, all "
        f"{figures['megabytes']:,.1f} MB in {figures['seconds']:.1f} s, peak memory "
        f"+{figures['peak_growth_mb']:.0f} MB{mark}"
    )


def print_console(write, figures: dict, voters: int) -> None:
    write(
        f"\nConsole at {voters:,} voters, run {figures['run']} ({figures['files']:,} roll "
        f"files), ms over {figures['requests']} requests (goal p95 <= {PAGE_GOAL_MS} ms):"
    )
    for page, (p50, p95) in figures["pages"].items():
        mark = "" if p95 <= PAGE_GOAL_MS else "  OVER"
        write(f"  {page:<40} p50 {p50:7.1f}  p95 {p95:7.1f}{mark}")
    p50, p95 = figures["progress"]
    mark = "" if p95 <= PROGRESS_GOAL_MS else "  OVER"
    write(f"  {'run progress (JSON, 100 requests)':<40} p50 {p50:7.1f}  p95 {p95:7.1f}{mark}")
    for name, d in figures["downloads"].items():
        write(download_line(name, d))
