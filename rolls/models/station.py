from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rolls.planning import expected_pages


class Station(models.Model):
    """One polling station of a center as one run split it: a contiguous slice of the
    center's voters in roll order. A run's stations are its own: a later run makes new ones
    and never changes these (the rolls printed from them stay true)."""

    run = models.ForeignKey(
        "rolls.Run", on_delete=models.CASCADE, related_name="stations", verbose_name=_("run")
    )
    election = models.ForeignKey(
        "elections.Election",
        on_delete=models.CASCADE,
        related_name="stations",
        verbose_name=_("election"),
    )
    center = models.ForeignKey(
        "elections.PollingCenter",
        on_delete=models.CASCADE,
        related_name="stations",
        verbose_name=_("center"),
    )
    number = models.PositiveIntegerField(verbose_name=_("number"))
    voter_count = models.PositiveIntegerField(verbose_name=_("voter count"))
    first_voter_number = models.CharField(
        max_length=20, blank=True, verbose_name=_("first voter number")
    )
    # "family, given": two names of up to 500 characters each (Voter) and the comma between.
    first_voter_name = models.CharField(
        max_length=1002, blank=True, verbose_name=_("first voter name")
    )
    last_voter_number = models.CharField(
        max_length=20, blank=True, verbose_name=_("last voter number")
    )
    last_voter_name = models.CharField(
        max_length=1002, blank=True, verbose_name=_("last voter name")
    )
    assigned_at = models.DateTimeField(auto_now_add=True, verbose_name=_("assigned at"))

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["run", "center", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "center", "number"], name="station_number_unique_per_run_center"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="station_number_positive"),
            models.CheckConstraint(condition=Q(voter_count__gte=1), name="station_not_empty"),
        ]

    def __str__(self) -> str:
        return gettext("%(code)s station %(number)s (run %(run)s)") % {
            "code": self.center.code,
            "number": self.number,
            "run": self.run_id,
        }

    @property
    def pages(self) -> int:
        """Pages of the station's roll: a cover plus 40 voters a page."""
        return expected_pages(self.voter_count)


class Placement(models.Model):
    """A voter's place in one run's split: station and row on its roll.

    Written only by station assignment, in one set-based INSERT per run (and center), and
    never updated: a run's split is a record. The constraints are the roll's invariants:
    one row number once per station, and a voter at most once per run.
    """

    run = models.ForeignKey(
        "rolls.Run",
        on_delete=models.CASCADE,
        related_name="placements",
        db_index=False,
        verbose_name=_("run"),
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.CASCADE,
        related_name="placements",
        db_index=False,
        verbose_name=_("station"),
    )
    # PROTECT: deleting a voter must not silently rewrite what a run printed; purge the run
    # (or its election) first.
    voter = models.ForeignKey(
        "elections.Voter",
        on_delete=models.PROTECT,
        related_name="placements",
        db_index=False,
        verbose_name=_("voter"),
    )
    position = models.PositiveIntegerField(
        help_text=_("Row number on the station's roll."), verbose_name=_("position")
    )
    # What the roll printed, as it was when the run split the center: a later rename in the
    # register changes neither this run's record nor a reprint of its rolls.
    voter_number = models.CharField(max_length=20, verbose_name=_("voter number"))
    family_name = models.CharField(max_length=500, verbose_name=_("family name"))
    given_name = models.CharField(max_length=500, verbose_name=_("given name"))

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "position"], name="placement_row_once_per_station"
            ),
            models.UniqueConstraint(fields=["run", "voter"], name="placement_voter_once_per_run"),
        ]
        indexes = [
            # Whether a voter is printed anywhere (closing an election's personal data), and
            # the database's own check when a voter row is deleted: without it each deleted
            # voter scanned every placement, hours for an election's register.
            models.Index(fields=["voter"], name="placement_voter_idx"),
        ]

    def __str__(self) -> str:
        return gettext("voter %(voter)s: station %(station)s row %(row)s") % {
            "voter": self.voter_id,
            "station": self.station_id,
            "row": self.position,
        }
