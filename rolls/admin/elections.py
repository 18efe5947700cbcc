"""The election and center admins, registered here with the console's actions on them.

Their list, search and form settings are the register's own (``elections/admin.py``); the
console adds Generate rolls, Schedule roll generation and Close personal data, and the
strategy lab adds Benchmark strategies (:func:`election_action_add`). Registering them from
this side keeps the dependency one way: rolls knows elections, elections does not know
rolls, and the console does not know the lab.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext

from config.parsing import number_or_none
from elections.admin import ElectionAdmin, PollingCenterAdmin
from elections.models import Election, PollingCenter
from rolls.admin.access import RollActionPermissions
from rolls.admin.actions import generate_rolls, generate_rolls_for_centers, schedule_roll_generation
from rolls.admin.closing import close_personal_data
from rolls.admin.signing import signing_context
from rolls.models import Run, Station
from rolls.selectors.signatures import official_set_signature


@admin.register(Election)
class ElectionConsoleAdmin(RollActionPermissions, ElectionAdmin):
    actions = [generate_rolls, schedule_roll_generation, close_personal_data]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The election's page also shows the commission's signing key and the key that
        signed its official set (with their public keys to download)."""
        context = dict(extra_context or {})
        # By its id: the admin's own view fetches the election (and answers a bad id).
        if (election_id := number_or_none(object_id)) is not None:
            context.update(signing_context(request, official_set_signature(election_id)))
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_deleted_objects(self, objs, request):
        """An election whose rolls were published cannot be deleted: its official and
        superseded sets are records (delete would take them with it)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Stations go with their runs (the station admin refuses one-by-one deletes).
        perms_needed.discard(Station._meta.verbose_name)
        published = Run.objects.published().filter(election__in=list(objs))
        protected = list(protected) + [
            format_html(
                "{} ({})",
                run,
                gettext("%(status)s roll set: a record") % {"status": run.set_status.label.lower()},
            )
            for run in published
        ]
        return deleted, counts, perms_needed, protected


def election_action_add(action) -> None:
    """Offer another app's action on the election list (the lab's Benchmark strategies),
    before Close personal data, which stays last."""
    if action not in ElectionConsoleAdmin.actions:
        *others, last = ElectionConsoleAdmin.actions
        ElectionConsoleAdmin.actions = [*others, action, last]


@admin.register(PollingCenter)
class PollingCenterConsoleAdmin(RollActionPermissions, PollingCenterAdmin):
    actions = [generate_rolls_for_centers]
