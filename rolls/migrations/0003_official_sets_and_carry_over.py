"""Official roll sets (publish, supersede), changed-only runs that carry centers over, and the
names each placement printed (copied from the voters for placements made before)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

roles = importlib.import_module("rolls.migrations.0002_roles")


def copy_printed_names(apps, schema_editor):
    Placement = apps.get_model("rolls", "Placement")
    Voter = apps.get_model("elections", "Voter")
    names = Voter.objects.filter(pk=models.OuterRef("voter_id"))
    Placement.objects.update(
        voter_number=models.Subquery(names.values("voter_number")[:1]),
        family_name=models.Subquery(names.values("family_name")[:1]),
        given_name=models.Subquery(names.values("given_name")[:1]),
    )


def staff_may_publish(apps, schema_editor):
    """Election staff publish official sets; observers still only look."""
    roles.grant(apps, "publish_rolls", ["Election staff"])


class Migration(migrations.Migration):

    dependencies = [
        ('elections', '0002_voter_search_indexes'),
        ('rolls', '0002_roles'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='run',
            options={'ordering': ['-queued_at'], 'permissions': [('generate_rolls', 'Can start roll generation runs'), ('schedule_rolls', 'Can schedule roll generation'), ('download_rolls', 'Can download voter roll PDFs'), ('publish_rolls', 'Can publish a run as the official roll set')]},
        ),
        migrations.AddField(
            model_name='placement',
            name='family_name',
            field=models.CharField(default='', max_length=500),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='placement',
            name='given_name',
            field=models.CharField(default='', max_length=500),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='placement',
            name='voter_number',
            field=models.CharField(default='', max_length=20),
            preserve_default=False,
        ),
        migrations.RunPython(copy_printed_names, migrations.RunPython.noop),
        migrations.AddField(
            model_name='rollfile',
            name='source_run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rolls.run'),
        ),
        migrations.AddField(
            model_name='run',
            name='changed_only',
            field=models.BooleanField(default=False, help_text='Re-assign and re-render only the centers that differ from the official set; carry the others over from it.'),
        ),
        migrations.AddField(
            model_name='run',
            name='published_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='run',
            name='published_by',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='run',
            name='superseded_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='run',
            name='superseded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rolls.run'),
        ),
        migrations.AddField(
            model_name='runcenter',
            name='fingerprint',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='runcenter',
            name='source_run',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rolls.run'),
        ),
        migrations.AddConstraint(
            model_name='run',
            constraint=models.UniqueConstraint(condition=models.Q(('published_at__isnull', False), ('superseded_at__isnull', True)), fields=('election',), name='one_official_set_per_election', violation_error_message='This election already has an official roll set.'),
        ),
        migrations.AddConstraint(
            model_name='run',
            constraint=models.CheckConstraint(condition=models.Q(('superseded_at__isnull', True), ('published_at__isnull', False), _connector='OR'), name='only_a_published_set_is_superseded'),
        ),
        migrations.RunPython(staff_may_publish, migrations.RunPython.noop),
    ]
