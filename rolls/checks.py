"""The console's system checks.

rolls.E001: a database made by the console's migrations before they were started afresh.

On 2026-12-01 the migrations of ``elections`` and ``rolls`` were started again from one
initial migration each (``0001_register``, ``0001_console``), so that a new database builds
the register first and the console after it: the old history interleaved the two apps
because registrations once pointed at stations. A database migrated under the old names
cannot be upgraded in place; this check says so before ``migrate`` touches it, instead of
failing halfway with "table already exists".

rolls.E002: a WeasyPrint the rolls were not tested with. The rows, running headers and
verification stamps are drawn through WeasyPrint internals (rolls/pdf/engine.py); a version
outside the tested range, or one whose internals changed, is named here when a process runs
its checks (``manage.py check``, ``migrate``, ``runserver``), before a worker renders with it.

rolls.W001: the CJK characters in everyday use could not be cut from the CJK font
(rolls/pdf/cjk_common.py). Rolls still print every name, each document with a CJK name
just subsets the whole font. Running the check makes the cut font if it is missing.
"""

from __future__ import annotations

from django.core.checks import Error, Warning
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from rolls.pdf import cjk_common, engine

APPS = ("elections", "rolls")


def migration_history_check(app_configs, databases=None, **kwargs) -> list[Error]:
    errors = []
    for alias in databases or []:
        connection = connections[alias]
        if "django_migrations" not in connection.introspection.table_names():
            continue
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        unknown = sorted(
            (app, name)
            for app, name in loader.applied_migrations
            if app in APPS and (app, name) not in loader.disk_migrations
        )
        if unknown:
            listed = ", ".join(f"{app}.{name}" for app, name in unknown[:4])
            errors.append(
                Error(
                    f"Database {alias!r} was migrated with the console's earlier migration "
                    f"history ({listed}...), which was started afresh on 2026-12-01.",
                    hint=(
                        "Keep its data by exporting it with the previous release "
                        "(`manage.py dumpdata elections --natural-foreign > register.json`), "
                        "then migrate a new database and "
                        "`manage.py loaddata --ignorenonexistent register.json` (the old "
                        "station columns are dropped). "
                        "For a development database, delete it (var/db.sqlite3) and run "
                        "`make run` again."
                    ),
                    id="rolls.E001",
                )
            )
    return errors


def weasyprint_check(app_configs, **kwargs) -> list[Error]:
    return [
        Error(
            f"WeasyPrint does not match what the rolls were tested with: {problem}",
            hint=engine.WHAT_TO_DO,
            obj="rolls/pdf/engine.py",
            id="rolls.E002",
        )
        for problem in engine.problems()
    ]


def cjk_font_check(app_configs, **kwargs) -> list[Warning]:
    if cjk_common.common_font() is not None:
        return []
    return [
        Warning(
            "The CJK characters in everyday use could not be cut from the CJK font (the log "
            "says why): every document with a CJK name subsets the whole font, ~30 ms more "
            "a document.",
            hint=(
                "Install the locked requirements (uharfbuzz) and the Noto CJK fonts "
                "(fonts-noto-cjk), and make VAR_DIR writable."
            ),
            obj="rolls/pdf/cjk_common.py",
            id="rolls.W001",
        )
    ]
