"""Runs record what they were generated for (provisional lists or final rolls).

Every run made before this printed "Draft roll set: run N, not the official set of X when
printed" on its covers: they are recorded as legacy drafts, so the run page can explain those
words, they stay publishable as they were, and their reprints print the same words.
"""

from django.db import migrations, models


def record_legacy_drafts(apps, schema_editor):
    Run = apps.get_model("rolls", "Run")
    Run.objects.all().update(purpose="draft-legacy")


class Migration(migrations.Migration):
    dependencies = [
        ("rolls", "0012_file_damage"),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="purpose",
            field=models.CharField(
                choices=[
                    ("provisional", "Provisional lists for public display and checking"),
                    ("final", "Final rolls for polling day"),
                    ("draft-legacy", "Draft (printed before purposes existed)"),
                ],
                default="final",
                help_text=(
                    "What the rolls are for, printed on every page; only final rolls are "
                    "published."
                ),
                max_length=20,
            ),
        ),
        migrations.RunPython(record_legacy_drafts, migrations.RunPython.noop, elidable=False),
    ]
