"""``make bench`` part ``talk``: the conference talk's own code beside ours, on the same
setup (10,000 voters, RabbitMQ + SQLite, one Celery worker of 2 processes).

The talk's code is never part of this repository: give the folder of a clone
(``make bench TALK_DIR=...``, ``python -m bench --talk-dir DIR`` or ``TALK_DIR=DIR``).
Without one, the part says how to give it and is skipped. With one it:

- installs the talk's ``requirements.txt`` into a virtualenv of its own under VAR_DIR
  (with pip as this machine configures it), once per version of that file;
- runs the talk's code unchanged, with a settings module written under VAR_DIR that only
  moves its database (SQLite) there and gives its broker URL and a queue of its own, so
  nothing collides; its PDFs go to ``output/`` of a work folder there;
- makes 10,000 fake voters with the talk's ``create_fake_voter_data``, starts its worker
  (``-c 2``) and runs each strategy through its ``queue_task`` command, timed from just
  before the command queues the task to the end of the chord's last task (the sum task's
  ``date_done``, the last task to end);
- then runs ours the same way with ``compare_strategies`` (the talk's two chords as this
  console runs them beside ours), and prints best-against-best and
  median-against-median ratios, with what each side wrote (documents and pages read back
  from the PDFs).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from pypdf import PdfReader

from bench.processes import AMQP_URL, BENCH, bench_part, comparison_table, fresh, last_json, manage
from bench.processes import worker as our_worker
from lab.models import Benchmark
from rolls import task_names
from rolls.models import RollFile, RunTask
from rolls.selectors.run_figures import run_metrics

# The talk's strategies that finish on their own and can be timed to their last task: the
# two chords (its others end in an exception on purpose or run everything in one task).
TALK_STRATEGIES = (
    "queue_tasks_by_center_with_chord",
    "assign_stations_and_generate_lists_with_chord",
)
OURS = "assign_in_database_then_balanced_batches"
VOTERS = 10_000
# The files a clone of the talk's repository has; anything else is not the talk's code.
TALK_FILES = ("manage.py", "requirements.txt", "celery_canvas/settings.py", "voter_rolls/tasks.py")
HOW_TO_GIVE = (
    "clone the talk's repository (GitHub tobiasmcnulty/djc23_celery) outside this one and "
    "give its folder: make bench TALK_DIR=/path/to/djc23_celery (or python -m bench "
    "--talk-dir DIR, or the environment variable TALK_DIR)"
)

SETTINGS = """\
# Written by bench/talk.py: the talk's settings, with its database, broker and queue moved
# so that a benchmark collides with nothing. Everything else is the talk's own.
from celery_canvas.settings import *  # noqa: F403

DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": {database!r}}}}}
CELERY_BROKER_URL = {broker!r}
CELERY_TASK_DEFAULT_QUEUE = {queue!r}
"""


@dataclass(frozen=True)
class TalkSetup:
    folder: Path  # the talk's clone (read only)
    home: Path  # ours, under VAR_DIR: virtualenv, settings, database, work folder, logs
    queue: str

    @property
    def python(self) -> Path:
        return self.home / "venv" / "bin" / "python"

    @property
    def work(self) -> Path:
        return self.home / "work"

    @property
    def output(self) -> Path:
        return self.work / "output"

    @property
    def log(self) -> Path:
        return self.home / "worker.log"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_talk_settings",
            "PYTHONPATH": os.pathsep.join([str(self.home), str(self.folder)]),
            # Only the talk's virtualenv: nothing of ours leaks into its processes.
            "VIRTUAL_ENV": str(self.home / "venv"),
        }

    def manage(self, *args: str, timeout: float = 900) -> str:
        result = subprocess.run(
            [str(self.python), str(self.folder / "manage.py"), *args],
            cwd=self.work, env=self.env(), capture_output=True, text=True, timeout=timeout,
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"the talk's manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout


def talk_folder(given: str | None) -> tuple[Path | None, str]:
    """The talk's folder from ``--talk-dir`` or TALK_DIR, or None and why not."""
    text = given or os.environ.get("TALK_DIR", "")
    if not text:
        return None, f"skipped, no talk folder given: {HOW_TO_GIVE}"
    folder = Path(text).expanduser().resolve()
    missing = [name for name in TALK_FILES if not (folder / name).is_file()]
    if missing:
        return None, (
            f"skipped: {folder} is not a clone of the talk's code (no {', '.join(missing)}); "
            f"{HOW_TO_GIVE}"
        )
    if folder == Path(settings.BASE_DIR).resolve() or Path(settings.BASE_DIR) in folder.parents:
        return None, f"skipped: {folder} is inside this repository; {HOW_TO_GIVE}"
    return folder, ""


