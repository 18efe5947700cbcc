"""Celery's wiring: every task is found by autodiscovery under its pinned name, and beat's
upkeep entries and stored schedules name tasks that exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from celery import current_app

from elections import task_names as elections_names
from elections.apps import beat_schedule as elections_beat_schedule
from lab import launch_tasks as lab_launch_tasks  # noqa: F401 - registers them in this process
from lab import task_names as lab_names
from lab import tasks as lab_tasks  # noqa: F401
from lab.apps import BEAT_SCHEDULE as LAB_BEAT_SCHEDULE
from rolls import launch_tasks, tasks  # noqa: F401 - registers them in this process
from rolls import task_names as rolls_names
from rolls.apps import BEAT_SCHEDULE
from rolls.services.schedules import roll_schedule_save
from rolls.strategies import DEFAULT_STRATEGY
from tests.factories import ElectionFactory

ROOT = Path(__file__).resolve().parents[2]
# What a fresh worker or beat process registers: Django set up, then the default modules
# imported (the import_modules signal that runs the lazy autodiscovery), nothing else.
REGISTERED = """
import json
from config.celery import app
import django
django.setup()
app.loader.import_default_modules()
print(json.dumps({"tasks": sorted(app.tasks), "beat": app.conf.beat_schedule}))
"""


def pinned() -> set[str]:
    return {
        value
        for module in (rolls_names, lab_names, elections_names)
        for name, value in vars(module).items()
        if name.isupper()
    }


def fresh_process() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", REGISTERED],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_autodiscovery_registers_exactly_the_pinned_task_names_and_beats_entries():
    found = fresh_process()
    ours = {name for name in found["tasks"] if name.startswith(("rolls.", "elections."))}
    assert ours == pinned()
    assert {entry["task"] for entry in found["beat"].values()} == {
        rolls_names.FAIL_UNLAUNCHED_RUNS,
        lab_names.ADVANCE_BENCHMARKS,
        elections_names.FAIL_STALE_IMPORTS,
        elections_names.PURGE_REGISTER_UPLOADS,
    }


def test_beats_entries_in_this_process_are_the_consoles_and_name_registered_tasks():
    schedule = current_app.conf.beat_schedule
    ours = {**BEAT_SCHEDULE, **LAB_BEAT_SCHEDULE, **elections_beat_schedule()}
    assert {name: schedule[name] for name in ours} == ours
    assert all(entry["task"] in current_app.tasks for entry in ours.values())


def test_a_saved_schedule_names_the_task_beat_calls_under_the_name_stored_before(db):
    saved = roll_schedule_save(
        election=ElectionFactory(), preset="hourly", strategy=DEFAULT_STRATEGY
    )
    # Rows saved before the names were pinned hold this name; it must still reach the task.
    assert saved.task.task == rolls_names.START_SCHEDULED_RUN == "rolls.tasks.start_scheduled_run"
    assert current_app.tasks[saved.task.task].__module__ == "rolls.launch_tasks"
