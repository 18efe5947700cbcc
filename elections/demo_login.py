"""The login `make run` prepares for a fresh machine (``manage.py prepare_demo``) and
announces once the console is up (``manage.py announce_login``): a superuser whose random
password is kept in a file readable by its owner alone, for development only."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

DEFAULT_USERNAME = "admin"
PASSWORD_FILE_NAME = "admin-password.txt"  # noqa: S105 - a file name, not a password


def password_file() -> Path:
    return settings.VAR_DIR / PASSWORD_FILE_NAME


def stored_password() -> str | None:
    """The password prepare_demo generated, or None when it did not (the login existed)."""
    try:
        return password_file().read_text().strip() or None
    except FileNotFoundError:
        return None


def login_words(username: str, password: str | None) -> str:
    if password is None:
        return (
            f"Log in as '{username}' with your password "
            f"(forgotten? python manage.py changepassword {username})."
        )
    return f"Log in as '{username}' with password '{password}' (kept in {password_file()})."
