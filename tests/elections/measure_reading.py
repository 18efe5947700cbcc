"""``python -m tests.elections.measure_reading PATH FORMAT``: read a register file the way an
import reads it, in a process of its own, and print as JSON its peak memory above what the
process held just before reading, the time it took, the rows read and the refusal if any."""

from __future__ import annotations

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from elections.services.registers.reading import (  # noqa: E402
    RegisterFileError,
    source_rows,
)


def status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:"))


def main(path: str, fmt: str) -> dict:
    # Django's start peaks above what the process then holds: the peak is reset (Linux) so
    # that it measures the reading alone, and the start's peak is kept for the whole
    # process's. Both are this process's own (VmHWM): ru_maxrss is not, Linux carries the
    # launching process's over an exec, so a large pytest process would show through.
    start_peak = status_kib("VmHWM")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")
    baseline = status_kib("VmRSS")
    started = time.monotonic()
    rows, widest, refusal = 0, 0, ""
    try:
        with open(path, "rb") as raw:
            for row in source_rows(raw, fmt):
                rows += 1
                widest = max(widest, len(row.values))
    except RegisterFileError as exc:
        refusal = str(exc)
    peak = status_kib("VmHWM")
    return {
        "seconds": time.monotonic() - started,
        "growth_mb": (peak - baseline) / 1024,
        "process_peak_mb": max(start_peak, peak) / 1024,
        "rows": rows,
        "widest": widest,
        "refusal": refusal,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
