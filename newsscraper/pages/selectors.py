"""CSS selectors compiled once into lxml XPath objects, and the small text helpers around them.

Page objects evaluate these against the page's tree (`newsscraper.pages.tree.html_root`):
compiling at import time keeps a run over hundreds of pages from translating and compiling the
same selectors again and again.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel.csstranslator import css2xpath

from newsscraper.pages.rules import (
    BLANK_CHARACTERS,
    INVISIBLE_CHARACTERS,
    without_stray_selectors,
)

# A class attribute is a list of names separated by XML whitespace (what CSS and XPath's
# normalize-space() split on).
_CLASS_SEPARATOR = re.compile(r"[ \t\r\n]+")
# Elements that begin a line of their own on the page: a paragraph break in a body, a new
# name in a byline, a space between the words on either side in a headline or lead.
_BLOCK_TAG_NAMES = """p div section article header footer aside main nav blockquote pre figure
    center h1 h2 h3 h4 h5 h6 ul ol li dl dt dd address hr"""
BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
# A table's cells, and what holds its rows (and so can hold cells written without a row).
CELL_TAGS = frozenset({"td", "th"})
ROW_GROUP_TAGS = frozenset({"table", "thead", "tbody", "tfoot"})
# A table and its parts: its cells stand apart on the page (the body reads a table row by row,
# see `newsscraper.pages.body`). Inline text parts them with a space.
_TABLE_TAGS = ROW_GROUP_TAGS | CELL_TAGS | {"tr", "caption"}
# What parts the words of `text_of`: a line break, a block, a table's cell or row.
_INLINE_PARTING_BLOCKS = BLOCK_TAGS | _TABLE_TAGS
_PARTING_TAGS = _INLINE_PARTING_BLOCKS | {"br"}
# What a browser never shows as text: code, a style sheet (rich text pasted from a word
# processor brings one), what shows only without JavaScript, an unused template.
_NOT_SHOWN_TAGS = frozenset({"script", "style", "noscript", "template"})
# Superscript and subscript: their digits (and `+ - = ( )`) as the characters a reader sees,
# `10<sup>6</sup>` is `10⁶` (not the number 106), `m<sup>2</sup>` `m²`, `CO<sub>2</sub>` `CO₂`;
# other text inside them as written. NFC keeps these characters.
_SCRIPT_DIGITS = "0123456789+-=()"
SCRIPT_TAGS = {
    "sup": str.maketrans(_SCRIPT_DIGITS, "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾"),
    "sub": str.maketrans(_SCRIPT_DIGITS, "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎"),
}
# What sends `text_of` off its shortcut, all the text as it is: an `<img>` too, which `text_of`
# reads as a space (an icon between two words of a headline keeps them two words), and a
# superscript or subscript.
_NOT_PLAIN_TEXT_TAGS = _PARTING_TAGS | _NOT_SHOWN_TAGS | {"img", *SCRIPT_TAGS}
# Invisible and blank characters are not whitespace but are padding all the same; so is an
# emoji presentation selector after a letter.
_PADDING_NOT_WHITESPACE = re.compile(
    f"[{re.escape(INVISIBLE_CHARACTERS + BLANK_CHARACTERS)}\ufe0f]"
)


def css(query: str) -> etree.XPath:
    """`query` (CSS, with parsel's `::text` and `::attr(name)`) as a compiled XPath."""
    return etree.XPath(css2xpath(query))


def squash(text: str | None) -> str:
    """Invisible characters (`INVISIBLE_CHARACTERS`, and U+FE0F after a letter) dropped, runs
    of whitespace (including non-breaking spaces and `BLANK_CHARACTERS`) as one space, ends
    trimmed."""
    if not text:
        return ""
    # A search first, then `str.replace` for each one present: `str.translate` would look up
    # every character of the text in a dict (a hundred times slower on a body).
    if _PADDING_NOT_WHITESPACE.search(text):
        for char in set(_PADDING_NOT_WHITESPACE.findall(text)) - {"\ufe0f"}:
            text = text.replace(char, " " if char in BLANK_CHARACTERS else "")
        text = without_stray_selectors(text)
    # `str.split()` splits on exactly the characters `\s` matches.
    return " ".join(text.split())


def text_of(node, is_left_out=None) -> str:
    """All text under an element (or the string itself), squashed. A `<br>`, a block
    (`<p>`, `<div>`, a list item) or a table's cell or row parts the words on either side of
    it, as on the page (`<td>Lãi</td><td>HPG</td>` is `Lãi HPG`): a
    headline or lead broken over two lines is not read as one word across the break; so does
    an `<img>` (`mua<img>10` is two words, as a reader sees them either side of it). What
    the page never shows (`_NOT_SHOWN_TAGS`) is left out, its tail kept. Digits in a `<sup>`
    or `<sub>` are superscript or subscript characters (`SCRIPT_TAGS`). An element that
    `is_left_out` (when given) says is left out with all it holds, its tail kept."""
    if node is None:
        return ""
    if isinstance(node, str):
        return squash(node)
    # A test of each descendant's tag: lxml's multi-tag `iter` builds its matcher of some
    # thirty names at every call, several times slower on the few elements a headline holds.
    if is_left_out is None and not any(
        child.tag in _NOT_PLAIN_TEXT_TAGS for child in node.iterdescendants()
    ):
        return squash("".join(node.itertext()))
    return squash(
        "".join(
            text_pieces(
                node,
                " ",
                _NOT_SHOWN_TAGS,
                is_left_out,
                image=" ",
                blocks=_INLINE_PARTING_BLOCKS,
                scripts=True,
            )
        )
    )


def text_pieces(
    root,
    mark: str,
    leave_out_tags=frozenset(),
    is_left_out=None,
    rows_of=None,
    image="",
    blocks=BLOCK_TAGS,
    scripts=False,
    numbers=None,
) -> list[str]:
    """The texts and tails under `root`, in document order, with `mark` for each `<br>` and on
    either side of each block (`blocks`: `BLOCK_TAGS` unless told), and `image` for each
    `<img>`; a comment or processing instruction gives only its tail. An element whose tag is in
    `leave_out_tags`, or that `is_left_out` says is, is left out with all it holds, its tail
    kept. With `rows_of`, a `<table>` gives `mark`, then each of its rows followed by `mark`.
    With `scripts` (the caller found a `<sup>` or `<sub>` under `root`), the text of each is
    written in superscript or subscript digits (`SCRIPT_TAGS`); one inside another is read
    as the outer one's, so this calls itself once at most. With `numbers`, a list item it
    holds (an `<li>` of a numbered list) starts with that text, its number, after the mark.

    Walked with a stack, not by recursion: broken markup (a `<div>` or `<b>` never closed,
    again and again) nests elements as deep as libxml2 allows, 2,048 levels, deeper than
    Python's stack. The stack holds the elements still to enter and, as plain strings, what
    to add once an element's children are done: the mark closing a block, its tail.
    """
    parts: list[str] = []
    append = parts.append
    stack: list = list(reversed(root))
    pop, push = stack.pop, stack.append
    if root.text:
        append(root.text)
    while stack:
        node = pop()
        if isinstance(node, str):
            append(node)
            continue
        tag = node.tag
        if tag == "br":
            append(mark)
        elif tag == "img":
            append(image)
        elif (
            not isinstance(tag, str)
            or tag in leave_out_tags
            or (is_left_out is not None and is_left_out(node))
        ):
            pass
        elif tag == "table" and rows_of is not None:
            append(mark)
            for row in rows_of(node):
                append(row)
                append(mark)
        elif scripts and tag in SCRIPT_TAGS:
            inner = text_pieces(node, mark, leave_out_tags, is_left_out, rows_of, image, blocks)
            append("".join(inner).translate(SCRIPT_TAGS[tag]))
        else:
            block = tag in blocks
            if block:
                append(mark)
                if numbers and node in numbers:
                    append(numbers[node])
            if node.text:
                append(node.text)
            if node.tail:
                push(node.tail)
            if block:
                push(mark)
            stack.extend(reversed(node))
            continue
        if node.tail:
            append(node.tail)
    return parts


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
