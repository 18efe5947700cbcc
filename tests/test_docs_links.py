"""Every relative link in the README and docs/ resolves: the file exists, and a #anchor
names a heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces to
hyphens, a repeated heading numbered)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def prose(path: Path) -> str:
    """The page without code, where brackets and parentheses are not links."""
    text = FENCE.sub("", path.read_text())
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    return CODE.sub("", text)


def slug(heading: str) -> str:
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in FENCE.sub("", path.read_text()).splitlines():
        match = re.match(r"#{1,6} (.+)", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def broken_links(path: Path) -> list[str]:
    broken = []
    for target in LINK.findall(prose(path)):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target} (no such heading)")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []


def test_the_readme_links_every_docs_page():
    linked = {target.partition("#")[0] for target in LINK.findall(prose(ROOT / "README.md"))}
    for page in PAGES[1:]:
        assert str(page.relative_to(ROOT)) in linked


def test_a_broken_link_or_anchor_is_found(tmp_path):
    (tmp_path / "other.md").write_text("# Title\n\n## Keys and secrets\n\n## Keys and secrets\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n[ok](other.md#keys-and-secrets) [twice](other.md#keys-and-secrets-1)"
        " [here](#page) [gone](missing.md) [bad](other.md#nowhere) `[code](x.md)`\n"
        "```\n[fenced](y.md)\n```\n![image](pic.png)\n"
    )
    assert broken_links(page) == [
        "missing.md (no such file)",
        "other.md#nowhere (no such heading)",
        "pic.png (no such file)",
    ]
