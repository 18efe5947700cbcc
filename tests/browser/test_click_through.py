"""The rest of the console's controls clicked as staff click them, in Debian's headless
Chromium through Playwright, for each role: election staff, an observer, and a staff account
without a role. Each click is checked by its effect (a record, a file downloaded and read, a
message); a role without the right does not get the control, and the server refuses its URL.

The session's live server, one set of records and one logged-in browser context per role
serve the whole module (the records are made once, the database is emptied when the module
ends), so each test costs its clicks only. A test that changes a record makes its own.

The controls other modules click: the run page's Publish and Reprint
(test_run_page_controls.py); Generate rolls, for centers, Benchmark, Schedule, Find a voter by
number, task results down to a traceback (test_console_controls.py); Verify files on a damaged
run (test_damaged_files.py); a whole run with a worker, the comparison and the list's Publish
action (test_console.py); a register's upload and confirm (test_register_import.py).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin import helpers
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult
from playwright.sync_api import expect
from pypdf import PdfReader

from elections.models import Voter
from elections.services.registers.imports import register_import_preview
from elections.services.registers.records import register_import_create
from lab.models import Benchmark
from rolls.admin.housekeeping import housekeeping_task_names
from rolls.models import Download, Run, RunStatus, Station
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.console_pages import (
    PASSWORD,
    ConsoleRecords,
    console_pages,
    console_records,
)
from tests.elections.registers import csv_bytes
from tests.factories import ElectionFactory
from tests.support.users import OBSERVER, STAFF, make_user
from tests.support.workers import private_queues

pytestmark = [pytest.mark.browser]

ROLES = {"staff": STAFF, "observer": OBSERVER, "nobody": None}


@dataclass
class Console:
    """The module's server, records and one logged-in page per role."""

    url: str
    records: ConsoleRecords
    pages: dict  # role -> Playwright page, logged in

    def open(self, role: str, address: str):
        page = self.pages[role]
        response = page.goto(self.url + address)
        return page, response


@pytest.fixture(autouse=True)
def _live_server_helper():
    """Replaces pytest-django's helper of this name, which makes each test that uses the live
    server a transactional one and empties the database after it: this module's tests share
    their records, and the database is emptied once, when the module ends (``console``)."""
    yield


