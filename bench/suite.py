"""``python -m bench`` (``make bench``): the benchmark figures, measured in one run on this
machine; with ``--page`` (as ``make bench`` runs it) they are written to
``docs/benchmarks.md``, dated, with the machine.

Each part runs in a fresh database of its own (a SQLite file under VAR_DIR, and a
PostgreSQL database ``elections_bench`` when PostgreSQL answers) through subprocesses, so
the console's own data is never touched. Figures are medians where a part repeats.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from bench import console, s3, scale, talk
from bench.languages import part_collation, render_directions
from bench.lookup import lookup, part_lookup
from bench.processes import (
    AMQP_URL,
    BENCH,
    PG_URL,
    ROOT,
    bench_part,
    comparison_table,
    fresh,
    last_json,
    manage,
    worker,
)
from bench.register_import import import_table, part_import
from bench.results_page import PageCopy, machine_rows, page_text, page_write
from config.parsing import CheckedCommand, number_argument
from elections.models import Election, Registration, Voter
from elections.services.fake_data import create_fake_voter_data
from rolls.models import RollFile, Run, RunStatus
from rolls.selectors.run_figures import run_metrics
from rolls.services.assignment import stations_assign
from rolls.services.ledger import run_create
from rolls.services.publication import run_publish
from tests.services import postgres_problem, rabbitmq_problem

# The strategies worth ranking at every size: ours and the talk's two chords (the talk's
# others use one process, or fail on purpose).
CONTENDERS = (
    "assign_in_database_then_balanced_batches",
    "queue_tasks_by_center_with_chord",
    "assign_stations_and_generate_lists_with_chord",
)
# The part strategies compares every strategy up to this size, the contenders above it: the
# others use one process (an hour and more a run at a million) or fail on purpose.
EVERY_STRATEGY_UP_TO = 10_000
# Where a strategy that is called ours has to win: each size on each setup.
STRATEGY_SIZES = [10_000, 100_000, 1_000_000]


def strategies_at(size: int) -> tuple[str, ...]:
    """The ``compare_strategies`` arguments that choose what the part compares at *size*."""
    return () if size <= EVERY_STRATEGY_UP_TO else ("--strategies", ",".join(CONTENDERS))


def sizes_argument(text: str) -> list[int]:
    """``10000,100000`` -> [10000, 100000]: whole numbers of voters, at least 1,000 each."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give sizes as whole numbers separated by commas, e.g. 10000,100000"
        ) from None
    if not sizes or min(sizes) < 1_000:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least one size of 1000 or more")
    return sizes


# The setups a run measures on: SQLite with the filesystem broker, PostgreSQL with RabbitMQ.
SETUPS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def setups_argument(text: str) -> list[str]:
    """``postgresql`` -> ["PostgreSQL"]: the setups to measure on, in the page's order."""
    asked = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(asked - set(SETUPS))
    if unknown or not asked:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give one or both of {', '.join(SETUPS)}, separated by a comma"
        )
    return [label for name, label in SETUPS.items() if name in asked]


SECTIONS = (
    "data",
    "pdf",
    "floor",
    "set",
    "lookup",
    "planner",
    "two-nodes",
    "strategies",
    "talk",
    "import",
    "load",
    "console",
    "languages",
    "s3",
)


