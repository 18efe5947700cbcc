from django.db import migrations

# The admin's voter search ("=voter_number", "^family_name", "^given_name") compiles to
# UPPER(col::text) = / LIKE UPPER('prefix%') on PostgreSQL, which the plain indexes cannot
# serve: its count was a full scan of a million voters (294 ms p50). With these expression
# indexes it is a BitmapOr of three index scans.
# text_pattern_ops makes LIKE 'prefix%' indexable whatever the database collation. The
# voter table is not written by station assignment, so these cost nothing there.
INDEXES = {
    "voter_number_upper": "voter_number",
    "voter_family_name_upper_prefix": "family_name",
    "voter_given_name_upper_prefix": "given_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON elections_voter "
            f"((UPPER({column}::text)) text_pattern_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("elections", "0001_register")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
