"""Strategies: the catalog (what each does and teaches) and, in ``canvases``, how each
queues a run's tasks. Importing this package loads the catalog only."""

from rolls.strategies.catalog import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Strategy,
    UnknownStrategy,
    production_strategies,
    strategy_get,
    strategy_register,
)

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "Strategy",
    "UnknownStrategy",
    "production_strategies",
    "strategy_get",
    "strategy_register",
]
