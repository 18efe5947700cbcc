from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalDataClosing(models.Model):
    """One closing of an election's personal data: who, when, and how much of each kind was
    removed. What stays of the election (runs, their file records and SHA-256, publication
    records, counts) is untouched; this record is the proof that the rest went.

    The election's name and slug are kept as values, so the record outlives the election."""

    election = models.OneToOneField(
        "elections.Election",
        null=True,
        on_delete=models.SET_NULL,
        related_name="personal_data_closing",
    )
    election_slug = models.CharField(max_length=200)
    election_name = models.CharField(max_length=200)
    retention_date = models.DateField()
    closed_by = models.CharField(max_length=200, help_text=_("admin:USERNAME or cli"))
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(auto_now_add=True)
    # {kind: how many}: files, placements, registrations, voters, uploads, ...
    removed = models.JSONField(default=dict)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = _("personal data closing")
        verbose_name_plural = _("personal data closings")
        permissions = [
            ("close_personal_data", _("Can close an election's personal data after its date"))
        ]

    def __str__(self) -> str:
        return f"{self.election_slug} closed {self.finished_at:%Y-%m-%d}"
