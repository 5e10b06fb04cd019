"""Bylines and credit lines: the names a byline element gives, one a line, and the outlet a
credit closing the body names (`Theo Tiền Phong`, `Nguồn: VnExpress`)."""

from __future__ import annotations

import re

from newsscraper.pages.body import is_hidden_in, paragraphs
from newsscraper.pages.rules import CREDIT_PREFIX
from newsscraper.pages.selectors import squash, text_of

# A credit closing a body: "Theo Tiền Phong", "Theo: VnExpress.net", "Nguồn: VnExpress"; `Theo`
# a word of its own (not "Theodore Media"); a name starts with a letter and holds no clause
# (`,`, `;`, `!`, `?`); a full stop may end it.
_CREDIT_LINE = re.compile(rf"{CREDIT_PREFIX}(?P<name>[^\W\d_][^,;!?]*?)\.?", re.I)
_CREDIT_NAME_WORDS = 6
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.I)
_EMPHASIS_TAGS = frozenset({"b", "strong", "i", "em"})


def named_once(lines: list[str]) -> list[str]:
    """The lines of bylines less those another line names already: a line "A, B" then a
    byline "B" of its own name B once. A line is never split itself: "PV, Hà Nội" and
    "Minh Anh, Hà Nội" are two people, each with the place they wrote from."""
    named = {part.strip() for line in lines if "," in line for part in line.split(",")}
    return [line for line in lines if line not in named]


def byline_lines(node) -> list[str]:
    """The lines of a byline element with text: one name a line, whether a `<br>` or a block
    starts it (`Dương Ngọc<br>Minh Anh`, `<b>Dương Ngọc<div>Minh Anh</div></b>`)."""
    return paragraphs(node)


def header_names(span) -> list[str]:
    """The names of the header's byline: one `<b>` each (a `<b>` inside another is part of
    its name); a `<b>` a reader never sees (`is_hidden_in`) names no one."""
    names = []
    for b in span.iter("b"):
        holder = b.getparent()
        while holder is not None and holder is not span and holder.tag != "b":
            holder = holder.getparent()
        if holder is span and not is_hidden_in(b, span):
            names.extend(byline_lines(b))
    return names


def set_apart(p) -> bool:
    """True for a paragraph right-aligned, or whose text is all in one bold or italic element."""
    if _RIGHT_ALIGNED.search(p.get("style") or ""):
        return True
    children = [child for child in p if isinstance(child.tag, str) and child.tag != "br"]
    return (
        len(children) == 1
        and children[0].tag in _EMPHASIS_TAGS
        and not squash(p.text)
        and not squash(children[0].tail)
        and text_of(children[0]) == text_of(p)
    )


def credit_line_outlet(text: str) -> str | None:
    """The outlet a credit line names: the whole of `text` is `Theo <outlet>` or
    `Nguồn: <outlet>`, a name of six words at most and no sentence (`Theo đó, …` is none);
    else None."""
    match = _CREDIT_LINE.fullmatch(text)
    if match is None or len(match["name"].split()) > _CREDIT_NAME_WORDS:
        return None
    return match["name"]
