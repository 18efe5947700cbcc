"""``make bench``: the figures the README quotes, measured in one run on this machine.

Each part runs in a fresh database of its own (a SQLite file under VAR_DIR, and a
PostgreSQL database ``elections_bench`` when PostgreSQL answers) through subprocesses, so
the console's own data is never touched. Figures are medians where a part repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import all_queue_names
from elections.models import Election, Registration, Voter
from elections.services.fake_data import create_fake_voter_data
from rolls.management.commands._bench_lookup import lookup, part_lookup
from rolls.models import RollFile, Run, RunStatus
from rolls.selectors import run_metrics
from rolls.services.assignment import stations_assign
from rolls.services.publication import run_publish
from rolls.services.runs import run_create

ROOT = Path(settings.BASE_DIR)
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/elections_bench")
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def manage(*args: str, env: dict[str, str], timeout: float = 1800) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def last_json(output: str) -> dict:
    return json.loads([line for line in output.splitlines() if line.startswith("{")][-1])


class Command(BaseCommand):
    help = "Print the benchmark figures: fake data, assignment, PDF rendering, strategies."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
        # Internal: one measurement, run in a subprocess against its own database.
        parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
        parser.add_argument("--voters", type=int, default=0, help=argparse.SUPPRESS)
        parser.add_argument("--skip", default="", help="comma-separated parts to skip")

    def handle(self, *args, quick, part, voters, skip, **options):
        if part:
            self.stdout.write(json.dumps(PARTS[part](voters)))
            return
        skipped = {s.strip() for s in skip.split(",") if s.strip()}
        sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
        databases = self.databases()
        if "data" not in skipped:
            self.data_and_assignment(databases, sizes)
        if "pdf" not in skipped:
            self.pdf()
        if "set" not in skipped:
            self.pdf("rolls.pdf.bench_set", "A center's whole set against its rolls alone")
        if "lookup" not in skipped:
            lookup(self, databases, sizes[-1], manage, last_json, self.fresh)
        if "strategies" not in skipped:
            self.strategies(databases, quick)
        if "load" not in skipped:
            self.load(databases, 100_000 if quick else 1_000_000)

    # --- databases -----------------------------------------------------------------------
    def databases(self) -> dict[str, dict[str, str]]:
        bench_dir = Path(settings.VAR_DIR) / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        found = {"SQLite": {"DATABASE_URL": f"sqlite:///{bench_dir / 'bench.sqlite3'}"}}
        sys.path.insert(0, str(ROOT))
        from tests.services import postgres_problem, rabbitmq_problem

        problem = postgres_problem(PG_URL)
        if problem:
            self.stdout.write(f"PostgreSQL parts skipped: {problem}")
        else:
            found["PostgreSQL"] = {"DATABASE_URL": PG_URL}
            if not rabbitmq_problem(AMQP_URL):
                found["PostgreSQL"]["CELERY_BROKER_URL"] = AMQP_URL
        return found

    def fresh(self, env: dict[str, str]) -> None:
        url = env["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        else:
            import psycopg

            name = url.rsplit("/", 1)[1]
            with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
        manage("migrate", "--no-input", "-v0", env=env)

    # --- fake data + assignment -------------------------------------------------------------
    def data_and_assignment(self, databases, sizes) -> None:
        self.stdout.write("\n== Fake data and station assignment (seconds) ==")
        self.stdout.write(
            f"{'database':<11} {'voters':>10} {'fake data':>10} {'assign':>8} {'re-assign':>10}"
        )
        for label, env in databases.items():
            for n in sizes:
                self.fresh(env)
                fake = last_json(manage("bench", "--part", "fake", "--voters", str(n), env=env))
                first = last_json(manage("bench", "--part", "assign", env=env))
                again = last_json(manage("bench", "--part", "assign", env=env))
                self.stdout.write(
                    f"{label:<11} {n:>10,} {fake['seconds']:>10.2f} {first['seconds']:>8.2f} "
                    f"{again['seconds']:>10.2f}"
                )

    # --- PDF --------------------------------------------------------------------------------
    def pdf(self, module: str = "rolls.pdf.bench", title: str = "PDF rendering") -> None:
        self.stdout.write(f"\n== {title} (one process = one core) ==")
        result = subprocess.run(
            [sys.executable, "-m", module],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        self.stdout.write(result.stdout.rstrip() or result.stderr)

    # --- strategies -------------------------------------------------------------------------
    def strategies(self, databases, quick: bool) -> None:
        for label, env in databases.items():
            broker = "RabbitMQ" if "CELERY_BROKER_URL" in env else "filesystem broker"
            env = {**env, "CELERY_QUEUE_NAMESPACE": f"bench{os.getpid()}."}
            self.stdout.write(f"\n== Strategies, 10,000 voters, {label} + {broker}, worker -c 2 ==")
            self.fresh(env)
            manage(
                "create_fake_voter_data", "10000", "--seed", "2014", "--election", "Bench", env=env
            )
            with worker(env):
                self.stdout.write(
                    manage("compare_strategies", "--election", "Bench", env=env)
                    .split("Comparison on Bench:")[-1]
                    .rstrip()
                )
                if not quick:
                    self.fresh(env)
                    manage(
                        "create_fake_voter_data",
                        "100000",
                        "--seed",
                        "2014",
                        "--election",
                        "Big",
                        env=env,
                    )
                    out = manage(
                        "compare_strategies", "--election", "Big",
                        "--strategies", "assign_in_database_then_balanced_batches", env=env,
                    )  # fmt: skip
                    table = out.split("Comparison on Big:")[-1].rstrip()
                    self.stdout.write(f"\n-- 100,000 voters, our strategy --{table}")

    # --- load: one big election end to end -----------------------------------------------------
    def load(self, databases, voters: int) -> None:
        label, env = list(databases.items())[-1]  # PostgreSQL + RabbitMQ when available
        env = {**env, "CELERY_QUEUE_NAMESPACE": f"load{os.getpid()}."}
        self.stdout.write(f"\n== Load: {voters:,} voters, {label}, one worker -c 2 ==")
        peaks = {}
        for size in (10_000, voters):
            self.fresh(env)
            fake = last_json(manage("bench", "--part", "fake", "--voters", str(size), env=env))
            with worker(env) as w:
                out = manage(
                    "compare_strategies", "--election", "Bench", "--timeout", "3600",
                    "--strategies", "assign_in_database_then_balanced_batches", env=env,
                    timeout=4000,
                )  # fmt: skip
                peaks[size] = w.peak_rss_mb()
                row = out.split("Comparison on Bench:")[-1].strip().splitlines()[-1]
                self.stdout.write(
                    f"{size:>9,} voters: fake data {fake['seconds']:.1f} s; run: {row}"
                )
                if size == voters:
                    self.changed_only(env)
        for size, mb in peaks.items():
            self.stdout.write(
                f"peak RSS per worker process, {size:>9,} voters: "
                + ", ".join(f"{m:.0f} MB" for m in mb)
            )
        admin = last_json(manage("bench", "--part", "admin", env=env))
        self.stdout.write(
            f"\nAdmin pages at {voters:,} voters (ms over {admin['requests']} requests):"
        )
        for page, (p50, p95) in admin["pages"].items():
            self.stdout.write(f"  {page:<36} p50 {p50:7.1f}  p95 {p95:7.1f}")
        z = admin["zip"]
        self.stdout.write(
            f"  run zip ({z['files']:,} PDFs, {z['megabytes']:,.0f} MB): first byte "
            f"{z['first_byte_ms']:.0f} ms, all of it {z['seconds']:.1f} s, peak memory "
            f"+{z['peak_growth_mb']:.0f} MB"
        )

    def changed_only(self, env) -> None:
        """Publish the full run, change one voter's name in each of 10 centers, and time the
        changed-only run of the same strategy against the full one."""
        full = last_json(manage("bench", "--part", "publish", env=env))
        changed = last_json(manage("bench", "--part", "change", "--voters", "10", env=env))
        out = manage(
            "queue_task", "assign_in_database_then_balanced_batches", "--election", "Bench",
            "--changed-only", "--wait", "--timeout", "3600", env=env, timeout=4000,
        )  # fmt: skip
        rerun = last_json(manage("bench", "--part", "latest", env=env))
        self.stdout.write(
            f"changed-only after {changed['centers']} of {changed['of']} centers changed: "
            f"wall {rerun['wall']:.2f} s vs the full run's {full['wall']:.2f} s "
            f"({rerun['wall'] / full['wall']:.1%}); {rerun['rendered']} rolls rendered, "
            f"{rerun['carried']} carried over, status {rerun['status']}"
        )
        if rerun["status"] != "succeeded":
            self.stdout.write(out)


class worker:
    """A ``celery worker -c 2`` for the duration of a with-block."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __enter__(self):
        log = Path(settings.VAR_DIR) / "bench" / "worker.log"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "2", "-l", "INFO",
             "-n", f"bench{os.getpid()}@%h", "--without-gossip", "--without-mingle",
             "-Q", ",".join(all_queue_names(self.env["CELERY_QUEUE_NAMESPACE"]))],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def peak_rss_mb(self) -> list[float]:
        """Peak resident memory (VmHWM) of each pool process, read from /proc."""
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        peaks = []
        for pid in children:
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return sorted(peaks)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def part_fake(voters: int) -> dict:
    result = create_fake_voter_data(voters=voters, election_name="Bench", seed=2014)
    return {"seconds": result.seconds, "voters": result.voters}


