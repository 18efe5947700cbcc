"""Every console page speaks the staff member's language: no project string left in English.

Each page is rendered in English and in each console language with the test client; a text
node (or a title, placeholder, aria-label, alt or button value) that reads the same in both is
a string nobody translated, unless it is data (the records' names, codes, numbers and dates;
identifiers staff type, such as strategy names and a register's column names), a translation
that happens to equal the English (the catalog says so), or a string of Django or a
third-party app that its own catalogs leave in English.

When it fails it lists, per page and language, the English strings: mark them for
translation where they are written, or fill them in after ``manage.py makemessages`` (the
command is at the top of each locale/<language>/LC_MESSAGES/django.po).
"""

from __future__ import annotations

import gettext as gettext_module
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin import helpers
from django.db import models
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import CrontabSchedule

from elections.models import Language
from elections.services.registers.rows import FIELDS as REGISTER_COLUMNS
from rolls.strategies import STRATEGIES
from tests.browser.console_pages import ACTION_PAGES, console_pages, console_records
from tests.support.users import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

TARGETS = [code for code, _ in settings.LANGUAGES if code != "en"]
PROJECT_APPS = {"elections", "rolls"}
ROOT = Path(__file__).resolve().parents[2]

# What a person reads in an element's attributes (buttons' labels, hints, tooltips).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
BUTTON_INPUTS = {"submit", "button", "reset"}
HIDDEN_ELEMENTS = {"script", "style", "template"}
# Commands, identifiers and digests, written alike in every language (a key's fingerprint,
# ``manage.py verify_set ...``): what the page sets in code type is not prose.
VERBATIM_ELEMENTS = {"code", "kbd", "samp", "pre"}
# Django's boolean icons say True / False in their alt text, in every language.
BOOLEAN_ICON = "/admin/img/icon-"
LETTER = re.compile(r"[^\W\d_]")
# Written alike in the console's languages: file names (manifest.json, A.zip), then figures
# with a unit symbol (2.5 s, 100 ms, 458 bytes), acronyms (PDF, SHA-256, UTC), digests and
# printed pages' verification codes (7KQ2M-XW4PD).
FILE_NAMES = re.compile(r"\b[\w.-]+\.(?:csv|json|zip|pdf)\b")
SAME_EVERYWHERE = re.compile(
    r"(?<=\d)\s?(?:ms|min|s|h|bytes|[KMGT]B)\b|\b[A-Z]{2,5}(?:-\d+)?\b|\b[0-9a-f]{16,}\b"
    r"|\b[0-9A-Z]{5}-[0-9A-Z]{5}\b"
)
BREADCRUMB = "\u203a "  # the admin's breadcrumbs separate their steps with a single guillemet


class VisibleText(HTMLParser):
    """The text a person reads on the page, one entry per text node or read attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0  # depth inside <script>, <style>, <template>, <code>...
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN_ELEMENTS or tag in VERBATIM_ELEMENTS:
            self.hidden += 1
            return
        attributes = dict(attrs)
        for name in READ_ATTRIBUTES:
            if not (name == "alt" and BOOLEAN_ICON in (attributes.get("src") or "")):
                self._add(attributes.get(name))
        if tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUTS:
            self._add(attributes.get("value"))

    def handle_endtag(self, tag):
        if (tag in HIDDEN_ELEMENTS or tag in VERBATIM_ELEMENTS) and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self._add(data)

    def _add(self, text: str | None) -> None:
        text = " ".join((text or "").split())
        if text:
            self.texts.append(text)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    # A long identifier may break after an underscore (<wbr>): it is still one word.
    parser.feed(html.replace("<wbr>", ""))
    parser.close()
    return parser.texts


def record_values() -> list[str]:
    """Every text value of every row in the database (names, codes, worker and file names;
    a dotted task name's last part too), the values staff type or choose by name
    (strategies, register columns, choices), how a third-party app names its own rows, and
    each language's own name: the data pages show as they are, longest first."""
    values: set[str] = set(STRATEGIES) | set(REGISTER_COLUMNS) | set(Language.labels)
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            values.update(str(value) for value, _ in field.flatchoices if value)
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.SlugField)
        ]
        for row in model.objects.values_list(*fields) if fields else []:
            values.update(" ".join(str(value).split()) for value in row if value)
        if model._meta.app_label not in PROJECT_APPS:
            with translation.override("en"):
                values.update(str(row) for row in model.objects.all())
    with translation.override("en"):  # as django-celery-beat describes a crontab
        values.update(crontab.human_readable for crontab in CrontabSchedule.objects.all())
    values.update(value.rsplit(".", 1)[-1] for value in list(values) if "." in value)
    for code, name in settings.LANGUAGES:
        values.update({name, translation.get_language_info(code)["name_local"]})
    return sorted((value for value in values if value), key=len, reverse=True)


def without_cut_value(text: str, values: list[str]) -> str:
    """``text`` without a value at its start that a chart shortened in the middle to fit its
    label (a timeline row, ``celery@roll-work…ternal · pid 202``): what follows it is left."""
    head, cut, tail = text.partition("…")
    if not cut or not head:
        return text
    for value in values:
        if value.startswith(head):
            for end in range(len(tail), 0, -1):
                if value.endswith(tail[:end]):
                    return tail[end:]
    return text


