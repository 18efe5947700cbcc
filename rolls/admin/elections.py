"""The election and center admins, registered here with the console's actions on them.

Their list, search and form settings are the register's own (``elections/admin.py``); the
console adds Generate rolls, Schedule roll generation and Benchmark strategies. Registering
them from this side keeps the dependency one way: rolls knows elections, elections does not
know rolls.
"""

from __future__ import annotations

from django.contrib import admin

from elections.admin import ElectionAdmin, PollingCenterAdmin
from elections.models import Election, PollingCenter
from rolls.admin.access import RollActionPermissions
from rolls.admin.actions import generate_rolls, generate_rolls_for_centers, schedule_roll_generation
from rolls.admin.benchmarks import benchmark_strategies


@admin.register(Election)
class ElectionConsoleAdmin(RollActionPermissions, ElectionAdmin):
    actions = [generate_rolls, schedule_roll_generation, benchmark_strategies]


@admin.register(PollingCenter)
class PollingCenterConsoleAdmin(RollActionPermissions, PollingCenterAdmin):
    actions = [generate_rolls_for_centers]
