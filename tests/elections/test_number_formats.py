"""A number cell reads as the sheet shows it, or not at all."""

from __future__ import annotations

import pytest

from elections.services.registers.number_formats import number_as_shown


@pytest.mark.parametrize(
    ("value", "code", "shown"),
    [
        (1, "0000000000", "0000000001"),
        (1.0, "0000000000", "0000000001"),
        (12345678901, "0000000000", "12345678901"),  # more digits than placeholders: all shown
        (12, "General", "12"),
        (12.0, "General", "12"),
        (1.5, "General", "1.5"),
        (12, "@", "12"),
        (12, "0", "12"),
        (1234567, "#,##0", "1,234,567"),
        (12, "00,000", "00,012"),
        (1234, "#,##0.00", "1,234.00"),
        (1.5, "0.00", "1.50"),
        (2.675, "0.00", "2.68"),  # rounded half up on the shortest decimal reading
        (1, "0.##", "1."),
        (123456789, "000-000-000", "123-456-789"),
        (12, '"ID"0000', "ID0012"),
        (12, "\\A0000", "A0012"),
        (-5, "0000", "-0005"),
        (-5, "0;(0)", "(5)"),
        (0, "#,###", ""),
    ],
)
def test_numbers_read_as_the_sheet_shows_them(value, code, shown):
    assert number_as_shown(value, code) == shown


@pytest.mark.parametrize(
    "code",
    [
        "0.00E+00",  # scientific
        "##0.0E+0",
        "# ?/?",  # fractions
        '"$"#,##0',  # currencies
        "[$€-407]#,##0",
        "0%",  # percentages
        "0,",  # thousands (a trailing separator divides)
        "[Red]0",  # colours and conditions
        "[>100]0;0",
        "_(* #,##0_)",  # padding
        '"text only"',
        "0;0;0;0;0",
    ],
)
def test_a_format_that_cannot_be_shown_exactly_reads_as_nothing(code):
    assert number_as_shown(1234567, code) is None
