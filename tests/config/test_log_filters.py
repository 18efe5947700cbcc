"""Query strings (where the admin's searches put voter names) never reach a log line."""

import logging

import pytest

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
