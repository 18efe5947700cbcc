"""What each run was measured on (worker setup, template version, voters), and benchmarks:
strategies repeated and interleaved on the same work, with their runs in order."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

roles = importlib.import_module("rolls.migrations.0002_roles")


def both_roles_see_benchmarks(apps, schema_editor):
    """Benchmark pages hold timings, no personal data: observers read them like the runs."""
    roles.grant(apps, "view_benchmark", ["Election staff", "Observer"])


class Migration(migrations.Migration):

    dependencies = [
        ('elections', '0002_voter_search_indexes'),
        ('rolls', '0006_runtask_state_from_task_results'),
    ]

    operations = [
        migrations.AddField(
            model_name='run',
            name='benchmark_position',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='run',
            name='template_version',
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name='run',
            name='voters_total',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='run',
            name='worker_setup',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.CreateModel(
            name='Benchmark',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('strategies', models.JSONField()),
                ('repeats', models.PositiveIntegerField()),
                ('plan', models.JSONField(help_text='Strategy names in the order their runs are started.')),
                ('assignment_mode', models.CharField(default='balanced', max_length=20)),
                ('center_ids', models.JSONField(blank=True, null=True)),
                ('next_position', models.PositiveIntegerField(default=0)),
                ('status', models.CharField(choices=[('running', 'Running'), ('finished', 'Finished'), ('failed', 'Failed')], default='running', max_length=20)),
                ('started_by', models.CharField(max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('error', models.TextField(blank=True)),
                ('election', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='benchmarks', to='elections.election')),
            ],
            options={
                'ordering': ['-created_at'],
            },
        ),
        migrations.AddField(
            model_name='run',
            name='benchmark',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='runs', to='rolls.benchmark'),
        ),
        migrations.RunPython(both_roles_see_benchmarks, migrations.RunPython.noop),
    ]
