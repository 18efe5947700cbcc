"""Query strings (where the admin's searches put voter names) never reach a log line."""

import logging
import runpy
from pathlib import Path

import pytest
from gunicorn.glogging import SafeAtoms

from config.log_filters import StripQueryStrings, strip_query_strings


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /admin/elections/voter/?q=Salazar HTTP/1.1" 200 512',
         '"GET /admin/elections/voter/?… HTTP/1.1" 200 512'),
        ("Not Found: /x/?q=Salazar&o=1", "Not Found: /x/?…"),
        ("http://h/admin/?q=Ana%20Salazar'", "http://h/admin/?…'"),
        ("a worker on pid ? said nothing", "a worker on pid ? said nothing"),
    ],
)  # fmt: skip
def test_query_strings_are_cut_from_log_lines(line, expected):
    assert strip_query_strings(line) == expected


def test_the_request_line_argument_of_runserver_records_is_cut_too():
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        ("GET /admin/elections/voter/?q=Salazar HTTP/1.1", "200", "512"), None,
    )  # fmt: skip

    assert StripQueryStrings().filter(record) is True
    assert record.getMessage() == '"GET /admin/elections/voter/?… HTTP/1.1" 200 512'


def test_every_django_logger_goes_through_the_filtered_handler():
    for name in ["django.server", "django.request", "django"]:
        logger = logging.getLogger(name)
        assert logger.handlers == [] and logger.propagate, name
    filtered = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, StripQueryStrings) for f in handler.filters)
    ]
    assert filtered, "the root's handler cuts query strings"


NAME = "Salazarquintero"
# A query string after any character a path may end with: the old pattern wanted a word
# character, "/" or "%" before the "?", and let these through.
HOSTILE_TARGETS = [
    f"/admin/elections/voter/find,?q={NAME}",
    f"/admin/elections/voter/find/;?q={NAME}",
    f"/admin/elections/voter/find(?q={NAME}",
    f"/admin/elections/voter/?q={NAME}",
    f"/?q={NAME}",
    f"?q={NAME}",
    f"/admin/elections/voter/find!?q=%20{NAME}",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_runserver_request_lines_lose_their_query_string_whatever_the_path(target):
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s',
        (f"GET {target} HTTP/1.1", "302", "0"), None,
    )  # fmt: skip

    StripQueryStrings().filter(record)

    path = target.partition("?")[0]
    assert record.getMessage() == f'"GET {path}?… HTTP/1.1" 302 0'


def test_a_malformed_request_quoted_in_runserver_errors_keeps_nothing_after_its_question_mark():
    # http.server's "Bad request syntax" quotes the raw line, spaces in its query included.
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, "code %d, message %s",
        (400, f"Bad request syntax ('GET /x,?q=Ana {NAME} HTTP/1.1')"), None,
    )  # fmt: skip

    StripQueryStrings().filter(record)

    assert NAME not in record.getMessage()
    assert record.getMessage() == "code 400, message Bad request syntax ('GET /x,?…"


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_gunicorn_access_and_error_records_lose_the_query_string_whatever_the_format(target):
    atoms = SafeAtoms({
        "r": f"GET {target} HTTP/1.1", "q": f"q={NAME}", "U": target.partition("?")[0],
        "f": f"https://console.example{target}", "s": "200",
    })  # fmt: skip
    access = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"%(r)s" %(s)s q=%(q)s ref=%(f)s %(x)s',
        (atoms,), None,
    )  # fmt: skip
    error = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, "Error handling request %s %s",
        ("GET", target), None,
    )  # fmt: skip

    for record in (access, error):
        StripQueryStrings().filter(record)
        assert NAME not in record.getMessage(), record.getMessage()
    assert access.getMessage().startswith(f'"GET {target.partition("?")[0]}?… HTTP/1.1" 200 q= ')


def test_gunicorn_loggers_carry_the_filter_from_its_settings_file():
    runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))

    for name in ("gunicorn.access", "gunicorn.error"):
        assert any(isinstance(f, StripQueryStrings) for f in logging.getLogger(name).filters)