class Command(CheckedCommand):
    help = "Print the benchmark figures: fake data, assignment, PDF rendering, strategies."
    setups: list[str] = list(SETUPS.values())  # --setups sets it for the run

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
        # Internal: one measurement, run in a subprocess against its own database.
        parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
        parser.add_argument(
            "--voters", type=number_argument(what="voters"), default=0, help=argparse.SUPPRESS
        )
        parser.add_argument(
            "--skip", default="", help=f"comma-separated parts to skip: {', '.join(SECTIONS)}"
        )
        parser.add_argument("--only", default="", help="comma-separated parts to run alone")
        parser.add_argument(
            "--page",
            type=Path,
            help="write the figures to this Markdown page when the run ends (make bench: "
            "docs/benchmarks.md)",
        )
        parser.add_argument(
            "--talk-dir",
            help="the folder of a clone of the talk's code, for the part talk (default: the "
            "environment variable TALK_DIR; without either the part is skipped)",
        )
        parser.add_argument(
            "--talk-repeat",
            type=number_argument(what="repeat", minimum=1, maximum=20),
            default=3,
            help="runs of each strategy in the part talk",
        )
        parser.add_argument(
            "--strategy-sizes",
            type=sizes_argument,
            default=STRATEGY_SIZES,
            help="the election sizes the part strategies compares at, comma-separated "
            "(default 10000,100000,1000000; the million takes about 35-60 minutes a setup)",
        )
        parser.add_argument(
            "--setups",
            type=setups_argument,
            default=list(SETUPS.values()),
            help="the setups to measure on, comma-separated: sqlite (with the filesystem "
            "broker), postgresql (with RabbitMQ when it answers); default both",
        )
        parser.add_argument(
            "--s3-voters",
            type=number_argument(what="voters"),
            default=10_000,
            help="the run part s3 renders into S3",
        )

    def handle(self, *args, quick, part, voters, skip, only, s3_voters, page, **options):
        strategy_sizes = options["strategy_sizes"]
        self.setups = options["setups"]
        if part:
            self.stdout.write(json.dumps(PARTS[part](voters)))
            return
        talk_run = (options["talk_dir"], options["talk_repeat"])
        if page is None:
            self.measure(
                quick=quick, skip=skip, only=only, s3_voters=s3_voters, talk_run=talk_run,
                strategy_sizes=strategy_sizes,
            )  # fmt: skip
            return
        load_before = os.getloadavg()[0]
        self.stdout = copy = PageCopy(self.stdout)
        self.measure(
            quick=quick, skip=skip, only=only, s3_voters=s3_voters, talk_run=talk_run,
            strategy_sizes=strategy_sizes,
        )  # fmt: skip
        chosen = ["--quick"] * quick + [
            f"--{n} {v}" for n, v in (("skip", skip), ("only", only)) if v
        ]
        if strategy_sizes != STRATEGY_SIZES:
            chosen.append(f"--strategy-sizes {','.join(map(str, strategy_sizes))}")
        if self.setups != list(SETUPS.values()):
            names = [name for name, label in SETUPS.items() if label in self.setups]
            chosen.append(f"--setups {','.join(names)}")
        text = page_text(
            output=copy.lines,
            arguments=f"`python -m bench {' '.join(chosen)}`" if chosen else "all parts",
            when=timezone.now(),
            machine=machine_rows(load_before=load_before, load_after=os.getloadavg()[0]),
        )
        page_write(page, text)
        self.stdout.out.write(f"Wrote {page}")

    def measure(
        self,
        *,
        quick: bool,
        skip: str,
        only: str,
        s3_voters: int,
        talk_run=(None, 3),
        strategy_sizes=tuple(STRATEGY_SIZES),
    ) -> None:
        skipped = {s.strip() for s in skip.split(",") if s.strip()}
        if only:
            skipped |= set(SECTIONS) - {s.strip() for s in only.split(",")}
        sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]
        databases = self.databases()
        if "data" not in skipped:
            self.data_and_assignment(databases, sizes)
        if "pdf" not in skipped:
            self.pdf()
        if "floor" not in skipped:
            self.pdf("bench.floor", "The renderer beside its floor, the same roll straight to PDF")
        if "planner" not in skipped:
            scale.planner_table(self.stdout.write)
        if "two-nodes" not in skipped:
            self.two_nodes(databases)
        if "set" not in skipped:
            self.pdf("bench.pdf_set", "A center's whole set against its rolls alone")
        if "lookup" not in skipped:
            lookup(self, databases, sizes[-1])
        if "strategies" not in skipped:
            self.strategies(databases, [10_000] if quick else strategy_sizes)
        if "talk" not in skipped:
            talk.talk_table(self.stdout.write, given=talk_run[0], repeat=talk_run[1])
        if "import" not in skipped:
            import_table(self, databases, [100_000] if quick else [100_000, 1_000_000])
        if "load" not in skipped:
            self.load(databases, 100_000 if quick else 1_000_000)
        elif "console" not in skipped:  # alone: the election the last load left behind
            self.console({**list(databases.values())[-1], "CELERY_QUEUE_NAMESPACE": "console."})
        if "languages" not in skipped:
            self.languages(databases, 100_000 if quick else 1_000_000)
        if "s3" not in skipped:
            s3.s3_downloads(self, databases, s3_voters)

    def languages(self, databases, voters: int) -> None:
        """Alphabetical order and right-to-left rolls: see bench/languages.py."""
        self.stdout.write(f"\n== Election languages: assignment at {voters:,} voters (s) ==")
        self.stdout.write(
            f"{'database':<11} {'binary order':>13} {'ICU keys':>9} {'ratio':>6} {'re-key':>7}"
        )
        for label, env in databases.items():
            fresh(env)
            bench_part("fake", "--voters", str(voters), env=env)
            f = last_json(bench_part("collation", env=env))
            self.stdout.write(
                f"{label:<11} {f['binary']:>13.2f} {f['keys']:>9.2f} "
                f"{f['keys'] / f['binary']:>5.2f}x {f['refresh']:>7.2f}"
            )
        self.stdout.write("\n== Election languages: one 500-voter station, CPU s ==")
        self.stdout.write(render_directions(ROOT))

    # --- databases -----------------------------------------------------------------------
    def databases(self) -> dict[str, dict[str, str]]:
        """The setups asked for (--setups) that this machine has; none: a CommandError."""
        setups = self.setups
        bench_dir = Path(settings.VAR_DIR) / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        found = {}
        if "SQLite" in setups:
            found["SQLite"] = {"DATABASE_URL": f"sqlite:///{bench_dir / 'bench.sqlite3'}"}
        problem = postgres_problem(PG_URL) if "PostgreSQL" in setups else None
        if problem:
            self.stdout.write(f"PostgreSQL parts skipped: {problem}")
        elif "PostgreSQL" in setups:
            found["PostgreSQL"] = {"DATABASE_URL": PG_URL}
            if not rabbitmq_problem(AMQP_URL):
                found["PostgreSQL"]["CELERY_BROKER_URL"] = AMQP_URL
        if not found:
            raise CommandError(f"no setup to measure on: PostgreSQL is not reachable ({problem})")
        return found

    # --- fake data + assignment -------------------------------------------------------------
    def data_and_assignment(self, databases, sizes) -> None:
        self.stdout.write("\n== Fake data and station assignment (seconds) ==")
        self.stdout.write(
            f"{'database':<11} {'voters':>10} {'fake data':>10} {'assign':>8} {'re-assign':>10}"
        )
        for label, env in databases.items():
            for n in sizes:
                fresh(env)
                fake = last_json(bench_part("fake", "--voters", str(n), env=env))
                first = last_json(bench_part("assign", env=env))
                again = last_json(bench_part("assign", env=env))
                self.stdout.write(
                    f"{label:<11} {n:>10,} {fake['seconds']:>10.2f} {first['seconds']:>8.2f} "
                    f"{again['seconds']:>10.2f}"
                )

    # --- PDF --------------------------------------------------------------------------------
    def pdf(self, module: str = "bench.pdf", title: str = "PDF rendering") -> None:
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
    def strategies(self, databases, sizes: list[int]) -> None:
        """Every strategy at 10,000 voters and below; ours and the talk's two chords (the
        contenders) at each larger size. Each ``compare_strategies --repeat 3``, interleaved,
        ranked by its medians."""
        for label, env in databases.items():
            broker = "RabbitMQ" if "CELERY_BROKER_URL" in env else "filesystem broker"
            env = {**env, "CELERY_QUEUE_NAMESPACE": f"bench{os.getpid()}."}
            for size in sizes:
                chosen = strategies_at(size)
                which = "ours and the talk's two chords" if chosen else "every strategy"
                self.stdout.write(
                    f"\n== Strategies, {size:,} voters, {label} + {broker}, worker -c 2: "
                    f"{which}, 3 runs each =="
                )
                fresh(env)
                manage(
                    "create_fake_voter_data", str(size), "--seed", "2014", "--election", "Bench",
                    env=env, timeout=3600,
                )  # fmt: skip
                with worker(env):
                    out = manage(
                        "compare_strategies", "--election", BENCH, "--repeat", "3",
                        "--timeout", "3600", *chosen, env=env, timeout=4 * 3600,
                    )  # fmt: skip
                self.stdout.write(comparison_table(out))

    # --- two render nodes ---------------------------------------------------------------------
    def two_nodes(self, databases) -> None:
        label, env = list(databases.items())[-1]  # PostgreSQL + RabbitMQ when available
        env = {**env, "CELERY_QUEUE_NAMESPACE": f"nodes{os.getpid()}."}
        self.stdout.write(f"\n== Two render nodes (-c 2 each) + a database node, {label} ==")
        fresh(env)
        bench_part("fake", "--voters", "10000", env=env)
        with scale.nodes(env):
            manage(
                "queue_task", "assign_in_database_then_balanced_batches", "--election", BENCH,
                "--wait", "--timeout", "600", env=env, timeout=700,
            )  # fmt: skip
        split = last_json(bench_part("split", env=env))
        self.stdout.write(
            f"run {split['status']}: {split['planned_batches']} batches planned for "
            f"{split['planned_processes']} processes ({split['planned_from']})"
        )
        for node, (batches, pages) in split["nodes"].items():
            self.stdout.write(f"  {node:<24} {batches:>4} batches {pages:>6,} pages")

    # --- load: one big election end to end -----------------------------------------------------
    def load(self, databases, voters: int) -> None:
        label, env = list(databases.items())[-1]  # PostgreSQL + RabbitMQ when available
        env = {**env, "CELERY_QUEUE_NAMESPACE": f"load{os.getpid()}."}
        self.stdout.write(f"\n== Load: {voters:,} voters, {label}, one worker -c 2 ==")
        peaks, replaced = {}, {}
        for size in sorted({10_000, 100_000, voters}):
            fresh(env)
            fake = last_json(bench_part("fake", "--voters", str(size), env=env))
            with worker(env) as w:
                out = manage(
                    "compare_strategies", "--election", BENCH, "--timeout", "3600",
                    "--strategies", "assign_in_database_then_balanced_batches",
                    # One run a size: the strategies part compares repeats; this one times
                    # the whole election (three runs of a million took 20 minutes).
                    "--repeat", "1", env=env,
                    timeout=4000,
                )  # fmt: skip
                peaks[size] = w.peak_rss_mb()
                replaced[size] = w.replaced()
                row = comparison_table(out).splitlines()[-1]
                run = last_json(bench_part("latest", env=env))
                self.stdout.write(
                    f"{size:>9,} voters: fake data {fake['seconds']:.1f} s; end to end "
                    f"{run['wall']:.1f} s ({run['status']}), {run['pages']:,} pages, "
                    f"{run['pages_per_second']:.1f} pages/s, {run['efficiency']:.0%} "
                    f"efficiency, {run['batches']} batches; {row.strip()}"
                )
                self.stdout.write(floor_line(run))
                if size == voters:
                    self.changed_only(env)
        for size, mb in peaks.items():
            self.stdout.write(peaks_line(size, mb, replaced[size]))
        self.stdout.write(rss_line(peaks))
        self.console(env, voters)

    def console(self, env, voters: int = 0) -> None:
        figures = last_json(bench_part("console", env=env))
        console.print_console(self.stdout.write, figures, voters or figures["voters"])

    def changed_only(self, env) -> None:
        """Publish the full run, change one voter's name in each of 10 centers, and time the
        changed-only run of the same strategy against the full one."""
        full = last_json(bench_part("publish", env=env))
        changed = last_json(bench_part("change", "--voters", "10", env=env))
        out = manage(
            "queue_task", "assign_in_database_then_balanced_batches", "--election", BENCH,
            "--changed-only", "--wait", "--timeout", "3600", env=env, timeout=4000,
        )  # fmt: skip
        rerun = last_json(bench_part("latest", env=env))
        self.stdout.write(
            f"changed-only after {changed['centers']} of {changed['of']} centers changed: "
            f"wall {rerun['wall']:.2f} s vs the full run's {full['wall']:.2f} s "
            f"({rerun['wall'] / full['wall']:.1%}); {rerun['rendered']} rolls rendered, "
            f"{rerun['carried']} carried over, status {rerun['status']}"
        )
        if rerun["status"] != "succeeded":
            self.stdout.write(out)


