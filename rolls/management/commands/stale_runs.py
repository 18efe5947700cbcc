from datetime import timedelta

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from config.parsing import CheckedCommand, duration_argument, number_argument
from rolls.formatting import format_duration
from rolls.launch import run_resume
from rolls.models import Run
from rolls.services.ledger import RunRefused
from rolls.services.recovery import STALE_AFTER, run_mark_stale, run_resume_plan, runs_find_stale


class Command(CheckedCommand):
    help = (
        "List active runs with no task progress for --older-than minutes (their workers are "
        "presumably gone); --fail marks them failed; --resume RUN_ID restarts a failed run, "
        "queuing only the centers and stations it is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=duration_argument(unit="minutes", maximum=60 * 24 * 365),
            default=STALE_AFTER.total_seconds() / 60,
            metavar="MINUTES",
            help=f"no progress for this long (default {STALE_AFTER.total_seconds() / 60:g})",
        )
        parser.add_argument("--fail", action="store_true", help="mark the stale runs failed")
        parser.add_argument(
            "--resume",
            type=number_argument(what="RUN_ID", minimum=1),
            metavar="RUN_ID",
            help="resume this failed run (after --fail)",
        )

    def handle(self, *args, older_than: float, fail: bool, resume: int | None, **options):
        if older_than <= 0:
            raise CommandError(f"--older-than must be more than 0 minutes, got {older_than:g}")
        threshold = timedelta(minutes=older_than)
        stale = list(runs_find_stale(older_than=threshold))
        if not stale:
            self.stdout.write(f"No stale runs (active with no progress for {older_than:g} min).")
        now = timezone.now()
        for run in stale:
            quiet = format_duration(now - run.last_activity, coarse=True)
            line = (
                f"Run {run.pk}: {run.strategy} on {run.election.name}, {run.status}, "
                f"no progress for {quiet}, stations {run.stations_done}/{run.stations_total}"
            )
            if fail:
                marked = run_mark_stale(run_id=run.pk, older_than=threshold)
                line += " -> marked failed" if marked else " -> moved meanwhile, left alone"
            self.stdout.write(line)
        if resume is not None:
            target = Run.objects.filter(pk=resume).first()
            plan = run_resume_plan(target) if target is not None else None
            try:
                run = run_resume(run_id=resume, started_by="cli")
            except RunRefused as exc:
                raise CommandError(str(exc)) from None
            assert plan is not None  # run_resume refuses a run that does not exist
            self.stdout.write(
                f"Run {run.pk} resumed ({run.status}): {len(plan.centers)} centers to assign, "
                f"{len(plan.stations)} stations to render "
                f"({run.stations_done}/{run.stations_total} already done)."
            )
