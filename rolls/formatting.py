"""How the console writes a duration: one definition for pages, messages and commands."""

from __future__ import annotations

import re
from datetime import timedelta


def format_duration(seconds: float | timedelta | None, *, coarse: bool = False) -> str:
    """``12.3 s``, ``4 min 05 s``, ``2 h 03 min``; ``coarse`` for how long something has been
    quiet (``45 s``, ``12 min``), where seconds past two minutes would be noise."""
    if seconds is None:
        return "—"
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    seconds = max(0.0, seconds)
    if coarse:
        whole = int(seconds)
        return f"{whole} s" if whole < 120 else f"{whole // 60} min"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


# "<task> [<id>] failed: ValueError: <message>": the message after an exception's type may
# quote what the task was reading (a voter's row, a name).
_EXCEPTION_MESSAGE = re.compile(r"\b([A-Z]\w*(?:Error|Exception|Failed|Exceeded)): .*")


def error_without_details(text: str) -> str:
    """An error as Observers read it: each exception named by its type, its message left
    out ("... failed: ValueError (details shown to election staff only)")."""
    return _EXCEPTION_MESSAGE.sub(r"\1 (details shown to election staff only)", text)
