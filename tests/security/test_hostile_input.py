"""No input answers 500 or ends in a traceback: every console URL and form, and every
management command, driven with hostile values (digits that are not ASCII, NUL and other
controls, huge and negative numbers, deep JSON, ids that are not ids), as staff and as an
Observer.

The URLs are found in the URLconf (the admin registry and each admin's own views), not
listed by hand, so a page added later is driven too. Each family of URLs (one model's
admin with its custom views) gets its own property test, so a failure names the family.
"""

from __future__ import annotations

import argparse
import contextlib
from dataclasses import dataclass
from io import StringIO
from urllib.parse import quote, urlencode

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.test import Client
from django.urls import get_resolver
from django.urls.converters import IntConverter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolls.models import Run
from tests.support.builders import build_election
from tests.support.runs import make_finished_run
from tests.support.users import OBSERVER, STAFF, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

DEEP = "[" * 5_000 + "]" * 5_000
HOSTILE_TEXT = [
    "²",
    "٣",
    "\uff11\uff12",  # fullwidth 12
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "line\nbreak",
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "9" * 400,
    "1e3",
    " 7",
    "NaN",
    "inf",
    "id:²",
    "id:99999999999999999999",
    "id:-1",
    DEEP,
    '{"a": ' * 2_000 + "1" + "}" * 2_000,
    '{"election": "\\u0000", "strategy": "all_in_one"}',
    '{"election": 1, "strategy": "all_in_one"}',
    '{"election": ["x"], "strategy": ["all_in_one"]}',
    "../../../etc/passwd",
    "%00",
    "'; --",
    "<script>alert(1)</script>",
    "\u202eevil",
    "\ud7ff",
    "",
    " ",
    "x" * 5_000,
]


def not_a_plain_number(text: str) -> bool:
    """Random text may not be a plausible count: ``create_fake_voter_data 4000000`` would
    make four million voters."""
    return not (text.isascii() and text.strip().isdigit())


hostile = st.one_of(
    # The known classes first and twice as often; then whatever else hypothesis finds.
    st.sampled_from(HOSTILE_TEXT),
    st.sampled_from(HOSTILE_TEXT),
    st.integers(max_value=-1).map(str),
    st.integers(min_value=2**31).map(str),
    st.text(st.characters(codec="utf-8"), max_size=12).filter(not_a_plain_number),
)


# --- the URLs -----------------------------------------------------------------------------------

# Logging out would end the session the rest of the examples run in.
SKIPPED_URL_NAMES = {"logout"}


def admin_routes() -> dict[str, list[tuple[str, str, dict]]]:
    """Every named admin route, by family ("rolls/run", "elections/voter", "site"), as
    (name, %-format path under /admin/, converter of each parameter)."""
    prefix, resolver = get_resolver().namespace_dict["admin"]
    families: dict[str, list[tuple[str, str, dict]]] = {}
    for name in resolver.reverse_dict:
        if not isinstance(name, str) or name in SKIPPED_URL_NAMES:
            continue
        for possibility, _pattern, _defaults, converters in resolver.reverse_dict.getlist(name):
            for template, params in possibility:
                parts = template.split("/")
                family = "/".join(parts[:2]) if len(parts) > 2 and "%" not in parts[1] else "site"
                converters = {param: converters.get(param) for param in params}
                families.setdefault(family, []).append((name, f"/{prefix}{template}", converters))
    return families


ROUTES = admin_routes()

QUERY_KEYS = [
    "q",
    "election",
    "against",
    "run",
    "strategy",
    "status",
    "o",
    "p",
    "e",
    "page",
    "center__id__exact",
    "election__id__exact",
    "_changelist_filters",
    "_to_field",
    "_popup",
    "app_label",
    "model_name",
    "field_name",
    "term",
    "next",
]
FORM_KEYS = [
    "reason",
    "station",
    "center",
    "kwargs",
    "args",
    "headers",
    "name",
    "slug",
    "polling_date",
    "max_voters_per_station",
    "time_zone",
    "language",
    "action",
    "_selected_action",
    "post",
    "select_across",
    "index",
    "strategy",
    "mode",
    "preset",
    "at",
    "every_minutes",
    "code",
    "regtask",
    "task",
    "interval",
    "crontab",
    "voter_number",
    "family_name",
    "given_name",
    "column_voter_number",
    "skip_invalid",
    "repeats",
    "strategies",
]


@dataclass
class Console:
    """A client that logs in as the role asked, and the ids of real records."""

    client: Client
    users: dict
    ids: list[str]

    def as_role(self, role: str) -> Client:
        self.client.force_login(self.users[role])
        return self.client


@pytest.fixture
def console(client) -> Console:
    """A finished run with its files and task results, so that real ids reach real pages."""
    run = make_finished_run(make_election_pair())
    ids = {
        run.pk,
        run.election_id,
        *run.roll_files.values_list("pk", flat=True)[:3],
        *run.election.centers.values_list("pk", flat=True),
    }
    users = {OBSERVER: make_user("watcher", OBSERVER), STAFF: make_user("clerk", STAFF)}
    return Console(client=client, users=users, ids=sorted(str(pk) for pk in ids))


def make_election_pair():
    """Two elections: with several, a command run without --election must refuse."""
    first = build_election("Hostile 2026")
    build_election("Hostile 2027")
    return first


