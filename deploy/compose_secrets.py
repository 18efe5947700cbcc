"""Write the secret files compose.yaml mounts, with fresh random values: `make compose-secrets`.

    python3 deploy/compose_secrets.py secrets

Each password is written once and then kept: PostgreSQL and RabbitMQ take theirs only when
their volume is first created, so a new password later would lock the console out. The URL
files are built from the same passwords, so the two sides always agree. Standard library
only: the machine that runs compose needs no virtualenv.
"""

from __future__ import annotations

import base64
import secrets
import sys
import textwrap
from pathlib import Path

# The names compose.yaml gives PostgreSQL (POSTGRES_USER, POSTGRES_DB) and RabbitMQ.
DATABASE_USER = DATABASE_NAME = BROKER_USER = "elections"
MONITORING_USER = "monitor"
# An Ed25519 private key in PKCS#8 (RFC 8410) is this fixed DER header and 32 random bytes,
# so the standard library writes one: no cryptography package on the compose machine.
ED25519_PKCS8_HEADER = bytes.fromhex("302e020100300506032b657004220420")


def ed25519_private_key_pem() -> str:
    """A new Ed25519 private key as unencrypted PKCS#8 PEM (what ``openssl genpkey -algorithm
    ed25519`` writes): the commission's key for signing published roll sets."""
    der = base64.b64encode(ED25519_PKCS8_HEADER + secrets.token_bytes(32)).decode("ascii")
    body = "\n".join(textwrap.wrap(der, 64))
    return f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----"


def write_secrets(folder: Path) -> list[str]:
    """Create the missing files in ``folder``; returns the names written."""
    # Only the operator may enter the folder. The files themselves are world-readable
    # because compose bind-mounts them into containers that run as other users (postgres,
    # rabbitmq, console); the folder's mode keeps other users of this machine out.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    written: list[str] = []

    def kept_or_new(name: str, make) -> str:
        path = folder / name
        if path.exists():
            return path.read_text().rstrip("\r\n")
        value = make()
        path.write_text(value + "\n")
        path.chmod(0o644)
        written.append(name)
        return value

    def token() -> str:
        # URL-safe characters only: the passwords go into URLs unescaped.
        return secrets.token_urlsafe(32)

    kept_or_new("secret_key", lambda: secrets.token_urlsafe(64))
    kept_or_new("verification_key", lambda: secrets.token_urlsafe(32))
    db_password = kept_or_new("postgres_password", token)
    kept_or_new(
        "database_url",
        lambda: f"postgresql://{DATABASE_USER}:{db_password}@postgres:5432/{DATABASE_NAME}",
    )
    broker_password = kept_or_new("rabbitmq_password", token)
    kept_or_new(
        "rabbitmq.conf",
        lambda: f"default_user = {BROKER_USER}\ndefault_pass = {broker_password}",
    )
    kept_or_new("broker_url", lambda: f"amqp://{BROKER_USER}:{broker_password}@rabbitmq:5672//")
    kept_or_new("monitoring_basic_auth", lambda: f"{MONITORING_USER}:{token()}")
    # Kept like the passwords: observers were given its public half, and a new key would
    # sign the next set with a key they do not know (rotating it is a decision: see README).
    kept_or_new("roll_set_signing_key.pem", ed25519_private_key_pem)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: compose_secrets.py FOLDER", file=sys.stderr)
        return 2
    folder = Path(argv[0])
    written = write_secrets(folder)
    # Names only: a secret printed here would end up in a terminal log or CI output.
    print(f"{folder}/: wrote {', '.join(written) or 'nothing'} (existing files are kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
