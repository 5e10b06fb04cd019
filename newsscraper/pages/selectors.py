"""CSS selectors compiled once into lxml XPath objects, and the small text helpers around them.

Page objects evaluate these against the page's tree (`newsscraper.pages.tree.html_root`):
compiling at import time keeps a run over hundreds of pages from translating and compiling the
same selectors again and again.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel.csstranslator import css2xpath

from newsscraper.pages.rules import INVISIBLE_CHARACTERS

# A class attribute is a list of names separated by XML whitespace (what CSS and XPath's
# normalize-space() split on).
_CLASS_SEPARATOR = re.compile(r"[ \t\r\n]+")
# Elements that begin a line of their own on the page: a paragraph break in a body, a space
# between the words on either side in a headline, lead or byline.
_BLOCK_TAG_NAMES = """p div section article header footer aside main nav blockquote pre figure
    center h1 h2 h3 h4 h5 h6 ul ol li dl dt dd address hr"""
BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
# What parts the words of `text_of`: a line break, or a block.
_PARTING_TAGS = BLOCK_TAGS | {"br"}
# Invisible characters are not whitespace but are padding all the same.
_HAS_ZERO_WIDTH = re.compile(f"[{re.escape(INVISIBLE_CHARACTERS)}]")


def css(query: str) -> etree.XPath:
    """`query` (CSS, with parsel's `::text` and `::attr(name)`) as a compiled XPath."""
    return etree.XPath(css2xpath(query))


def squash(text: str | None) -> str:
    """Runs of whitespace (including non-breaking spaces) as one space, ends trimmed."""
    if not text:
        return ""
    # A search first, then `str.replace` for each one present: `str.translate` would look up
    # every character of the text in a dict (a hundred times slower on a body).
    if _HAS_ZERO_WIDTH.search(text):
        for char in INVISIBLE_CHARACTERS:
            if char in text:
                text = text.replace(char, "")
    # `str.split()` splits on exactly the characters `\s` matches.
    return " ".join(text.split())


def text_of(node) -> str:
    """All text under an element (or the string itself), squashed. A `<br>` or a block
    (`<p>`, `<div>`, a list item) parts the words on either side of it, as on the page: a
    headline or lead broken over two lines is not read as one word across the break."""
    if node is None:
        return ""
    if isinstance(node, str):
        return squash(node)
    # A test of each descendant's tag: lxml's multi-tag `iter` builds its matcher of some
    # thirty names at every call, several times slower on the few elements a headline holds.
    if not any(child.tag in _PARTING_TAGS for child in node.iterdescendants()):
        return squash("".join(node.itertext()))
    # What `itertext` gives (no text of comments or processing instructions, their tails
    # kept), with a space for each `<br>` and around each block. Walked with a stack, not by
    # recursion: broken markup can nest elements deeper than Python's stack (see
    # `newsscraper.pages.body`).
    parts: list[str] = []
    append = parts.append
    stack: list = list(reversed(node))
    if node.text:
        append(node.text)
    while stack:
        child = stack.pop()
        if isinstance(child, str):
            append(child)
            continue
        tag = child.tag
        if tag == "br":
            append(" ")
        elif isinstance(tag, str):
            block = tag in BLOCK_TAGS
            if block:
                append(" ")
            if child.text:
                append(child.text)
            if child.tail:
                stack.append(child.tail)
            if block:
                stack.append(" ")
            stack.extend(reversed(child))
            continue
        if child.tail:
            append(child.tail)
    return squash("".join(parts))


def xpath_has_class(name: str) -> str:
    """An XPath predicate true when the element's class list holds `name` (CSS `.name`)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def class_names(value: str | None) -> list[str]:
    """The names of a class attribute, split as CSS (and `xpath_has_class`) split them."""
    return _CLASS_SEPARATOR.split(value) if value else []


def has_class(node, name: str) -> bool:
    """True when `node`'s class list holds `name`."""
    return name in class_names(node.get("class"))


def first(found):
    """The first of a list of nodes or values, or None."""
    return found[0] if found else None


def first_text(found) -> str | None:
    """The squashed text of the first node or value with any, or None."""
    for node in found:
        text = text_of(node)
        if text:
            return text
    return None
