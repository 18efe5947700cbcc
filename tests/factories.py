"""factory_boy factories for the election data."""

import datetime

import factory

from elections.folding import search_name, search_name_given_first
from elections.models import Election, PollingCenter, Registration, Voter
from elections.services.collation import registration_sort_key


class ElectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Election

    name = factory.Sequence(lambda n: f"Election {n}")
    slug = factory.Sequence(lambda n: f"election-{n}")
    polling_date = datetime.date(2026, 12, 6)


class PollingCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PollingCenter

    election = factory.SubFactory(ElectionFactory)
    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Center {n} Primary School")


class VoterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voter

    voter_number = factory.Sequence(lambda n: f"V{n:09d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    center = factory.SubFactory(PollingCenterFactory)
    election = factory.SelfAttribute("center.election")
    voter = factory.SubFactory(VoterFactory)
    sort_key = factory.LazyAttribute(
        lambda o: registration_sort_key(election=o.election, voter=o.voter)
    )


def register_voters(center: PollingCenter, names: list[tuple[str, str]]) -> list[Registration]:
    """Register one new voter per (family, given) name at ``center``, in bulk."""
    start = Voter.objects.count()
    voters = Voter.objects.bulk_create(
        Voter(
            voter_number=f"R{start + i:09d}",
            family_name=family,
            given_name=given,
            search_name=search_name(family, given),
            search_name_given_first=search_name_given_first(family, given),
        )
        for i, (family, given) in enumerate(names)
    )
    return Registration.objects.bulk_create(
        Registration(
            election=center.election,
            center=center,
            voter=voter,
            sort_key=registration_sort_key(election=center.election, voter=voter),
        )
        for voter in voters
    )