def install(folder: Path, home: Path) -> str:
    """The talk's requirements in a virtualenv of its own under ``home`` (once per version
    of requirements.txt); an empty string, or why it could not be installed."""
    requirements = folder / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = home / "venv" / ".requirements-sha256"
    if stamp.is_file() and stamp.read_text() == digest:
        return ""
    shutil.rmtree(home / "venv", ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    # The machine's Python, not ours: the talk's virtualenv must not see this project's.
    base = getattr(sys, "_base_executable", sys.executable)
    steps = (
        [base, "-m", "venv", str(home / "venv")],
        [str(home / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "-r", str(requirements)],
    )  # fmt: skip
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, check=False, timeout=1800)
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
            return "; ".join(errors[-3:]) or result.stderr.strip()[-500:] or "no output"
    stamp.write_text(digest)
    return ""


class talk_worker:
    """The talk's ``celery -A celery_canvas worker -c 2`` for a with-block."""

    def __init__(self, setup: TalkSetup) -> None:
        self.setup = setup

    def __enter__(self):
        self.setup.log.write_text("")
        self.log = self.setup.log.open("a")
        self.process = subprocess.Popen(
            [str(self.setup.python), "-m", "celery", "-A", "celery_canvas", "worker", "-c", "2",
             "-l", "INFO", "-n", f"{self.setup.queue}@%h", "--without-gossip",
             "--without-mingle", "-Q", self.setup.queue],
            cwd=self.setup.work, env=self.setup.env(), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in self.setup.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


def pdf_figures(folder: Path) -> tuple[int, int]:
    """Documents and pages of the PDFs in ``folder``, read back."""
    files = sorted(folder.glob("*.pdf"))
    return len(files), sum(len(PdfReader(path).pages) for path in files)


def run_talk(setup: TalkSetup, repeat: int, timeout: float) -> list[dict]:
    """Each talk strategy ``repeat`` times, interleaved, on its own fresh 10,000 voters."""
    database = setup.home / "talk.sqlite3"
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    setup.output.mkdir(parents=True, exist_ok=True)
    (setup.home / "bench_talk_settings.py").write_text(
        SETTINGS.format(database=str(database), broker=AMQP_URL, queue=setup.queue)
    )
    # Run by path with -P: not even bench/ joins the talk's import path.
    driver = Path(__file__).with_name("talk_driver.py")
    setup.manage("migrate", "--no-input", "-v0")
    setup.manage("create_fake_voter_data", str(VOTERS))
    runs = []
    with talk_worker(setup):
        for _ in range(repeat):
            for strategy in TALK_STRATEGIES:
                for old in setup.output.glob("*.pdf"):
                    old.unlink()
                result = subprocess.run(
                    [str(setup.python), "-P", str(driver), strategy, str(setup.log), str(timeout)],
                    cwd=setup.work, env=setup.env(), capture_output=True, text=True,
                    timeout=timeout + 120, check=False,
                )  # fmt: skip
                if result.returncode != 0:
                    raise RuntimeError(f"the talk's {strategy} could not be run:\n{result.stderr}")
                run = last_json(result.stdout)
                run["documents"], run["pages"] = pdf_figures(setup.output)
                runs.append(run)
    return runs


def run_ours(repeat: int, timeout: float) -> tuple[str, list[dict]]:
    """Ours and this console's versions of the talk's two chords, ``repeat`` times each,
    with compare_strategies on 10,000 voters, RabbitMQ + SQLite, a worker -c 2."""
    folder = Path(settings.VAR_DIR) / "bench"
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'talk-ours.sqlite3'}",
        "CELERY_BROKER_URL": AMQP_URL,
        "CELERY_QUEUE_NAMESPACE": f"talkours{os.getpid()}.",
    }
    fresh(env)
    manage("create_fake_voter_data", str(VOTERS), "--seed", "2014", "--election", "Bench", env=env)
    with our_worker(env):
        out = manage(
            "compare_strategies", "--election", BENCH, "--repeat", str(repeat),
            "--strategies", ",".join((OURS, *TALK_STRATEGIES)), "--timeout", str(timeout),
            env=env, timeout=timeout * repeat * 3 + 300,
        )  # fmt: skip
    return comparison_table(out), last_json(bench_part("benchmark_runs", env=env))["runs"]


def cell(walls: list[float]) -> str:
    if not walls:
        return "-"
    return f"{statistics.median(walls):.2f} ({min(walls):.2f}-{max(walls):.2f})"


