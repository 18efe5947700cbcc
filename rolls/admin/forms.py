"""Forms of the console's confirmation pages."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from rolls.models import DEFAULT_PURPOSE, AssignmentMode, RunPurpose
from rolls.services.schedules import SchedulePreset, schedulable_strategies
from rolls.strategies import DEFAULT_STRATEGY, production_strategies


def strategy_choices() -> list[tuple[str, str]]:
    """Production strategies only: the lab's are run from the lab."""
    return [(name, name) for name in production_strategies()]


class RunChoiceForm(forms.Form):
    """The choices every way of starting runs asks for: strategy and assignment mode."""

    strategy = forms.ChoiceField(
        label=_("Strategy"), choices=strategy_choices, initial=DEFAULT_STRATEGY
    )
    mode = forms.ChoiceField(
        label=_("Assignment mode"),
        choices=AssignmentMode.choices,
        initial=AssignmentMode.BALANCED,
        widget=forms.RadioSelect,
    )

    changed_only = forms.BooleanField(
        label=_("Changed centers only"),
        required=False,
        help_text=_(
            "Compare each center with the official roll set and re-assign and re-render only "
            "the centers whose voters, names or station settings changed; the others are "
            "carried over as they are. Needs an official set; covers the whole election."
        ),
    )


# What staff may generate rolls for (the legacy drafts are a record of the past only).
PURPOSE_CHOICES = [(p.value, p.label) for p in (RunPurpose.PROVISIONAL, RunPurpose.FINAL)]


class GenerateRollsForm(RunChoiceForm):
    # No initial choice: every page prints it and it never changes, so staff choose it.
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=PURPOSE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what the rolls are for: it is printed on every page."),
        },
    )


class ScheduleRollsForm(RunChoiceForm):
    # Production strategies that can succeed: a schedule is for real rolls.
    strategy = forms.ChoiceField(
        label=_("Strategy"),
        choices=lambda: [(name, name) for name in schedulable_strategies()],
        initial=DEFAULT_STRATEGY,
    )
    # A schedule saved before purposes existed generates final rolls: the form opens so.
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        choices=PURPOSE_CHOICES,
        initial=DEFAULT_PURPOSE,
        widget=forms.RadioSelect,
    )
    preset = forms.ChoiceField(
        label=_("When"),
        choices=SchedulePreset.choices,
        initial=SchedulePreset.NIGHTLY,
        widget=forms.RadioSelect,
    )
    at = forms.TimeField(
        label=_("Time of day"),
        required=False,
        initial=datetime.time(2, 0),
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("For the nightly preset, in each election's own time zone."),
    )
    every_minutes = forms.IntegerField(
        label=_("Every (minutes)"),
        required=False,
        min_value=1,
        max_value=7 * 24 * 60,
        initial=30,
        widget=forms.NumberInput(attrs={"class": "vIntegerField"}),
        help_text=_("For the every-N-minutes preset."),
    )
    enabled = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        initial=True,
        help_text=_("Untick to save the schedule switched off (beat then ignores it)."),
    )

    def clean(self):
        data = super().clean()
        preset = data.get("preset")
        if preset == SchedulePreset.NIGHTLY and data.get("at") is None:
            self.add_error("at", _("Give the time of day for a nightly schedule."))
        if preset == SchedulePreset.INTERVAL and not data.get("every_minutes"):
            self.add_error("every_minutes", _("Give the number of minutes between runs."))
        return data
