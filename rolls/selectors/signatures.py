"""The signatures of published sets, as the console's pages show them."""

from __future__ import annotations

from rolls.models import Run, SetSignature


def run_set_signature(run_id: int) -> SetSignature | None:
    """The signed manifest of the run's set (None: never published, or published before
    sets were signed)."""
    return SetSignature.objects.filter(run_id=run_id).first()


def official_set_signature(election_id: int) -> SetSignature | None:
    """The signature of the election's official set, if it has one."""
    official = Run.objects.official().filter(election_id=election_id).values("pk")
    return SetSignature.objects.filter(run__in=official).first()
