"""Words on paper that stay true: a run prints what it was generated for (provisional lists or
final rolls), never a status that changes after printing; only final rolls are published."""

from __future__ import annotations

import importlib
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from rolls.launch import run_start
from rolls.launch_tasks import start_scheduled_run
from rolls.models import RollFile, Run, RunPurpose, RunStatus, SetStatus, Station
from rolls.services import pipeline
from rolls.services.ledger import RunRefused
from rolls.services.publication import PublishRefused, run_publish
from rolls.services.schedules import roll_schedule_save
from rolls.services.station_render import station_render
from rolls.strategies import DEFAULT_STRATEGY
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import read_pdf
from tests.support.builders import build_election
from tests.support.runs import no_launch
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

# What a set that becomes official must never say, in any of the catalogs' languages: the
# words of a draft, of provisional lists and of "not official" (lower case, NFKC).
NEVER_ON_A_FINAL_SET = [
    "draft",
    "provisional",
    "not official",
    "not the official",
    "provisoire",
    "brouillon",
    "non officiel",
    "borrador",
    "no era el oficial",
    "no oficial",
    "предварительн",
    "проект",
    "не официальн",
    "مسودة",
    "مؤقتة",
    "ليست",
    "غير رسمي",
]
FINAL_WORDS = {
    "en": "Final rolls for polling day",
    "fr": "Listes électorales définitives pour le jour du scrutin",
    "es": "Padrones definitivos para el día de la votación",
    "ru": "Окончательные списки для дня голосования",
    "ar": "القوائم النهائية ليوم الاقتراع",
}
PROVISIONAL_WORDS = {
    "en": "Provisional lists for public display and checking",
    "fr": "Listes provisoires pour affichage public et vérification",
}


def small_election(language: str):
    election = ElectionFactory(language=language, max_voters_per_station=30)
    center = PollingCenterFactory(election=election, code="C01", name="École du Centre")
    register_voters(center, [(f"Famille{i:03d}", f"Prénom{i % 4}") for i in range(45)])
    return election


def rendered_run(election, purpose: str) -> Run:
    run = run_start(
        election_id=election.pk,
        strategy="assign_in_database_then_balanced_batches",
        started_by="test",
        purpose=purpose,
        launch=no_launch,
    )
    pipeline.election_assign_for_run(run=run)
    for station in Station.objects.filter(run=run):
        station_render(run=run, center_id=station.center_id, station_number=station.number)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def page_texts(run: Run, kind: str | None = None) -> list[tuple[RollFile, list[str]]]:
    files = RollFile.objects.filter(run=run)
    if kind:
        files = files.filter(kind=kind)
    out = []
    for document in files:
        pages = read_pdf(document.path).pages
        assert len(pages) == document.pages
        out.append((document, [page.extract_text() or "" for page in pages]))
    return out