def floor_line(run: dict) -> str:
    """The run's wall time against its floor: the assignment (serial) plus the CPU time of
    the rest over the worker's processes, both measured in the same run. Target: the wall
    within 10% of the floor."""
    if run["floor"] is None:
        return "  floor: not measured (a task's CPU time was not recorded)"
    ratio = run["wall"] / run["floor"]
    verdict = "within 10%" if ratio <= 1.10 else "over 10%"
    return (
        f"  wall {run['wall']:.1f} s against the floor {run['floor']:.1f} s (assignment "
        f"{run['serial']:.1f} s + {run['parallel_cpu']:.1f} s CPU / {run['processes']} "
        f"processes): {ratio:.2f}x, {verdict}"
    )


def peaks_line(size: int, peaks: list[float], replaced: int) -> str:
    """One size's pool processes' peak RSS: every process while there are few, the largest
    and the median once processes replaced past the memory limit make many."""
    head = f"peak RSS per worker process, {size:>9,} voters: "
    if len(peaks) <= 4:
        shown = ", ".join(f"{m:.0f} MB" for m in peaks)
    else:
        shown = (
            f"largest {max(peaks):.0f} MB, median {statistics.median(peaks):.0f} MB "
            f"of {len(peaks)} processes"
        )
    return head + shown + f" ({replaced} replaced past the memory limit)"


