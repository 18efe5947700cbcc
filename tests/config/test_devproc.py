"""Ctrl-C on `make run` stops each process cleanly: honcho signals a whole process group,
config.devproc hands the signal to its command's main process only."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from honcho import manager

ROOT = Path(__file__).resolve().parents[2]

# A main process with a child of its own, like a Celery worker and its pool: the child must
# not be signalled by anyone but its parent, which stops it and exits 0.
MAIN = """
import signal, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
def stop(signum, frame):
    alive = child.poll() is None
    child.terminate(); child.wait()
    print("stopped my child" if alive else "child was killed under me", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
signal.pause()
"""


def test_a_group_wide_sigterm_reaches_only_the_main_process_which_stops_cleanly():
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "config.devproc", sys.executable, "-c", MAIN],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert wrapper.stdout.readline().strip() == "ready"
    time.sleep(0.2)

    os.killpg(wrapper.pid, signal.SIGTERM)  # what honcho does on Ctrl-C

    out, _ = wrapper.communicate(timeout=30)
    assert out.strip() == "stopped my child"
    assert wrapper.returncode == 0


def test_honcho_still_has_the_stop_wait_that_devrun_lengthens():
    assert isinstance(manager.KILL_WAIT, int | float), "honcho changed: see config/devrun.py"