@pytest.fixture(scope="module")
def console(django_db_setup, live_server, django_db_blocker, tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium): browser test")
    from playwright.sync_api import sync_playwright

    media = tmp_path_factory.mktemp("click-through-media")
    storages = override_settings(
        STORAGES={
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(media)},
            },
        }
    )
    # Playwright's sync API runs an event loop in this thread (see test_console.py); the
    # queues are the module's own, so no worker takes what a click sends.
    with (
        pytest.MonkeyPatch.context() as patch,
        django_db_blocker.unblock(),
        storages,
        private_queues(),
    ):
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        server = live_server
        server._live_server_modified_settings.enable()  # its host among ALLOWED_HOSTS
        try:
            records = console_records()
            users = {
                role: make_user(f"{role}-user", *([group] if group else []), password=PASSWORD)
                for role, group in ROLES.items()
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                pages = {}
                for role, user in users.items():
                    context = browser.new_context(
                        viewport={"width": 1280, "height": 900}, accept_downloads=True
                    )
                    page = context.new_page()
                    page.set_default_timeout(30_000)
                    page.goto(f"{server.url}/admin/login/?next=/admin/")
                    page.fill("#id_username", user.get_username())
                    page.fill("#id_password", PASSWORD)
                    page.click("input[type=submit]")
                    page.wait_for_url(f"{server.url}/admin/")
                    pages[role] = page
                yield Console(url=server.url, records=records, pages=pages)
                browser.close()
        finally:
            server._live_server_modified_settings.disable()
            # What a transactional test does when it ends: the next module starts empty.
            call_command("flush", interactive=False, verbosity=0)


def run_address(run: Run) -> str:
    return reverse("admin:rolls_run_change", args=[run.pk])


def download(page, selector: str):
    """Click the link and return (suggested file name, bytes)."""
    with page.expect_download() as info:
        page.click(selector)
    file = info.value
    return file.suggested_filename, Path(file.path()).read_bytes()


def choose_action(page, selected: list[int], action: str) -> None:
    for pk in selected:
        page.check(f'input[name="{helpers.ACTION_CHECKBOX_NAME}"][value="{pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


# What a page offers to press: every visible button of its content, but the search boxes.
BUTTONS = """() => [...document.querySelectorAll(
  '#content button, #content input[type=submit], #content input[type=button]'
)].filter((b) => b.offsetParent && !b.closest('#changelist-search, #find-voter-form'))
 .map((b) => (b.closest('form') && b.closest('form').id || '?') + ': '
   + (b.innerText || b.value).trim())"""


# --- the login form --------------------------------------------------------------------------


def test_a_wrong_password_is_refused_at_the_login_form_and_recorded(console):
    make_user("maria", STAFF, password=PASSWORD)
    page = console.pages["staff"].context.browser.new_page()
    try:
        page.goto(f"{console.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "maria")
        page.fill("#id_password", "not-the-password")
        page.click("input[type=submit]")
        assert "correct username and password" in page.locator(".errornote").inner_text()
    finally:
        page.close()
    assert AccessAttempt.objects.get(username="maria").failures_since_start == 1


# --- election staff ---------------------------------------------------------------------------


def test_staff_download_the_zip_a_roll_a_center_zip_the_manifest_and_the_exports(console):
    run = console.records.official
    page, _ = console.open("staff", run_address(run))
    downloads_before = Download.objects.filter(run=run).count()

    name, data = download(page, "#download-zip")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert len(pdfs) == run.roll_files.count()
        assert archive.read(pdfs[0]).startswith(b"%PDF")
    assert name.endswith(".zip")

    name, data = download(page, '#roll-files tr:has-text("Station roll") a.roll-download >> nth=0')
    assert name.endswith("A-station-001.pdf") and len(PdfReader(io.BytesIO(data)).pages) == 1

    name, data = download(page, "#roll-files a.center-zip >> nth=0")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {n.split("/")[-1] for n in archive.namelist() if n.endswith(".pdf")}
    assert "A" in name

    name, data = download(page, '#run-manifest a[href$="manifest.csv"]')
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == run.roll_files.count() and "sha256" in rows[0]
    name, data = download(page, '#run-manifest a[href$="manifest.json"]')
    assert name.endswith(".json") and data.lstrip().startswith(b"{")

    voters = Voter.objects.filter(registrations__election=run.election).count()
    for link in ["#export-by-number", "#export-by-station"]:
        name, data = download(page, link)
        lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert name.endswith(".csv") and len(lines) == voters + 1, link

    # Each download is on the trail, with who took it.
    trail = Download.objects.filter(run=run).order_by("pk")[downloads_before:]
    assert [d.kind for d in trail] == [
        "run zip", "roll", "center zip", "manifest", "manifest", "export", "export"
    ]  # fmt: skip
    assert {d.username for d in trail} == {"staff-user"}


@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("admin:elections_election_changelist", "generate_rolls"),
        ("admin:elections_election_changelist", "schedule_roll_generation"),
        ("admin:elections_election_changelist", "benchmark_strategies"),
        ("admin:elections_pollingcenter_changelist", "generate_rolls_for_centers"),
    ],
)
def test_staff_step_back_from_an_actions_page_and_nothing_is_started(console, changelist, action):
    records = console.records
    selected = (
        records.election.pk if "election_" in changelist else records.election.centers.first().pk
    )
    before = (Run.objects.count(), Benchmark.objects.count(), PeriodicTask.objects.count())
    page, _ = console.open("staff", reverse(changelist))
    choose_action(page, [selected], action)
    page.wait_for_selector("a.cancel-link")
    # The list is where the link leads even before the admin's script makes it go back.
    assert page.get_attribute("a.cancel-link", "href") == reverse(changelist)
    page.click("a.cancel-link")

    page.wait_for_url(re.compile(re.escape(reverse(changelist)) + "$"))
    assert (Run.objects.count(), Benchmark.objects.count(), PeriodicTask.objects.count()) == before


def test_staff_count_a_draft_runs_changes_and_download_them(console):
    page, _ = console.open("staff", run_address(console.records.draft))
    page.click("#run-changes >> text=Count the changes")
    page.wait_for_url(re.compile(r"\?changes=1"))
    assert re.search(r"\d+ stations? to reprint", page.locator("#run-changes").inner_text())
    name, data = download(page, "#changes-csv")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert name.endswith(".csv") and header


def test_staff_verify_every_file_of_two_runs_from_the_runs_list(console):
    draft, official = console.records.draft, console.records.official
    page, _ = console.open("staff", reverse("admin:rolls_run_changelist"))
    choose_action(page, [draft.pk, official.pk], "verify_files")
    messages = page.locator(".messagelist")
    for run in (draft, official):
        count = run.roll_files.count()
        assert f"Run {run.pk}: {count} files OK, 0 damaged, 0 missing." in messages.inner_text()


def test_staff_mark_a_stale_run_failed_then_resume_it_from_the_runs_list(console):
    election = ElectionFactory(name="By-election 2026")
    stale = Run.objects.create(
        election=election, strategy="all_in_one", started_by="cli", status=RunStatus.RUNNING
    )
    Run.objects.filter(pk=stale.pk).update(queued_at=timezone.now() - timedelta(hours=2))
    page, _ = console.open("staff", reverse("admin:rolls_run_changelist"))

    choose_action(page, [stale.pk], "mark_stale_failed")
    assert f"Run {stale.pk} marked failed as stale." in page.locator(".messagelist").inner_text()
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED and stale.error.startswith("Stale:")

    choose_action(page, [stale.pk], "resume_runs")
    assert f"Run {stale.pk} resumed" in page.locator(".messagelist").inner_text()
    stale.refresh_from_db()
    # Assigned nothing, so nothing was missing: resumed, it is done at once.
    assert stale.status == RunStatus.SUCCEEDED
    assert stale.started_by == "cli; resumed by admin:staff-user"


def test_staff_find_a_voter_by_family_name_alone_in_any_case_and_download_the_roll(console):
    official = console.records.official
    station = Station.objects.get(run=official, center__code="B", number=2)
    voter = Voter.objects.get(placements__station=station, placements__position=1)
    page, _ = console.open("staff", reverse("admin:elections_voter_changelist"))
    page.click("#find-voter")
    page.fill("#find-q", voter.family_name.lower())
    page.click('#find-voter-form input[type="submit"]')
    page.wait_for_url(re.compile(r"[?&]q="))

    answers = page.locator("#voter-answers tbody tr", has_text=f"run {official.pk}")
    expect(answers).to_have_count(1)
    assert answers.locator("td.station").inner_text() == "2"
    assert answers.locator("td.row").inner_text() == "1"
    name, data = download(page, f"#voter-answers tr:has-text('run {official.pk}') a.voter-roll")
    assert name.endswith("station-002.pdf") and data.startswith(b"%PDF")


def test_staff_show_and_hide_housekeeping_tasks_in_the_task_results(console):
    upkeep = sorted(housekeeping_task_names())[0]
    TaskResult.objects.create(task_id="upkeep-1", task_name=upkeep, status="SUCCESS")
    page, _ = console.open("staff", reverse("admin:django_celery_results_taskresult_changelist"))
    results = page.locator("#result_list")
    assert "upkeep-1" not in results.inner_text()
    page.click('#changelist-filter a:text-is("shown")')
    page.wait_for_url(re.compile(r"housekeeping=shown"))
    assert "upkeep-1" in results.inner_text()
    assert "render_station" in results.inner_text()  # the runs' tasks are still there
    page.click('#changelist-filter a:text-is("hidden")')
    assert "upkeep-1" not in page.locator("#result_list").inner_text()


def test_staff_go_from_an_election_to_its_import_page_and_back_by_the_breadcrumbs(console):
    election = console.records.election
    page, _ = console.open("staff", reverse("admin:elections_election_change", args=[election.pk]))
    page.click("#import-register")
    # The click starts a navigation; reading the trail before it lands reads an empty page.
    page.wait_for_url(re.compile(rf"/registerimport/upload/{election.pk}/$"))
    crumbs = page.locator(".breadcrumbs")
    assert crumbs.locator("a").all_inner_texts() == [
        "Home",
        "Election data",
        "Elections",
        election.name,
    ]
    page.click('.breadcrumbs a:text-is("Elections")')
    page.wait_for_url(re.compile(r"/admin/elections/election/$"))
    page.goto(
        console.url
        + reverse(
            "admin:elections_registerimport_change", args=[console.records.register_import.pk]
        )
    )
    page.click('.breadcrumbs a:text-is("Election data")')
    page.wait_for_url(re.compile(r"/admin/elections/$"))


def test_staff_follow_the_benchmark_comparison_stations_and_downloads_links(console):
    records = console.records
    page, _ = console.open(
        "staff", reverse("admin:lab_benchmark_change", args=[records.benchmark.pk])
    )
    page.click("text=Compare strategies on this election")
    assert "Compare strategies" in page.locator("h1").inner_text()
    page.click("text=Runs of this election")
    page.wait_for_url(re.compile(rf"election__id__exact={records.election.pk}"))
    assert page.locator("#result_list tbody tr").count() == 2

    page.goto(console.url + reverse("admin:rolls_station_changelist"))
    page.locator(f"#result_list a >> text=Run {records.official.pk}").first.click()
    page.wait_for_url(re.compile(rf"/rolls/run/{records.official.pk}/change/$"))
    page.goto(console.url + reverse("admin:rolls_download_changelist"))
    trail = page.locator("#result_list tbody tr", has_text="someone")
    assert trail.count() == 1 and f"run {records.official.pk}" in trail.inner_text()


def test_staff_schedule_through_the_action_only_the_periodic_tasks_add_form_is_not_theirs(
    console,
):
    """Staff change a schedule (test_console_controls.py) but make one with the Schedule
    action, which fills in what beat needs: the raw form is a superuser's."""
    page, _ = console.open("staff", reverse("admin:django_celery_beat_periodictask_changelist"))
    row = page.locator("#result_list tr", has_text=console.records.schedule.name)
    assert "every night at 02:00" in row.inner_text()
    assert page.locator(".object-tools a.addlink").count() == 0
    add = reverse("admin:django_celery_beat_periodictask_add")
    assert page.goto(console.url + add).status == 403


def previewed_import(election, rows):
    """An import of ``rows`` read for its preview (in this process: nobody works on the
    module's queues)."""
    record = register_import_create(
        election=election, upload=io.BytesIO(csv_bytes(rows)), file_name="more.csv", username="x"
    )
    return register_import_preview(import_id=record.pk)


def test_staff_preview_an_import_again_with_other_options(console):
    election = ElectionFactory(name="Regional election 2026")
    record = previewed_import(election, [["0101", "Roux", "Ana", "R1", "Hall"]])
    page, _ = console.open(
        "staff", reverse("admin:elections_registerimport_change", args=[record.pk])
    )
    page.check('#import-options input[name="mode"][value="add"]')
    page.check('#import-options input[name="skip_invalid"]')
    page.click('#import-options input[type="submit"]')

    page.wait_for_load_state()
    record.refresh_from_db()
    assert (record.mode, record.skip_invalid, record.state) == ("add", True, "previewing")
    assert "Reading the file" in page.locator("#import-state").text_content()
    assert page.locator("#confirm-import").count() == 0  # until the new preview is read


def test_staff_confirm_a_previewed_import(console):
    election = ElectionFactory(name="Local election 2026")
    record = previewed_import(election, [["0201", "Petit", "Lou", "L1", "School"]])
    page, _ = console.open(
        "staff", reverse("admin:elections_registerimport_change", args=[record.pk])
    )
    assert page.locator("#confirm-import").get_attribute("value") == "Import 1 row (snapshot)"
    page.click("#confirm-import")

    assert f"Import {record.pk} is queued." in page.locator(".messagelist").inner_text()
    record.refresh_from_db()
    assert record.state == "queued"
    assert page.locator("#confirm-import").count() == 0


def test_staff_switch_a_schedule_off_and_on_and_run_it_now_from_the_schedules_list(console):
    schedule = console.records.schedule
    page, _ = console.open("staff", reverse("admin:django_celery_beat_periodictask_changelist"))
    for action, enabled in [("disable_tasks", False), ("enable_tasks", True)]:
        choose_action(page, [schedule.pk], action)
        schedule.refresh_from_db()
        assert schedule.enabled is enabled, action
    choose_action(page, [schedule.pk], "toggle_tasks")
    schedule.refresh_from_db()
    assert not schedule.enabled
    choose_action(page, [schedule.pk], "toggle_tasks")
    schedule.refresh_from_db()
    assert schedule.enabled

    choose_action(page, [schedule.pk], "run_tasks")
    assert "1 task was successfully run" in page.locator(".messagelist").inner_text()


# Every button and list action staff get on each console page, and the test that presses it
# (here unless named). A control added to a page fails this test until it is listed, and
# clicked somewhere.
STAFF_CONTROLS = {
    "elections": [
        "changelist-form: Go",
        "Generate rolls",  # test_console_controls.py
        "Schedule roll generation",  # test_console_controls.py
        "Benchmark strategies",  # test_console_controls.py
    ],
    "centers": ["changelist-form: Go", "Generate rolls for these centers"],  # ditto
    "import upload": ["register-upload: Upload and preview"],  # test_register_import.py
    "import preview": [
        "import-options: Preview again with these",
        "import-confirm: Import 2 rows (snapshot)",
    ],
    "runs": [
        "changelist-form: Go",
        "Publish as the election's official roll set",  # test_console.py
        "Verify files (hash each one again against its SHA-256)",
        "Mark stale runs failed (no progress for a while)",
        "Resume failed runs (only what is missing)",
    ],
    "draft run": [
        "verify-files-form: VERIFY FILES",  # test_damaged_files.py
        "publish-form: Publish as the official roll set of "
        "Municipal and regional elections of the Loire-Atlantique 2026",
        "reprint: Reprint as this run split it",  # both: test_run_page_controls.py
    ],
    "official run": [
        "verify-files-form: VERIFY FILES",
        "reprint: Reprint as this run split it",
    ],
    "schedules": [
        "changelist-form: Go",
        "Enable selected tasks",
        "Disable selected tasks",
        "Toggle activity of selected tasks",
        "Run selected tasks",
    ],
    "schedule": [
        "periodictask_form: Save",  # test_console_controls.py
        "periodictask_form: Save and continue editing",
    ],
    "verify a page": ["verify-page-form: Verify"],  # test_verify_page.py
}


def test_staff_get_exactly_the_controls_this_suite_clicks(console):
    page = console.pages["staff"]
    found = {}
    for name, address in console_pages(console.records).items():
        if page.goto(console.url + address).status != 200:
            continue
        actions = page.locator('select[name="action"] option').all_inner_texts()[1:]
        controls = page.evaluate(BUTTONS) + actions
        if controls:
            found[name] = controls
    assert found == STAFF_CONTROLS


def test_the_console_speaks_the_browsers_language(console):
    page = console.pages["staff"]
    french = page.context.browser.new_context(locale="fr-FR")
    french.add_cookies(page.context.cookies())
    try:
        other = french.new_page()
        other.goto(console.url + reverse("admin:rolls_run_changelist"))
        assert other.locator("html").get_attribute("lang") == "fr"
        assert "Accueil" in other.locator(".breadcrumbs").inner_text()
    finally:
        french.close()


# --- an observer ------------------------------------------------------------------------------


def test_an_observer_reads_a_run_but_gets_no_download_nor_verify_and_their_urls_refuse(console):
    run = console.records.official
    page, response = console.open("observer", run_address(run))
    assert response.status == 200
    for control in [
        "#verify-files",
        "#download-zip",
        "#roll-files a.roll-download",
        "#run-manifest",
        "#reprint",
        "#publish-form",
    ]:
        assert page.locator(control).count() == 0, control
    roll = run.roll_files.first()
    for address in [
        reverse("admin:rolls_run_zip", args=[run.pk]),
        reverse("admin:rolls_run_roll_download", args=[run.pk, roll.pk]),
        reverse("admin:rolls_run_export", args=[run.pk, "by-number"]),
        reverse("admin:elections_registerimport_upload", args=[run.election_id]),
    ]:
        assert page.request.get(console.url + address).status == 403, address
    # Posted by hand with the page's CSRF token, so a 403 is the permission's, not CSRF's.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    for address, form in [
        (reverse("admin:rolls_run_verify", args=[run.pk]), {}),
        (reverse("admin:rolls_run_publish", args=[console.records.draft.pk]), {}),
        (reverse("admin:rolls_run_reprint", args=[run.pk]), {"center": "A", "reason": "x"}),
    ]:
        answer = page.request.post(
            console.url + address,
            form={"csrfmiddlewaretoken": token, **form},
            headers={"Referer": page.url},
            max_redirects=0,
        )
        assert answer.status == 403 and "CSRF" not in answer.text(), address
    assert console.records.draft.reprints.count() == 0

    # The runs list: no action that changes or hands out anything.
    page.goto(console.url + reverse("admin:rolls_run_changelist"))
    offered = page.locator('select[name="action"] option').all_inner_texts()
    assert not [o for o in offered if re.search("Publish|Verify|Resume|stale", o)], offered