def without_data(text: str, values: list[str]) -> str:
    """``text`` with the records' values and what is written alike everywhere taken out."""
    text = FILE_NAMES.sub(" ", without_cut_value(text, values))
    for value in values:
        if value in text:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    return " ".join(SAME_EVERYWHERE.sub(" ", text).split()).strip(" ·,;:()")


def is_data(text: str, values: list[str]) -> bool:
    """Whether ``text`` has no words once the data is taken out (or is a value cut short:
    ``run2-ren…``)."""
    if text.endswith("…") and any(value.startswith(text[:-1]) for value in values):
        return True
    return not LETTER.search(without_data(text, values))


@cache
def outside_msgids() -> frozenset[str]:
    """The messages of Django and the third-party apps, in lower case: every catalog but the
    project's (one language of each: they all hold the same messages; its .po, since some
    apps ship those uncompiled, else its .mo), and what their models and apps are called
    (some are in no catalog)."""
    folders = [Path(django.__file__).parent / "conf" / "locale"]
    folders += [Path(app.path) / "locale" for app in apps.get_app_configs()]
    project = {Path(path).resolve() for path in settings.LOCALE_PATHS}
    msgids: set[str] = set()
    for folder in folders:
        if folder.resolve() in project or not folder.is_dir():
            continue
        sources = sorted(folder.glob("*/LC_MESSAGES/*.po"), key=lambda p: p.parts[-3] != "en")
        compiled = sorted(folder.glob("*/LC_MESSAGES/*.mo"), key=lambda p: p.parts[-3] != "en")
        for domain in {path.stem for path in [*sources, *compiled]}:
            source = next((path for path in sources if path.stem == domain), None)
            if source is not None:
                msgids.update(po_msgids(source.read_text(encoding="utf-8", errors="replace")))
                continue
            with next(path for path in compiled if path.stem == domain).open("rb") as handle:
                catalog = gettext_module.GNUTranslations(handle)
            msgids.update(key for key in catalog._catalog if isinstance(key, str))  # type: ignore[attr-defined]
    with translation.override("en"):
        for app in apps.get_app_configs():
            if app.label in PROJECT_APPS:
                continue
            msgids.add(str(app.verbose_name))
            for model in app.get_models():
                msgids.update({str(model._meta.verbose_name), str(model._meta.verbose_name_plural)})
                for field in model._meta.get_fields():
                    msgids.add(str(getattr(field, "verbose_name", "") or ""))
                    msgids.add(str(getattr(field, "help_text", "") or ""))
    return frozenset(" ".join(msgid.split()).lower() for msgid in msgids if msgid)


PO_STRING = re.compile(r'^(?:msgid )?"(.*)"$')


def po_msgids(source: str) -> list[str]:
    """The msgids of a .po file (each may continue on the lines that follow it)."""
    found: list[str] = []
    current: list[str] | None = None
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("msgid "):
            current = []
        elif not line.startswith('"'):
            if current:
                found.append("".join(current))
            current = None
        if current is not None and (match := PO_STRING.match(line)):
            current.append(match.group(1).replace('\\"', '"').replace("\\n", "\n"))
    return found


@cache
def catalog(language: str) -> dict[str, str]:
    """Every message ``language``'s catalogs translate (Django's, the apps', the project's)
    and its translation; a plural's first form."""
    merged = translation.trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    found: dict[str, str] = {}
    for key in merged.keys():  # noqa: SIM118 - Django's TranslationCatalog is no dict
        msgid = key[0] if isinstance(key, tuple) else key
        if isinstance(msgid, str) and "\x04" not in msgid and msgid not in found:
            found[msgid] = merged[key]
    return found


PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]|\{\}")
PO_ENTRY = re.compile(
    r'^msgid "(?P<msgid>.*)"\n(?:msgid_plural "(?P<plural>.*)"\n)?(?P<strings>(?:msgstr.*\n?)+)',
    re.MULTILINE,
)


def project_entries(language: str) -> list[tuple[str, str, list[str]]]:
    """(msgid, msgid_plural, translations) of the project's catalogs for ``language``."""
    found = []
    for path in Path(settings.LOCALE_PATHS[0], language, "LC_MESSAGES").glob("*.po"):
        # One line per string: makemessages wraps long ones, which no pattern here needs.
        text = re.sub(r'"\n"', "", path.read_text(encoding="utf-8"))
        for entry in PO_ENTRY.finditer(text):
            strings = re.findall(r'^msgstr(?:\[\d+\])? "(.*)"$', entry["strings"], re.MULTILINE)
            found.append((entry["msgid"], entry["plural"] or "", strings))
    return found


