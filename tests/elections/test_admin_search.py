"""The voter search of the admin stays an index search at a million voters (PostgreSQL)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import VoterFactory

pytestmark = pytest.mark.django_db


def test_voter_search_count_uses_the_prefix_indexes(client):
    if connection.vendor != "postgresql":
        pytest.skip("expression indexes for the admin search exist on PostgreSQL only")
    VoterFactory.create_batch(5, family_name="Smith")
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 12))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a tiny table: make the plan show intent
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:elections_voter_changelist"), {"q": "smi"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 5
    count_sql = next(q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + count_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in (
        "voter_number_upper",
        "voter_family_name_upper_prefix",
        "voter_given_name_upper_prefix",
    ):
        assert index in plan
