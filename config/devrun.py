"""`make run`'s process manager: honcho, given the time the worker needs to stop cleanly.

honcho kills (SIGKILL) whatever is still running five seconds after the first of its
processes stopped; a Celery worker's warm shutdown on the filesystem broker takes about five
to eight (it notices the signal at its next two-second poll, then stops its pool). Killed,
it would leave its pool and a lost message behind. Each process also runs under
:mod:`config.devproc` (see the Procfile).

    python -m config.devrun start -f Procfile
"""

from __future__ import annotations

import sys

from honcho import manager
from honcho.command import main

# Long enough for a warm shutdown; a worker truly stuck is still killed in the end.
STOP_WAIT_SECONDS = 30

if __name__ == "__main__":
    manager.KILL_WAIT = STOP_WAIT_SECONDS
    sys.exit(main())
