"""Who votes where: elections, polling centers, voters and their registrations.

Sized for 1,000,000 voters in one election: every query the console runs on these tables
is served by an index declared here, and invariants are database constraints.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.folding import MAX_FOLDED, search_name, search_name_given_first

DEFAULT_MAX_VOTERS_PER_STATION = 500

# What a slug may hold, enforced by the database and not only by the admin form: an ORM-made
# slug such as "../outside-rolls" once reached file and zip entry names. ``\Z`` (not ``$``)
# because ``$`` also matches before a trailing newline; PostgreSQL and Python agree on ``\Z``.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+\Z"


class Language(models.TextChoices):
    """The languages an election's rolls can be in: its labels (locale/) and its alphabetical
    order (CLDR collation through ICU, elections/services/collation.py). German and Swedish
    rolls are ordered in their own alphabet and labelled in English until they have a
    catalog."""

    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"
    SPANISH = "es", "Español"
    GERMAN = "de", "Deutsch"
    SWEDISH = "sv", "Svenska"
    ARABIC = "ar", "العربية"
    RUSSIAN = "ru", "Русский"


RIGHT_TO_LEFT_LANGUAGES = frozenset([Language.ARABIC])


class Election(models.Model):
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=200, unique=True, verbose_name=_("slug"))
    polling_date = models.DateField(verbose_name=_("polling date"))
    max_voters_per_station = models.PositiveIntegerField(
        default=DEFAULT_MAX_VOTERS_PER_STATION,
        help_text=_("Stations of a center never hold more voters than this."),
        verbose_name=_("max voters per station"),
    )
    time_zone = models.CharField(
        max_length=64,
        default=settings.TIME_ZONE,
        help_text=_("Schedules for this election run in this time zone (e.g. Europe/Paris)."),
        verbose_name=_("time zone"),
    )
    language = models.CharField(
        max_length=16,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("Rolls are printed in this language and in its alphabetical order."),
        verbose_name=_("language"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Personal data (registrations, rolls, uploads) is kept until this date, and may be
    # closed the day after; left blank, it is the polling date plus ELECTION_RETENTION_DAYS.
    retention_date = models.DateField(
        _("retention date"),
        null=True,
        blank=True,
        help_text=_(
            "The election's personal data is kept until this date and may be closed after it. "
            "Left blank: the polling date plus the operators' default retention period."
        ),
    )
    # Set when its personal data is closed: from then on no file holding a voter is served,
    # no run starts and no register is imported (the closing's record: rolls.PersonalDataClosing).
    personal_data_closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("personal data closed at")
    )

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["-polling_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_voters_per_station__gte=1),
                name="election_max_voters_per_station_positive",
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_PATTERN),
                name="election_slug_letters_digits_dashes",
                violation_error_message=(
                    "The slug may hold only ASCII letters, digits, dashes and underscores."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.retention_date is None and self.polling_date:
            # The polling date as the field reads it: code may set it as an ISO string.
            polling = self._meta.get_field("polling_date").to_python(self.polling_date)
            self.retention_date = default_retention_date(polling)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "retention_date"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("admin:elections_election_change", args=[self.pk])

    @property
    def retention_ends(self) -> date:
        """The last day the election's personal data must be kept (closed after it)."""
        return self.retention_date or default_retention_date(self.polling_date)

    @property
    def is_closed(self) -> bool:
        return self.personal_data_closed_at is not None


def default_retention_date(polling_date: date) -> date:
    return polling_date + timedelta(days=settings.ELECTION_RETENTION_DAYS)


class PollingCenterQuerySet(models.QuerySet):
    def for_election(self, election: Election | int) -> PollingCenterQuerySet:
        return self.filter(election=election)


