from django.conf import settings
from django.core.management.base import CommandError

from config.parsing import CheckedCommand


class Command(CheckedCommand):
    help = "Create the PostgreSQL database named by DATABASE_URL if it does not exist yet."

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            self.stdout.write("Not on PostgreSQL: nothing to create.")
            return
        import psycopg
        from psycopg import sql

        params = {
            "dbname": "postgres",
            "host": db.get("HOST") or None,
            "port": db.get("PORT") or None,
            "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None,
            "connect_timeout": 5,
        }
        try:
            with psycopg.connect(autocommit=True, **{k: v for k, v in params.items() if v}) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
                ).fetchone()
                if exists:
                    self.stdout.write(f"Database {db['NAME']} exists.")
                    return
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        except psycopg.Error as exc:
            raise CommandError(f"Cannot reach PostgreSQL to create {db['NAME']}: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"Created database {db['NAME']}."))
