"""One settings module for every environment.

With no environment at all it runs the embedded default (SQLite under ``var/`` and the
kombu filesystem broker), which is what ``make run`` and ``make test`` use. Production sets
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DEBUG=0``
(see docs/operators.md, "Production"); each may instead come from a file named by ``NAME_FILE``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import (
    broker_url,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    filesystem_broker_options,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in development a random key kept under var/.

    Production refuses to start without one: a key invented at start-up would log every
    staff member out on each restart and differ between web and worker machines.
    """
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()


def _verification_key() -> str:
    """The key of the codes printed on every page (rolls/page_codes.py): VERIFICATION_KEY or
    VERIFICATION_KEY_FILE (compose mounts one), else one derived from SECRET_KEY.

    The key only makes new codes: every printed code is recorded when its page is, and looked
    up as recorded, so rotating either key never makes a printed page unknown. It must not
    leak (whoever holds it can make codes that look right, though only recorded ones verify).
    """
    key = env_str("VERIFICATION_KEY", "")
    if key:
        return key
    return hmac.new(SECRET_KEY.encode(), b"printed page codes", hashlib.sha256).hexdigest()


VERIFICATION_KEY = _verification_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # intcomma: figures grouped the way the staff member's language writes them.
    "django.contrib.humanize",
    "axes",
    "django_celery_beat",
    "django_celery_results",
    "elections",
    "rolls",
    # The strategy lab beside the console: the talk's teaching strategies, benchmarks and
    # comparisons. The console works without it; it registers itself into the console.
    "lab",
]

MIDDLEWARE = [
    # First: the container healthcheck calls /healthz over plain HTTP on the loopback, which
    # the HTTPS redirect and the host check below would refuse.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security.RefuseNulInQueryMiddleware",
    # Static files straight after the security headers, before sessions touch the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The console speaks the language the staff member picked in the header (a cookie set
    # by Django's set_language view), else the browser's (Accept-Language), among
    # LANGUAGES; after sessions, before CommonMiddleware, as Django's docs require.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After CSRF, which has read the form already: refuses ?_to_field= (a 500 in the admin).
    "config.security.RefuseEmptyToFieldMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses any login while its username and address are locked out, before the password
    # is even checked, so a locked-out guesser learns nothing.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(env_str("DATABASE_URL", ""), default_sqlite=VAR_DIR / "db.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The console's languages (the project's own strings have catalogs for these). Rolls are
# printed in their election's language instead (Election.language, rolls/pdf/roll.py).
# Each is named in its own language: the header's selector is read by someone who may not
# read the current one.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ru", "Русский"),
]
# Catalogs of the project's own strings (console and rolls), compiled by `make install`.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# WhiteNoise indexes this folder when the web process starts; before the first collectstatic
# (development, tests) an empty one is all it needs.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Voter rolls are personal data: they are served only through authenticated views, so
# MEDIA_URL is deliberately not routed by config/urls.py.
MEDIA_URL = "/media-not-served/"

_STORAGE_BACKEND = env_str("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
S3_BACKEND = "storages.backends.s3.S3Storage"


def _s3_options() -> dict:
    """django-storages' S3Storage on any S3-compatible store (AWS, MinIO, Ceph...).

    The keys are read here too so that AWS_SECRET_ACCESS_KEY_FILE (a mounted secret) works
    like every other setting; left unset, boto3's own chain (an instance role) applies."""
    bucket = env_str("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        raise ImproperlyConfigured(
            f"STORAGE_BACKEND={S3_BACKEND} needs AWS_STORAGE_BUCKET_NAME (the bucket for the rolls)"
        )
    options = {
        "bucket_name": bucket,
        # A key prefix inside the bucket, so one bucket can hold several consoles' rolls.
        "location": env_str("AWS_LOCATION", "").strip("/"),
        # write_whole (rolls/services/storage.py) relies on a save replacing the object at
        # exactly its name, never on a renamed copy beside it.
        "file_overwrite": True,
        # Rolls are personal data: no public ACL, and no public URL is ever handed out.
        "default_acl": None,
    }
    for option, variable in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        # "path" for stores without virtual-hosted buckets (MinIO behind a plain host name).
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
    ):
        value = env_str(variable, "").strip()
        if value:
            options[option] = value
    return options


