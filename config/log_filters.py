"""Logging filters: what never goes to a log line, whichever logger writes it.

The admin's searches and filters put voter names in query strings (``?q=Salazar``), and
runserver's request log (``django.server``) prints the whole request line. The records of the
loggers that print requests are cut by construction: every request line loses everything
after the first ``?`` of its target, whatever the path before it (``find,?q=``, ``find/;?q=``),
and any other text they carry loses everything after its first ``?``. Every other record
the console's handler writes has query strings cut by pattern, as a second line of defence.
gunicorn's access log leaves them out by its format too (gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping

# A query string after a path ("/admin/elections/voter/?q=Salazar HTTP/1.1"): up to the
# next space or quote, which ends the URL in request lines and Django's messages.
QUERY_STRING = re.compile(r"(?<=\S)\?[^\s\"']+")
HIDDEN = "?…"
# Loggers whose records carry what a client sent: runserver's request log, gunicorn's
# access log (its format's values as a mapping) and gunicorn's errors (the request's URI).
REQUEST_LOGGERS = frozenset({"django.server", "gunicorn.access", "gunicorn.error"})
# gunicorn's access-log value holding the query string alone ("q=Salazar", no "?").
GUNICORN_QUERY = "q"


def strip_query_strings(text: str) -> str:
    return QUERY_STRING.sub(HIDDEN, text)


def cut_request_line(line: str) -> str:
    """``GET /x,?q=Ana HTTP/1.1`` -> ``GET /x,?… HTTP/1.1``. Text that is not a three-part
    request line (a URI alone, a malformed request quoted in an error) keeps only what comes
    before its first ``?``."""
    parts = line.split(" ")
    if len(parts) == 3 and "?" in parts[1]:
        method, target, version = parts
        return f"{method} {target.partition('?')[0]}{HIDDEN} {version}"
    if len(parts) == 3:
        return line
    head, mark, _ = line.partition("?")
    return head + HIDDEN if mark else line


def _cut_request_arguments(record: logging.LogRecord) -> None:
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(cut_request_line(a) if isinstance(a, str) else a for a in args)
    elif isinstance(args, MutableMapping):
        # gunicorn's access values, made for this one record: changed in place so that its
        # own mapping type (case-insensitive keys, "-" for a missing one) still formats it.
        for key, value in list(args.items()):
            if key == GUNICORN_QUERY:
                args[key] = ""
            elif isinstance(value, str):
                args[key] = cut_request_line(value)


class StripQueryStrings(logging.Filter):
    """Rewrites the record's message without query strings (args are merged in first: the
    request line is an argument of runserver's message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in REQUEST_LOGGERS and record.args:
            _cut_request_arguments(record)
        message = record.getMessage()
        cleaned = strip_query_strings(message)
        if cleaned != message or record.name in REQUEST_LOGGERS:
            record.msg, record.args = cleaned, None
        return True
