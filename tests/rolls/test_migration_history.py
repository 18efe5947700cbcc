"""A database of the earlier migration history is refused with a clear message, and a new
database migrates the register before the console, never the two interleaved."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from rolls.checks import migration_history_check


@pytest.mark.django_db
def test_a_database_of_the_earlier_history_is_refused_with_what_to_do():
    assert migration_history_check(None, databases=["default"]) == []

    MigrationRecorder.Migration.objects.create(app="rolls", name="0003_roles")
    errors = migration_history_check(None, databases=["default"])

    assert [e.id for e in errors] == ["rolls.E001"]
    assert "rolls.0003_roles" in errors[0].msg
    assert "dumpdata elections" in errors[0].hint and "loaddata" in errors[0].hint


@pytest.mark.django_db
def test_a_new_database_migrates_the_register_first_then_the_console():
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    plan = [
        migration.app_label
        for migration, _ in executor.migration_plan(
            [node for node in leaves if node[0] in ("elections", "rolls")], clean_start=True
        )
        if migration.app_label in ("elections", "rolls")
    ]
    first_console = plan.index("rolls")
    assert plan[:first_console] == ["elections"] * first_console
    assert "elections" not in plan[first_console:]
    register_depends_on = {
        dependency[0]
        for key, migration in executor.loader.disk_migrations.items()
        if key[0] == "elections"
        for dependency in migration.dependencies
    }
    assert "rolls" not in register_depends_on
