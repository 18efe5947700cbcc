"""Admin actions on elections and centers: generate rolls, schedule roll generation.

Each follows ``delete_selected``: the first POST (from the changelist) shows a confirmation
page carrying the selection in ``ACTION_CHECKBOX_NAME`` inputs; the second (with ``post``)
calls a service and reports with ``message_user``. The permission is checked here again on
every POST, on top of Django hiding the action from users without it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask

from elections.models import Election, PollingCenter
from rolls.admin.access import GENERATE_ROLLS, SCHEDULE_ROLLS, require
from rolls.admin.forms import GenerateRollsForm, ScheduleRollsForm
from rolls.launch import run_start
from rolls.selectors.plans import RunPlan, centers_plan, run_plans
from rolls.selectors.run_records import run_scope
from rolls.services.ledger import RunRefused
from rolls.services.schedules import (
    ScheduleRefused,
    roll_schedule_save,
    schedulable_strategies,
    schedule_describe,
    schedule_name,
    schedule_settings,
)
from rolls.strategies import STRATEGIES, production_strategies


def strategy_options() -> list[dict]:
    """The strategies staff may generate rolls with: the production ones (the lab's
    teaching strategies are run and compared in the lab)."""
    return [
        {
            "name": name,
            "summary": gettext(STRATEGIES[name].summary),
            "lesson": gettext(STRATEGIES[name].lesson),
            "renders": STRATEGIES[name].renders,
        }
        for name in production_strategies()
    ]


def _confirmation_page(
    modeladmin, request: HttpRequest, queryset: QuerySet, *, template: str, **context
) -> TemplateResponse:
    opts = modeladmin.model._meta
    return TemplateResponse(
        request,
        template,
        {
            **modeladmin.admin_site.each_context(request),
            "opts": opts,
            "queryset": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "strategies": strategy_options(),
            "media": modeladmin.media,
            **context,
        },
    )


def _start_runs(
    modeladmin, request: HttpRequest, plans: list[RunPlan], form: GenerateRollsForm
) -> HttpResponseRedirect | None:
    strategy, mode = form.cleaned_data["strategy"], form.cleaned_data["mode"]
    started_by = f"admin:{request.user.get_username()}"
    runs = []
    for plan in plans:
        if plan.nothing_to_do:
            modeladmin.message_user(
                request,
                gettext("%(election)s: no run started. It has %(reason)s.")
                % {"election": plan.election.name, "reason": plan.nothing_to_do},
                messages.ERROR,
            )
            continue
        try:
            run = run_start(
                election_id=plan.election.pk,
                strategy=strategy,
                mode=mode,
                started_by=started_by,
                center_ids=plan.center_ids,
                purpose=form.cleaned_data["purpose"],
                changed_only=form.cleaned_data.get("changed_only", False),
            )
        except RunRefused as exc:
            modeladmin.message_user(
                request,
                gettext("%(election)s: no run started. %(reason)s.")
                % {"election": plan.election.name, "reason": exc},
                messages.ERROR,
            )
            continue
        runs.append(run)
        modeladmin.message_user(
            request,
            format_html(
                gettext('Run <a href="{}">{}</a> queued: {} on {}, {} ({} assignment).'),
                reverse("admin:rolls_run_change", args=[run.pk]),
                run.pk,
                strategy,
                plan.election.name,
                run_scope(run),
                mode,
            ),
            messages.SUCCESS,
        )
    if not runs:
        return None  # back to the changelist, with the error messages
    if len(runs) == 1:
        return HttpResponseRedirect(reverse("admin:rolls_run_change", args=[runs[0].pk]))
    query = urlencode({"id__in": ",".join(str(run.pk) for run in runs)})
    return HttpResponseRedirect(f"{reverse('admin:rolls_run_changelist')}?{query}")


@admin.action(description=_("Generate rolls"), permissions=["generate_rolls"])
def generate_rolls(modeladmin, request: HttpRequest, queryset: QuerySet[Election]):
    """Queue one run per selected election, after confirming strategy and mode."""
    require(request, GENERATE_ROLLS)
    queryset = queryset.order_by("name")
    plans = run_plans(queryset)
    form = GenerateRollsForm(request.POST if request.POST.get("post") else None)
    if form.is_bound and form.is_valid():
        return _start_runs(modeladmin, request, plans, form)
    return _confirmation_page(
        modeladmin,
        request,
        queryset,
        template="admin/rolls/generate_rolls.html",
        title=_("Generate rolls"),
        action_name="generate_rolls",
        plans=plans,
        nothing_to_generate=sum(1 for plan in plans if plan.nothing_to_do),
        form=form,
        centers_selection=False,
    )


@admin.action(description=_("Generate rolls for these centers"), permissions=["generate_rolls"])
def generate_rolls_for_centers(modeladmin, request: HttpRequest, queryset: QuerySet):
    """One run limited to the selected centers, which must all belong to one election."""
    require(request, GENERATE_ROLLS)
    centers = list(queryset.select_related("election").order_by("code"))
    elections = {center.election for center in centers}
    if len(elections) != 1:
        names = ", ".join(sorted(e.name for e in elections))
        modeladmin.message_user(
            request,
            gettext(
                "The selected centers belong to %(count)s elections (%(names)s). A run covers "
                "one election: select centers of one election only (filter the list by election)."
            )
            % {"count": len(elections), "names": names},
            messages.ERROR,
        )
        return None
    (election,) = elections
    plan = centers_plan(election, centers)
    form = GenerateRollsForm(request.POST if request.POST.get("post") else None)
    if form.is_bound and form.is_valid():
        return _start_runs(modeladmin, request, [plan], form)
    return _confirmation_page(
        modeladmin,
        request,
        PollingCenter.objects.filter(pk__in=plan.center_ids),
        template="admin/rolls/generate_rolls.html",
        title=ngettext(
            "Generate rolls for %(count)s center of %(election)s",
            "Generate rolls for %(count)s centers of %(election)s",
            len(centers),
        )
        % {"count": len(centers), "election": election.name},
        action_name="generate_rolls_for_centers",
        plans=[plan],
        nothing_to_generate=1 if plan.nothing_to_do else 0,
        form=form,
        centers_selection=True,
    )


def schedule_saved_message(*, created: bool, enabled: bool) -> str:
    """The sentence (a format_html template: link, name, description, strategy) that says
    what became of a schedule, whole, so that each language can order it its own way."""
    if created:
        if enabled:
            return gettext('Schedule <a href="{}">{}</a> created: {}, strategy {}.')
        return gettext('Schedule <a href="{}">{}</a> created: {}, strategy {} (switched off).')
    if enabled:
        return gettext('Schedule <a href="{}">{}</a> updated: {}, strategy {}.')
    return gettext('Schedule <a href="{}">{}</a> updated: {}, strategy {} (switched off).')


@admin.action(description=_("Schedule roll generation"), permissions=["schedule_rolls"])
def schedule_roll_generation(modeladmin, request: HttpRequest, queryset: QuerySet[Election]):
    """Create or update one django-celery-beat schedule per selected election."""
    require(request, SCHEDULE_ROLLS)
    elections = list(queryset.order_by("name"))
    existing = {
        task.name: task
        for task in PeriodicTask.objects.filter(
            name__in=[schedule_name(e) for e in elections]
        ).select_related("crontab", "interval")
    }
    # The form opens with the schedule that is there, so that saving after changing one
    # thing changes only that (it used to open as nightly 02:00 whatever was saved).
    current = [schedule_settings(task) for task in existing.values()]
    distinct = {tuple(sorted(c.items())) for c in current if c is not None}
    initial = dict(next(iter(distinct))) if len(distinct) == 1 and None not in current else {}
    form = ScheduleRollsForm(request.POST if request.POST.get("post") else None, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        for election in elections:
            try:
                saved = roll_schedule_save(
                    election=election,
                    preset=data["preset"],
                    strategy=data["strategy"],
                    mode=data["mode"],
                    at=data["at"],
                    every_minutes=data["every_minutes"],
                    enabled=data["enabled"],
                    changed_only=data.get("changed_only", False),
                    purpose=data["purpose"],
                )
            except ScheduleRefused as exc:
                modeladmin.message_user(
                    request,
                    gettext("%(election)s: schedule not saved. %(reason)s.")
                    % {"election": election.name, "reason": exc},
                    messages.ERROR,
                )
                continue
            modeladmin.message_user(
                request,
                format_html(
                    schedule_saved_message(created=saved.created, enabled=data["enabled"]),
                    reverse("admin:django_celery_beat_periodictask_change", args=[saved.task.pk]),
                    saved.task.name,
                    saved.description,
                    data["strategy"],
                ),
                messages.SUCCESS,
            )
        return None
    return _confirmation_page(
        modeladmin,
        request,
        queryset.order_by("name"),
        template="admin/rolls/schedule_rolls.html",
        title=_("Schedule roll generation"),
        action_name="schedule_roll_generation",
        rows=[
            (
                e,
                schedule_name(e),
                task := existing.get(schedule_name(e)),
                schedule_describe(task) if task else "",
            )
            for e in elections
        ],
        form=form,
        prefilled=bool(initial),
        differing=len(distinct) > 1 or (None in current and len(current) > 1),
        strategies=[o for o in strategy_options() if o["name"] in schedulable_strategies()],
    )
