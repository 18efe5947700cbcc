from django.core.management.base import CommandError, CommandParser

from config.parsing import CheckedCommand, NotANumber, number_argument, number_parse
from elections.services.fake_data import FakeDataError, create_fake_voter_data


def positive_int(value: str) -> int:
    try:
        return number_parse(value, what="N (the number of voters)", minimum=1)
    except NotANumber as exc:
        raise CommandError(str(exc)) from None


class Command(CheckedCommand):
    help = (
        "Create N fake voters registered over about N/1000 polling centers of skewed sizes "
        "(same seed, same data)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("voters", metavar="N", type=str, help="number of voters to create")
        parser.add_argument(
            "--election", default=None, help="election name (default: Demo election)"
        )
        parser.add_argument(
            "--seed",
            type=number_argument(what="seed"),
            default=None,
            help="random seed for repeatable data",
        )
        parser.add_argument(
            "--locale", default="en_US", help="Faker locale for names, e.g. ar_AA, ja_JP, ru_RU"
        )
        parser.add_argument(
            "--language",
            default=None,
            help="a new election's language (en, fr, es, de, sv, ar, ru; default: the locale's)",
        )

    def handle(
        self,
        *args,
        voters: str,
        election: str | None,
        seed: int | None,
        locale: str,
        language: str | None,
        **kw,
    ):
        count = positive_int(voters)
        try:
            result = create_fake_voter_data(
                voters=count, election_name=election, seed=seed, locale=locale, language=language
            )
        except FakeDataError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {result.voters:,} voters in {result.centers:,} centers for "
                f"'{result.election.name}' in {result.seconds:.1f} s"
            )
        )
