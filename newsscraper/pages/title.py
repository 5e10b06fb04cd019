"""The title heading of an article page as a reader sees it: libxml2 moves a `<p>` out of an
`<h1>`, and a heading left unclosed by broken markup swallows the page that follows it."""

from __future__ import annotations

from collections.abc import Callable
from unicodedata import normalize

from lxml import etree

from newsscraper.pages.body import is_hidden
from newsscraper.pages.selectors import squash, text_of

_BLOCK_INSIDE_HEADING = etree.XPath(
    "descendant::*[self::div or self::p or self::h1 or self::h2 or self::h3 or self::ul"
    " or self::table or self::section or self::article or self::figure]"
)


def shown_text(node) -> str:
    """`text_of(node)` as a reader sees it: without what an element inside it hidden by its own
    `hidden` attribute or inline style (`display: none`, `visibility: hidden`) holds, as the
    body leaves it out. The few elements of a headline or lead are tested first; most hide
    nothing, and are read as `text_of` reads them."""
    if node is None:
        return ""
    hidden = {child for child in node.iterdescendants() if is_hidden(child)}
    return text_of(node, hidden.__contains__ if hidden else None)


def first_shown_text(nodes) -> str | None:
    """The text a reader sees (`shown_text`) of the first of `nodes` with any, or None."""
    return next(filter(None, map(shown_text, nodes)), None)


def swallowed_the_page(heading) -> bool:
    """True for a heading holding blocks (a `div`, a table, another heading…): left unclosed,
    it holds the page that follows it, and its text is no title."""
    return bool(_BLOCK_INSIDE_HEADING(heading))


def heading_text(heading, titles_of: Callable[[], set[str]]) -> str:
    """The text of the title heading, as a browser shows it. A `<p>` inside an `<h1>` is part
    of it on the page, but libxml2 closes the heading before it and puts the paragraph after
    it (`<h1>A<p>B</p></h1>` is `<h1>A</h1><p>B</p>`): the paragraphs right after the heading
    are its words when the page's og:title or JSON-LD headline (`titles_of()`, asked for only
    when a paragraph follows: JSON-LD is parsed only where a field needs it) is the heading's
    text and theirs, word for word (`A B`), and only then. Hidden text is no part of it
    (`shown_text`)."""
    text = shown_text(heading)
    if not text or squash(heading.tail):
        return text
    node = heading.getnext()
    if node is None or node.tag != "p":
        return text
    titles = {normalize("NFC", title) for title in titles_of() if title}
    if not titles:
        return text
    words = [text]
    while node is not None and node.tag == "p":
        words += [shown_text(node), node.tail or ""]
        joined = squash(" ".join(words))
        if normalize("NFC", joined) in titles:
            return joined
        node = node.getnext()
    return text
