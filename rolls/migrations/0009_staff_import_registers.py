"""Election staff import registers (and read the import records); observers do not: an
import's page shows voter numbers of rejected rows."""

import importlib

from django.db import migrations

roles = importlib.import_module("rolls.migrations.0002_roles")


def staff_import_registers(apps, schema_editor):
    for codename in ("import_register", "view_registerimport"):
        roles.grant(apps, codename, ["Election staff"], app_label="elections")


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0003_register_imports"),
        ("rolls", "0008_download_export_kind"),
    ]

    operations = [migrations.RunPython(staff_import_registers, migrations.RunPython.noop)]
