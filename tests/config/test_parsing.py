"""Numbers and text from outside, parsed in one place: ASCII digits only, bounded, and no
control characters."""

from __future__ import annotations

import argparse

import pytest
from django.core.management import CommandError, call_command

from config.parsing import (
    MAX_NUMBER,
    NotANumber,
    NotJSON,
    duration_argument,
    has_control_characters,
    json_parse,
    number_argument,
    number_or_none,
    number_parse,
)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "²",
        "٣",
        "\uff11\uff12",  # fullwidth 12
        " 7",
        "7 ",
        "+7",
        "-1",
        "1_000",
        "1e3",
        "0x10",
        "7\n",
        None,
        7,
        "9" * 5000,
    ],
)
def test_only_ascii_digits_are_a_number(text):
    """``'²'.isdigit()`` is true and ``int('٣')`` is 3: neither is a number here."""
    with pytest.raises(NotANumber):
        number_parse(text)
    assert number_or_none(text) is None


def test_a_number_is_bounded_for_every_integer_column():
    assert number_parse("0042") == 42
    assert number_parse(str(MAX_NUMBER)) == MAX_NUMBER
    with pytest.raises(NotANumber, match="at most 2,147,483,647"):
        number_parse(str(MAX_NUMBER + 1))
    with pytest.raises(NotANumber, match="Station must be at least 1"):
        number_parse("0", what="Station", minimum=1)


def test_argument_types_turn_bad_numbers_into_usage_errors():
    with pytest.raises(argparse.ArgumentTypeError):
        number_argument()("²")
    for text in ("inf", "nan", "-5", "0", "٣", "1e9"):
        with pytest.raises(argparse.ArgumentTypeError):
            duration_argument()(text)
    assert duration_argument()("2.5") == 2.5


def test_control_characters_are_found_and_line_breaks_allowed_only_when_asked():
    assert has_control_characters("a\x00b") and has_control_characters("a\x1bb")
    assert has_control_characters("a\nb") and not has_control_characters("a\nb", multiline=True)
    assert has_control_characters("a\x85b", multiline=True)  # a C1 control
    assert not has_control_characters("Zoé, 北京 \u200f")


def test_json_is_bounded_in_size_and_depth_before_it_is_parsed():
    bounded = {"what": "kwargs", "max_chars": 10_000, "max_depth": 3}
    assert json_parse('{"a": [1, {"b": "[[[[[["}]}', **bounded) == {"a": [1, {"b": "[[[[[["}]}
    with pytest.raises(NotJSON, match="nests deeper than 3 levels"):
        json_parse("[[[[1]]]]", **bounded)
    with pytest.raises(NotJSON, match="is 200,000 characters long"):
        json_parse("[" * 100_000 + "]" * 100_000, **bounded)
    with pytest.raises(NotJSON, match="not valid JSON"):
        json_parse('{"a": ', **bounded)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export_run", "²"], "RUN_ID must be a whole number"),
        (["export_run", "99999999999999999999"], "RUN_ID must be at most"),
        (["publish_run", "-3"], "RUN_ID must be a whole number"),
        (["purge_old_runs", "--days", "99999999999"], "days must be at most"),
        (["queue_task", "all_in_one", "--timeout", "inf"], "above 0"),
        (["find_voter", "a\x00b"], "holds a control character"),
        (["export_run", "1", "--output", "/nonexistent/x.csv"], "Run 1 does not exist"),
    ],
)
def test_commands_end_bad_arguments_in_a_command_error(argv, message):
    with pytest.raises(CommandError, match=message):
        call_command(*argv)
