"""Fill the new task state columns of existing runs from django-celery-results, which was
where the console read them until now: the state, start and end of each task's result row,
and its worker process from the ``pid`` and ``processes`` its tasks returned."""

import json

from django.db import migrations

STATES = {
    "STARTED": "started",
    "RETRY": "retry",
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "REVOKED": "revoked",
}
ENDED = {"succeeded", "failed", "revoked"}
FIELDS = ["state", "started_at", "ended_at", "worker", "pid", "processes"]
CHUNK = 2000


def _number(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def fill_from_task_results(apps, schema_editor):
    RunTask = apps.get_model("rolls", "RunTask")
    TaskResult = apps.get_model("django_celery_results", "TaskResult")
    links = RunTask.objects.order_by("pk").only("pk", "task_id")
    last = 0
    while True:
        chunk = list(links.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        rows = {
            row["task_id"]: row
            for row in TaskResult.objects.filter(task_id__in=[t.task_id for t in chunk]).values(
                "task_id", "status", "date_started", "date_done", "worker", "result"
            )
        }
        changed = []
        for link in chunk:
            row = rows.get(link.task_id)
            if row is None or row["status"] not in STATES:
                continue
            try:
                value = json.loads(row["result"]) if row["result"] else None
            except (TypeError, ValueError):
                value = None
            value = value if isinstance(value, dict) else {}
            link.state = STATES[row["status"]]
            link.started_at = row["date_started"]
            link.ended_at = row["date_done"] if link.state in ENDED else None
            link.worker = (row["worker"] or "")[:255]
            link.pid = _number(value.get("pid"))
            link.processes = _number(value.get("processes"))
            changed.append(link)
        RunTask.objects.bulk_update(changed, FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("rolls", "0005_runtask_state_times_and_worker_process"),
        ("django_celery_results", "0014_alter_taskresult_status"),
    ]

    operations = [migrations.RunPython(fill_from_task_results, migrations.RunPython.noop)]
