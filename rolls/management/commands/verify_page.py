"""manage.py verify_page CODE [--language fr]: what a printed page's verification code says."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import translation

from config.parsing import CheckedCommand
from rolls.selectors.printed_pages import PageStatus, page_verify


class Command(CheckedCommand):
    help = (
        "Say which page a verification code was printed on (center, station, page, run) and "
        "whether that page is in the official roll set, was superseded, was never published, "
        "or is unknown (exit status 1). Case, spaces, dashes and O for 0 do not matter; the "
        "address a page's QR code holds works too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="+", help="the code printed in the page's top corner")
        parser.add_argument(
            "--language",
            choices=[code for code, _ in settings.LANGUAGES],
            help="the language of the answer (default: the console's)",
        )

    def handle(self, *args, code: list[str], language: str | None, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            answers = page_verify(" ".join(code))
        if answers[0].status == PageStatus.UNKNOWN:
            raise CommandError(answers[0].words)
        for answer in answers:
            self.stdout.write(f"{answer.code}: {answer.words}")
