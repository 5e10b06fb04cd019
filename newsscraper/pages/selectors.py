"""CSS selectors compiled once into lxml XPath objects, and the small text helpers around them.

Page objects evaluate these against `response.selector.root`: compiling at import time keeps a
run over hundreds of pages from translating and compiling the same selectors again and again.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel.csstranslator import css2xpath

_WHITESPACE = re.compile(r"\s+")
# Zero-width characters are not whitespace to `\s` but are invisible padding all the same.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def css(query: str) -> etree.XPath:
    """`query` (CSS, with parsel's `::text` and `::attr(name)`) as a compiled XPath."""
    return etree.XPath(css2xpath(query))


def squash(text: str | None) -> str:
    """Runs of whitespace (including non-breaking spaces) as one space, ends trimmed."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", text.translate(_ZERO_WIDTH)).strip()


def text_of(node) -> str:
    """All text under an element (or the string itself), squashed."""
    if node is None:
        return ""
    if isinstance(node, str):
        return squash(node)
    return squash("".join(node.itertext()))


def first(xpath: etree.XPath, root):
    """The first result of `xpath` under `root`, or None."""
    found = xpath(root)
    return found[0] if found else None


def first_text(xpath: etree.XPath, root) -> str | None:
    """The squashed text of the first non-empty result of `xpath`, or None."""
    for node in xpath(root):
        text = text_of(node)
        if text:
            return text
    return None
