import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The register (elections, centers, voters, registrations), which knows nothing of the
    console: a new database migrates it first, then the console (rolls). The migrations were
    started afresh in this shape (rolls.checks explains what to do with an older database).
    """

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='Election',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, unique=True)),
                ('slug', models.SlugField(max_length=200, unique=True)),
                ('polling_date', models.DateField()),
                ('max_voters_per_station', models.PositiveIntegerField(default=500, help_text='Stations of a center never hold more voters than this.')),
                ('time_zone', models.CharField(default='UTC', help_text='Schedules for this election run in this time zone (e.g. Europe/Paris).', max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ['-polling_date', 'name'],
                'constraints': [models.CheckConstraint(condition=models.Q(('max_voters_per_station__gte', 1)), name='election_max_voters_per_station_positive'), models.CheckConstraint(condition=models.Q(('slug__regex', '^[-a-zA-Z0-9_]+\\Z')), name='election_slug_letters_digits_dashes', violation_error_message='The slug may hold only ASCII letters, digits, dashes and underscores.')],
            },
        ),
        migrations.CreateModel(
            name='PollingCenter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(help_text='Unique within the election.', max_length=32)),
                ('name', models.CharField(max_length=300)),
                ('election', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='centers', to='elections.election')),
            ],
            options={
                'ordering': ['election', 'code'],
            },
        ),
        migrations.CreateModel(
            name='Voter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('voter_number', models.CharField(max_length=20, unique=True)),
                ('given_name', models.CharField(max_length=500)),
                ('family_name', models.CharField(max_length=500)),
            ],
            options={
                'ordering': ['voter_number'],
                'indexes': [models.Index(fields=['family_name', 'given_name'], name='voter_name_idx')],
            },
        ),
        migrations.CreateModel(
            name='Registration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('center', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='registrations', to='elections.pollingcenter')),
                ('election', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='registrations', to='elections.election')),
                ('voter', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='registrations', to='elections.voter')),
            ],
        ),
        migrations.AddConstraint(
            model_name='pollingcenter',
            constraint=models.UniqueConstraint(fields=('election', 'code'), name='center_code_unique_per_election'),
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(fields=['center', 'voter'], name='registration_center_idx'),
        ),
        migrations.AddConstraint(
            model_name='registration',
            constraint=models.UniqueConstraint(fields=('election', 'voter'), name='one_registration_per_voter_per_election'),
        ),
    ]
