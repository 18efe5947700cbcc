"""Logging filters: what never goes to a log line, whichever logger writes it.

The admin's searches and filters put voter names in query strings (``?q=Salazar``), and
runserver's request log (``django.server``) prints the whole request line. Query strings are
cut from every record the console's handler writes; gunicorn's access log leaves them out
by its format (gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re

# A query string after a path ("/admin/elections/voter/?q=Salazar HTTP/1.1"): up to the
# next space or quote, which ends the URL in request lines and Django's messages.
QUERY_STRING = re.compile(r"(?<=[\w/%.~-])\?[^\s\"']*")
HIDDEN = "?…"


def strip_query_strings(text: str) -> str:
    return QUERY_STRING.sub(HIDDEN, text)


class StripQueryStrings(logging.Filter):
    """Rewrites the record's message without query strings (args are merged in first: the
    request line is an argument of runserver's message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = strip_query_strings(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
