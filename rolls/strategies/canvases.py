"""Each strategy's Celery canvas for a run, and queuing it.

Imports the tasks at the top: strategies sit above tasks (admin / CLI / beat -> launch ->
strategies -> tasks -> services), and nothing below imports this module. The console's own
strategy is built here; the lab registers the builders of its strategies with
:func:`builder_register` beside their catalog entries.
"""

from __future__ import annotations

from collections.abc import Callable

from rolls import tasks as t
from rolls.models import Run
from rolls.services.ledger import run_set_root_task
from rolls.services.run_tasks import run_queue_canvas
from rolls.strategies.catalog import OURS, Strategy, strategy_get, strategy_register

Builder = Callable[[Run], object]


def build_database_then_balanced_batches(run: Run):
    return t.assign_election.si(run.pk) | t.fan_out_renders.si(run.pk, "balanced")


BUILDERS: dict[str, Builder] = {OURS.name: build_database_then_balanced_batches}


def builder_register(strategy: Strategy, builder: Builder) -> None:
    """Register a strategy in the catalog with the canvas that runs it."""
    strategy_register(strategy)
    BUILDERS[strategy.name] = builder


def strategy_launch(run: Run) -> None:
    """Queue the run's canvas, then remember its tasks (the run page lists them)."""
    canvas = BUILDERS[strategy_get(run.strategy).name](run)
    result = run_queue_canvas(run_id=run.pk, canvas=canvas)
    run_set_root_task(run_id=run.pk, task_id=result.id)
