"""Every page of the console, with records enough that each shows its tables filled, for the
tests that check all of them alike (no form inside a form, no overflow at 1280 px).

This module holds no tests itself.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from elections.models import Election, PollingCenter, RegisterImport, Voter
from elections.services.registers.imports import register_import_preview
from elections.services.registers.records import register_import_create
from lab.models import Benchmark, BenchmarkRun
from rolls.models import Download, DownloadKind, Run, RunTask, Station
from rolls.services.publication import run_publish
from rolls.services.schedules import SchedulePreset, roll_schedule_save
from rolls.strategies import DEFAULT_STRATEGY
from tests.elections.registers import csv_bytes
from tests.support.builders import build_election
from tests.support.runs import make_finished_run


@dataclass(frozen=True)
class ConsoleRecords:
    election: Election
    draft: Run
    official: Run
    benchmark: Benchmark
    register_import: RegisterImport
    schedule: PeriodicTask


def console_records() -> ConsoleRecords:
    """An election with a long name, an official and a draft run of it (sample PDFs), a
    benchmark, a previewed import, a nightly schedule and a download on the trail."""
    election = build_election("Municipal and regional elections of the Loire-Atlantique 2026")
    official = make_finished_run(election, strategy="assign_in_database_then_balanced_batches")
    official = run_publish(run_id=official.pk, published_by="admin:someone")
    draft = make_finished_run(election)
    benchmark = Benchmark.objects.create(
        election=election,
        strategies=[draft.strategy],
        repeats=1,
        plan=[draft.strategy],
        next_position=1,
        status="finished",
        started_by="admin:someone",
    )
    BenchmarkRun.objects.create(benchmark=benchmark, position=0, run=draft)
    draft.refresh_from_db()
    roll = official.roll_files.rolls().first()
    Download.objects.create(
        run=official,
        run_number=official.pk,
        username="someone",
        kind=DownloadKind.ROLL,
        roll_file=roll,
        name=roll.path.rsplit("/", 1)[-1],
        ip_address="127.0.0.1",
    )
    # Worker names as a cluster gives them: one long word.
    long_worker = "celery@roll-worker-7f9c8d5b4-xk2p4.election-console.internal"
    TaskResult.objects.filter(worker="w2@host").update(worker=long_worker)
    RunTask.objects.filter(worker="w2@host").update(worker=long_worker)
    register = csv_bytes(
        [["0001", "Martin", "Paul", "A", "A School"], ["0002", "Durand", "Léa", "Z9", "New Hall"]]
    )
    record = register_import_create(
        election=election, upload=io.BytesIO(register), file_name="register.csv", username="x"
    )
    record = register_import_preview(import_id=record.pk)
    schedule = roll_schedule_save(
        election=election,
        preset=SchedulePreset.NIGHTLY,
        strategy=DEFAULT_STRATEGY,
        at=datetime.time(2, 0),
    ).task
    return ConsoleRecords(
        election=election,
        draft=draft,
        official=official,
        benchmark=benchmark,
        register_import=record,
        schedule=schedule,
    )


def console_pages(records: ConsoleRecords) -> dict[str, str]:
    """What each console page is called in a failure message, and its address."""
    election, draft, official = records.election, records.draft, records.official
    center = PollingCenter.objects.filter(election=election).order_by("code").first()
    voter = Voter.objects.filter(registrations__election=election).order_by("pk").first()
    station = Station.objects.filter(run=official).order_by("pk").first()
    result = TaskResult.objects.order_by("pk").first()
    return {
        "index": reverse("admin:index"),
        "elections": reverse("admin:elections_election_changelist"),
        "election": reverse("admin:elections_election_change", args=[election.pk]),
        "centers": reverse("admin:elections_pollingcenter_changelist"),
        "center": reverse("admin:elections_pollingcenter_change", args=[center.pk]),
        "voters": reverse("admin:elections_voter_changelist"),
        "voter": reverse("admin:elections_voter_change", args=[voter.pk]),
        "find a voter": reverse("admin:elections_voter_find") + f"?q={voter.family_name}",
        "registrations": reverse("admin:elections_registration_changelist"),
        "imports": reverse("admin:elections_registerimport_changelist"),
        "import upload": reverse("admin:elections_registerimport_upload", args=[election.pk]),
        "import preview": reverse(
            "admin:elections_registerimport_change", args=[records.register_import.pk]
        ),
        "runs": reverse("admin:rolls_run_changelist"),
        "draft run": reverse("admin:rolls_run_change", args=[draft.pk]),
        "official run": reverse("admin:rolls_run_change", args=[official.pk]),
        "compare": reverse("admin:lab_benchmark_compare", args=[election.pk]),
        "verify a page": reverse("admin:rolls_run_verify_page") + "?code=7KQ2M-XW4PD",
        "stations": reverse("admin:rolls_station_changelist"),
        "station": reverse("admin:rolls_station_change", args=[station.pk]),
        "benchmarks": reverse("admin:lab_benchmark_changelist"),
        "benchmark": reverse("admin:lab_benchmark_change", args=[records.benchmark.pk]),
        "downloads": reverse("admin:rolls_download_changelist"),
        "task results": reverse("admin:django_celery_results_taskresult_changelist"),
        "task result": reverse("admin:django_celery_results_taskresult_change", args=[result.pk]),
        "schedules": reverse("admin:django_celery_beat_periodictask_changelist"),
        "schedule": reverse(
            "admin:django_celery_beat_periodictask_change", args=[records.schedule.pk]
        ),
        "new schedule": reverse("admin:django_celery_beat_periodictask_add"),
    }


# The console's intermediate pages: (name, changelist, action). Each is what the changelist
# answers when the action is chosen for the election (or its first center).
ACTION_PAGES = [
    ("generate rolls", "admin:elections_election_changelist", "generate_rolls"),
    ("schedule rolls", "admin:elections_election_changelist", "schedule_roll_generation"),
    ("benchmark", "admin:elections_election_changelist", "benchmark_strategies"),
    (
        "generate for centers",
        "admin:elections_pollingcenter_changelist",
        "generate_rolls_for_centers",
    ),
]


class NestedForms(HTMLParser):
    """Where the served HTML opens a <form> inside another (the browser's DOM cannot tell:
    it drops the inner tag)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.nested: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag != "form":
            return
        if self.depth:
            described = dict(attrs).get("id") or dict(attrs).get("action") or "?"
            self.nested.append(f"line {self.getpos()[0]}: <form {described}>")
        self.depth += 1

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth -= 1


def nested_forms(html: str) -> list[str]:
    parser = NestedForms()
    parser.feed(html)
    parser.close()
    return parser.nested


PASSWORD = "polling-day-2026"


def logged_in_page(browser, live_server, user, address: str, *, width: int = 1280):
    """A page ``width`` pixels wide, logged in through the login form as ``user`` (made with
    the password ``PASSWORD``), at ``address``."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/admin/login/?next={address}")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


class ContentLinks(HTMLParser):
    """The addresses the page's content links to (not the header's nor the sidebar's)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0  # depth inside #content, 0 outside
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.inside:
            self.inside += tag not in VOID_ELEMENTS
        elif attributes.get("id") == "content":
            self.inside = 1
        if self.inside and tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if self.inside and tag not in VOID_ELEMENTS:
            self.inside -= 1


VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


def content_links(html: str) -> list[str]:
    parser = ContentLinks()
    parser.feed(html)
    parser.close()
    return parser.links
