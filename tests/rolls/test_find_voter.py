"""Finding a voter's station, page and row by number or by name, and the folded names."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from elections.folding import fold, name_candidates
from elections.models import Voter
from rolls.models import Placement, RollFile, Station
from rolls.selectors import voters as voter_selectors
from rolls.selectors.voters import PAGE_SIZE, roll_page, voters_find
from rolls.services.publication import run_publish
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.rolls.helpers import read_pdf
from tests.support.runs import full_run


def test_fold_drops_accents_case_and_punctuation():
    assert fold("SÁNCHEZ-Pérez,  José") == "sanchez perez jose"
    assert fold("Straße") == "strasse"
    assert fold("Øster  Ålund") == "øster alund"  # a letter without a decomposition stays
    assert fold("محمد") == "محمد"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("lefevre", "Lefèvre"),
        ("семенова", "Семёнова"),
        ("семенова".upper(), "Семенова"),
        ("strasse", "Straße"),
        ("παπαδοπουλος", "Παπαδόπουλος"),
        ("محمد", "مُحَمَّـــد"),  # harakat and tatweel
        ("احمد", "أحمد"),  # the hamza on its carrier is a mark too
    ],
)
def test_every_script_folds_accents_case_and_arabic_marks_alike(typed, stored):
    assert fold(typed) == fold(stored)


def test_a_full_name_in_either_order_gives_the_stored_key():
    stored = fold("Smith Robert")
    for typed in ("Smith Robert", "Smith, Robert", "robert SMITH", "  Robert ,Smith "):
        assert stored in name_candidates(typed)
    assert name_candidates("") == []


def test_roll_pages_count_the_cover_first():
    assert (roll_page(1), roll_page(40), roll_page(41), roll_page(80), roll_page(81)) == (
        2,
        2,
        3,
        3,
        4,
    )


@pytest.fixture
def published(private_media):
    election = ElectionFactory(name="Lookup 2026", slug="lookup-2026", max_voters_per_station=50)
    center = PollingCenterFactory(election=election, code="C1", name="Harbour School")
    names = [(f"Fam{i:03d}", f"Given{i:03d}") for i in range(129)] + [("Sánchez-Pérez", "José")]
    register_voters(center, names)
    run = full_run(election)
    run_publish(run_id=run.pk, published_by="test")
    run.refresh_from_db()
    return run


def on_roll_page(run, station: Station, voter_number: str, page: int) -> bool:
    roll = RollFile.objects.rolls().get(
        run=run, center=station.center, station_number=station.number
    )
    return voter_number in (read_pdf(roll.path).pages[page - 1].extract_text() or "")


@pytest.mark.django_db
def test_the_first_and_last_voter_of_a_station_and_one_on_page_two_are_found(published):
    run = published
    station = Station.objects.get(run=run, number=2)
    rows = Placement.objects.filter(station=station)
    for placement in (
        rows.get(position=1),
        rows.get(position=station.voter_count),
        rows.get(position=41),  # the first row of the roll's second page of names
    ):
        (answer,) = voters_find(placement.voter_number).answers
        assert answer.official.run_id == run.pk and answer.latest is None
        assert (answer.official.station, answer.official.row) == (2, placement.position)
        assert answer.official.page == roll_page(placement.position)
        assert on_roll_page(run, station, placement.voter_number, answer.official.page)
        sign = RollFile.objects.get(pk=answer.official.sign_file_id)
        assert (sign.kind, sign.station_number) == ("sign", 2)
    assert voters_find(rows.get(position=41).voter_number).answers[0].official.page == 3


@pytest.mark.django_db
def test_a_name_is_found_in_either_order_without_accents_or_case(published):
    voter = Voter.objects.get(family_name="Sánchez-Pérez")
    assert voter.search_name == "sanchez perez jose"
    for typed in ("Sanchez-Perez Jose", "sánchez pérez, JOSÉ", "Jose Sanchez Perez"):
        (answer,) = voters_find(typed).answers
        assert answer.voter_number == voter.voter_number
        assert answer.center_code == "C1" and answer.official is not None
    assert voters_find("Nobody Atall").answers == []


@pytest.mark.django_db
def test_a_later_run_is_answered_beside_the_official_set(published):
    later = full_run(published.election)
    (answer,) = voters_find("Fam000, Given000").answers
    assert answer.official.run_id == published.pk
    assert answer.latest.run_id == later.pk and answer.latest.set_status == "draft"


@pytest.mark.django_db
def test_find_voter_command_prints_station_page_and_row(published, capsys):
    call_command("find_voter", "Given005 Fam005", "--election", "lookup-2026")
    out = capsys.readouterr().out
    assert out.startswith("In lookup-2026 (Lookup 2026):\n")
    assert "Fam005, Given005: Lookup 2026 (lookup-2026), center C1 Harbour School" in out
    assert f"official set (run {published.pk}, official): station 1, page 2, row 6" in out
    with pytest.raises(CommandError, match="No registered voter matches"):
        call_command("find_voter", "Nobody")


@pytest.fixture
def many_scripts(db):
    election = ElectionFactory(name="Scripts 2026", slug="scripts-2026")
    center = PollingCenterFactory(election=election, code="S1", name="Mairie")
    register_voters(
        center,
        [
            ("Lefèvre", "Anne"),
            ("Lefebvre", "Paul"),
            ("Семёнова", "Ольга"),
            ("Семенова", "Анна"),
            ("Семенов", "Пётр"),
            ("Straße", "Jürgen"),
            ("Παπαδόπουλος", "Γιώργος"),
            ("مُحَمَّـــد", "عَلِيّ"),
            ("Martin", "Lefèvre"),  # a given name that is someone else's family name
        ],
    )
    return election


def found_names(query: str, **kwargs) -> list[str]:
    return [answer.name for answer in voters_find(query, **kwargs).answers]


@pytest.mark.django_db
def test_a_family_name_alone_finds_every_voter_of_it_in_any_script(many_scripts):
    assert found_names("Lefevre") == ["Lefèvre, Anne", "Martin, Lefèvre"]
    assert found_names("семенова") == ["Семенова, Анна", "Семёнова, Ольга"]
    assert found_names("STRASSE") == ["Straße, Jürgen"]
    assert found_names("παπαδοπουλος") == ["Παπαδόπουλος, Γιώργος"]
    assert found_names("محمد") == ["مُحَمَّـــد, عَلِيّ"]


@pytest.mark.django_db
def test_a_prefix_of_the_family_or_given_name_finds_the_voter(many_scripts):
    assert found_names("lef") == ["Lefebvre, Paul", "Lefèvre, Anne", "Martin, Lefèvre"]
    assert found_names("семен") == ["Семенов, Пётр", "Семенова, Анна", "Семёнова, Ольга"]
    assert found_names("olg") == []  # a prefix, not a transliteration
    assert found_names("ольг") == ["Семёнова, Ольга"]
    assert found_names("jurg") == ["Straße, Jürgen"]
    assert found_names("пётр сем") == ["Семенов, Пётр"]  # every word a prefix, any order
    assert found_names("lef ann") == ["Lefèvre, Anne"]
    assert found_names("علي") == ["مُحَمَّـــد, عَلِيّ"]


@pytest.mark.django_db
def test_a_voter_number_finds_only_that_voter(many_scripts):
    number = Voter.objects.get(family_name="Lefebvre").voter_number
    assert found_names(number) == ["Lefebvre, Paul"]
    assert found_names(number, election=many_scripts) == ["Lefebvre, Paul"]
    assert found_names("Lefebvre", election=ElectionFactory()) == []


@pytest.fixture
def crowd(db):
    election = ElectionFactory(name="Crowd 2026", slug="crowd-2026")
    center = PollingCenterFactory(election=election, code="K1", name="Gym")
    register_voters(center, [("Semenova", f"Given{i:03d}") for i in range(PAGE_SIZE * 2 + 20)])
    register_voters(center, [("Other", "Person")])
    return election


@pytest.mark.django_db
def test_many_matches_are_paged_in_name_order_with_the_total(crowd):
    first = voters_find("semenova")
    assert (first.voters, first.more, first.first, first.last, first.page, first.has_next) == (
        120,
        False,
        1,
        50,
        1,
        True,
    )
    assert [a.name for a in first.answers][:2] == ["Semenova, Given000", "Semenova, Given001"]
    last = voters_find("semenova", page=3)
    assert (last.first, last.last, len(last.answers), last.has_next) == (101, 120, 20, False)
    assert last.answers[-1].name == "Semenova, Given119"
    assert voters_find("semenova", page="junk").page == 1
    assert voters_find("semenova", page=99).page == 3


@pytest.mark.django_db
def test_without_an_official_set_the_latest_runs_split_is_shown_and_said(crowd):
    run = full_run(crowd)
    (answer,) = voters_find("Other Person").answers
    ((label, place),) = answer.places
    assert "latest run" in label and "no official set" in label
    assert place.run_id == run.pk and place.station == 1


@pytest.mark.django_db
def test_find_voter_command_pages_through_many_matches(crowd, capsys):
    call_command("find_voter", "semenova", "--page", "2")
    out = capsys.readouterr().out
    assert "voters 51-100 of 120 (page 2)" in out
    assert "Semenova, Given050" in out and "Semenova, Given049" not in out
    assert "(more: --page 3)" in out


@pytest.mark.django_db
def test_past_the_counting_limit_the_page_says_more_and_still_pages_to_the_end(crowd, monkeypatch):
    monkeypatch.setattr(voter_selectors, "COUNT_UP_TO", 30)
    register_voters(crowd.centers.get(), [("Adams", "Semyon")])  # found by the given name
    first = voters_find("sem")
    assert (first.voters, first.more, first.last, first.has_next) == (31, True, 50, True)
    last = voters_find("sem", page=3)
    assert (last.first, last.last, last.has_next) == (101, 121, False)
    assert [a.name for a in last.answers][-2:] == ["Semenova, Given119", "Adams, Semyon"]
    assert voters_find("sem", page=9).page == 1  # past an end that was not counted