def normalized(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def has_words(text: str, words: str) -> bool:
    """Whether every word of *words* is on the page (an Arabic line extracts in visual order,
    so its words are looked for one by one)."""
    page = normalized(text)
    return all(word in page for word in normalized(words).split())


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru", "ar"])
def test_a_published_final_runs_pages_never_say_draft_provisional_or_not_official(
    private_media, language
):
    run = rendered_run(small_election(language), RunPurpose.FINAL)
    run = run_publish(run_id=run.pk, published_by="admin:chief")
    assert run.set_status == SetStatus.OFFICIAL

    documents = page_texts(run)
    assert {document.kind for document, _ in documents} == {"roll", "sign", "center list"}
    for document, pages in documents:
        for number, text in enumerate(pages, start=1):
            page = normalized(text)
            found = [word for word in NEVER_ON_A_FINAL_SET if word in page]
            assert not found, f"{document.path} page {number}: {found}"
    # Every page of every roll (the cover included), door sign and center list says the
    # purpose, the run and the split.
    split = run.run_centers.get().fingerprint[:12]
    for _, pages in documents:
        for text in pages:
            assert has_words(text, FINAL_WORDS[language])
            assert str(run.pk) in text and split in text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_provisional_runs_cover_and_every_page_say_provisional(private_media, language):
    run = rendered_run(small_election(language), RunPurpose.PROVISIONAL)

    rolls = page_texts(run, "roll")
    assert rolls
    split = run.run_centers.get().fingerprint[:12]
    for _, pages in rolls:
        cover = normalized(pages[0])
        # In the box on the cover and in the footer of every page.
        assert cover.count(normalized(PROVISIONAL_WORDS[language])) == 2
    for _, pages in page_texts(run):  # rolls, door signs and the center list
        for text in pages:
            assert normalized(PROVISIONAL_WORDS[language]) in normalized(text)
            assert str(run.pk) in text and split in text
            assert "final" not in normalized(text) and "définitives" not in normalized(text)


def test_publishing_a_provisional_run_is_refused_and_the_run_page_offers_no_publish(
    client, private_media
):
    election = small_election("en")
    provisional = rendered_run(election, RunPurpose.PROVISIONAL)

    with pytest.raises(PublishRefused, match=r"provisional lists .* only final rolls"):
        run_publish(run_id=provisional.pk, published_by="admin:chief")
    provisional.refresh_from_db()
    assert provisional.published_at is None

    client.force_login(make_user("chief", "Election staff"))
    page = client.get(reverse("admin:rolls_run_change", args=[provisional.pk])).content.decode()
    assert 'id="publish-form"' not in page
    assert "Provisional lists for public display and checking" in page
    response = client.post(reverse("admin:rolls_run_publish", args=[provisional.pk]), follow=True)
    assert "only final rolls for polling day can be published" in response.content.decode()
    assert not Run.objects.official().exists()

    final = rendered_run(election, RunPurpose.FINAL)
    page = client.get(reverse("admin:rolls_run_change", args=[final.pk])).content.decode()
    assert 'id="publish-form"' in page and 'id="legacy-words"' not in page


def test_a_legacy_draft_run_stays_publishable_keeps_its_words_and_the_run_page_explains_them(
    client, private_media
):
    election = small_election("fr")
    run = rendered_run(election, RunPurpose.FINAL)
    # As the migration records the runs made before purposes existed; its files are made
    # again as such a run made them.
    Run.objects.filter(pk=run.pk).update(purpose=RunPurpose.DRAFT_LEGACY)
    RollFile.objects.filter(run=run).delete()
    Run.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, stations_done=0, pages=0)
    run.refresh_from_db()
    for station in Station.objects.filter(run=run):
        station_render(run=run, center_id=station.center_id, station_number=station.number)
    run.refresh_from_db()

    for _, pages in page_texts(run, "roll"):
        assert "Listes provisoires : tirage" in pages[0].replace("\n", " ")
        assert not any(has_words(text, FINAL_WORDS["fr"]) for text in pages)

    client.force_login(make_user("chief", "Election staff"))
    page = client.get(reverse("admin:rolls_run_change", args=[run.pk])).content.decode()
    assert 'id="legacy-words"' in page and "Draft (printed before purposes existed)" in page
    assert 'id="publish-form"' in page
    assert run_publish(run_id=run.pk, published_by="admin:chief").set_status == SetStatus.OFFICIAL


def test_the_migration_records_every_earlier_run_as_a_legacy_draft(transactional_db):
    executor = MigrationExecutor(connection)
    before = [("rolls", "0011_door_signs_center_lists_and_reprints")]
    executor.migrate(before)
    OldRun = executor.loader.project_state(before).apps.get_model("rolls", "Run")
    election = ElectionFactory(slug="earlier")  # the register is not migrated back
    OldRun.objects.create(election_id=election.pk, strategy="all_in_one", started_by="cli")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("rolls", "0013_run_purpose")])
    # Every later migration too, so the tests after this one find the schema they expect.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    (run,) = Run.objects.filter(election__slug="earlier")
    assert run.purpose == RunPurpose.DRAFT_LEGACY
    assert run.get_purpose_display() == "Draft (printed before purposes existed)"
    importlib.import_module("rolls.migrations.0013_run_purpose")  # importable, named as allowed