@st.composite
def requests(draw, routes, real_ids):
    name, template, converters = draw(st.sampled_from(routes))
    values = {}
    for param, converter in converters.items():
        if isinstance(converter, IntConverter):
            # The route only matches ASCII digits: real ids, zero, past any integer column.
            value = draw(st.sampled_from([*real_ids, "0", "2147483648", "99999999999999999999999"]))
        else:
            value = draw(st.one_of(hostile, st.sampled_from(real_ids)))
            value = value or "x"
        values[param] = quote(value, safe="")
    path = template % values
    method = draw(st.sampled_from(["GET", "POST"]))
    query = draw(parameters(QUERY_KEYS))
    form = draw(parameters(FORM_KEYS) if method == "POST" else st.just({}))
    return name, method, path, query, form


def parameters(keys: list[str]) -> st.SearchStrategy[dict]:
    """Either every known parameter at once with one hostile value (so that the one a page
    reads gets it, whichever it is), or a few with values of their own (so that a refusal
    of one does not hide what another does)."""
    return st.one_of(
        hostile.map(lambda value: dict.fromkeys(keys, value)),
        st.dictionaries(
            st.sampled_from(keys), st.one_of(hostile, st.lists(hostile, max_size=3)), max_size=4
        ),
    )


@pytest.mark.parametrize("role", [STAFF, OBSERVER])
@pytest.mark.parametrize("family", sorted(ROUTES))
def test_no_console_url_answers_a_server_error(console, role, family):
    client = console.as_role(role)

    @PROPERTY
    @given(request=requests(ROUTES[family], console.ids))
    def drive(request):
        name, method, path, query, form = request
        if method == "GET":
            response = client.get(path, query)
        else:
            response = client.post(f"{path}?{_encoded(query)}", form)
        # The test client raises whatever a view lets out, so a traceback fails here too.
        assert response.status_code < 500, (name, method, path, query, form)

    drive()


def _encoded(query: dict) -> str:
    return urlencode(query, doseq=True)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/elections/voter/find/?q=Fam&election=%C2%B2", 200),
        ("/admin/rolls/run/{run}/changes.csv?against=%C2%B2", 404),
        ("/admin/elections/registerimport/abc/change/", 404),
        ("/admin/rolls/run/{run}/change/?_to_field=", 400),
        ("/admin/django_celery_results/taskresult/?run=%C2%B2", 200),
        # A foreign-key filter past 2**63 overflowed SQLite's integer: ids in URLs are <id:>,
        # so such a path is no console page and falls to the admin's "no such object".
        ("/admin/rolls/run/99999999999999999999999/reprints/1/download/", 302),
        ("/admin/rolls/run/{run}/rolls/99999999999999999999999/download/", 302),
        ("/admin/rolls/run/2147483648/progress/", 302),
    ],
)
def test_the_cases_that_answered_500_now_answer_a_refusal(console, path, status):
    response = console.as_role(STAFF).get(path.format(run=Run.objects.get().pk))
    assert response.status_code == status


def test_every_admin_family_is_driven():
    """The URLconf walk finds the console's own pages, not only the registry's."""
    names = {name for routes in ROUTES.values() for name, _, _ in routes}
    assert {
        "elections_voter_find",
        "rolls_run_reprint",
        "rolls_run_changes",
        "elections_registerimport_change",
        "django_celery_beat_periodictask_add",
    } <= names


# --- the management commands --------------------------------------------------------------------

# Not driven: check_worker and announce_login wait on workers, ensure_database creates
# databases, prepare_demo writes an admin password file under VAR_DIR.
SKIPPED_COMMANDS = {"check_worker", "ensure_database", "prepare_demo", "announce_login"}
COMMANDS = sorted(
    name
    for name, app in get_commands().items()
    if app in ("elections", "rolls") and name not in SKIPPED_COMMANDS
)


def value_actions(name: str) -> tuple[list, list, list]:
    """The command's positionals, required options and other options that take a value."""
    parser = load_command_class(get_commands()[name], name).create_parser("manage.py", name)
    positionals, required, optional = [], [], []
    for action in parser._actions:
        if action.nargs == 0 or isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            positionals.append(action)
        elif action.required:
            required.append(action)
        elif action.help != argparse.SUPPRESS and action.dest not in BASE_OPTIONS:
            optional.append(action)
    return positionals, required, optional


# Django's own options (settings, pythonpath, verbosity...) are Django's to parse.
BASE_OPTIONS = {"settings", "pythonpath", "verbosity", "traceback", "no_color", "force_color"}


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_ends_in_a_traceback(console, command, tmp_path, monkeypatch):
    # A command that writes a file names it relative to where it runs: here, a scratch folder.
    monkeypatch.chdir(tmp_path)
    positionals, required, optional = value_actions(command)

    @PROPERTY
    @given(data=st.data())
    def drive(data):
        argv = [data.draw(hostile) for _ in positionals]
        for action in required:
            argv += [action.option_strings[0], data.draw(hostile)]
        if optional:
            action = data.draw(st.sampled_from(optional))
            argv += [action.option_strings[0], data.draw(hostile)]
        # A refusal with a message, or argparse's usage error; anything else fails.
        with contextlib.suppress(CommandError, SystemExit):
            call_command(command, *argv, stdout=StringIO(), stderr=StringIO())

    drive()


def test_every_command_of_the_console_is_driven():
    assert {"import_register", "find_voter", "queue_task", "export_run", "reprint"} <= set(COMMANDS)
