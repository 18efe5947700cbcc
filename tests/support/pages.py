"""Reading the text of an admin page."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Text(HTMLParser):
    """The words a person reads in an element (by id), or in the page's content."""

    HIDDEN = {"script", "style", "head", "option", "select"}

    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id, self.depth, self.hidden, self.words = element_id, 0, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.depth += 1
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_data(self, data):
        if self.depth and not self.hidden:
            self.words.append(data)


def text_of(html: str, element_id: str = "content") -> str:
    """What staff read in the element: its text, white space as a browser shows it."""
    reader = _Text(element_id)
    # Void elements never close: without an end tag they would unbalance the depth.
    reader.feed(re.sub(r"<(input|br|img|hr|link|meta)\b[^>]*>", " ", html))
    return " ".join("".join(reader.words).split())
