"""``python -m bench``: the benchmark figures, measured in one run on this machine (what
``manage.py bench`` was); ``--help`` lists the parts, bench/suite.py says how they run."""

from __future__ import annotations

import argparse
import os
import sys

import django
from django.core.management.base import handle_default_options


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    # --settings and --pythonpath act before django.setup(), as manage.py reads them.
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    early.add_argument("--settings")
    early.add_argument("--pythonpath")
    handle_default_options(early.parse_known_args(argv)[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    # The suite's parts import the models, which exist only after django.setup().
    from bench.suite import Command

    # Django's command machinery parses, reports a CommandError on stderr and sets the exit
    # status as for any manage.py command; "python -m" + "bench" is what --help prints.
    Command().run_from_argv(["python -m", "bench", *argv])


if __name__ == "__main__":
    main()