def rss_line(peaks: dict[int, list[float]]) -> str:
    """How the worker processes' peak RSS moved from the smallest size to the largest."""
    sizes = sorted(peaks)
    if len(sizes) < 2 or not peaks[sizes[0]] or not peaks[sizes[-1]]:
        return "peak RSS: too few sizes to compare"
    low, high = max(peaks[sizes[0]]), max(peaks[sizes[-1]])
    return (
        f"peak RSS, largest process: {low:.0f} MB at {sizes[0]:,} voters, {high:.0f} MB at "
        f"{sizes[-1]:,} ({high / low - 1:+.0%})"
    )


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


def _run_figures(run: Run) -> dict:
    metrics = run_metrics(run)
    return {
        "run": run.pk,
        "status": run.status,
        "wall": metrics.wall_seconds or 0.0,
        "pages": metrics.pages,
        "pages_per_second": metrics.pages_per_second or 0.0,
        "efficiency": metrics.efficiency or 0.0,
        "batches": run.planned_batches,
        "floor": metrics.floor_seconds,
        "serial": metrics.serial_seconds,
        "parallel_cpu": metrics.parallel_cpu_seconds,
        "processes": metrics.worker_processes,
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
    "console": console.part_console,
    "downloads": console.part_downloads,
    "publish": part_publish,
    "change": part_change,
    "latest": part_latest,
    "import": part_import,
    "collation": part_collation,
    "split": scale.part_split,
    "lookup": part_lookup,
    "benchmark_runs": talk.part_benchmark_runs,
}