if _STORAGE_BACKEND.endswith("FileSystemStorage"):
    _STORAGE_OPTIONS: dict = {"location": str(MEDIA_ROOT)}
elif _STORAGE_BACKEND == S3_BACKEND:
    _STORAGE_OPTIONS = _s3_options()
else:
    _STORAGE_OPTIONS = {}
STORAGES = {
    # Workers on several machines need one shared store: STORAGE_BACKEND=S3_BACKEND and the
    # AWS_* variables above (docs/operators.md, "Workers on several machines").
    "default": {"BACKEND": _STORAGE_BACKEND, "OPTIONS": _STORAGE_OPTIONS},
    # Production serves collected files with WhiteNoise under hashed names (cached for a year,
    # compressed once by collectstatic). Development keeps the plain backend: it needs no
    # collectstatic, and the test run (which turns DEBUG off) renders pages without one.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Security (production values come from the environment; see docs/operators.md) --------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
# The language picked in the console's header: sent back only over HTTPS like the others.
LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- Login throttling (django-axes; attempts are kept in the database, shared by every web
# process). A username is locked out from one address after AXES_FAILURE_LIMIT wrong
# passwords, until AXES_COOLOFF_MINUTES pass or `manage.py axes_reset_username NAME`. The
# pair, not the address alone, so one colleague's typos do not lock out a whole polling
# office behind one NAT, and not the username alone, so nobody can lock a staff member out
# from elsewhere on election day.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
if BEHIND_TLS_PROXY:
    # Behind the proxy every request comes from the proxy's address.
    AXES_CLIENT_IP_CALLABLE = "config.security.forwarded_client_ip"

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = broker_url(env_str("CELERY_BROKER_URL", ""), default_folder=CELERY_BROKER_DIR)
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(CELERY_BROKER_DIR)
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        if isinstance(_folder, str):
            Path(_folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = "django-db"
CELERY_CACHE_BACKEND = "django-cache"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60, minimum=1)
CELERY_RESULT_EXPIRES = timedelta(days=env_int("CELERY_RESULT_EXPIRES_DAYS", 30, minimum=1))
CELERY_BEAT_SCHEDULER = "config.beat:HeartbeatScheduler"
# Beat writes each schedule's "Last run" (and run count) after every task it sends, not every
# 3 minutes: the console showed "-" for a schedule that had just run. One small UPDATE per
# sent task; beat's own upkeep sends one every 15 s at most.
CELERY_BEAT_SYNC_EVERY = 1
# Touched by beat on every loop; the container healthcheck reads its age (config/health.py).
BEAT_HEARTBEAT_FILE = VAR_DIR / "beat-heartbeat"
# A pool process's memory grows over its first batch (font files' pages, first caches), and
# could grow with anything that leaks over many elections (docs/engineers.md, Benchmarks,
# for what grew and was fixed). After a task that leaves one more than this many
# MiB above its own size fresh from the fork, billiard replaces it with a fresh fork of the
# worker's main process (same place in the pool, warm renderer): rolls/task_base.py sets the
# limit in each pool process. A safety net for a worker that renders election after election,
# not a cap on one election: a process grows ~10-13 MiB over its first batch and no further
# up to a million voters (125 MiB fresh from the fork, 138 at its peak), under this default,
# and each replacement costs ~0.35 s of that process's time and a colder first batch (a 20
# MiB limit took 33 replacements and the million's wall from 1.07x its floor to 1.19x).
# 0: never replaced. CELERY_WORKER_MAX_MEMORY_PER_CHILD (KiB, Celery's own) is absolute.
WORKER_MEMORY_GROWTH_MB = env_int("WORKER_MEMORY_GROWTH_MB", 48, minimum=0)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = (
    env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 0, minimum=0) or None
)
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1, minimum=0)
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Register imports: a snapshot that would deregister more than this share of the
# election's register, and more than this many voters, waits for staff to confirm the number.
REGISTER_GUARD_PERCENT = env_int("REGISTER_GUARD_PERCENT", 5, minimum=0)
REGISTER_GUARD_MIN_VOTERS = env_int("REGISTER_GUARD_MIN_VOTERS", 10, minimum=0)

