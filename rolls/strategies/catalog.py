"""The strategies a run can use: what each does and teaches. Data only: the canvases are
built in :mod:`rolls.strategies.canvases`, so anything may validate a strategy name without
importing the tasks.

The console itself brings one strategy, the one staff generate rolls with (ours). The others
(the talk's teaching strategies, including the two that fail on purpose) belong to the
strategy lab, which registers them here when its app is ready (``lab.apps``): the console
offers production strategies only, and anything that starts runs by name (the lab's
benchmarks, ``queue_task``) finds every registered one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop as _


class UnknownStrategy(ValueError):
    """No strategy has that name."""


@dataclass(frozen=True, kw_only=True)
class Strategy:
    name: str
    # English, marked for translation: the console shows them through gettext (the command
    # line as they are).
    summary: str
    lesson: str
    renders: bool = True
    # Preselected on the forms: ours, built to be quick. Which strategy *is* fastest on an
    # election is measured (the lab's benchmarks), never declared here.
    preselected: bool = False
    # Offered to staff (Generate rolls, schedules). False for the lab's teaching strategies.
    production: bool = False
    # Demonstrates an error: every run of it fails, so nothing may schedule it.
    fails_on_purpose: bool = False


OURS = Strategy(
    name="assign_in_database_then_balanced_batches",
    summary=_("Ours: one set-based SQL assignment, then render batches balanced by page count."),
    lesson=_(
        "Do set work in the database in one statement, then make the last render batches "
        "the shortest, so every process finishes within one short batch of the others."
    ),
    preselected=True,
    production=True,
)

# Every registered strategy by name: the lab's in the order registered, then ours.
STRATEGIES: dict[str, Strategy] = {OURS.name: OURS}
DEFAULT_STRATEGY = OURS.name


def strategy_register(strategy: Strategy) -> None:
    """Add a strategy to the catalog (the lab's, when its app is ready). Registering the
    same one again is a no-op; another one under a taken name is a mistake."""
    known = STRATEGIES.get(strategy.name)
    if known is not None and known != strategy:
        raise ValueError(f"A different strategy is already registered as {strategy.name!r}")
    STRATEGIES[strategy.name] = strategy
    # Listed as the talk did, then ours: production strategies stay last.
    for name in [name for name, s in STRATEGIES.items() if s.production]:
        STRATEGIES[name] = STRATEGIES.pop(name)


def production_strategies() -> list[str]:
    """What staff may generate rolls and schedule with."""
    return [name for name, s in STRATEGIES.items() if s.production]


def strategy_get(name: str) -> Strategy:
    """The strategy called ``name``, or UnknownStrategy naming the choices (the one place
    that says which names are valid)."""
    try:
        return STRATEGIES[name]
    except (KeyError, TypeError):
        raise UnknownStrategy(
            f"Unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}"
        ) from None
