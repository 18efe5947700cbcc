import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rolls", "0004_started_by_help")]

    operations = [
        # Added without a default first, so runs that exist already are not taken for runs
        # waiting to be queued (the default then applies to new runs only).
        migrations.AddField(
            model_name="run",
            name="launch_pending_since",
            field=models.DateTimeField(
                blank=True, null=True, help_text="Set until the run's first tasks are queued."
            ),
        ),
        migrations.AlterField(
            model_name="run",
            name="launch_pending_since",
            field=models.DateTimeField(
                blank=True,
                null=True,
                default=django.utils.timezone.now,
                help_text="Set until the run's first tasks are queued.",
            ),
        ),
    ]
