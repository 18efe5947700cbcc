import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """The console's tables (runs, their splits, files and tasks), after the whole register."""

    initial = True

    dependencies = [
        ('elections', '0002_voter_search_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Run',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('strategy', models.CharField(max_length=80)),
                ('assignment_mode', models.CharField(choices=[('balanced', 'Balanced (sizes differ by at most one)'), ('sequential', 'Sequential (full stations, then the remainder)')], default='balanced', max_length=20)),
                ('center_ids', models.JSONField(blank=True, help_text='Only these centers; empty means the whole election.', null=True)),
                ('renders', models.BooleanField(default=True, help_text='False for assignment-only strategies.')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed')], default='queued', max_length=20)),
                ('started_by', models.CharField(help_text='admin:USERNAME, cli, or schedule:SCHEDULE NAME', max_length=200)),
                ('root_task_id', models.CharField(blank=True, max_length=255)),
                ('queued_at', models.DateTimeField(auto_now_add=True)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('centers_total', models.PositiveIntegerField(default=0)),
                ('centers_assigned', models.PositiveIntegerField(default=0)),
                ('stations_total', models.PositiveIntegerField(default=0)),
                ('stations_done', models.PositiveIntegerField(default=0)),
                ('pages', models.PositiveIntegerField(default=0)),
                ('error', models.TextField(blank=True)),
                ('empty_centers', models.JSONField(blank=True, default=list)),
                ('launch_pending_since', models.DateTimeField(blank=True, default=django.utils.timezone.now, help_text="Set until the run's first tasks are queued.", null=True)),
                ('election', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='elections.election')),
            ],
            options={
                'ordering': ['-queued_at'],
                'permissions': [('generate_rolls', 'Can start roll generation runs'), ('schedule_rolls', 'Can schedule roll generation'), ('download_rolls', 'Can download voter roll PDFs')],
            },
        ),
        migrations.CreateModel(
            name='RollFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('station_number', models.PositiveIntegerField()),
                ('voters', models.PositiveIntegerField()),
                ('path', models.CharField(max_length=500)),
                ('pages', models.PositiveIntegerField()),
                ('bytes', models.PositiveBigIntegerField()),
                ('sha256', models.CharField(max_length=64)),
                ('task_id', models.CharField(blank=True, max_length=255)),
                ('rendered_at', models.DateTimeField(auto_now_add=True)),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='elections.pollingcenter')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roll_files', to='rolls.run')),
            ],
            options={
                'ordering': ['center__code', 'station_number'],
            },
        ),
        migrations.CreateModel(
            name='RunCenter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stations', models.PositiveIntegerField()),
                ('voters', models.PositiveIntegerField()),
                ('assigned_at', models.DateTimeField(auto_now_add=True)),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='elections.pollingcenter')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='run_centers', to='rolls.run')),
            ],
        ),
        migrations.CreateModel(
            name='RunTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('task_id', models.CharField(max_length=255, unique=True)),
                ('task_name', models.CharField(max_length=255)),
                ('center_id', models.BigIntegerField(blank=True, null=True)),
                ('station_number', models.PositiveIntegerField(blank=True, null=True)),
                ('first_seen', models.DateTimeField(auto_now_add=True)),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='rolls.run')),
            ],
        ),
        migrations.CreateModel(
            name='Station',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('voter_count', models.PositiveIntegerField()),
                ('first_voter_number', models.CharField(blank=True, max_length=20)),
                ('first_voter_name', models.CharField(blank=True, max_length=1001)),
                ('last_voter_number', models.CharField(blank=True, max_length=20)),
                ('last_voter_name', models.CharField(blank=True, max_length=1001)),
                ('assigned_at', models.DateTimeField(auto_now_add=True)),
                ('center', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stations', to='elections.pollingcenter')),
                ('election', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stations', to='elections.election')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stations', to='rolls.run')),
            ],
            options={
                'ordering': ['run', 'center', 'number'],
            },
        ),
        migrations.CreateModel(
            name='Placement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(help_text="Row number on the station's roll.")),
                ('voter', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='placements', to='elections.voter')),
                ('run', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='placements', to='rolls.run')),
                ('station', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='placements', to='rolls.station')),
            ],
        ),
        migrations.AddIndex(
            model_name='run',
            index=models.Index(fields=['election', 'strategy', '-finished_at'], name='rolls_run_electio_98cd41_idx'),
        ),
        migrations.AddConstraint(
            model_name='run',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['queued', 'running'])), fields=('election',), name='one_active_run_per_election', violation_error_message='This election already has a run in progress.'),
        ),
        migrations.AddConstraint(
            model_name='rollfile',
            constraint=models.UniqueConstraint(fields=('run', 'center', 'station_number'), name='station_rendered_once_per_run'),
        ),
        migrations.AddConstraint(
            model_name='runcenter',
            constraint=models.UniqueConstraint(fields=('run', 'center'), name='center_assigned_once_per_run'),
        ),
        migrations.AddIndex(
            model_name='runtask',
            index=models.Index(fields=['run', 'first_seen'], name='rolls_runta_run_id_da4a1e_idx'),
        ),
        migrations.AddConstraint(
            model_name='station',
            constraint=models.UniqueConstraint(fields=('run', 'center', 'number'), name='station_number_unique_per_run_center'),
        ),
        migrations.AddConstraint(
            model_name='station',
            constraint=models.CheckConstraint(condition=models.Q(('number__gte', 1)), name='station_number_positive'),
        ),
        migrations.AddConstraint(
            model_name='station',
            constraint=models.CheckConstraint(condition=models.Q(('voter_count__gte', 1)), name='station_not_empty'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.UniqueConstraint(fields=('station', 'position'), name='placement_row_once_per_station'),
        ),
        migrations.AddConstraint(
            model_name='placement',
            constraint=models.UniqueConstraint(fields=('run', 'voter'), name='placement_voter_once_per_run'),
        ),
    ]
