"""The Run admin: the run list, and each run's read-only page with live progress.

Runs are created only by ``run_create`` (the Generate rolls action, the CLI, schedules),
so there is no add form and nothing on a run is editable; deleting one is for superusers.
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpRequest
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from rolls.admin import reprints, signing, views
from rolls.admin.access import (
    DOWNLOAD_ROLLS,
    PUBLISH_ROLLS,
    VIEW_RESULTS,
    RollActionPermissions,
    require,
    sees_personal_data,
)
from rolls.admin.downloads import download_document
from rolls.admin.placement_download import run_export_view
from rolls.admin.printed_pages import page_verify_view
from rolls.admin.run_page import pages_text, run_page_context, wrappable
from rolls.formatting import error_without_details, format_duration
from rolls.launch import run_resume
from rolls.models import Run, RunPurpose, RunStatus, Station
from rolls.selectors.changes import official_run, run_changes
from rolls.selectors.run_figures import run_pages_carried, run_wall_seconds
from rolls.selectors.run_records import run_downloads, run_roll_files, run_scope
from rolls.selectors.signatures import run_set_signature
from rolls.services import recovery
from rolls.services.closing import PersonalDataClosed
from rolls.services.completeness import (
    StoredFileDamaged,
    run_damaged_files,
    run_stored_files_check,
)
from rolls.services.ledger import RunRefused
from rolls.services.manifest import run_manifest_summary
from rolls.strategies import STRATEGIES


class StrategyFilter(admin.SimpleListFilter):
    title = _("strategy")
    parameter_name = "strategy"

    def lookups(self, request, model_admin):
        return [(name, wrappable(name)) for name in STRATEGIES]

    def queryset(self, request, queryset):
        return queryset.filter(strategy=self.value()) if self.value() else queryset


def status_badge(run: Run) -> str:
    return format_html(
        '<span class="rolls-status rolls-status-{}">{}</span>',
        run.status,
        run.get_status_display(),
    )


# The run page lists this many damaged or missing files by name (and counts them all).
DAMAGED_LISTED = 50


def damaged_count(run: Run) -> int:
    """How many of the run's files were last found damaged or missing (annotated by
    ``get_queryset``; counted here for a run loaded otherwise)."""
    counted = getattr(run, "damaged_files", None)
    return counted if counted is not None else run_damaged_files(run).count()


def set_badge(run: Run) -> str:
    """Official / superseded / draft / incomplete / in progress: what the set is to the
    election, said the same way on the list, the run's page and every download. A set with
    damaged or missing files says so beside it: those files are not served."""
    badge = format_html(
        '<span class="rolls-set rolls-set-{}">{}</span>',
        run.set_status.value.replace(" ", "-"),
        run.set_status.label,
    )
    damaged = damaged_count(run)
    if not damaged:
        return badge
    return format_html(
        '{} <span class="rolls-set rolls-set-damaged" title="{}">{}</span>',
        badge,
        gettext("Not served until reprinted: see the run's files"),
        ngettext("%(count)s file damaged or missing", "%(count)s files damaged or missing", damaged)
        % {"count": intcomma(damaged)},
    )


def lab_url(name: str, *args) -> str | None:
    """A link into the strategy lab by its URL name, or None when the lab is not installed:
    the console links to it without depending on it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def url_prefix(name: str, run_id: int) -> str:
    """``.../run/5/rolls/`` of ``.../run/5/rolls/<id>/download/``: what comes before the id."""
    marker = 987654321
    url = reverse(name, args=[run_id, marker])
    return url[: url.index(f"/{marker}/") + 1]


def results_url(run_id: int) -> str:
    changelist = reverse("admin:django_celery_results_taskresult_changelist")
    return f"{changelist}?{urlencode({'run': run_id})}"


