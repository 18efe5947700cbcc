"""Benchmarks belong to the strategy lab (``lab`` 0001, which runs before this and copies
each run's link to its benchmark): a run no longer names one, and the model leaves this
app's state. Its table stays (``lab.Benchmark`` names it)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('rolls', '0019_verbose_names_in_every_language'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='run',
            name='benchmark',
        ),
        migrations.RemoveField(
            model_name='run',
            name='benchmark_position',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Benchmark')],
            database_operations=[],
        ),
    ]
