from django.db import migrations, models

from elections.folding import search_name

BATCH = 5000


def fill(apps, schema_editor):
    """Fold the names of voters already in the register (before the index is built)."""
    Voter = apps.get_model("elections", "Voter")
    batch = []
    for voter in Voter.objects.only("family_name", "given_name").iterator(chunk_size=BATCH):
        voter.search_name = search_name(voter.family_name, voter.given_name)
        batch.append(voter)
        if len(batch) >= BATCH:
            Voter.objects.bulk_update(batch, ["search_name"])
            batch = []
    Voter.objects.bulk_update(batch, ["search_name"])


class Migration(migrations.Migration):
    dependencies = [("elections", "0004_election_language_and_registration_sort_key")]

    operations = [
        migrations.AddField(
            model_name="voter",
            name="search_name",
            field=models.CharField(blank=True, editable=False, max_length=1001),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="voter",
            index=models.Index(
                fields=["search_name"],
                name="voter_search_name_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
