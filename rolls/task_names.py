"""The name of every Celery task of the console, pinned in one place.

A task's name is what the broker carries and what the database keeps: django-celery-beat's
periodic tasks (``PeriodicTask.task``), django-celery-results' audit log
(``TaskResult.task_name``) and each run's own task record (``RunTask.task_name``). So a name
must not follow whichever module a task lives in: moving a task would orphan stored
schedules and split a task's history. Every task is declared with its constant
(``@shared_task(name=...)``), and whatever refers to a task by name (beat's upkeep entries,
schedules, filters over stored rows) uses the constant;
``tests/test_architecture.py`` holds product code to both.

The values are the names the tasks had when names followed modules, so rows stored before
stay valid (``START_SCHEDULED_RUN`` already outlived its module then).
"""

# The work runs are made of (rolls.tasks).
ASSIGN_CENTER = "rolls.tasks.assign_center"
ASSIGN_ELECTION = "rolls.tasks.assign_election"
RENDER_STATION = "rolls.tasks.render_station"
RENDER_STATIONS = "rolls.tasks.render_stations"
ASSIGN_AND_RENDER_CENTER = "rolls.tasks.assign_and_render_center"
FAN_OUT_RENDERS = "rolls.tasks.fan_out_renders"
FINALIZE_RUN = "rolls.tasks.finalize_run"
FAIL_UNLAUNCHED_RUNS = "rolls.tasks.fail_unlaunched_runs"

# The task that starts scheduled runs through the launcher (rolls.launch_tasks).
START_SCHEDULED_RUN = "rolls.tasks.start_scheduled_run"
