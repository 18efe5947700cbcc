from __future__ import annotations

from django.db import models
from django.db.models import Q

from rolls.pdf.data import expected_pages


class Station(models.Model):
    """One polling station of a center: a contiguous slice of the center's sorted voters."""

    election = models.ForeignKey(
        "elections.Election", on_delete=models.CASCADE, related_name="stations"
    )
    center = models.ForeignKey(
        "elections.PollingCenter", on_delete=models.CASCADE, related_name="stations"
    )
    number = models.PositiveIntegerField()
    voter_count = models.PositiveIntegerField()
    first_voter_number = models.CharField(max_length=20, blank=True)
    first_voter_name = models.CharField(max_length=1001, blank=True)
    last_voter_number = models.CharField(max_length=20, blank=True)
    last_voter_name = models.CharField(max_length=1001, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["center", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "number"], name="station_number_unique_per_center"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="station_number_positive"),
            models.CheckConstraint(condition=Q(voter_count__gte=1), name="station_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.center.code} station {self.number}"

    @property
    def pages(self) -> int:
        """Pages of the station's roll: a cover plus 40 voters a page."""
        return expected_pages(self.voter_count)
