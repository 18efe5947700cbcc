"""Find a voter, voter pages, center filters, the registrations search and reprint in the admin."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from elections.models import PollingCenter, Registration, Voter
from rolls.models import Placement, Reprint, RollFile, Station
from rolls.services.publication import run_publish
from tests.factories import ElectionFactory, PollingCenterFactory, register_voters
from tests.support.runs import full_run
from tests.support.users import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(private_media):
    election = ElectionFactory(name="Console 2026", slug="console-2026", max_voters_per_station=50)
    for code in ("N1", "N2"):
        center = PollingCenterFactory(election=election, code=code, name=f"{code} Hall")
        register_voters(center, [(f"Fam{code}{i:03d}", f"Given{i:03d}") for i in range(60)])
    run = full_run(election)
    return run_publish(run_id=run.pk, published_by="test")


def test_find_a_voter_answers_station_page_and_row_with_links(staff_client, official):
    placement = Placement.objects.get(
        station__run=official, station__center__code="N2", station__number=1, position=25
    )
    response = staff_client.get(reverse("admin:elections_voter_find"), {"q": "Nobody Here"})
    assert b"No registered voter matches" in response.content
    voter = placement.voter
    response = staff_client.get(
        reverse("admin:elections_voter_find"),
        {"q": f"{voter.given_name} {voter.family_name}", "election": "console-2026"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert '<td class="station">1</td><td class="page">2</td><td class="row">25</td>' in page
    roll = RollFile.objects.get(run=official, center__code="N2", station_number=1, kind="roll")
    sign = RollFile.objects.get(run=official, center__code="N2", station_number=1, kind="sign")
    assert reverse("admin:rolls_run_roll_download", args=[official.pk, roll.pk]) in page
    assert reverse("admin:rolls_run_roll_download", args=[official.pk, sign.pk]) in page


def test_finding_voters_needs_the_voter_view_permission(client, official):
    client.force_login(make_user("outsider"))
    assert client.get(reverse("admin:elections_voter_find"), {"q": "x"}).status_code == 403


def test_a_voter_page_shows_registrations_with_center_and_station(staff_client, official):
    voter = Voter.objects.get(family_name="FamN1059")
    response = staff_client.get(reverse("admin:elections_voter_change", args=[voter.pk]))
    page = response.content.decode()
    assert 'id="where-they-vote"' in page and "N1 N1 Hall" in page
    assert '<td class="station">2</td>' in page  # 60 voters at 50 a station: 30 + 30


def test_registrations_are_found_by_full_name_in_either_order(staff_client, official):
    url = reverse("admin:elections_registration_changelist")
    for typed in ("FamN1007 Given007", "famn1007, GIVEN007", "Given007 FamN1007"):
        result = staff_client.get(url, {"q": typed}).context["cl"].result_list
        assert [r.voter.family_name for r in result] == ["FamN1007"]
    prefix = staff_client.get(url, {"q": "famn201"}).context["cl"].result_list
    assert len(prefix) == 10 and {r.center.code for r in prefix} == {"N2"}
    by_code = staff_client.get(url, {"q": "N1"}).context["cl"]
    assert by_code.result_count == 60


def test_registrations_and_stations_filter_by_center_with_an_autocomplete(staff_client, official):
    center = PollingCenter.objects.get(code="N2")
    url = reverse("admin:elections_registration_changelist")
    response = staff_client.get(url, {"center__id__exact": center.pk})
    assert {r.center_id for r in response.context["cl"].result_list} == {center.pk}
    page = response.content.decode()
    assert 'data-filter-param="center__id__exact"' in page and "admin-autocomplete" in page
    assert "elections/autocomplete_filter.js" in page
    assert staff_client.get(url, {"center__id__exact": "x"}).status_code in (200, 302)
    stations = staff_client.get(
        reverse("admin:rolls_station_changelist"), {"center__id__exact": center.pk}
    )
    assert {s.center_id for s in stations.context["cl"].result_list} == {center.pk}
    # The widget's JSON view answers from the center admin's search.
    found = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "elections",
            "model_name": "registration",
            "field_name": "center",
            "term": "N2",
        },
    ).json()
    assert [r["id"] for r in found["results"]] == [str(center.pk)]
    assert Registration.objects.count() == 120 and Station.objects.count() == 4


def test_reprint_from_the_run_page_is_recorded_with_who_and_why(staff_client, official):
    url = reverse("admin:rolls_run_reprint", args=[official.pk])
    refused = staff_client.post(url, {"center": "N1", "station": "1", "reason": ""}, follow=True)
    assert "Say why" in refused.content.decode()
    response = staff_client.post(
        url, {"center": "N1", "station": "1", "reason": "torn"}, follow=True
    )
    assert "Served as recorded" in response.content.decode()
    assert (
        list(Reprint.objects.values_list("requested_by", "reason", "outcome"))
        == [("admin:clerk", "torn", "served")] * 2
    )
    page = staff_client.get(reverse("admin:rolls_run_change", args=[official.pk])).content
    assert b'id="reprint"' in page


def test_a_reprint_kept_apart_downloads_under_its_own_name(staff_client, official):
    roll = RollFile.objects.get(run=official, center__code="N1", station_number=1, kind="roll")
    default_storage.delete(roll.path)
    PollingCenter.objects.filter(code="N1").update(name="N1 Hall (renamed)")
    staff_client.post(
        reverse("admin:rolls_run_reprint", args=[official.pk]),
        {"center": "N1", "station": "1", "reason": "lost"},
    )
    reprint = Reprint.objects.get(roll_file=roll)
    assert reprint.outcome == "separate"
    response = staff_client.get(
        reverse("admin:rolls_run_reprint_download", args=[official.pk, reprint.pk])
    )
    assert response.status_code == 200
    assert f"-REPRINT-{reprint.pk}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_find_a_voter_by_family_name_pages_many_matches(staff_client, db):
    election = ElectionFactory(name="Paged 2026", slug="paged-2026")
    center = PollingCenterFactory(election=election, code="P1", name="Paged Hall")
    register_voters(center, [("Lefèvre", f"Given{i:03d}") for i in range(120)])
    url = reverse("admin:elections_voter_find")
    page = staff_client.get(url, {"q": "LEFEVRE", "election": "paged-2026"}).content.decode()
    assert "Voters 1\u201350 of 120 matching" in page
    assert "Lefèvre, Given049" in page and "Lefèvre, Given050" not in page
    assert 'rel="prev"' not in page
    assert '?q=LEFEVRE&amp;election=paged-2026&amp;page=2" rel="next"' in page
    assert "P1 Paged Hall" in page
    page = staff_client.get(url, {"q": "LEFEVRE", "election": "paged-2026", "page": 3})
    page = page.content.decode()
    assert "Voters 101\u2013120 of 120 matching" in page and 'rel="next"' not in page
    assert "Lefèvre, Given119" in page and 'page=2" rel="prev"' in page
