import re

from django.db import migrations, models

SLUG_PATTERN = r"^[-a-zA-Z0-9_]+\Z"


def repair_slugs(apps, schema_editor):
    """Give an election whose slug the new constraint refuses a safe one, so the constraint
    can be added to an existing database (nothing but the slug changes)."""
    Election = apps.get_model("elections", "Election")
    taken = set(Election.objects.values_list("slug", flat=True))
    for election in Election.objects.all():
        if re.match(SLUG_PATTERN, election.slug):
            continue
        slug, n = f"election-{election.pk}", 1
        while slug in taken:
            n += 1
            slug = f"election-{election.pk}-{n}"
        taken.add(slug)
        Election.objects.filter(pk=election.pk).update(slug=slug)


class Migration(migrations.Migration):
    dependencies = [("elections", "0004_voter_name_prefix_indexes")]

    operations = [
        migrations.RunPython(repair_slugs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="election",
            constraint=models.CheckConstraint(
                condition=models.Q(slug__regex=SLUG_PATTERN),
                name="election_slug_letters_digits_dashes",
                violation_error_message=(
                    "The slug may hold only ASCII letters, digits, dashes and underscores."
                ),
            ),
        ),
    ]
