from __future__ import annotations

from django.db import models
from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from elections.models import PollingCenter


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class AssignmentMode(models.TextChoices):
    BALANCED = "balanced", _("Balanced (sizes differ by at most one)")
    SEQUENTIAL = "sequential", _("Sequential (full stations, then the remainder)")

    @classmethod
    def checked(cls, mode: str) -> AssignmentMode:
        """``mode`` as a member, or ValueError naming the choices (the one place that says)."""
        try:
            return cls(mode)
        except ValueError:
            raise ValueError(
                f"Unknown assignment mode {mode!r}; choose {', '.join(cls.values)}"
            ) from None


class SetStatus(models.TextChoices):
    """What a run's roll set is to the election: what every page, list and download says."""

    OFFICIAL = "official", _("Official")
    SUPERSEDED = "superseded", _("Superseded")
    DRAFT = "draft", _("Draft")
    INCOMPLETE = "incomplete", _("Incomplete")
    IN_PROGRESS = "in progress", _("In progress")


class RunPurpose(models.TextChoices):
    """What staff generated a run for, chosen when they start it and printed on every page.

    It never changes after printing, unlike the set's status (a final run becomes official,
    then superseded): so the pages say what they were made for, never whether they are official.
    """

    PROVISIONAL = "provisional", _("Provisional lists for public display and checking")
    FINAL = "final", _("Final rolls for polling day")
    # Runs made before purposes existed: their covers print "Draft roll set ... not the
    # official set ... when printed". They stay publishable, as they were, so that official
    # sets already out are not broken, and their reprints print those same words.
    DRAFT_LEGACY = "draft-legacy", _("Draft (printed before purposes existed)")

    @classmethod
    def checked(cls, purpose: str) -> RunPurpose:
        """``purpose`` as a member staff may choose, or ValueError naming the choices."""
        choosable = (cls.PROVISIONAL, cls.FINAL)
        if purpose not in choosable:
            raise ValueError(
                f"Unknown purpose {purpose!r}; choose {' or '.join(c.value for c in choosable)}"
            )
        return cls(purpose)

    @property
    def publishable(self) -> bool:
        """Only rolls made for polling day become the official set (and the legacy drafts,
        which could be published before purposes existed)."""
        return self is not RunPurpose.PROVISIONAL


# Runs started without naming a purpose (manage.py queue_task, schedules, benchmarks) are
# final rolls, as every run was publishable before purposes existed; the admin form asks.
DEFAULT_PURPOSE = RunPurpose.FINAL


