"""The names of the lab's Celery tasks, pinned (see :mod:`rolls.task_names` for why a name
never follows its module). The values are the names these tasks had when the console held
them, so schedules, audit rows and run records stored before stay valid."""

# The talk's teaching strategies' own tasks (lab.tasks).
ALL_IN_ONE = "rolls.tasks.all_in_one"
BY_CENTER_WITH_JOIN = "rolls.tasks.by_center_with_join"
FAIL_ON_PURPOSE = "rolls.tasks.fail_on_purpose"
RECORD_CHORD_ERROR = "rolls.tasks.record_chord_error"

# A benchmark's next step, and beat's safety net for lost steps (lab.launch_tasks).
BENCHMARK_STEP = "rolls.benchmark_tasks.benchmark_step"
ADVANCE_BENCHMARKS = "rolls.benchmark_tasks.advance_benchmarks"