def part_assign(_: int) -> dict:
    run = run_create(
        election_id=Election.objects.get(name="Bench").pk,
        strategy="assign_all_stations_in_parallel",
        renders=False,
        started_by="bench",
    )
    result = stations_assign(run_id=run.pk)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    return {"seconds": result.seconds, "stations": result.stations}


def part_admin(_: int) -> dict:
    """p50/p95 of the console's heavy pages against the election just loaded."""
    user = get_user_model().objects.create_superuser("bench", password=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    run = Run.objects.order_by("-pk").first()
    pages = {
        "runs list": reverse("admin:rolls_run_changelist"),
        "run page (tasks, timeline)": reverse("admin:rolls_run_change", args=[run.pk]),
        "run progress (JSON)": reverse("admin:rolls_run_progress", args=[run.pk]),
        "voters list": reverse("admin:elections_voter_changelist"),
        "voters search by family name": reverse("admin:elections_voter_changelist") + "?q=Smi",
        "registrations list": reverse("admin:elections_registration_changelist"),
        "task results list": reverse("admin:django_celery_results_taskresult_changelist"),
    }
    requests = 15
    figures = {}
    for name, url in pages.items():
        client.get(url)  # warm caches once
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
        times.sort()
        figures[name] = (statistics.median(times), times[int(0.95 * (len(times) - 1))])
    return {"requests": requests, "pages": figures, "zip": zip_figures(client, run)}


def zip_figures(client: Client, run: Run) -> dict:
    """The run's zip as staff download it: time to the first byte, time to the last, its
    size, and how much this process's peak memory grew while streaming it."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(reverse("admin:rolls_run_zip", args=[run.pk]))
    chunks = iter(response.streaming_content)
    size = len(next(chunks))
    first = time.perf_counter() - started
    for chunk in chunks:
        size += len(chunk)
    return {
        "first_byte_ms": first * 1000,
        "seconds": time.perf_counter() - started,
        "megabytes": size / 1e6,
        "files": run.roll_files.count(),
        "peak_growth_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
    }


def _run_figures(run: Run) -> dict:
    return {
        "run": run.pk,
        "status": run.status,
        "wall": run_metrics(run).wall_seconds or 0.0,
        "rendered": RollFile.objects.filter(run=run, source_run__isnull=True).count(),
        "carried": RollFile.objects.filter(run=run, source_run__isnull=False).count(),
    }


def part_publish(_: int) -> dict:
    """Publish the latest succeeded run as the official set."""
    run = Run.objects.filter(status=RunStatus.SUCCEEDED).order_by("-pk").first()
    run_publish(run_id=run.pk, published_by="bench")
    return _run_figures(run)


def part_change(centers: int) -> dict:
    """Rename the first voter of ``centers`` centers (by id) of the Bench election."""
    election = Election.objects.get(name="Bench")
    chosen = list(election.centers.order_by("pk").values_list("pk", flat=True)[:centers])
    for center_id in chosen:
        voter_id = (
            Registration.objects.filter(center_id=center_id)
            .order_by("pk")
            .values_list("voter_id", flat=True)
            .first()
        )
        voter = Voter.objects.get(pk=voter_id)
        voter.family_name = "Changedname"
        voter.save(update_fields=["family_name"])  # refolds search_name too
    return {"centers": len(chosen), "of": election.centers.count()}


def part_latest(_: int) -> dict:
    return _run_figures(Run.objects.order_by("-pk").first())


PARTS = {
    "fake": part_fake,
    "assign": part_assign,
    "admin": part_admin,
    "publish": part_publish,
    "change": part_change,
    "latest": part_latest,
    "lookup": part_lookup,
}
