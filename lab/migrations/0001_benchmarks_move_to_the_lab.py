"""The strategy lab takes over benchmarks from the console's app.

The table stays where it is (``rolls_benchmark``: the model names it), so nothing is copied:
the state moves, and so do its content type and permissions (the roles keep
"can view benchmark"). A run's link to its benchmark moves out of the run into the lab's
own table (``lab_benchmarkrun``), copied here before ``rolls`` 0020 drops the run's columns.
"""

import django.db.models.deletion
from django.db import migrations, models


def take_over(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="lab", model="benchmark").exists():
        content_types.objects.filter(app_label="rolls", model="benchmark").update(app_label="lab")
    runs = apps.get_model("rolls", "Run")
    entries = apps.get_model("lab", "BenchmarkRun")
    linked = (
        runs.objects.filter(benchmark__isnull=False)
        .order_by("benchmark_id", "benchmark_position", "pk")
        .values_list("pk", "benchmark_id", "benchmark_position")
    )
    taken = set()
    for run_id, benchmark_id, position in linked.iterator():
        # Positions were claimed one by one; a run without one (never seen) goes after.
        while position is None or (benchmark_id, position) in taken:
            position = 0 if position is None else position + 1
        taken.add((benchmark_id, position))
        entries.objects.create(benchmark_id=benchmark_id, position=position, run_id=run_id)


def give_back(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="rolls", model="benchmark").exists():
        content_types.objects.filter(app_label="lab", model="benchmark").update(app_label="rolls")
    runs = apps.get_model("rolls", "Run")
    for entry in apps.get_model("lab", "BenchmarkRun").objects.iterator():
        runs.objects.filter(pk=entry.run_id).update(
            benchmark_id=entry.benchmark_id, benchmark_position=entry.position
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('elections', '0009_verbose_names_in_every_language'),
        ('rolls', '0019_verbose_names_in_every_language'),
    ]
    # The run's columns are read here, then dropped there.
    run_before = [
        ('rolls', '0020_benchmarks_move_to_the_lab'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Benchmark',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('strategies', models.JSONField(verbose_name='strategies')),
                        ('repeats', models.PositiveIntegerField(verbose_name='repeats')),
                        ('plan', models.JSONField(help_text='Strategy names in the order their runs are started.', verbose_name='plan')),
                        ('assignment_mode', models.CharField(default='balanced', max_length=20, verbose_name='assignment mode')),
                        ('center_ids', models.JSONField(blank=True, null=True, verbose_name='center ids')),
                        ('next_position', models.PositiveIntegerField(default=0, verbose_name='next position')),
                        ('status', models.CharField(choices=[('running', 'Running'), ('finished', 'Finished'), ('failed', 'Failed')], default='running', max_length=20, verbose_name='status')),
                        ('started_by', models.CharField(max_length=200, verbose_name='started by')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('election', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='benchmarks', to='elections.election', verbose_name='election')),
                    ],
                    options={
                        'verbose_name': 'benchmark',
                        'verbose_name_plural': 'benchmarks',
                        'db_table': 'rolls_benchmark',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name='BenchmarkRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(verbose_name='benchmark position')),
                ('benchmark', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='lab.benchmark', verbose_name='benchmark')),
                ('run', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='benchmark_entry', to='rolls.run', verbose_name='run')),
            ],
            options={
                'verbose_name': 'benchmark run',
                'verbose_name_plural': 'benchmark runs',
                'ordering': ['benchmark', 'position'],
                'constraints': [models.UniqueConstraint(fields=('benchmark', 'position'), name='lab_one_run_per_benchmark_position')],
            },
        ),
        migrations.RunPython(take_over, give_back),
    ]
