from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class DownloadKind(models.TextChoices):
    ROLL = "roll", _("Station roll")
    RUN_ZIP = "run zip", _("Zip of the run")
    CENTER_ZIP = "center zip", _("Zip of a center")
    MANIFEST = "manifest", _("Manifest")
    CHANGES = "changes", _("What changed (CSV)")
    EXPORT = "export", _("Voter-to-station list (CSV)")
    REJECTED_ROWS = "rejected rows", _("Rejected rows of a register import (CSV)")


class Download(models.Model):
    """Who downloaded which roll, zip or list of voters, when, from where: the trail an
    auditor asks for.

    Written by the download views before the first byte is sent; never edited (the admin
    offers no change or delete). The username and the run's (or register import's) number
    are kept as values too, so the record outlives the account and a purged run.
    """

    # The trail outlives a purged run: the link goes, the run's number stays.
    run = models.ForeignKey(
        "rolls.Run",
        null=True,
        on_delete=models.SET_NULL,
        related_name="downloads",
        verbose_name=_("run"),
    )
    run_number = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("run number"))
    # A register import's rejected rows (voter numbers and names) are no run's file.
    register_import = models.ForeignKey(
        "elections.RegisterImport", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name=_("register import"),
    )  # fmt: skip
    import_number = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("import number")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(max_length=150, verbose_name=_("username"))
    kind = models.CharField(max_length=20, choices=DownloadKind.choices, verbose_name=_("kind"))
    roll_file = models.ForeignKey(
        "rolls.RollFile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("roll file"),
    )
    name = models.CharField(
        max_length=500, help_text=_("The file name the browser was given."), verbose_name=_("name")
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    at = models.DateTimeField(auto_now_add=True, verbose_name=_("at"))

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-at"]
        indexes = [models.Index(fields=["run", "-at"], name="download_run_at_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(run_number__isnull=False, import_number__isnull=True)
                | models.Q(run_number__isnull=True, import_number__isnull=False),
                name="download_of_a_run_or_an_import",
            )
        ]

    def __str__(self) -> str:
        return gettext("%(who)s downloaded %(name)s") % {"who": self.username, "name": self.name}