def test_a_changed_only_run_must_print_what_the_official_set_printed(private_media):
    election = build_election()
    official = rendered_run(election, RunPurpose.FINAL)
    run_publish(run_id=official.pk, published_by="admin:chief")

    with pytest.raises(RunRefused, match="printed as final rolls for polling day"):
        run_start(
            election_id=election.pk,
            strategy="all_in_one",
            started_by="t",
            purpose=RunPurpose.PROVISIONAL,
            changed_only=True,
            launch=no_launch,
        )
    Run.objects.filter(pk=official.pk).update(purpose=RunPurpose.DRAFT_LEGACY)
    # A final set must not carry over pages that say "not the official set".
    with pytest.raises(RunRefused, match=r"draft \(printed before purposes existed\)"):
        run_start(
            election_id=election.pk,
            strategy="all_in_one",
            started_by="t",
            changed_only=True,
            launch=no_launch,
        )
    assert Run.objects.count() == 1


def test_nobody_starts_a_run_of_the_legacy_or_an_unknown_purpose():
    election = build_election()
    for purpose in ("draft-legacy", "official", ""):
        with pytest.raises(RunRefused, match="choose provisional or final"):
            run_start(
                election_id=election.pk,
                strategy="all_in_one",
                started_by="t",
                purpose=purpose,
                launch=no_launch,
            )
    assert not Run.objects.exists()


def test_the_generate_rolls_form_makes_staff_choose_the_purpose(client):
    election = build_election()
    client.force_login(make_user("chief", "Election staff"))
    elections = reverse("admin:elections_election_changelist")
    data = {
        "action": "generate_rolls",
        "_selected_action": [election.pk],
        "post": "yes",
        "strategy": DEFAULT_STRATEGY,
        "mode": "balanced",
    }

    page = client.post(elections, {k: v for k, v in data.items() if k != "post"})
    assert 'name="purpose" value="provisional"' in page.content.decode()
    assert "checked" not in "".join(
        line for line in page.content.decode().splitlines() if 'name="purpose"' in line
    )
    missing = client.post(elections, data)
    assert "Choose what the rolls are for" in missing.content.decode()
    assert not Run.objects.exists()

    client.post(elections, {**data, "purpose": "provisional"})
    assert Run.objects.get().purpose == RunPurpose.PROVISIONAL


def test_queue_task_and_schedules_take_a_purpose_and_default_to_final(settings, monkeypatch):
    election = build_election()
    started = []

    def recorded(**kwargs) -> Run:
        started.append(kwargs.get("purpose"))
        return Run(pk=1, purpose=kwargs.get("purpose", "final"))

    monkeypatch.setattr("rolls.management.commands.queue_task.run_start", recorded)
    monkeypatch.setattr("rolls.launch_tasks.run_start", recorded)
    call_command("queue_task", "all_in_one", "--purpose", "provisional")
    call_command("queue_task", "all_in_one")
    kwargs = {"election": election.slug, "strategy": DEFAULT_STRATEGY}
    assert start_scheduled_run.run(**kwargs, purpose="provisional")["purpose"] == "provisional"
    assert start_scheduled_run.run(**kwargs)["purpose"] == "final"
    assert started == ["provisional", "final", "provisional", "final"]

    saved = roll_schedule_save(
        election=election, preset="hourly", strategy=DEFAULT_STRATEGY, purpose="provisional"
    )
    assert json.loads(saved.task.kwargs)["purpose"] == "provisional"
    assert "provisional rolls" in PeriodicTask.objects.get(pk=saved.task.pk).description
