import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from config.parsing import CheckedCommand, number_argument
from elections.models import Election
from elections.services.fake_data import create_fake_voter_data

PASSWORD_FILE_NAME = "admin-password.txt"  # noqa: S105 - a file name, not a password


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
        parser.add_argument("--username", default="admin")

    def handle(self, *args, voters: int, username: str, **options):
        if not Election.objects.exists():
            result = create_fake_voter_data(voters=voters, election_name="Demo election", seed=2014)
            self.stdout.write(
                f"Created the demo election: {result.voters:,} voters in {result.centers} centers."
            )
        self._ensure_admin(username)

    def _ensure_admin(self, username: str) -> None:
        password_file = settings.VAR_DIR / PASSWORD_FILE_NAME
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_model.objects.create_superuser(username=username, email="", password=password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        elif password_file.exists():
            password = password_file.read_text().strip()
        else:
            self.stdout.write(
                f"Log in as '{username}' with your password "
                f"(forgotten? python manage.py changepassword {username})."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Log in as '{username}' with password '{password}'")
            + f" (kept in {password_file})."
        )
