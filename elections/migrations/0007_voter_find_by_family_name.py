"""Find a voter by a family name alone or by a prefix of either name.

Adds the folded "given family" beside the folded "family given" (each with a prefix index),
and refolds ``search_name`` too: folding now also drops the Arabic tatweel.
"""

from django.db import migrations, models

from elections.folding import search_name, search_name_given_first

BATCH = 5000


def fill(apps, schema_editor):
    """Fold the names of voters already in the register, a batch at a time (before the
    index is built, so the writes do not maintain it row by row)."""
    Voter = apps.get_model("elections", "Voter")
    voters = Voter.objects.only("family_name", "given_name", "search_name").order_by("pk")
    batch = []
    for voter in voters.iterator(chunk_size=BATCH):
        voter.search_name = search_name(voter.family_name, voter.given_name)
        voter.search_name_given_first = search_name_given_first(
            voter.family_name, voter.given_name
        )
        batch.append(voter)
        if len(batch) >= BATCH:
            Voter.objects.bulk_update(batch, ["search_name", "search_name_given_first"])
            batch = []
    Voter.objects.bulk_update(batch, ["search_name", "search_name_given_first"])


class Migration(migrations.Migration):
    dependencies = [("elections", "0006_import_deregistration_guard")]

    operations = [
        migrations.AddField(
            model_name="voter",
            name="search_name_given_first",
            field=models.CharField(blank=True, editable=False, max_length=1001),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="voter",
            index=models.Index(
                fields=["search_name_given_first"],
                name="voter_search_given_first_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
