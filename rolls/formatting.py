"""How the console writes a duration: one definition for pages, messages and commands, in
the staff member's language (``2,5 s`` in French; English on the
command line)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils.formats import number_format
from django.utils.translation import gettext, pgettext


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
        if whole < 120:
            return pgettext("duration", "%(seconds)s s") % {"seconds": whole}
        return pgettext("duration", "%(minutes)s min") % {"minutes": whole // 60}
    if seconds < 60:
        return pgettext("duration", "%(seconds)s s") % {
            "seconds": number_format(seconds, 1, use_l10n=True)
        }
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return pgettext("duration", "%(minutes)s min %(seconds)s s") % {
            "minutes": minutes,
            "seconds": f"{rest:02d}",
        }
    hours, minutes = divmod(minutes, 60)
    return pgettext("duration", "%(hours)s h %(minutes)s min") % {
        "hours": hours,
        "minutes": f"{minutes:02d}",
    }


# "<task> [<id>] failed: ValueError: <message>": the message after an exception's type may
# quote what the task was reading (a voter's row, a name).
_EXCEPTION_MESSAGE = re.compile(r"\b([A-Z]\w*(?:Error|Exception|Failed|Exceeded)): .*")


def error_without_details(text: str) -> str:
    """An error as Observers read it: each exception named by its type, its message left
    out ("... failed: ValueError (details shown to election staff only)")."""
    hidden = gettext("(details shown to election staff only)")
    return _EXCEPTION_MESSAGE.sub(lambda found: f"{found.group(1)} {hidden}", text)
