"""Runs one process of `make run` so that Ctrl-C stops it cleanly.

honcho stops its processes by sending SIGTERM to each one's whole process group: a Celery
worker's pool processes then die under their parent's feet, which logs an ERROR line per
process instead of a warm shutdown. Started here in a group of its own, the command gets
the signal alone and stops its own children the way it means to.

    python -m config.devproc celery -A config worker -l INFO
"""

from __future__ import annotations

import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m config.devproc COMMAND [ARGS...]", file=sys.stderr)
        return 2
    child = subprocess.Popen(argv, start_new_session=True)

    def forward(signum, frame) -> None:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)
    returncode = child.wait()
    # Stopped by the signal we forwarded: that is the clean end of `make run`.
    return 0 if returncode in (0, -signal.SIGTERM) else returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
