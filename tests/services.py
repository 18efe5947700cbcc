"""Is PostgreSQL / RabbitMQ reachable? ``python -m tests.services postgres rabbitmq``.

Exit status 0 when every named service answers; otherwise prints, for each one that does
not, why, so a skipped run always says what was skipped and the reason.
"""

from __future__ import annotations

import os
import sys

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/elections"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672//"


def postgres_problem(url: str | None = None) -> str | None:
    import psycopg

    url = url or os.environ.get("DATABASE_URL") or DEFAULT_PG_URL
    # The maintenance database always exists; the project's own may not yet.
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(maintenance, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"PostgreSQL not reachable at {maintenance}: {exc}".strip()
    return None


def rabbitmq_problem(url: str | None = None) -> str | None:
    from kombu import Connection

    url = url or os.environ.get("CELERY_BROKER_URL") or DEFAULT_AMQP_URL
    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"RabbitMQ not reachable at {url.split('@')[-1]}: {exc}"
    return None


CHECKS = {"postgres": postgres_problem, "rabbitmq": rabbitmq_problem}


def main(names: list[str]) -> int:
    problems = [problem for name in names if (problem := CHECKS[name]())]
    for problem in problems:
        print(f"SKIP REASON: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(CHECKS)))
