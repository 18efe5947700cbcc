"""Beat's upkeep tasks stay out of the task results list unless staff ask for them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_celery_results.models import TaskResult

from rolls.admin.housekeeping import housekeeping_task_names

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:django_celery_results_taskresult_changelist"


@pytest.fixture
def results():
    names = {
        "advance": "rolls.benchmark_tasks.advance_benchmarks",
        "unlaunched": "rolls.tasks.fail_unlaunched_runs",
        "cleanup": "celery.backend_cleanup",
        "render": "rolls.tasks.render_station",
        "unnamed": None,  # a result recorded without its task's name
    }
    for task_id, name in names.items():
        TaskResult.objects.create(task_id=task_id, task_name=name, status="SUCCESS")
    return names


def listed(client, query: str = "") -> set[str]:
    response = client.get(reverse(CHANGELIST) + query)
    assert response.status_code == 200
    return {result.task_id for result in response.context["cl"].result_list}


def test_beats_own_schedule_and_backend_cleanup_are_the_housekeeping():
    assert housekeeping_task_names() == {
        "rolls.benchmark_tasks.advance_benchmarks",
        "rolls.tasks.fail_unlaunched_runs",
        "elections.tasks.fail_stale_imports",
        "elections.tasks.purge_register_uploads",
        "celery.backend_cleanup",
    }


def test_housekeeping_tasks_are_hidden_from_the_results_by_default(staff_client, results):
    assert listed(staff_client) == {"render", "unnamed"}


def test_the_housekeeping_filter_shows_them_among_the_rest_or_alone(staff_client, results):
    assert listed(staff_client, "?housekeeping=shown") == set(results)
    assert listed(staff_client, "?housekeeping=only") == {"advance", "unlaunched", "cleanup"}
    page = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "By housekeeping tasks" in page and "?housekeeping=only" in page
