import random
import unicodedata

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from elections.folding import search_name, search_name_given_first
from elections.models import Election, PollingCenter, Registration, Voter
from elections.services.fake_data import (
    FakeDataError,
    center_sizes,
    create_fake_voter_data,
)

pytestmark = pytest.mark.django_db


def center_size_list(election: Election) -> list[int]:
    return list(
        PollingCenter.objects.filter(election=election)
        .annotate(n=Count("registrations"))
        .order_by("code")
        .values_list("n", flat=True)
    )


def test_creates_n_voters_each_registered_once_over_about_one_center_per_thousand():
    result = create_fake_voter_data(voters=5_000, election_name="Spring", seed=3)
    assert Voter.objects.count() == 5_000
    assert Registration.objects.filter(election=result.election).count() == 5_000
    assert Registration.objects.values("voter").distinct().count() == 5_000
    assert PollingCenter.objects.filter(election=result.election).count() == 5
    assert sum(center_size_list(result.election)) == 5_000


def test_fake_voters_carry_both_folded_names_that_find_them():
    create_fake_voter_data(voters=50, election_name="Spring", seed=3, locale="ru_RU")
    for voter in Voter.objects.all():
        assert voter.search_name == search_name(voter.family_name, voter.given_name)
        assert voter.search_name_given_first == search_name_given_first(
            voter.family_name, voter.given_name
        )


def test_center_sizes_are_skewed_like_a_dirichlet_draw_and_add_up():
    sizes = center_sizes(1_000_000, 1_000, random.Random(7))
    assert sum(sizes) == 1_000_000
    assert min(sizes) >= 1
    assert min(sizes) < 50  # some centers are tiny ...
    assert max(sizes) > 4_000  # ... and some hold thousands


def test_same_seed_gives_the_same_data():
    first = create_fake_voter_data(voters=1_500, election_name="One", seed=42)
    second = create_fake_voter_data(voters=1_500, election_name="Two", seed=42)

    def names(election):
        return list(
            Registration.objects.filter(election=election)
            .order_by("voter__voter_number")
            .values_list("voter__family_name", "voter__given_name", "center__name")
        )

    assert names(first.election) == names(second.election)
    assert center_size_list(first.election) == center_size_list(second.election)
    third = create_fake_voter_data(voters=1_500, election_name="Three", seed=43)
    assert names(third.election) != names(first.election)


def test_voter_numbers_continue_after_existing_voters():
    create_fake_voter_data(voters=100, election_name="One", seed=1)
    create_fake_voter_data(voters=100, election_name="Two", seed=1)
    numbers = sorted(Voter.objects.values_list("voter_number", flat=True))
    assert numbers == [str(i).zfill(10) for i in range(1, 201)]


@pytest.mark.parametrize(
    ("locale", "script"),
    [("ja_JP", "CJK"), ("ru_RU", "CYRILLIC"), ("ar_AA", "ARABIC")],
)
def test_locale_gives_names_in_that_script(locale, script):
    create_fake_voter_data(voters=200, election_name=locale, seed=5, locale=locale)
    names = Voter.objects.values_list("family_name", flat=True)
    in_script = [n for n in names if any(script in unicodedata.name(ch, "") for ch in n)]
    assert len(in_script) > 150


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
def test_a_bad_count_is_refused_and_nothing_is_written(bad):
    with pytest.raises(FakeDataError, match="positive integer"):
        create_fake_voter_data(voters=bad)
    assert not Election.objects.exists()
    assert not Voter.objects.exists()


@pytest.mark.parametrize(("arg", "message"), [("0", "at least 1"), ("ten", "whole number")])
def test_command_refuses_bad_n_with_a_clear_error(arg, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_fake_voter_data", arg)
    assert not Voter.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["5000001"], r"5,000,001 voters is more than this command makes \(5,000,000 at most\)"),
        (["99999999999999999999999"], "must be at most 2,147,483,647"),
        (["10", "--election", "x" * 300], "at most 200 characters; this one has 300"),
        (["10", "--election", "   "], "The election name is empty"),
    ],
)
def test_command_refuses_absurd_sizes_and_names_with_a_message(args, message):
    """On PostgreSQL a 300-character name was a DataError traceback; SQLite saved it."""
    with pytest.raises(CommandError, match=message):
        call_command("create_fake_voter_data", *args)
    assert not Election.objects.exists() and not Voter.objects.exists()


def test_a_long_election_name_that_fits_gets_a_slug_that_fits():
    name = "Élection " + "x" * 190
    result = create_fake_voter_data(voters=5, election_name=name, seed=1)
    assert result.election.name == name and len(result.election.slug) <= 200


def test_unknown_locale_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="Unknown locale 'xx_XX'"):
        call_command("create_fake_voter_data", "10", "--locale", "xx_XX")
    assert not Voter.objects.exists()


def test_command_is_compatible_with_the_talk_and_reports_what_it_made(capsys):
    call_command("create_fake_voter_data", "2500", "--seed", "9")
    assert "Created 2,500 voters in 2 centers for 'Demo election'" in capsys.readouterr().out
    assert Registration.objects.count() == 2_500


def test_a_new_election_takes_its_locales_language_and_every_registration_its_key():
    call_command("create_fake_voter_data", "300", "--election", "Rus", "--locale", "ru_RU")
    call_command("create_fake_voter_data", "50", "--election", "Jap", "--locale", "ja_JP")
    call_command(
        "create_fake_voter_data", "50", "--election", "Swe", "--locale", "en_US", "--language", "sv"
    )

    languages = dict(Election.objects.values_list("name", "language"))
    assert languages == {"Rus": "ru", "Jap": "en", "Swe": "sv"}  # no Japanese roll catalog
    assert not Registration.objects.filter(sort_key__isnull=True).exists()


def test_an_unknown_language_is_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="Unknown election language 'xx'"):
        call_command("create_fake_voter_data", "10", "--language", "xx")
    assert not Voter.objects.exists() and not Election.objects.exists()
