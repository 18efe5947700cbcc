"""What the run page and a run's figures need to know of a task, by its pinned name. An app
that adds tasks runs are made of (the strategy lab) adds its names when it is ready."""

from __future__ import annotations

from rolls import task_names

# Tasks that work on every center of the run in one go (their arguments name none).
WHOLE_RUN: set[str] = {task_names.ASSIGN_ELECTION}
# Tasks that only queue others, check or record: not work in a run's figures.
ORCHESTRATION: set[str] = {task_names.FINALIZE_RUN, task_names.FAN_OUT_RENDERS}
