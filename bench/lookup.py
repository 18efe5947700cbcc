"""The bench parts of finding voters (``make bench``, part ``lookup``; ``--skip lookup``).

On the largest election of the bench (1,000,000 voters; PostgreSQL when it answers): its
stations assigned, that run taken as the official set, then p50/p95 of

- find_voter (the selector behind the admin page and the command, one page of 50 voters and
  how many match) by voter number, by full name as "Family Given", "Family, Given" and
  "Given Family", by a family name alone, and by the first three letters of a family or a
  given name, accents and case folded;
- the admin's Find a voter page by full name, family name, name prefix and number, the
  Registrations search by full name and by a name prefix, and Registrations and Stations
  filtered by one center.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.processes import bench_part, fresh, last_json
from elections.models import Election, Voter
from rolls.models import Run, RunStatus
from rolls.selectors.voters import matching_voters, voters_find

SAMPLES = 200
PAGE_REQUESTS = 30


def percentiles(measure: Callable[[], object], inputs: list) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``measure(input)`` over ``inputs`` (after one warm-up)."""
    measure(inputs[0])
    times = []
    for value in inputs:
        started = time.perf_counter()
        measure(value)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def part_lookup(_: int) -> dict:
    election = Election.objects.get(name="Bench")
    run = Run.objects.filter(election=election).order_by("-pk").first()
    # The assignment-only run stands in for the official set: find_voter reads its split.
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, renders=True, published_at=timezone.now(), published_by="bench"
    )
    if connection.vendor == "postgresql":
        # As autovacuum leaves a loaded register: the visibility map lets counts read the
        # name indexes alone.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Voter._meta.db_table}")
    rng = random.Random(2026)
    top = Voter.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = [rng.randint(1, top) for _ in range(SAMPLES)]
    voters = list(
        Voter.objects.filter(pk__in=ids).values_list("voter_number", "family_name", "given_name")
    )
    forms = [
        lambda f, g: f"{f} {g}",
        lambda f, g: f"{f.upper()}, {g.lower()}",
        lambda f, g: f"{g} {f}",
    ]
    names = [rng.choice(forms)(family, given) for _, family, given in voters]
    families = [family for _, family, _ in voters]
    # Staff type the first letters of either name: half family, half given.
    prefixes = [(family, given)[i % 2][:3] for i, (_, family, given) in enumerate(voters)]
    numbers = [number for number, _, _ in voters]
    found = sum(1 for name in names if voters_find(name, election=election).answers)
    matches = sorted(sum(part.count() for part in matching_voters(prefix)) for prefix in prefixes)
    figures = {
        "find_voter by number": percentiles(voters_find, numbers),
        "find_voter by full name": percentiles(voters_find, names),
        "find_voter by family name": percentiles(voters_find, families),
        "find_voter by name prefix (3 letters)": percentiles(voters_find, prefixes),
    }
    user = get_user_model().objects.filter(username="bench-lookup").first()
    user = user or get_user_model().objects.create_superuser("bench-lookup", password=None)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    center = election.centers.order_by("pk").values_list("pk", flat=True)[len(ids) % 7]
    registrations = reverse("admin:elections_registration_changelist")

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")

    find = reverse("admin:elections_voter_find")
    pages = {
        "admin Find a voter (full name)": [f"{find}?q={name}" for name in names[:PAGE_REQUESTS]],
        "admin Find a voter (family name)": [f"{find}?q={f}" for f in families[:PAGE_REQUESTS]],
        "admin Find a voter (name prefix)": [f"{find}?q={p}" for p in prefixes[:PAGE_REQUESTS]],
        "admin Find a voter (number)": [f"{find}?q={n}" for n in numbers[:PAGE_REQUESTS]],
        "registrations search, full name": [
            f"{registrations}?q={name}" for name in names[:PAGE_REQUESTS]
        ],
        "registrations search, name prefix": [
            f"{registrations}?q={family[:4]}" for _, family, _ in voters[:PAGE_REQUESTS]
        ],
        "registrations filtered by center": [f"{registrations}?center__id__exact={center}"]
        * PAGE_REQUESTS,
        "stations filtered by center": [
            f"{reverse('admin:rolls_station_changelist')}?center__id__exact={center}"
        ]
        * PAGE_REQUESTS,
    }
    for label, urls in pages.items():
        figures[label] = percentiles(get, urls)
    return {
        "voters": Voter.objects.count(),
        "names_found": f"{found}/{len(names)}",
        "prefix_matches": {"median": statistics.median(matches), "max": matches[-1]},
        "ms": figures,
    }


def lookup(command, databases: dict, voters: int) -> None:
    label, env = list(databases.items())[-1]  # PostgreSQL when available
    command.stdout.write(f"\n== Finding voters: {voters:,} voters, {label} (ms) ==")
    fresh(env)
    bench_part("fake", "--voters", str(voters), env=env)
    bench_part("assign", env=env)
    result = last_json(bench_part("lookup", env=env))
    command.stdout.write(f"names found: {result['names_found']} (each a registered voter)")
    matches = result["prefix_matches"]
    command.stdout.write(
        f"voters a 3-letter prefix matches: median {matches['median']:,.0f}, "
        f"max {matches['max']:,} (shown 50 a page)"
    )
    for name, (p50, p95) in result["ms"].items():
        command.stdout.write(f"  {name:<38} p50 {p50:7.1f}  p95 {p95:7.1f}")
