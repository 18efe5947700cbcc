"""The official roll set: publishing a finished, complete run, and superseding the last one.

Publishing signs the set's manifest with the commission's key (``rolls.services.signing``),
in the same transaction: a set is never official unsigned, and without a usable key nothing
is published.

Published and superseded sets are records: nothing may change or delete them (purge skips
them, the admin refuses to delete them, their files are never written again). One official
set per election is a database constraint.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from elections.models import PollingCenter
from rolls.models import Run, RunCenter, RunPurpose, RunStatus
from rolls.services.completeness import run_problems
from rolls.services.signing import SigningKeyUnavailable, commission_key, set_signature_create

logger = logging.getLogger(__name__)


class PublishRefused(Exception):
    """The run cannot be published; nothing was changed."""


def run_publish_problems(run: Run) -> list[str]:
    """Why ``run`` cannot become its election's official set; empty when it can."""
    if run.election.personal_data_closed_at is not None:
        return [f"the personal data of {run.election.name} was closed: nothing is published"]
    if run.is_published:
        return [f"run {run.pk} is already {run.set_status.label.lower()}"]
    if run.status != RunStatus.SUCCEEDED:
        return [f"run {run.pk} is {run.get_status_display().lower()}, not succeeded"]
    if not run.renders:
        return [f"run {run.pk} ({run.strategy}) assigned stations but printed no rolls"]
    if not RunPurpose(run.purpose).publishable:
        # Its pages say "provisional" and can never change: as the official set they would
        # tell poll workers the rolls they hold are not the final ones.
        return [
            f"run {run.pk} printed provisional lists for public display and checking; only "
            "final rolls for polling day can be published. Generate a run with the purpose "
            "final"
        ]
    covered = set(RunCenter.objects.filter(run=run).values_list("center_id", flat=True))
    missing = list(
        PollingCenter.objects.for_election(run.election_id)
        .exclude(pk__in=covered)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        return [f"run {run.pk} does not cover every center of the election (missing {shown})"]
    return run_problems(run)


def run_publish(*, run_id: int, published_by: str) -> Run:
    """Make ``run_id`` its election's official roll set; the previous one is superseded."""
    run = Run.objects.select_related("election").filter(pk=run_id).first()
    if run is None:
        raise PublishRefused(f"Run {run_id} does not exist")
    problems = run_publish_problems(run)
    if problems:
        raise PublishRefused(f"Run {run.pk} cannot be published: " + "; ".join(problems))
    try:
        key = commission_key()
    except SigningKeyUnavailable as exc:
        raise PublishRefused(
            gettext("Run %(run)s cannot be published: its set could not be signed (%(why)s)")
            % {"run": run.pk, "why": exc}
        ) from None
    now = timezone.now()
    with transaction.atomic():
        # Locks the election's current official set, so two publications queue up.
        current = Run.objects.select_for_update().official().filter(election=run.election).first()
        if current is not None:
            Run.objects.filter(pk=current.pk).update(superseded_at=now, superseded_by=run)
        published = Run.objects.filter(pk=run.pk, published_at__isnull=True).update(
            published_at=now, published_by=published_by[:200]
        )
        if not published:
            raise PublishRefused(f"Run {run.pk} was published meanwhile")
        signed = set_signature_create(run=run, key=key, published_at=now)
    logger.info(
        "run %s published as the official set of election %s by %s (supersedes %s), signed "
        "by key %s",
        run.pk,
        run.election_id,
        published_by,
        current.pk if current else "none",
        signed.key_fingerprint,
    )
    run.refresh_from_db()
    return run