def test_an_observer_is_offered_no_button_on_any_console_page(console):
    """Observers look: on every console page they may open, nothing to press but a search
    and the lookup of a printed page's code (test_verify_page.py clicks it as an observer).
    The pages they may not open answer 403."""
    page = console.pages["observer"]
    offered, shown, refused = {}, 0, set()
    for name, address in console_pages(console.records).items():
        status = page.goto(console.url + address).status
        if status == 403:
            refused.add(name)
            continue
        assert status == 200, name
        shown += 1
        buttons = page.evaluate(BUTTONS)
        if buttons:
            offered[name] = buttons
    assert offered == {"verify a page": ["verify-page-form: Verify"]}
    assert {"draft run", "official run", "compare", "benchmark", "task results"}.isdisjoint(refused)
    assert {"find a voter", "import upload", "schedules", "voters"} <= refused


# --- staff without a role ---------------------------------------------------------------------


def test_staff_without_a_role_are_refused_every_console_page(console):
    page = console.pages["nobody"]
    refused = {}
    for name, address in console_pages(console.records).items():
        if name == "index":
            continue
        status = page.goto(console.url + address).status
        if status != 403:
            refused[name] = status
    assert refused == {}
    page.goto(console.url + "/admin/")
    assert "permission to view or edit anything" in page.locator("#content-main").inner_text()
