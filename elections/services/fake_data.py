"""Fake but realistic election data at scale (the talk's ``create_fake_voter_data``).

About one polling center per 1,000 voters; center sizes follow a flat Dirichlet draw (as in
the talk), so a few centers hold a handful of voters and a few hold thousands. Names come
from Faker in the requested locale, so rolls can be tested in Arabic, Japanese or Cyrillic.

Speed and memory: Faker is slow per call, so each run draws a pool of names once and then
samples it; rows go to the database in fixed-size batches (``COPY`` on PostgreSQL,
``executemany`` on SQLite), so memory stays flat whatever N is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils.text import slugify
from faker import Faker

from elections.folding import search_name, search_name_given_first
from elections.models import Election, Language, PollingCenter, Registration, Voter
from elections.services.collation import refresh_sort_keys

VOTERS_PER_CENTER = 1_000
# The console is sized for a million voters an election: five million is a stress test,
# more is a typo (a billion would fill the disk for hours before failing).
MAX_VOTERS = 5_000_000
VOTER_NUMBER_WIDTH = 10
NAME_POOL_SIZE = 3_000
BATCH_SIZE = 20_000
CENTER_KINDS = (
    "Primary School",
    "Secondary School",
    "High School",
    "Elementary School",
    "Academy",
    "Community School",
    "Girls' School",
    "Boys' School",
)


class FakeDataError(ValueError):
    """Raised for arguments that cannot produce data; nothing has been written."""


@dataclass(frozen=True)
class FakeDataResult:
    election: Election
    centers: int
    voters: int
    seconds: float


def center_sizes(total: int, centers: int, rng: random.Random) -> list[int]:
    """Split ``total`` voters over ``centers`` with flat-Dirichlet weights; every center gets
    at least one voter when there are enough voters, and the sizes add up to ``total``."""
    weights = [rng.gammavariate(1.0, 1.0) for _ in range(centers)]
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    sizes = [int(x) for x in exact]
    # Largest-remainder rounding keeps the total exact.
    by_remainder = sorted(range(centers), key=lambda i: exact[i] - sizes[i], reverse=True)
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    if total >= centers:
        for i, size in enumerate(sizes):
            if size == 0:
                donor = max(range(centers), key=sizes.__getitem__)
                sizes[donor] -= 1
                sizes[i] = 1
    return sizes


def _faker(locale: str, seed: int | None) -> Faker:
    try:
        fake = Faker(locale)
    except AttributeError:
        raise FakeDataError(
            f"Unknown locale {locale!r}; try en_US, fr_FR, ar_AA, ja_JP, ru_RU, zh_CN"
        ) from None
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def _name_pools(fake: Faker, size: int) -> tuple[list[str], list[str]]:
    given = [fake.first_name() for _ in range(size)]
    family = [fake.last_name() for _ in range(size)]
    return given, family


def _next_voter_number() -> int:
    """The first free number among the fixed-width numbers this generator hands out."""
    highest = (
        Voter.objects.annotate(width=Length("voter_number"))
        .filter(width=VOTER_NUMBER_WIDTH, voter_number__regex=r"^[0-9]+$")
        .aggregate(top=Max("voter_number"))["top"]
    )
    return int(highest) + 1 if highest else 1


def _election_name_check(name: str) -> None:
    """What the database would refuse (PostgreSQL with a DataError traceback; SQLite does
    not check lengths at all), said first."""
    limit = Election._meta.get_field("name").max_length
    if not name.strip():
        raise FakeDataError("The election name is empty")
    if len(name) > limit:
        raise FakeDataError(
            f"An election name holds at most {limit} characters; this one has {len(name)}"
        )


def language_for_locale(locale: str) -> str:
    """The election language a Faker locale's names suggest (``fr_FR`` -> ``fr``), or English."""
    language = locale.replace("-", "_").split("_")[0].lower()
    return language if language in Language.values else Language.ENGLISH


def _election(name: str | None, rng: random.Random, language: str) -> Election:
    if name is None:
        name = "Demo election"
    election = Election.objects.filter(name=name).first()
    if election is not None:
        return election
    # Room for a "-N" suffix within the slug's length.
    base = (slugify(name) or "election")[: Election._meta.get_field("slug").max_length - 8]
    slug, n = base, 1
    while Election.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Election.objects.create(
        name=name,
        slug=slug,
        language=language,
        polling_date=date.today() + timedelta(days=30 + rng.randint(0, 60)),
    )