class RunQuerySet(models.QuerySet):
    def with_last_task_end(self) -> RunQuerySet:
        """Each run with ``last_task_ended_at``, for its duration (``run_wall_seconds``)."""
        return self.annotate(last_task_ended_at=Max("tasks__ended_at"))

    def active(self) -> RunQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def published(self) -> RunQuerySet:
        """Official and superseded sets: records nothing may change or delete."""
        return self.filter(published_at__isnull=False)

    def official(self) -> RunQuerySet:
        return self.filter(published_at__isnull=False, superseded_at__isnull=True)

    def finished(self) -> RunQuerySet:
        return self.filter(status__in=(RunStatus.SUCCEEDED, RunStatus.FAILED))

    def with_damaged_files(self) -> RunQuerySet:
        """Each run with ``damaged_files``: how many of its recorded files were last found
        damaged or missing. A subquery, not a join: joined beside another annotation
        (``with_last_task_end``) every count would be multiplied."""
        damaged = (
            RollFile.objects.filter(run=OuterRef("pk"))
            .damaged()
            .order_by()
            .values("run")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(
            damaged_files=Coalesce(Subquery(damaged, output_field=IntegerField()), Value(0))
        )


class Run(models.Model):
    """One start of a strategy on an election: its progress, outcome and bookkeeping.

    Completion is counted per station in :class:`RollFile` rows (unique per run, center and
    station), never from the chord counter, so a redelivered task cannot count twice and the
    run finishes exactly once whatever the strategy.
    """

    election = models.ForeignKey(
        "elections.Election",
        on_delete=models.CASCADE,
        related_name="runs",
        verbose_name=_("election"),
    )
    strategy = models.CharField(max_length=80, verbose_name=_("strategy"))
    assignment_mode = models.CharField(
        max_length=20,
        choices=AssignmentMode.choices,
        default=AssignmentMode.BALANCED,
        verbose_name=_("assignment mode"),
    )
    center_ids = models.JSONField(
        null=True,
        blank=True,
        help_text=_("Only these centers; empty means the whole election."),
        verbose_name=_("center ids"),
    )
    renders = models.BooleanField(
        default=True,
        help_text=_("False for assignment-only strategies."),
        verbose_name=_("renders"),
    )
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, verbose_name=_("status")
    )
    purpose = models.CharField(
        max_length=20,
        choices=RunPurpose.choices,
        default=DEFAULT_PURPOSE,
        help_text=_(
            "What the rolls are for, printed on every page; only final rolls are published."
        ),
        verbose_name=_("purpose"),
    )
    started_by = models.CharField(
        max_length=200,
        help_text=_("admin:USERNAME, cli, or schedule:SCHEDULE NAME"),
        verbose_name=_("started by"),
    )
    root_task_id = models.CharField(max_length=255, blank=True, verbose_name=_("root task id"))
    queued_at = models.DateTimeField(auto_now_add=True, verbose_name=_("queued at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    centers_total = models.PositiveIntegerField(default=0, verbose_name=_("centers total"))
    centers_assigned = models.PositiveIntegerField(default=0, verbose_name=_("centers assigned"))
    stations_total = models.PositiveIntegerField(default=0, verbose_name=_("stations total"))
    stations_done = models.PositiveIntegerField(default=0, verbose_name=_("stations done"))
    pages = models.PositiveIntegerField(default=0, verbose_name=_("pages"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    empty_centers = models.JSONField(default=list, blank=True, verbose_name=_("empty centers"))
    # Set when the run is created or resumed and cleared once its tasks are in the broker.
    # Still set a minute later means the process queuing them died first: nothing will ever
    # run, so the run is failed instead of blocking its election until it looks stale.
    changed_only = models.BooleanField(
        default=False,
        help_text=_(
            "Re-assign and re-render only the centers that differ from the official set; "
            "carry the others over from it."
        ),
        verbose_name=_("changed only"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    published_by = models.CharField(max_length=200, blank=True, verbose_name=_("published by"))
    superseded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("superseded at"))
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("superseded by"),
    )
    # What the run's speed depends on besides its strategy, recorded when it starts: the
    # roll template version and the workers that answered (broker, database, nodes,
    # processes, pool, prefetch, Celery version, CPUs). Runs are only ranked against runs
    # that did the same work on the same setup.
    template_version = models.CharField(
        max_length=32, blank=True, verbose_name=_("template version")
    )
    voters_total = models.PositiveIntegerField(default=0, verbose_name=_("voters total"))
    worker_setup = models.JSONField(default=dict, blank=True, verbose_name=_("worker setup"))
    # The render plan of the balanced fan-out (``rolls.services.render_batches``): how many
    # batches it queued for how many worker processes, and where that number came from
    # (the live workers, the setup recorded at the start, or the fallback).
    planned_batches = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("planned batches")
    )
    planned_processes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("planned processes")
    )
    planned_seconds_per_page = models.FloatField(
        null=True, blank=True, verbose_name=_("planned seconds per page")
    )
    planned_from = models.CharField(max_length=300, blank=True, verbose_name=_("planned from"))
    launch_pending_since = models.DateTimeField(
        null=True,
        blank=True,
        default=timezone.now,
        help_text=_("Set until the run's first tasks are queued."),
        verbose_name=_("launch pending since"),
    )

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("run")
        verbose_name_plural = _("runs")
        ordering = ["-queued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["election"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_election",
                violation_error_message="This election already has a run in progress.",
            ),
            models.UniqueConstraint(
                fields=["election"],
                condition=Q(published_at__isnull=False, superseded_at__isnull=True),
                name="one_official_set_per_election",
                violation_error_message="This election already has an official roll set.",
            ),
            models.CheckConstraint(
                condition=Q(superseded_at__isnull=True) | Q(published_at__isnull=False),
                name="only_a_published_set_is_superseded",
            ),
        ]
        permissions = [
            ("generate_rolls", "Can start roll generation runs"),
            ("schedule_rolls", "Can schedule roll generation"),
            ("download_rolls", "Can download voter roll PDFs"),
            ("publish_rolls", "Can publish a run as the official roll set"),
        ]
        indexes = [models.Index(fields=["election", "strategy", "-finished_at"])]

    def __str__(self) -> str:
        return gettext("Run %(run)s: %(strategy)s on %(election)s") % {
            "run": self.pk,
            "strategy": self.strategy,
            "election": self.election_id,
        }

    def get_absolute_url(self) -> str:
        return reverse("admin:rolls_run_change", args=[self.pk])

    def planned_center_ids(self) -> list[int]:
        """The centers this run covers: its chosen ones, or every center of the election."""
        if self.center_ids:
            return list(self.center_ids)
        return list(
            PollingCenter.objects.for_election(self.election_id)
            .order_by("id")
            .values_list("id", flat=True)
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def set_status(self) -> SetStatus:
        if self.published_at is not None:
            return SetStatus.SUPERSEDED if self.superseded_at else SetStatus.OFFICIAL
        if self.is_active:
            return SetStatus.IN_PROGRESS
        if self.status == RunStatus.SUCCEEDED and self.renders and not self.center_ids:
            return SetStatus.DRAFT
        return SetStatus.INCOMPLETE

    @property
    def progress(self) -> float:
        """0..1: centers assigned count for assignment-only runs, stations rendered otherwise."""
        if not self.renders:
            return self.centers_assigned / self.centers_total if self.centers_total else 1.0
        return self.stations_done / self.stations_total if self.stations_total else 0.0


class RunCenter(models.Model):
    """A center assigned within a run (once, however often its task is delivered), or
    carried over unchanged from the official set by a changed-only run."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="run_centers", verbose_name=_("run")
    )
    center = models.ForeignKey(
        "elections.PollingCenter", on_delete=models.CASCADE, verbose_name=_("center")
    )
    stations = models.PositiveIntegerField(verbose_name=_("stations"))
    voters = models.PositiveIntegerField(verbose_name=_("voters"))
    # What the center's split was made from (template, mode, maximum, and each voter's
    # number and names in roll order): equal fingerprints mean equal rolls.
    fingerprint = models.CharField(max_length=64, blank=True, verbose_name=_("fingerprint"))
    # The run whose split and files this center carries (None: split and rendered here).
    source_run = models.ForeignKey(
        Run,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source run"),
    )
    assigned_at = models.DateTimeField(auto_now_add=True, verbose_name=_("assigned at"))

    class Meta:
        verbose_name = _("run center")
        verbose_name_plural = _("run centers")
        constraints = [
            models.UniqueConstraint(fields=["run", "center"], name="center_assigned_once_per_run")
        ]

    def __str__(self) -> str:
        return gettext("run %(run)s center %(center)s: %(stations)s stations") % {
            "run": self.run_id,
            "center": self.center_id,
            "stations": self.stations,
        }

    @property
    def split_run_id(self) -> int:
        """The run whose stations and placements are this center's split."""
        return self.source_run_id or self.run_id


class DocumentKind(models.TextChoices):
    """What a run prints: per station its roll and door sign, per center its entrance list."""

    ROLL = "roll", _("Station roll")
    SIGN = "sign", _("Door sign")
    CENTER_LIST = "center list", _("Center list")


# A center list belongs to the center, not to a station: it is recorded as station 0.
CENTER_LIST_STATION = 0


class FileDamage(models.TextChoices):
    """What the last check of a recorded file found wrong with it (blank: nothing)."""

    DAMAGED = "damaged", _("Damaged: its bytes no longer match the recorded SHA-256")
    MISSING = "missing", _("Missing from storage")


class RollFileQuerySet(models.QuerySet):
    def rolls(self) -> RollFileQuerySet:
        return self.filter(kind=DocumentKind.ROLL)

    def damaged(self) -> RollFileQuerySet:
        """Files whose last check found them damaged or missing: never served as a record."""
        return self.exclude(damage="")


class RollFile(models.Model):
    """The manifest entry of one PDF in a run (a station's roll or door sign, a center's
    list): where it is and what it holds. Only rolls count a station as done; a station's
    sign and its center's list are recorded before its roll, so a run that counts as
    complete has them all."""

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="roll_files", verbose_name=_("run")
    )
    center = models.ForeignKey(
        "elections.PollingCenter", on_delete=models.CASCADE, verbose_name=_("center")
    )
    station_number = models.PositiveIntegerField(
        help_text=_("0 for the center's list."), verbose_name=_("station number")
    )
    kind = models.CharField(
        max_length=20,
        choices=DocumentKind.choices,
        default=DocumentKind.ROLL,
        verbose_name=_("kind"),
    )
    voters = models.PositiveIntegerField(verbose_name=_("voters"))
    path = models.CharField(max_length=500, verbose_name=_("path"))
    pages = models.PositiveIntegerField(verbose_name=_("pages"))
    bytes = models.PositiveBigIntegerField(verbose_name=_("bytes"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    task_id = models.CharField(max_length=255, blank=True, verbose_name=_("task id"))
    # Carried over from this run's file (the path is that run's): never deleted with this run.
    source_run = models.ForeignKey(
        Run,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source run"),
    )
    rendered_at = models.DateTimeField(auto_now_add=True, verbose_name=_("rendered at"))
    # Set by whatever check last read the file (a download, Verify files) and found its bytes
    # changed or gone; cleared when a check (or a reprint) finds it intact again. The run and
    # its set stay what they were: a damaged file is shown as such and refused, not replaced.
    damage = models.CharField(
        max_length=10, choices=FileDamage.choices, blank=True, default="", verbose_name=_("damage")
    )
    damage_found_at = models.DateTimeField(null=True, blank=True, verbose_name=_("damage found at"))

    objects = RollFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("roll file")
        verbose_name_plural = _("roll files")
        ordering = ["center__code", "station_number", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "center", "station_number", "kind"],
                name="document_rendered_once_per_run",
            ),
            models.CheckConstraint(
                condition=(Q(kind="center list") & Q(station_number=0))
                | (~Q(kind="center list") & Q(station_number__gte=1)),
                name="center_list_is_station_zero",
            ),
        ]
        indexes = [
            # Only the few damaged files: the run list counts them for 50 runs a page
            # without reading each run's thousands of intact ones.
            models.Index(fields=["run"], condition=~Q(damage=""), name="rollfile_damaged_idx"),
        ]

    def __str__(self) -> str:
        return self.path
