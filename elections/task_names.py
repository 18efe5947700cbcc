"""The name of every Celery task of the register, pinned (see ``rolls/task_names.py`` for
why: names are stored in the task results, so they must not follow modules). The register
never imports the console, so its names live here, in its own app."""

COUNT_REGISTRATIONS = "elections.tasks.count_registrations"
PREVIEW_REGISTER_IMPORT = "elections.tasks.preview_register_import"
IMPORT_REGISTER = "elections.tasks.import_register"
FAIL_STALE_IMPORTS = "elections.tasks.fail_stale_imports"
PURGE_REGISTER_UPLOADS = "elections.tasks.purge_register_uploads"