def talk_table(write, *, given: str | None, repeat: int, timeout: float = 600) -> None:
    write(
        f"\n== The talk's own code beside ours: {VOTERS:,} voters, RabbitMQ + SQLite, "
        f"worker -c 2, {repeat} runs of each strategy =="
    )
    folder, why = talk_folder(given)
    if folder is None:
        write(why)
        return
    home = Path(settings.VAR_DIR) / "bench" / "talk"
    problem = install(folder, home)
    if problem:
        write(f"skipped: the talk's requirements could not be installed here: {problem}")
        return
    setup = TalkSetup(folder=folder, home=home, queue=f"talkbench{os.getpid()}")
    talk = run_talk(setup, repeat, timeout)
    ours_table, ours = run_ours(repeat, timeout)

    write(
        f"{'side':<5} {'strategy':<46} {'ok':>4} {'wall s median (min-max)':>24} "
        f"{'docs':>5} {'pages':>6}  what the documents are"
    )
    talk_rows = {}
    for strategy in TALK_STRATEGIES:
        runs = [r for r in talk if r["strategy"] == strategy]
        ok = [r for r in runs if r["status"] == "succeeded"]
        talk_rows[strategy] = [r["wall"] for r in ok]
        docs = "/".join(sorted({str(r["documents"]) for r in ok})) or "-"
        pages = "/".join(sorted({str(r["pages"]) for r in ok})) or "-"
        write(
            f"{'talk':<5} {strategy:<46} {len(ok)}/{len(runs)} {cell(talk_rows[strategy]):>24} "
            f"{docs:>5} {pages:>6}  one roll per station (matplotlib tables, 40 names a page)"
        )
    for number, run in enumerate(talk, start=1):
        if run["status"] != "succeeded":
            write(
                f"talk: run {number} ({run['strategy']}) {run['status']}, not timed: "
                f"{run['failed_tasks']} tasks raised {', '.join(run['errors']) or 'nothing'}"
            )
    our_rows = {}
    for strategy in (OURS, *TALK_STRATEGIES):
        runs = [r for r in ours if r["strategy"] == strategy]
        ok = [r for r in runs if r["status"] == "succeeded"]
        our_rows[strategy] = [r["wall"] for r in ok]
        docs = "/".join(sorted({str(r["documents"]) for r in ok})) or "-"
        pages = "/".join(sorted({str(r["pages"]) for r in ok})) or "-"
        kinds = ok[0]["kinds"] if ok else ""
        write(
            f"{'ours':<5} {strategy:<46} {len(ok)}/{len(runs)} {cell(our_rows[strategy]):>24} "
            f"{docs:>5} {pages:>6}  {kinds}"
        )
    tails = [r["tail"] for r in ours if r["strategy"] == OURS and r["tail"] is not None]
    if tails:
        write(
            "ours: the worker processes ended their last render task "
            + ", ".join(f"{t * 1000:.0f}" for t in tails)
            + " ms apart (each run)"
        )
    talk_walls = [w for walls in talk_rows.values() for w in walls]
    ours_walls = our_rows[OURS]
    if not talk_walls or not ours_walls:
        write("no ratio: a side has no succeeded run (see above)")
        return
    talk_median = min(statistics.median(w) for w in talk_rows.values() if w)
    ours_median = statistics.median(ours_walls)
    write(
        f"ours against the talk's code: best against best {min(talk_walls):.2f} s / "
        f"{min(ours_walls):.2f} s = {min(talk_walls) / min(ours_walls):.1f}x faster; "
        f"median against median (the talk's better strategy) {talk_median:.2f} s / "
        f"{ours_median:.2f} s = {talk_median / ours_median:.1f}x faster"
    )
    write(f"\n-- ours, compare_strategies --repeat {repeat} (the same runs) --{ours_table}")


def part_benchmark_runs(_: int) -> dict:
    """The latest benchmark's runs: wall, documents and pages by kind, and for each run how
    far apart its worker processes ended their last render task."""
    render = (
        task_names.RENDER_STATION,
        task_names.RENDER_STATIONS,
        task_names.ASSIGN_AND_RENDER_CENTER,
    )
    benchmark = Benchmark.objects.order_by("-pk").first()
    runs = []
    for run in benchmark.runs:
        files = RollFile.objects.filter(run=run)
        kinds = {}
        for kind, pages in files.values_list("kind", "pages"):
            documents, total = kinds.get(kind, (0, 0))
            kinds[kind] = (documents + 1, total + pages)
        last = {}
        for worker, pid, ended in RunTask.objects.filter(
            run=run, task_name__in=render, ended_at__isnull=False
        ).values_list("worker", "pid", "ended_at"):
            key = (worker, pid)
            last[key] = max(last.get(key, ended), ended)
        ends = sorted(last.values())
        runs.append(
            {
                "strategy": run.strategy,
                "status": run.status,
                "wall": run_metrics(run).wall_seconds,
                "documents": files.count(),
                "pages": sum(total for _, total in kinds.values()),
                "kinds": ", ".join(f"{d} {k}s, {p} pages" for k, (d, p) in sorted(kinds.items())),
                "tail": (ends[-1] - ends[0]).total_seconds() if len(ends) > 1 else None,
            }
        )
    return {"runs": runs}
