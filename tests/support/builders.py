"""The one builder of an election with centers and registered voters."""

from __future__ import annotations

from collections.abc import Mapping

from elections.models import Election
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters

CENTER_SIZES = {"A": 45, "B": 130}  # 50 voters a station at most -> 1 + 3 stations


def build_election(
    name: str | None = "General 2026",
    *,
    centers: Mapping[str, int] = CENTER_SIZES,
    max_per_station: int = 50,
    **fields,
) -> Election:
    """An election with one center per ``centers`` entry (code -> voters), each voter with a
    family name unique in the election. ``name=None`` takes the factory's next name, for
    tests that build several elections (names are unique)."""
    if name is not None:
        fields["name"] = name
    election = ElectionFactory(max_voters_per_station=max_per_station, **fields)
    for code, size in centers.items():
        center = PollingCenterFactory(election=election, code=code, name=f"{code} School")
        register_voters(center, [(f"Fam{code}{i:04d}", f"Given{i % 5}") for i in range(size)])
    return election
