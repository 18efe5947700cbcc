"""The Generate rolls and Schedule roll generation actions, as Election staff use them."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from rolls.launch import run_start
from rolls.launch_tasks import ScheduleError, start_scheduled_run
from rolls.models import Run, RunStatus
from rolls.pdf import center_set_pages
from rolls.services.schedules import SCHEDULE_PARAMETERS, ScheduleRefused, schedule_kwargs_validate
from rolls.strategies import DEFAULT_STRATEGY, STRATEGIES, canvases
from tests.factories import ElectionFactory, PollingCenterFactory
from tests.support.builders import build_election
from tests.support.runs import no_launch
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

ELECTIONS = reverse("admin:elections_election_changelist")
CENTERS = reverse("admin:elections_pollingcenter_changelist")


@pytest.fixture
def launched(monkeypatch) -> list[int]:
    """Records the runs whose canvas would have been sent to the broker."""
    sent: list[int] = []
    monkeypatch.setattr(canvases, "strategy_launch", lambda run: sent.append(run.pk))
    return sent


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def test_generate_rolls_shows_what_will_be_generated_before_queueing(staff_client, election):
    response = staff_client.post(
        ELECTIONS, {"action": "generate_rolls", "_selected_action": [election.pk]}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/rolls/generate_rolls.html"
    (plan,) = response.context["plans"]
    # 45 voters -> one station; 130 voters -> 44 + 43 + 43 (balanced)
    # Each center's rolls, a door sign per station and the center's list.
    pages = center_set_pages([45]) + center_set_pages([44, 43, 43])
    assert (plan.centers, plan.voters, plan.stations, plan.pages) == (2, 175, 4, pages)
    page = response.content.decode()
    # Staff are offered the production strategies, each with its lesson; the lab's teaching
    # strategies are not offered here.
    for strategy in STRATEGIES.values():
        shown = strategy.lesson.replace("'", "&#x27;") in page
        assert shown == strategy.production, strategy.name
    assert re.search(rf'value="{DEFAULT_STRATEGY}"\s+checked', page), "the fastest is preselected"
    assert 'name="post" value="yes"' in page
    assert not Run.objects.exists()


def test_the_confirmation_flags_an_election_with_no_centers_or_no_voters(
    staff_client, election, launched
):
    bare = ElectionFactory(name="No centers")
    silent = ElectionFactory(name="No voters")
    PollingCenterFactory(election=silent, code="E1")
    selected = [election.pk, bare.pk, silent.pk]

    page = staff_client.post(
        ELECTIONS, {"action": "generate_rolls", "_selected_action": selected}
    ).content.decode()

    assert "Nothing to generate: no polling centers." in page
    assert "Nothing to generate: no registered voters." in page
    assert "2 of the selected elections have nothing to generate" in page
    response = staff_client.post(
        ELECTIONS,
        {
            "action": "generate_rolls",
            "_selected_action": selected,
            "post": "yes",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
        follow=True,
    )
    assert [r.election_id for r in Run.objects.all()] == [election.pk]
    errors = [text for level, text in messages_of(response) if level == "error"]
    assert errors == [
        "No centers: no run started. It has no polling centers.",
        "No voters: no run started. It has no registered voters.",
    ]


def test_confirming_queues_a_run_after_commit_and_lands_on_its_page(
    staff_client, election, launched, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(
            ELECTIONS,
            {
                "action": "generate_rolls",
                "_selected_action": [election.pk],
                "post": "yes",
                "strategy": DEFAULT_STRATEGY,
                "mode": "sequential",
                "purpose": "final",
            },
        )
        assert launched == []  # nothing reaches the broker before the transaction commits

    run = Run.objects.get()
    assert len(callbacks) == 1 and launched == [run.pk]
    assert response.status_code == 302
    assert response.url == reverse("admin:rolls_run_change", args=[run.pk])
    assert (run.strategy, run.assignment_mode, run.started_by) == (
        DEFAULT_STRATEGY,
        "sequential",
        "admin:clerk",
    )
    assert run.center_ids is None and run.status == RunStatus.QUEUED


def test_several_elections_queue_one_run_each_and_land_on_the_filtered_run_list(
    staff_client, launched
):
    first, second = build_election("North"), build_election("South")

    response = staff_client.post(
        ELECTIONS,
        {
            "action": "generate_rolls",
            "_selected_action": [first.pk, second.pk],
            "post": "yes",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
        follow=True,
    )

    runs = Run.objects.order_by("pk")
    assert [run.election for run in runs] == [first, second]
    ids = "%2C".join(str(run.pk) for run in runs)
    landing = f"{reverse('admin:rolls_run_changelist')}?id__in={ids}"
    assert response.redirect_chain[0][0] == landing
    notes = messages_of(response)
    assert [level for level, _ in notes] == ["success", "success"]
    assert "North" in notes[0][1] and "South" in notes[1][1]
    assert list(response.context["cl"].result_list) == list(runs.order_by("-queued_at"))


def test_a_refused_start_is_an_error_message_and_creates_no_run(staff_client, election):
    active = run_start(
        election_id=election.pk, strategy="all_in_one", started_by="cli", launch=no_launch
    )

    response = staff_client.post(
        ELECTIONS,
        {
            "action": "generate_rolls",
            "_selected_action": [election.pk],
            "post": "yes",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
        follow=True,
    )

    assert list(Run.objects.all()) == [active]
    ((level, text),) = messages_of(response)
    assert level == "error"
    assert f"already has a run in progress (run {active.pk}, all_in_one" in text
    assert response.redirect_chain[-1][0].startswith(ELECTIONS)


def test_an_unknown_strategy_posted_by_hand_is_refused_by_the_form(staff_client, election):
    response = staff_client.post(
        ELECTIONS,
        {
            "action": "generate_rolls",
            "_selected_action": [election.pk],
            "post": "yes",
            "strategy": "fastest_please",
            "mode": "balanced",
            "purpose": "final",
        },
    )

    assert response.status_code == 200
    assert "fastest_please is not one of the available choices" in response.content.decode()
    assert not Run.objects.exists()


def test_centers_of_one_election_start_a_run_limited_to_them(staff_client, election, launched):
    chosen = list(election.centers.filter(code="B"))

    confirm = staff_client.post(
        CENTERS,
        {"action": "generate_rolls_for_centers", "_selected_action": [c.pk for c in chosen]},
    )
    assert confirm.status_code == 200
    (plan,) = confirm.context["plans"]
    assert (plan.centers, plan.voters, plan.stations) == (1, 130, 3)

    response = staff_client.post(
        CENTERS,
        {
            "action": "generate_rolls_for_centers",
            "_selected_action": [c.pk for c in chosen],
            "post": "yes",
            "strategy": DEFAULT_STRATEGY,
            "mode": "balanced",
            "purpose": "final",
        },
    )
    run = Run.objects.get()
    assert response.url == reverse("admin:rolls_run_change", args=[run.pk])
    assert run.center_ids == [chosen[0].pk]
    assert run.centers_total == 1


def test_centers_of_two_elections_are_refused_with_a_clear_message(staff_client, election):
    other = PollingCenterFactory(code="Z", name="Elsewhere")

    response = staff_client.post(
        CENTERS,
        {
            "action": "generate_rolls_for_centers",
            "_selected_action": [election.centers.first().pk, other.pk],
        },
        follow=True,
    )

    ((level, text),) = messages_of(response)
    assert level == "error"
    assert "belong to 2 elections" in text and "one election" in text
    assert not Run.objects.exists()


# --- schedules -------------------------------------------------------------------------------


def schedule(client, election, **fields):
    data = {
        "action": "schedule_roll_generation",
        "_selected_action": [election.pk],
        "post": "yes",
        "preset": "nightly",
        "at": "02:00",
        "every_minutes": "30",
        "strategy": DEFAULT_STRATEGY,
        "mode": "balanced",
        "purpose": "final",
        "enabled": "on",
        **fields,
    }
    return client.post(ELECTIONS, data, follow=True)


def test_schedule_page_offers_presets_and_strategies(staff_client, election):
    response = staff_client.post(
        ELECTIONS, {"action": "schedule_roll_generation", "_selected_action": [election.pk]}
    )

    page = response.content.decode()
    assert response.templates[0].name == "admin/rolls/schedule_rolls.html"
    assert "Every night at a fixed time" in page and "Every N minutes" in page
    assert f"Generate rolls: {election.slug}" in page
    assert DEFAULT_STRATEGY in page


def test_a_nightly_schedule_runs_at_two_in_the_elections_time_zone(staff_client):
    election = build_election(time_zone="Europe/Paris")

    response = schedule(staff_client, election)

    task = PeriodicTask.objects.get(name=f"Generate rolls: {election.slug}")
    assert task.task == "rolls.tasks.start_scheduled_run"
    assert json.loads(task.kwargs) == {
        "election": election.slug,
        "strategy": DEFAULT_STRATEGY,
        "mode": "balanced",
        "purpose": "final",
    }
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "2",
        "0",
        "Europe/Paris",
    )
    assert task.interval is None and task.enabled
    ((level, text),) = messages_of(response)
    assert (
        level == "success" and "created" in text and "every night at 02:00 (Europe/Paris)" in text
    )


def test_saving_again_updates_the_one_schedule_of_the_election(staff_client, election):
    schedule(staff_client, election)
    schedule(
        staff_client,
        election,
        preset="interval",
        every_minutes="15",
        strategy=DEFAULT_STRATEGY,
        mode="sequential",
        enabled="",
    )

    task = PeriodicTask.objects.get(name__startswith="Generate rolls")
    assert task.crontab is None
    assert (task.interval.every, task.interval.period) == (15, "minutes")
    assert json.loads(task.kwargs)["strategy"] == DEFAULT_STRATEGY
    assert json.loads(task.kwargs)["mode"] == "sequential"
    assert not task.enabled


def test_hourly_schedule_reuses_one_crontab(staff_client):
    first, second = build_election("North"), build_election("South")
    for election in (first, second):
        schedule(staff_client, election, preset="hourly")

    assert PeriodicTask.objects.filter(name__startswith="Generate rolls").count() == 2
    assert CrontabSchedule.objects.filter(minute="0", hour="*").count() == 1


def test_a_schedule_with_an_unknown_strategy_is_not_saved(staff_client, election):
    response = schedule(staff_client, election, strategy="nope")

    assert response.status_code == 200
    assert "nope is not one of the available choices" in response.content.decode()
    assert not PeriodicTask.objects.filter(name__startswith="Generate rolls").exists()


def test_an_election_with_a_bad_time_zone_gets_a_clear_error_and_no_schedule(staff_client):
    election = build_election(time_zone="Mars/Olympus_Mons")

    response = schedule(staff_client, election)

    ((level, text),) = messages_of(response)
    assert level == "error" and "'Mars/Olympus_Mons'" in text and "time zone" in text
    assert not PeriodicTask.objects.filter(name__startswith="Generate rolls").exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"election": "nope", "strategy": DEFAULT_STRATEGY}, "No election with slug 'nope'"),
        ({"strategy": "fast"}, "Unknown strategy 'fast'"),
        ({"strategy": DEFAULT_STRATEGY, "mode": "random"}, "Unknown assignment mode 'random'"),
        ({"strategy": DEFAULT_STRATEGY, "extra": 1}, "Unknown arguments"),
    ],
)
def test_schedule_kwargs_are_validated_before_saving(election, kwargs, message):
    with pytest.raises(ScheduleRefused, match=message):
        schedule_kwargs_validate({"election": election.slug, **kwargs})


def schedule_page(client, *elections):
    return client.post(
        ELECTIONS,
        {"action": "schedule_roll_generation", "_selected_action": [e.pk for e in elections]},
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"preset": "interval", "every_minutes": "1", "strategy": DEFAULT_STRATEGY, "enabled": ""},
        {"preset": "nightly", "at": "23:45", "mode": "sequential", "changed_only": "on"},
        {"preset": "hourly", "strategy": DEFAULT_STRATEGY, "mode": "sequential"},
    ],
)
def test_the_schedule_form_opens_with_the_saved_schedule_and_saving_it_changes_nothing(
    staff_client, election, fields
):
    schedule(staff_client, election, **fields)
    task = PeriodicTask.objects.get(name__startswith="Generate rolls")
    before = (task.kwargs, task.args, task.crontab_id, task.interval_id, task.enabled)

    form = schedule_page(staff_client, election).context["form"]
    # Post back exactly what the form shows, as a browser would.
    shown = {name: form[name].value() for name in form.fields}
    data = {
        name: ("on" if value else "") if isinstance(value, bool) else value
        for name, value in shown.items()
        if value is not None
    }
    if data.get("at"):
        data["at"] = form["at"].value().strftime("%H:%M")
    schedule(staff_client, election, **{"every_minutes": "", "at": "", **data})

    task.refresh_from_db()
    assert (task.kwargs, task.args, task.crontab_id, task.interval_id, task.enabled) == before
    assert shown["preset"] == fields["preset"]


def test_the_schedule_page_says_the_saved_schedule_in_words(staff_client, election):
    response = schedule(staff_client, election, preset="interval", every_minutes="1")
    ((_, text),) = messages_of(response)
    assert "every minute," in text and "every 1 minutes" not in text

    page = schedule_page(staff_client, election).content.decode()
    targets = page.split('id="schedule-targets"')[1].split("</table>")[0]
    assert f"every minute, strategy {DEFAULT_STRATEGY}, balanced assignment" in targets
    assert "{&quot;" not in targets and '{"' not in targets, "no raw JSON"
    assert 'id="schedule-prefilled"' in page


@pytest.mark.parametrize(
    "strategy", ["parallelize_tasks_by_center_with_join", "group_with_error_in_sub_task"]
)
def test_a_strategy_that_fails_on_purpose_cannot_be_scheduled(staff_client, election, strategy):
    page = schedule_page(staff_client, election).content.decode()
    assert f'value="{strategy}"' not in page.split('id="strategy-choices"')[1]

    response = schedule(staff_client, election, strategy=strategy)

    assert "is not one of the available choices" in response.content.decode()
    assert not PeriodicTask.objects.filter(name__startswith="Generate rolls").exists()
    with pytest.raises(ScheduleRefused, match="fails on purpose"):
        schedule_kwargs_validate({"election": election.slug, "strategy": strategy})


# --- periodic tasks edited by hand ---------------------------------------------------------------


def periodic_task(election, **fields) -> PeriodicTask:
    values = {
        "name": "by hand",
        "task": "rolls.tasks.start_scheduled_run",
        "interval": IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES),
        "kwargs": json.dumps({"election": election.slug, "strategy": DEFAULT_STRATEGY}),
        **fields,
    }
    return PeriodicTask.objects.create(**values)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"kwargs": '{"election": "x",'}, "kwargs is not valid JSON"),
        ({"kwargs": "[1]"}, "kwargs must be an object in JSON"),
        ({"args": json.dumps([1, 2, 3, 4, 5, 6])}, "takes at most 5 arguments"),
        ({"args": '["x"]'}, "given both in args and in kwargs"),
        ({"headers": "not json"}, "headers is not valid JSON"),
        ({"headers": "[]"}, "headers must be an object in JSON"),
        (
            {"kwargs": '{"election": "nope", "strategy": "all_in_one"}'},
            "No election with slug 'nope'",
        ),
    ],
)
def test_a_periodic_task_saved_broken_is_switched_off_with_the_reason(election, fields, reason):
    task = periodic_task(election, description="Mine.", **fields)

    task.refresh_from_db()
    assert task.enabled is False
    assert task.description.startswith("Switched off by the console: ")
    assert reason in task.description.splitlines()[0]
    assert task.description.splitlines()[1] == "Mine."


def test_a_mended_periodic_task_loses_the_reason_and_can_be_switched_on(election):
    task = periodic_task(election, kwargs="[1]", description="Mine.")
    task.kwargs = json.dumps({"election": election.slug, "strategy": DEFAULT_STRATEGY})
    task.enabled = True
    task.save()

    task.refresh_from_db()
    assert (task.enabled, task.description) == (True, "Mine.")


@pytest.mark.parametrize("strategy", ["queue_tasks_by_center_with_chord", "all_in_one"])
def test_a_stored_schedule_of_a_lab_strategy_is_refused_when_it_fires(election, strategy):
    # Stored before the lab's strategies left Generate rolls: no save, so no check then.
    task = periodic_task(election)
    PeriodicTask.objects.filter(pk=task.pk).update(
        kwargs=json.dumps({"election": election.slug, "strategy": strategy})
    )

    with pytest.raises(
        ScheduleError,
        match=rf"{strategy} is a teaching strategy of the strategy lab: schedules generate "
        rf"rolls with {DEFAULT_STRATEGY}; edit the schedule",
    ):
        start_scheduled_run.run(**json.loads(PeriodicTask.objects.get(pk=task.pk).kwargs))
    assert not Run.objects.exists()

    # A name that is not a string at all is refused with the choices, as before.
    with pytest.raises(ScheduleError, match="Unknown strategy"):
        start_scheduled_run.run(election=election.slug, strategy=[strategy])

    # The console's own strategy still starts from a schedule.
    started = start_scheduled_run.run(election=election.slug, strategy=DEFAULT_STRATEGY)
    assert Run.objects.get().pk == started["run"]


def test_the_periodic_task_list_shows_why_a_task_was_switched_off(client, election):
    client.force_login(make_user("root", superuser=True))
    periodic_task(election, kwargs="[1]")

    page = client.get(reverse("admin:django_celery_beat_periodictask_changelist")).content
    assert "Switched off by the console: kwargs must be an object in JSON" in page.decode()


def periodic_task_form(client, task: PeriodicTask | None = None, **fields):
    url = (
        reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])
        if task
        else reverse("admin:django_celery_beat_periodictask_add")
    )
    data = {
        "name": "by hand",
        "regtask": "rolls.tasks.start_scheduled_run",
        "task": "",
        "enabled": "on",
        "interval": IntervalSchedule.objects.get_or_create(
            every=5, period=IntervalSchedule.MINUTES
        )[0].pk,
        "args": "[]",
        "kwargs": "{}",
        "headers": "{}",
        "priority": "",
        "expire_seconds": "",
        **fields,
    }
    return client.post(url, data)


def test_the_periodic_task_form_opens_with_its_registered_task(client, election):
    client.force_login(make_user("root", superuser=True))
    task = periodic_task(election)

    form = (
        client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
        .context["adminform"]
        .form
    )

    assert form["regtask"].value() == "rolls.tasks.start_scheduled_run"


def test_staff_may_schedule_only_the_consoles_roll_generation(client, election):
    client.force_login(make_user("root", superuser=True))

    response = periodic_task_form(client, regtask="rolls.tasks.fail_unlaunched_runs", kwargs="{}")

    assert response.status_code == 200
    assert "Only the console&#x27;s roll generation" in response.content.decode()
    assert not PeriodicTask.objects.filter(name="by hand").exists()


def test_the_periodic_task_form_refuses_arguments_beat_could_not_use(client, election):
    client.force_login(make_user("root", superuser=True))

    response = periodic_task_form(
        client, kwargs=json.dumps({"election": election.slug}), args="[1, 2, 3, 4, 5, 6]"
    )

    assert response.status_code == 200
    assert "Beat could not run this schedule: rolls.tasks.start_scheduled_run takes at most 5" in (
        response.content.decode()
    )
    assert not PeriodicTask.objects.filter(name="by hand").exists()
    good = {"election": election.slug, "strategy": DEFAULT_STRATEGY}
    assert periodic_task_form(client, kwargs=json.dumps(good)).status_code == 302
    assert PeriodicTask.objects.get(name="by hand").enabled


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kwargs", '{"election": "a\\u0000b", "strategy": "all_in_one"}', "control character"),
        ("kwargs", '{"election": ["x"], "strategy": "all_in_one"}', "a string"),
        ("kwargs", '{"election": "x", "strategy": ["all_in_one"]}', "strategy must be a name"),
        ("kwargs", '{"election": 1, "strategy": "all_in_one"}', "a string"),
        ("kwargs", "[" * 4_000 + "]" * 4_000, "nests deeper than 8 levels"),
        ("args", "[" * 100_000 + "]" * 100_000, "is 200,000 characters long"),
        ("headers", '{"a": ' * 50 + "1" + "}" * 50, "nests deeper than 8 levels"),
    ],
)
def test_the_periodic_task_form_refuses_hostile_arguments_with_a_form_error(
    client, election, field, value, message
):
    """Each of these was a server error (PostgreSQL refusing NUL, an unhashable list, a
    RecursionError in the JSON parser)."""
    client.force_login(make_user("root", superuser=True))
    good = json.dumps({"election": election.slug, "strategy": DEFAULT_STRATEGY})

    response = periodic_task_form(client, **{"kwargs": good, field: value})

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not PeriodicTask.objects.filter(name="by hand").exists()


def test_the_schedule_parameters_are_start_scheduled_runs():
    parameters = list(inspect.signature(start_scheduled_run.run).parameters)
    assert tuple(parameters) == SCHEDULE_PARAMETERS
