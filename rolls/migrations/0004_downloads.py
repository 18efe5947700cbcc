"""Who downloaded which roll or zip: the audit trail of personal data leaving the console."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

roles = importlib.import_module("rolls.migrations.0002_roles")


def staff_see_downloads(apps, schema_editor):
    """Election staff read the trail; observers, who see no personal data, do not."""
    roles.grant(apps, "view_download", ["Election staff"])


class Migration(migrations.Migration):

    dependencies = [
        ('rolls', '0003_official_sets_and_carry_over'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Download',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('run_number', models.PositiveIntegerField()),
                ('username', models.CharField(max_length=150)),
                ('kind', models.CharField(choices=[('roll', 'Station roll'), ('run zip', 'Zip of the run'), ('center zip', 'Zip of a center'), ('manifest', 'Manifest'), ('changes', 'What changed (CSV)')], max_length=20)),
                ('name', models.CharField(help_text='The file name the browser was given.', max_length=500)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('at', models.DateTimeField(auto_now_add=True)),
                ('roll_file', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='rolls.rollfile')),
                ('run', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='downloads', to='rolls.run')),
                ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-at'],
                'indexes': [models.Index(fields=['run', '-at'], name='download_run_at_idx')],
            },
        ),
        migrations.RunPython(staff_see_downloads, migrations.RunPython.noop),
    ]
