"""The Celery app of a worker on a machine whose WeasyPrint the rolls were not tested with
(tests/integration/test_worker_checks.py): ``celery -A tests.support.untested_weasyprint``.
The internals check (rolls.E002) names the problem the test gives in ``UNTESTED_PROBLEM``,
as it would for a WeasyPrint whose text drawing changed its arguments. Only that worker
imports this module: importing it replaces ``engine.problems`` in the importing process."""

import os

from config.celery import app
from rolls.pdf import engine


def _problems() -> list[str]:
    return [os.environ["UNTESTED_PROBLEM"]]


engine.problems = _problems

__all__ = ["app"]