class PollingCenter(models.Model):
    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="centers", verbose_name=_("election")
    )
    code = models.CharField(
        max_length=32, help_text=_("Unique within the election."), verbose_name=_("code")
    )
    name = models.CharField(max_length=300, verbose_name=_("name"))

    objects = PollingCenterQuerySet.as_manager()

    class Meta:
        verbose_name = _("polling center")
        verbose_name_plural = _("polling centers")
        ordering = ["election", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "code"], name="center_code_unique_per_election"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Voter(models.Model):
    # A string, not an integer: real voter numbers carry leading zeros and check letters.
    voter_number = models.CharField(max_length=20, unique=True, verbose_name=_("voter number"))
    given_name = models.CharField(max_length=500, verbose_name=_("given name"))
    family_name = models.CharField(max_length=500, verbose_name=_("family name"))
    # fold(family + " " + given) (elections/folding.py): one indexed equality finds a full
    # name typed in either order, without accents or case.
    search_name = models.CharField(
        max_length=MAX_FOLDED, blank=True, editable=False, verbose_name=_("search name")
    )
    # fold(given + " " + family): a prefix of the given name rides an index as well.
    search_name_given_first = models.CharField(
        max_length=MAX_FOLDED, blank=True, editable=False, verbose_name=_("search name given first")
    )

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["voter_number"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="voter_name_idx"),
            # Pattern ops: serves both = / IN and LIKE 'prefix%' whatever the collation.
            models.Index(
                fields=["search_name"],
                name="voter_search_name_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["search_name_given_first"],
                name="voter_search_given_first_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.voter_number

    def save(self, *args, **kwargs):
        self.search_name = search_name(self.family_name, self.given_name)
        self.search_name_given_first = search_name_given_first(self.family_name, self.given_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"family_name", "given_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name", "search_name_given_first"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class RegistrationQuerySet(models.QuerySet):
    def counts_by_center(self) -> dict[int, int]:
        """{center id: registrations} of the centers that have any."""
        return dict(
            self.order_by()
            .values_list("center_id")
            .annotate(n=models.Count("id"))
            .values_list("center_id", "n")
        )


class Registration(models.Model):
    """A voter registered at one center of an election. Which station and row a voter gets
    is a run's record (``rolls.Placement``): the register itself knows nothing of rolls."""

    # No single-column indexes on election and center: the composite constraint and index
    # below lead with those columns and serve the same lookups, and every index costs time
    # when a register of a million voters is loaded.
    election = models.ForeignKey(
        Election,
        on_delete=models.CASCADE,
        related_name="registrations",
        db_index=False,
        verbose_name=_("election"),
    )
    center = models.ForeignKey(
        PollingCenter,
        on_delete=models.CASCADE,
        related_name="registrations",
        db_index=False,
        verbose_name=_("center"),
    )
    voter = models.ForeignKey(
        Voter, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("voter")
    )
    # The voter's place in the election language's alphabetical order (an ICU sort key of
    # family name, given name and voter number, elections/services/collation.py): compared
    # bytewise, so SQLite and PostgreSQL order it the same. NULL until it is computed; the
    # assignment computes any missing key before it splits a center.
    sort_key = models.BinaryField(null=True, editable=False, verbose_name=_("sort key"))

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "voter"], name="one_registration_per_voter_per_election"
            ),
        ]
        indexes = [
            models.Index(fields=["center", "voter"], name="registration_center_idx"),
            # The roll order of each center: the assignment's window reads it in this order.
            models.Index(fields=["center", "sort_key"], name="registration_center_sort_idx"),
            # Rows still without a key, which the assignment fills first: empty as a rule, so
            # finding none costs nothing instead of a scan of the election's registrations.
            models.Index(
                fields=["election"],
                condition=Q(sort_key__isnull=True),
                name="registration_no_sort_key_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} @ {self.center_id}"


class ImportMode(models.TextChoices):
    SNAPSHOT = "snapshot", _("Snapshot: the file is the whole register")
    ADD = "add", _("Add: only add and update")


class ImportState(models.TextChoices):
    PREVIEWING = "previewing", _("Reading the file for the preview")
    PREVIEWED = "previewed", _("Previewed: waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Failed: nothing written")


# An import that may write: at most one per election (a partial unique index, like runs).
ACTIVE_IMPORT_STATES = (ImportState.QUEUED, ImportState.RUNNING)


class RegisterImportQuerySet(models.QuerySet):
    def active(self) -> RegisterImportQuerySet:
        return self.filter(state__in=ACTIVE_IMPORT_STATES)


class RegisterImport(models.Model):
    """One import of a register file into an election: who, when, which file (kept in
    storage under the election's import folder, named by this record's id), what it would
    change (the preview) and what it changed. The counts and errors are written by the
    import service only; the admin shows them read-only."""

    election = models.ForeignKey(
        Election, on_delete=models.CASCADE, related_name="imports", verbose_name=_("election")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Kept as a value too: the record outlives the account ("cli" for the command line).
    username = models.CharField(max_length=150, verbose_name=_("username"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    # Moved on by the import as it reads and writes: an active import whose heartbeat stopped
    # (its worker vanished) no longer blocks the next one.
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("heartbeat at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    file_name = models.CharField(
        max_length=255,
        help_text=_("As uploaded; shown, never a path."),
        verbose_name=_("file name"),
    )
    file_path = models.CharField(max_length=300, blank=True, verbose_name=_("file path"))
    file_sha256 = models.CharField(max_length=64, blank=True, verbose_name=_("file sha256"))
    file_size = models.PositiveBigIntegerField(default=0, verbose_name=_("file size"))
    file_format = models.CharField(max_length=8, verbose_name=_("file format"))  # csv or xlsx
    mode = models.CharField(
        max_length=10,
        choices=ImportMode.choices,
        default=ImportMode.SNAPSHOT,
        verbose_name=_("mode"),
    )
    skip_invalid = models.BooleanField(
        default=False,
        help_text=_("Import the valid rows and offer the rejected ones as a CSV."),
        verbose_name=_("skip invalid"),
    )
    # {field: header in the file}; empty means the file's headers are the field names.
    columns = models.JSONField(default=dict, blank=True, verbose_name=_("columns"))
    headers = models.JSONField(default=list, blank=True, verbose_name=_("headers"))
    state = models.CharField(
        max_length=12,
        choices=ImportState.choices,
        default=ImportState.PREVIEWING,
        verbose_name=_("state"),
    )
    phase = models.CharField(max_length=40, blank=True, verbose_name=_("phase"))
    rows_read = models.PositiveIntegerField(default=0, verbose_name=_("rows read"))
    rows_written = models.PositiveIntegerField(default=0, verbose_name=_("rows written"))
    # The preview's rows, so the import's progress bar knows its end.
    rows_total = models.PositiveIntegerField(default=0, verbose_name=_("rows total"))
    counts = models.JSONField(default=dict, blank=True, verbose_name=_("counts"))
    # A snapshot's first voters to be deregistered (number, names, center; staff only) and,
    # for each other election registering voters this file renames, how many.
    deregistration_sample = models.JSONField(
        default=list, blank=True, verbose_name=_("deregistration sample")
    )
    renamed_elsewhere = models.JSONField(
        default=list, blank=True, verbose_name=_("renamed elsewhere")
    )
    # The number of deregistrations staff confirmed (the mass-change guard); the merge
    # refuses when the count it finds is another.
    confirmed_deregistrations = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("confirmed deregistrations")
    )
    error_count = models.PositiveIntegerField(default=0, verbose_name=_("error count"))
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text=_("The first errors, by line."),
        verbose_name=_("errors"),
    )
    rejected_path = models.CharField(max_length=300, blank=True, verbose_name=_("rejected path"))
    message = models.TextField(blank=True, verbose_name=_("message"))
    task_id = models.CharField(max_length=255, blank=True, verbose_name=_("task id"))
    # The uploaded file and the rejected-rows CSV are personal data with an end: deleted by
    # staff or REGISTER_UPLOAD_RETENTION_DAYS after the import ended. The record keeps the
    # file's name, size and SHA-256, the counts and the errors by line; not the contents.
    files_deleted_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("files deleted at")
    )
    files_deleted_by = models.CharField(
        max_length=160, blank=True, verbose_name=_("files deleted by")
    )

    objects = RegisterImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("register import")
        verbose_name_plural = _("register imports")
        ordering = ["-created_at"]
        # A console permission, not add_: import records are written by the service only.
        permissions = [("import_register", "Can import a register into an election")]
        constraints = [
            models.UniqueConstraint(
                fields=["election"],
                condition=Q(state__in=ACTIVE_IMPORT_STATES),
                name="one_active_import_per_election",
                violation_error_message="Another import into this election is under way.",
            ),
        ]
        indexes = [models.Index(fields=["election", "-created_at"], name="import_election_idx")]

    def __str__(self) -> str:
        return gettext("Import %(number)s into %(election)s") % {
            "number": self.pk,
            "election": self.election,
        }

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_IMPORT_STATES

    @property
    def folder(self) -> str:
        return imports_folder(self.election_id)


def imports_folder(election_id: int) -> str:
    """Where an election's uploaded registers and rejected rows are stored."""
    return f"imports/election-{int(election_id)}"
