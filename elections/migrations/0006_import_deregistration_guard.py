from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("elections", "0005_voter_search_name")]

    operations = [
        migrations.AddField(
            model_name="registerimport",
            name="confirmed_deregistrations",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="registerimport",
            name="deregistration_sample",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="registerimport",
            name="renamed_elsewhere",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
