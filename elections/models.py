"""Who votes where: elections, polling centers, voters and their registrations.

Sized for 1,000,000 voters in one election: every query the console runs on these tables
is served by an index declared here, and invariants are database constraints.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from elections.folding import MAX_FOLDED, search_name

DEFAULT_MAX_VOTERS_PER_STATION = 500

# What a slug may hold, enforced by the database and not only by the admin form: an ORM-made
# slug such as "../outside-rolls" once reached file and zip entry names. ``\Z`` (not ``$``)
# because ``$`` also matches before a trailing newline; PostgreSQL and Python agree on ``\Z``.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+\Z"


class ElectionQuerySet(models.QuerySet):
    def find(self, reference: str) -> Election | None:
        """The election whose slug, id (all digits) or name is ``reference``."""
        reference = str(reference)
        query = self.filter(slug=reference) | self.filter(name=reference)
        if reference.isdigit():
            query = query | self.filter(pk=int(reference))
        return query.first()


class Election(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    polling_date = models.DateField()
    max_voters_per_station = models.PositiveIntegerField(
        default=DEFAULT_MAX_VOTERS_PER_STATION,
        help_text="Stations of a center never hold more voters than this.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=settings.TIME_ZONE,
        help_text="Schedules for this election run in this time zone (e.g. Europe/Paris).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ElectionQuerySet.as_manager()

    class Meta:
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

    def get_absolute_url(self) -> str:
        return reverse("admin:elections_election_change", args=[self.pk])


class PollingCenterQuerySet(models.QuerySet):
    def for_election(self, election: Election | int) -> PollingCenterQuerySet:
        return self.filter(election=election)


class PollingCenter(models.Model):
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="centers")
    code = models.CharField(max_length=32, help_text="Unique within the election.")
    name = models.CharField(max_length=300)

    objects = PollingCenterQuerySet.as_manager()

    class Meta:
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
    voter_number = models.CharField(max_length=20, unique=True)
    given_name = models.CharField(max_length=500)
    family_name = models.CharField(max_length=500)
    # fold(family + " " + given) (elections/folding.py): one indexed equality finds a full
    # name typed in either order, without accents or case.
    search_name = models.CharField(max_length=MAX_FOLDED, blank=True, editable=False)

    class Meta:
        ordering = ["voter_number"]
        indexes = [
            models.Index(fields=["family_name", "given_name"], name="voter_name_idx"),
            # Pattern ops: serves both = / IN and LIKE 'prefix%' whatever the collation.
            models.Index(
                fields=["search_name"],
                name="voter_search_name_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.voter_number

    def save(self, *args, **kwargs):
        self.search_name = search_name(self.family_name, self.given_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"family_name", "given_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
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
        Election, on_delete=models.CASCADE, related_name="registrations", db_index=False
    )
    center = models.ForeignKey(
        PollingCenter, on_delete=models.CASCADE, related_name="registrations", db_index=False
    )
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="registrations")

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "voter"], name="one_registration_per_voter_per_election"
            ),
        ]
        indexes = [models.Index(fields=["center", "voter"], name="registration_center_idx")]

    def __str__(self) -> str:
        return f"{self.voter_id} @ {self.center_id}"