def _voter_rows(
    first_number: int, count: int, pools: tuple[list[str], list[str]], rng: random.Random
) -> Iterator[list[tuple[str, str, str, str, str]]]:
    given, family = pools
    for start in range(0, count, BATCH_SIZE):
        stop = min(count, start + BATCH_SIZE)
        batch = []
        for i in range(start, stop):
            given_name, family_name = rng.choice(given), rng.choice(family)
            batch.append(
                (
                    str(first_number + i).zfill(VOTER_NUMBER_WIDTH),
                    given_name,
                    family_name,
                    search_name(family_name, given_name),
                    search_name_given_first(family_name, given_name),
                )
            )
        yield batch


VOTER_COLUMNS = "voter_number, given_name, family_name, search_name, search_name_given_first"


def _insert_voters(batches: Iterator[list[tuple[str, str, str, str, str]]]) -> None:
    table = Voter._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({VOTER_COLUMNS}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for batch in batches:
                    for row in batch:
                        copy.write_row(row)
        else:
            # Table names come from model metadata; every value is a bound parameter.
            sql = f"INSERT INTO {table} ({VOTER_COLUMNS}) VALUES (%s, %s, %s, %s, %s)"
            for batch in batches:
                cursor.executemany(sql, batch)


def _register_by_number_range(
    election: Election, centers: list[PollingCenter], sizes: list[int], first_number: int
) -> None:
    """Register each center's block of voter numbers with one INSERT … SELECT per center."""
    registrations = Registration._meta.db_table
    voters = Voter._meta.db_table
    sql = (
        f"INSERT INTO {registrations} (election_id, center_id, voter_id) "
        f"SELECT %s, %s, id FROM {voters} WHERE voter_number >= %s AND voter_number < %s "
        f"AND LENGTH(voter_number) = {VOTER_NUMBER_WIDTH}"
    )
    number = first_number
    with connection.cursor() as cursor:
        for center, size in zip(centers, sizes, strict=True):
            low = str(number).zfill(VOTER_NUMBER_WIDTH)
            high = str(number + size).zfill(VOTER_NUMBER_WIDTH)
            cursor.execute(sql, [election.pk, center.pk, low, high])
            number += size


def create_fake_voter_data(
    *,
    voters: int,
    election_name: str | None = None,
    seed: int | None = None,
    locale: str = "en_US",
    language: str | None = None,
) -> FakeDataResult:
    """Create ``voters`` voters registered over about ``voters / 1000`` new centers.

    A new election gets ``language`` (default: the locale's, else English); an existing one
    keeps its own, and the new registrations get their sort keys in it."""
    if isinstance(voters, bool) or not isinstance(voters, int) or voters <= 0:
        raise FakeDataError(f"The number of voters must be a positive integer, got {voters!r}")
    if voters > MAX_VOTERS:
        raise FakeDataError(
            f"{voters:,} voters is more than this command makes ({MAX_VOTERS:,} at most): "
            "the console is sized for about a million voters an election"
        )
    if election_name is not None:
        _election_name_check(election_name)
    if language is None:
        language = language_for_locale(locale)
    elif language not in Language.values:
        raise FakeDataError(
            f"Unknown election language {language!r}: use one of {', '.join(Language.values)}"
        )
    started = time.perf_counter()
    rng = random.Random(seed)
    fake = _faker(locale, seed)
    pools = _name_pools(fake, min(NAME_POOL_SIZE, max(50, voters)))
    n_centers = max(1, round(voters / VOTERS_PER_CENTER))
    sizes = center_sizes(voters, n_centers, rng)

    with transaction.atomic():
        election = _election(election_name, rng, language)
        existing = PollingCenter.objects.filter(election=election).count()
        centers = PollingCenter.objects.bulk_create(
            PollingCenter(
                election=election,
                code=f"C{existing + i + 1:05d}",
                name=f"{fake.last_name()} {rng.choice(CENTER_KINDS)}",
            )
            for i in range(n_centers)
        )
        first_number = _next_voter_number()
        _insert_voters(_voter_rows(first_number, voters, pools, rng))
        _register_by_number_range(election, centers, sizes, first_number)
        refresh_sort_keys(election=election, missing_only=True)
    if connection.vendor == "postgresql":
        # Fresh statistics after a bulk load, so the planner sees a million rows and not the
        # empty table it last analysed (it otherwise picks nested loops for assignment).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Voter._meta.db_table}, {Registration._meta.db_table}")

    return FakeDataResult(
        election=election,
        centers=n_centers,
        voters=voters,
        seconds=time.perf_counter() - started,
    )
