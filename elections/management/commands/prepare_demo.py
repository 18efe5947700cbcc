import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from config.parsing import CheckedCommand, number_argument
from elections.demo_login import DEFAULT_USERNAME, login_words, password_file, stored_password
from elections.models import Election
from elections.services.fake_data import create_fake_voter_data


class Command(CheckedCommand):
    help = (
        "Make the console usable on a fresh machine: a demo election with fake voters if there "
        "is no election, and an admin login with a random password (printed, and kept in "
        "var/admin-password.txt readable by you alone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--voters", type=number_argument(what="voters", minimum=1), default=10_000
        )
        parser.add_argument("--username", default=DEFAULT_USERNAME)

    def handle(self, *args, voters: int, username: str, **options):
        if not Election.objects.exists():
            result = create_fake_voter_data(voters=voters, election_name="Demo election", seed=2014)
            self.stdout.write(
                f"Created the demo election: {result.voters:,} voters in {result.centers} centers."
            )
        self._ensure_admin(username)

    def _ensure_admin(self, username: str) -> None:
        user_model = get_user_model()
        password = stored_password()
        if not user_model.objects.filter(username=username).exists():
            password = secrets.token_urlsafe(12)
            user_model.objects.create_superuser(username=username, email="", password=password)
            password_file().write_text(password + "\n")
            password_file().chmod(0o600)
        words = login_words(username, password)
        self.stdout.write(self.style.SUCCESS(words) if password else words)