# --- Register imports: what a file may cost before it is refused ---------------------------
# The largest register file accepted (a million voters is ~60 MB as CSV, ~35 MB as XLSX).
REGISTER_UPLOAD_MAX_BYTES = env_int("REGISTER_UPLOAD_MAX_BYTES", 256 * 1024 * 1024, minimum=1)
# Each part of an .xlsx once uncompressed, counted as it is decompressed (a zip's declared
# sizes can lie). A million-voter sheet is ~200 MB; its shared text is held in memory.
REGISTER_XLSX_PART_MAX_BYTES = env_int("REGISTER_XLSX_PART_MAX_BYTES", 512 * 1024 * 1024, minimum=1)
# The longest field (cell) read, refused before it is held whole; the register's own columns
# are far shorter and a longer value in them is reported as a row error.
REGISTER_FIELD_MAX_CHARS = env_int("REGISTER_FIELD_MAX_CHARS", 1024 * 1024, minimum=1024)

# --- Signing published roll sets ------------------------------------------------------------
# The commission's Ed25519 private key (PEM, unencrypted PKCS#8), or ROLL_SET_SIGNING_KEY_FILE
# naming the file that holds it (`make compose-secrets` writes one for compose.yaml). Every
# publication signs its set's manifest with it; observers check sets with its public key.
ROLL_SET_SIGNING_KEY = env_str("ROLL_SET_SIGNING_KEY", "")
# With no key set, the embedded default (DEBUG on) makes one here on first use and keeps it.
# Production refuses to publish instead: a key made up by one container would not be the
# one observers were given.
ROLL_SET_SIGNING_KEY_DEFAULT_FILE = VAR_DIR / "roll_set_signing_key.pem" if DEBUG else None

# --- Retention: how long personal data is kept (operators' docs, "What is kept") ---------
# An import's uploaded register and its rejected-rows CSV are deleted this many days after
# the import ends (succeeded, failed, or a preview left unconfirmed), by a task beat runs
# every REGISTER_UPLOAD_PURGE_EVERY_SECONDS (daily).
REGISTER_UPLOAD_RETENTION_DAYS = env_int("REGISTER_UPLOAD_RETENTION_DAYS", 7, minimum=0)
REGISTER_UPLOAD_PURGE_EVERY_SECONDS = env_int(
    "REGISTER_UPLOAD_PURGE_EVERY_SECONDS", 24 * 60 * 60, minimum=1
)
# An import (or preview) whose progress stopped this long ago lost its worker: beat fails it
# every REGISTER_IMPORT_STALE_CHECK_SECONDS, and the election can import again.
REGISTER_IMPORT_STALE_MINUTES = env_int("REGISTER_IMPORT_STALE_MINUTES", 10, minimum=1)
REGISTER_IMPORT_STALE_CHECK_SECONDS = env_int("REGISTER_IMPORT_STALE_CHECK_SECONDS", 60, minimum=1)
# An election's retention date when staff give none: its polling date plus this many days.
# From that date its personal data may be closed (manage.py close_personal_data).
ELECTION_RETENTION_DAYS = env_int("ELECTION_RETENTION_DAYS", 365, minimum=0)

# --- Logging: voter names are personal data and never logged at INFO ------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Query strings carry voter names (the admin's ?q=): cut from every line, in development
    # (runserver's request log) as in production.
    "filters": {"no_query_strings": {"()": "config.log_filters.StripQueryStrings"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_query_strings"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's defaults give these handlers of their own, which print request lines
        # whole (runserver's log) past the filter above: none here, so they reach the root's.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
    },
}