@admin.register(Run)
class RunAdmin(RollActionPermissions, admin.ModelAdmin):
    change_list_template = "admin/rolls/run/change_list.html"
    actions = ["publish_runs", "verify_files", "mark_stale_failed", "resume_runs"]
    # Eight columns fit a 1280 px window beside the sidebar and filters only two by two:
    # a run's roll set sits under its status, its wall time under its progress.
    list_display = [
        "run_label",
        "status_and_results",
        "election",
        "strategy_label",
        "queued_by",
        "progress_label",
    ]
    list_display_links = ["run_label"]
    list_filter = ["status", StrategyFilter, "election"]
    list_select_related = ["election"]
    search_fields = ["election__name", "started_by", "=strategy"]
    search_help_text = _(
        "Election name, who started it (e.g. admin:maria, schedule:…), or strategy."
    )
    date_hierarchy = "queued_at"
    show_full_result_count = False
    list_per_page = 50
    fieldsets = [
        (
            _("Run"),
            {
                "fields": [
                    "election_link",
                    "scope_label",
                    "strategy",
                    "assignment_mode",
                    "status_label",
                ]
            },
        ),
        (
            _("Roll set"),
            {"fields": ["purpose", "roll_set", "published_label", "superseded_label"]},
        ),
        (
            _("Who and when"),
            {"fields": ["started_by_label", "queued_label", "started_label", "finished_label"]},
        ),
        (
            _("Counts"),
            {"fields": ["centers_label", "stations_label", "pages_label", "empty_centers_label"]},
        ),
        (_("Celery"), {"fields": ["root_task_id"]}),
    ]
    readonly_fields = [
        "purpose",
        "roll_set",
        "published_label",
        "superseded_label",
        "election_link",
        "scope_label",
        "pages_label",
        "started_by_label",
        "queued_label",
        "started_label",
        "finished_label",
        "status_label",
        "centers_label",
        "stations_label",
        "empty_centers_label",
    ]
    change_form_template = "admin/rolls/run/change_form.html"
    view_on_site = False  # a run's page is this page

    class Media:
        css = {"all": ["rolls/console.css"]}

    # --- permissions: runs are read-only records ---------------------------------------
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_deleted_objects(self, objs, request):
        """A run's stations go with the run: nobody may delete them one by one (the station
        admin refuses), but that must not stop a superuser deleting the whole run. An
        official or superseded set is a record and cannot be deleted by anyone."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(Station._meta.verbose_name)
        protected = list(protected) + [
            format_html(
                "{} ({})",
                run,
                gettext("%(status)s roll set: a record") % {"status": run.set_status.label.lower()},
            )
            for run in objs
            if run.is_published
        ]
        return deleted, counts, perms_needed, protected

    # --- the official set ------------------------------------------------------------------
    @admin.action(
        description=_("Publish as the election's official roll set"), permissions=["publish_rolls"]
    )
    def publish_runs(self, request: HttpRequest, queryset) -> None:
        require(request, PUBLISH_ROLLS)
        runs = list(queryset.select_related("election").order_by("pk"))
        elections = [run.election_id for run in runs]
        if len(set(elections)) != len(elections):
            self.message_user(
                request,
                gettext("Choose one run per election: an election has one official roll set."),
                messages.ERROR,
            )
            return
        for run in runs:
            views.publish_and_report(self, request, run.pk)

    # --- the files as records ------------------------------------------------------------
    def has_download_rolls_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DOWNLOAD_ROLLS)

    @admin.action(
        description=_("Verify files (hash each one again against its SHA-256)"),
        permissions=["download_rolls"],
    )
    def verify_files(self, request: HttpRequest, queryset) -> None:
        require(request, DOWNLOAD_ROLLS)
        for run in queryset.order_by("pk"):
            views.verify_and_report(self, request, run)

    # --- recovery: a worker that vanished for good ------------------------------------------
    @admin.action(
        description=_("Mark stale runs failed (no progress for a while)"),
        permissions=["generate_rolls"],
    )
    def mark_stale_failed(self, request: HttpRequest, queryset) -> None:
        for run in queryset.order_by("pk"):
            if recovery.run_mark_stale(run_id=run.pk, older_than=recovery.STALE_AFTER):
                self.message_user(
                    request,
                    gettext("Run %(run)s marked failed as stale.") % {"run": run.pk},
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    gettext(
                        "Run %(run)s is not stale (finished, or progress within the last "
                        "%(quiet)s): left alone."
                    )
                    % {
                        "run": run.pk,
                        "quiet": format_duration(recovery.STALE_AFTER, coarse=True),
                    },
                    messages.INFO,
                )

    @admin.action(
        description=_("Resume failed runs (only what is missing)"), permissions=["generate_rolls"]
    )
    def resume_runs(self, request: HttpRequest, queryset) -> None:
        for run in queryset.order_by("pk"):
            try:
                resumed = run_resume(
                    run_id=run.pk, started_by=f"admin:{request.user.get_username()}"
                )
            except RunRefused as exc:
                self.message_user(
                    request,
                    gettext("Run %(run)s not resumed: %(reason)s") % {"run": run.pk, "reason": exc},
                    messages.ERROR,
                )
            else:
                left = resumed.stations_total - resumed.stations_done
                self.message_user(
                    request,
                    ngettext(
                        "Run %(run)s resumed (%(left)s station left).",
                        "Run %(run)s resumed (%(left)s stations left).",
                        left,
                    )
                    % {"run": run.pk, "left": intcomma(left)},
                    messages.SUCCESS,
                )

    # --- list columns ---------------------------------------------------------------------
    @admin.display(description=_("run"), ordering="pk")
    def run_label(self, run: Run) -> str:
        return format_html(
            '<span class="rolls-nowrap">{}</span>', gettext("Run %(run)s") % {"run": run.pk}
        )

    @admin.display(description=_("strategy"), ordering="strategy")
    def strategy_label(self, run: Run) -> str:
        """The strategy, and under it what the run covered: a changed-only run or one of a
        few centers is not a whole election's work."""
        return format_html(
            '{}<br><span class="rolls-note">{}</span>', wrappable(run.strategy), run_scope(run)
        )

    @admin.display(description=_("covers"))
    def scope_label(self, run: Run) -> str:
        return run_scope(run)

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, run: Run) -> str:
        return status_badge(run)

    @admin.display(description=_("status"), ordering="status")
    def status_and_results(self, run: Run) -> str:
        """The list's status cell also shows the run's roll set and links to its task
        results (saves two columns)."""
        return format_html(
            '{}<br>{}<br><a class="rolls-note" href="{}">{}</a>',
            status_badge(run),
            set_badge(run),
            results_url(run.pk),
            gettext("task results"),
        )

    @admin.display(description=_("queued"), ordering="queued_at")
    def queued_by(self, run: Run) -> str:
        return format_html(
            '<span class="rolls-nowrap">{}</span><br><span class="rolls-note">{}</span>',
            # To the minute: the run's page has the second (and the list fits a laptop).
            # Month names in the staff member's language.
            date_format(timezone.localtime(run.queued_at), "j M, H:i"),
            gettext("by %(who)s") % {"who": run.started_by},
        )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).with_last_task_end().with_damaged_files()

    @admin.display(description=_("wall time"))
    def wall_time(self, run: Run) -> str:
        seconds = run_wall_seconds(run, timezone.now())
        text = format_duration(seconds)
        return text if run.finished_at else gettext("%(time)s so far") % {"time": text}

    @admin.display(description=_("progress"))
    def progress_label(self, run: Run) -> str:
        """Done out of total, then what was made and how long it took (or has run so far)."""
        if run.renders:
            done = ngettext(
                "%(done)s / %(total)s station", "%(done)s / %(total)s stations", run.stations_total
            ) % {"done": intcomma(run.stations_done), "total": intcomma(run.stations_total)}
            made = pages_text(run.pages, run_pages_carried(run))
        else:
            done = ngettext(
                "%(done)s / %(total)s center", "%(done)s / %(total)s centers", run.centers_total
            ) % {"done": intcomma(run.centers_assigned), "total": intcomma(run.centers_total)}
            made = gettext("no PDFs")
        wall = format_html('<span class="rolls-wall-time">{}</span>', self.wall_time(run))
        if run.finished_at:
            wall = format_html(gettext("took {}"), wall)
        return format_html('{}<br><span class="rolls-note">{}<br>{}</span>', done, made, wall)

    @admin.display(description=_("roll set"))
    def roll_set(self, run: Run) -> str:
        return set_badge(run)

    # --- read-only fields on the run's page ----------------------------------------------
    @admin.display(description=_("published"))
    def published_label(self, run: Run) -> str:
        if not run.published_at:
            return "—"
        return gettext("%(when)s by %(who)s") % {
            "when": f"{timezone.localtime(run.published_at):%Y-%m-%d %H:%M:%S}",
            "who": run.published_by,
        }

    @admin.display(description=_("superseded"))
    def superseded_label(self, run: Run) -> str:
        if not run.superseded_at:
            return "—"
        return format_html(
            gettext('{} by <a href="{}">run {}</a>'),
            f"{timezone.localtime(run.superseded_at):%Y-%m-%d %H:%M:%S}",
            reverse("admin:rolls_run_change", args=[run.superseded_by_id]),
            run.superseded_by_id,
        )

    @admin.display(description=_("election"))
    def election_link(self, run: Run) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:elections_election_change", args=[run.election_id]),
            run.election,
        )

    @admin.display(description=_("started by"))
    def started_by_label(self, run: Run) -> str:
        return run.started_by

    def _moment(self, run: Run, moment) -> str:
        if moment is None:
            return "—"
        local = timezone.localtime(moment)
        offset = (moment - run.queued_at).total_seconds()
        after = f" (+{format_duration(offset)})" if moment != run.queued_at else ""
        return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()}{after}"

    @admin.display(description=_("queued at"))
    def queued_label(self, run: Run) -> str:
        return self._moment(run, run.queued_at)

    @admin.display(description=_("first task started"))
    def started_label(self, run: Run) -> str:
        return self._moment(run, run.started_at)

    @admin.display(description=_("finished at"))
    def finished_label(self, run: Run) -> str:
        return self._moment(run, run.finished_at)

    @admin.display(description=_("centers assigned"))
    def centers_label(self, run: Run) -> str:
        figures = {"done": intcomma(run.centers_assigned), "total": intcomma(run.centers_total)}
        if run.center_ids:
            return gettext("%(done)s / %(total)s (selected centers)") % figures
        return gettext("%(done)s / %(total)s (all centers of the election)") % figures

    @admin.display(description=_("stations rendered"))
    def stations_label(self, run: Run) -> str:
        if not run.renders:
            return gettext("%(count)s assigned (this strategy renders no PDFs)") % {
                "count": intcomma(run.stations_total)
            }
        return f"{intcomma(run.stations_done)} / {intcomma(run.stations_total)}"

    @admin.display(description=_("pages"))
    def pages_label(self, run: Run) -> str:
        return pages_text(run.pages, run_pages_carried(run))

    @admin.display(description=_("centers without voters"))
    def empty_centers_label(self, run: Run) -> str:
        return ", ".join(run.empty_centers) if run.empty_centers else "—"

    # --- the run's page ---------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if (
            run is not None
            and run.renders
            and not run.is_active
            # Its files were removed on purpose: flagging them missing would be a false alarm.
            and not run.election.is_closed
            and run_stored_files_check(run_id=run.pk)
        ):
            run = self.get_object(request, object_id)  # its count of damaged files changed
        context = dict(extra_context or {})
        if run is not None:
            page = run_page_context(run, request.GET.get("files"))
            page["run_error"] = run.error
            if not sees_personal_data(request):
                # A failed task's traceback, and an exception's message in the run's error,
                # may quote a voter (a row the database refused).
                page["task_rows"] = [replace(row, traceback="") for row in page["task_rows"]]
                page["run_error"] = error_without_details(run.error)
                page["progress"]["error"] = error_without_details(page["progress"]["error"])
            context.update(page)
            context.update(
                {
                    "title": gettext("Run %(run)s · %(election)s")
                    % {"run": run.pk, "election": run.election.name},
                    "subtitle": None,  # the strategy and its lesson head the page
                    "run": run,
                    "strategy": STRATEGIES.get(run.strategy),
                    "can_download": request.user.has_perm(DOWNLOAD_ROLLS),
                    # A closed election's files are gone: its page lists their records only.
                    "files_served": request.user.has_perm(DOWNLOAD_ROLLS)
                    and not run.election.is_closed,
                    "can_view_results": request.user.has_perm(VIEW_RESULTS),
                    "results_url": results_url(run.pk),
                    "compare_url": lab_url("admin:lab_benchmark_compare", run.election_id),
                    "progress_url": reverse("admin:rolls_run_progress", args=[run.pk]),
                    "zip_url": reverse("admin:rolls_run_zip", args=[run.pk]),
                    # 2 x 100 rows of links: one reverse each instead of one a row.
                    "rolls_url_prefix": url_prefix("admin:rolls_run_roll_download", run.pk),
                    "centers_url_prefix": url_prefix("admin:rolls_run_center_zip", run.pk),
                    "finished_status": run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED),
                    "set_badge": set_badge(run),
                    "can_publish": request.user.has_perm(PUBLISH_ROLLS)
                    and run.status == RunStatus.SUCCEEDED
                    and run.renders
                    and RunPurpose(run.purpose).publishable
                    and not run.is_published,
                    "legacy_words": run.purpose == RunPurpose.DRAFT_LEGACY,
                    "publish_url": reverse("admin:rolls_run_publish", args=[run.pk]),
                    "can_verify": request.user.has_perm(DOWNLOAD_ROLLS)
                    and run.renders
                    and not run.election.is_closed,
                    "damaged_count": damaged_count(run),
                    "damaged_files": list(run_damaged_files(run)[:DAMAGED_LISTED]),
                    "verify_url": reverse("admin:rolls_run_verify", args=[run.pk]),
                    "can_see_downloads": request.user.has_perm("rolls.view_download"),
                }
            )
            if request.user.has_perm(DOWNLOAD_ROLLS) and run.renders:
                context.update(self.record_context(request, run))
            if run.renders:
                context.update(signing.signing_context(request, run_set_signature(run.pk)))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def record_context(self, request: HttpRequest, run: Run) -> dict:
        """The set as a record: its manifest digests, what changed since the official set
        (counted only when asked: it reads both splits), and who downloaded what."""
        manifest = run_manifest_summary(run, lambda: run_roll_files(run))
        official = official_run(run.election_id)
        compare = official if official is not None and official.pk != run.pk else None
        changes = run_changes(compare, run) if compare and request.GET.get("changes") else None
        return {
            "manifest": manifest,
            "manifest_csv_url": reverse("admin:rolls_run_manifest", args=[run.pk, "csv"]),
            "manifest_json_url": reverse("admin:rolls_run_manifest", args=[run.pk, "json"]),
            "official_run": compare,
            "changes": changes,
            "changes_csv_url": reverse("admin:rolls_run_changes", args=[run.pk]),
            "downloads": [
                (download, download_document(download)) for download in run_downloads(run)
            ]
            if request.user.has_perm("rolls.view_download")
            else [],
        }

    def get_urls(self):
        def wrap(view):
            def wrapper(request, *args, **kwargs):
                try:
                    return view(request, *args, model_admin=self, **kwargs)
                except PersonalDataClosed as closed:
                    return views.closed_response(
                        request, kwargs["run_id"], closed, model_admin=self
                    )
                except StoredFileDamaged as damaged:
                    # Raised by any download before its first byte: answer what is wrong.
                    return views.damaged_file_response(
                        request, kwargs["run_id"], damaged, model_admin=self
                    )

            return self.admin_site.admin_view(wrapper)

        return [
            path("verify-page/", wrap(page_verify_view), name="rolls_run_verify_page"),
            *signing.signing_urls(wrap),
            path("<id:run_id>/progress/", wrap(views.run_progress_view), name="rolls_run_progress"),
            path(
                "<id:run_id>/rolls/<id:file_id>/download/",
                wrap(views.roll_download_view),
                name="rolls_run_roll_download",
            ),
            path("<id:run_id>/download.zip", wrap(views.run_zip_view), name="rolls_run_zip"),
            path(
                "<id:run_id>/centers/<id:center_id>/download.zip",
                wrap(views.run_zip_view),
                name="rolls_run_center_zip",
            ),
            path(
                "<id:run_id>/manifest.<str:fmt>",
                wrap(views.run_manifest_view),
                name="rolls_run_manifest",
            ),
            path("<id:run_id>/changes.csv", wrap(views.run_changes_view), name="rolls_run_changes"),
            path("<id:run_id>/publish/", wrap(views.run_publish_view), name="rolls_run_publish"),
            path("<id:run_id>/verify/", wrap(views.run_verify_view), name="rolls_run_verify"),
            path(
                "<id:run_id>/voters-<str:order>.csv",
                wrap(run_export_view),
                name="rolls_run_export",
            ),
            path("<id:run_id>/reprint/", wrap(reprints.run_reprint_view), name="rolls_run_reprint"),
            path(
                "<id:run_id>/reprints/<id:reprint_id>/download/",
                wrap(reprints.reprint_download_view),
                name="rolls_run_reprint_download",
            ),
            *super().get_urls(),
        ]
