"""The Celery app of a worker on a machine whose WeasyPrint the rolls were not tested with
(tests/integration/test_worker_checks.py): ``celery -A tests.support.untested_weasyprint``.
The internals check (rolls.E002) names one problem there, as it would for a WeasyPrint whose
text drawing changed its arguments."""

from config.celery import app
from rolls.pdf import engine

PROBLEM = "draw_first_line(stream, textbox) takes other arguments than the ones tested"


def _problems() -> list[str]:
    return [PROBLEM]


engine.problems = _problems

__all__ = ["app"]