@cache
def same_words(language: str) -> tuple[re.Pattern, ...]:
    """The messages ``language`` translates with the English words themselves (a plural's
    too), as patterns whose placeholders match anything ("pid %(pid)s" finds "pid 4021")."""
    same = {msgid for msgid, translated in catalog(language).items() if translated == msgid}
    for msgid, plural, strings in project_entries(language):
        same.update(english for english in (msgid, plural) if english and english in strings)
    return tuple(
        re.compile(".+".join(re.escape(part) for part in PLACEHOLDER.split(english)))
        for english in same
        if LETTER.search(PLACEHOLDER.sub("", english))
    )


def left_in_english(text: str, remainder: str, language: str) -> bool:
    """``text`` reads the same in English and ``language`` and ``remainder`` is what is left
    of it without its data: is that a missing translation?"""
    # A label as the admin shows it: after the breadcrumbs' arrow, or "Name:" in a form.
    message = text.removeprefix(BREADCRUMB).removesuffix(":")
    known = catalog(language)
    if known.get(message) == message:
        return False  # translated, and the translation happens to be the same words
    if any(
        pattern.fullmatch(text) for text in (message, remainder) for pattern in same_words(language)
    ):
        return False
    lower = {msgid.lower(): translated.lower() for msgid, translated in known.items()}
    if lower.get(message.lower()) == message.lower():
        return False  # the same, but for a capital letter (Django's capfirst)
    # Django's or an app's words that its catalogs leave in English ("1 periodic task").
    words = " ".join(re.sub(r"[\d.,]+", " ", remainder).split()).lower()
    return not (
        message not in known and (message.lower() in outside_msgids() or words in outside_msgids())
    )


def rendered_pages(client) -> dict[str, dict[str, list[str]]]:
    """Each page's visible texts, per language: {page: {language: texts}}."""
    records = console_records()
    addresses = console_pages(records)
    center = records.election.centers.order_by("code").first()
    pages: dict[str, dict[str, list[str]]] = {}
    for language in ["en", *TARGETS]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for name, address in addresses.items():
            response = client.get(address)
            assert response.status_code == 200, (name, response.status_code)
            pages.setdefault(name, {})[language] = visible_texts(response.content.decode())
        for name, changelist, action in ACTION_PAGES:
            selected = center.pk if "pollingcenter" in changelist else records.election.pk
            response = client.post(
                reverse(changelist), {"action": action, helpers.ACTION_CHECKBOX_NAME: [selected]}
            )
            assert response.status_code == 200, (name, response.status_code)
            pages.setdefault(name, {})[language] = visible_texts(response.content.decode())
    return pages


def english_left(pages: dict[str, dict[str, list[str]]]) -> dict[tuple[str, str], list[str]]:
    """{(page, language): the strings it shows in English}."""
    values = record_values()
    missing: dict[tuple[str, str], list[str]] = {}
    for name, by_language in pages.items():
        english = set(by_language["en"])
        for language in TARGETS:
            found = []
            for text in dict.fromkeys(by_language[language]):
                if text not in english or is_data(text, values):
                    continue
                if left_in_english(text, without_data(text, values), language):
                    found.append(text)
            if found:
                missing[name, language] = found
    return missing


def test_no_project_string_is_left_in_english_on_any_console_page(client):
    client.force_login(make_user("someone", superuser=True))

    missing = english_left(rendered_pages(client))

    report = "\n".join(
        f"{name} [{language}]: " + " | ".join(texts) for (name, language), texts in missing.items()
    )
    assert not missing, "Strings left in English (page [language]: strings):\n" + report


def test_the_sweep_finds_a_string_left_in_english():
    """What the sweep reads and how it tells data from words, on a page made up here."""
    values = ["Municipal 2026", "all_in_one", "C04"]
    english = visible_texts(
        '<h1>Run 5 · Municipal 2026</h1><p title="Pages per second">2.5 s</p>'
        '<input type="submit" value="Queue the run"><script>var x = "not read";</script>'
        '<img src="/static/admin/img/icon-yes.svg" alt="True"><td>all_<wbr>in_<wbr>one</td>'
    )
    assert english == [
        "Run 5 · Municipal 2026",
        "Pages per second",
        "2.5 s",
        "Queue the run",
        "all_in_one",
    ]
    assert [text for text in english if not is_data(text, values)] == [
        "Run 5 · Municipal 2026",
        "Pages per second",
        "Queue the run",
    ]
    # The project's own words, and Django's where Django translates them, are missing in
    # English; a third-party app's string its catalogs leave in English is not.
    assert left_in_english("Queue the run", "Queue the run", "fr")
    assert left_in_english("Save", "Save", "fr")
    assert not left_in_english("Group results", "Group results", "fr")


def test_every_script_string_has_its_translation():
    """The console scripts' gettext() strings are in each language's djangojs catalog."""
    called = re.compile(r"""\bgettext\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")
    messages = {
        message
        for script in ROOT.glob("*/static/*/*.js")
        for message in called.findall(script.read_text(encoding="utf-8"))
    }
    assert "Connection lost, retrying…" in messages  # the run page's script was read
    untranslated = {
        language: sorted(
            message
            for message in messages
            if translation.trans_real.DjangoTranslation(language, domain="djangojs").gettext(
                message
            )
            == message
        )
        for language in TARGETS
    }
    assert untranslated == {language: [] for language in TARGETS}
