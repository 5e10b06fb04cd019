"""A page template cut from a real saved page: literal chunks with named slots between them.

Building marks slots in the real HTML with `slot(name)` markers (by swapping known literal
values or cutting out regions); rendering is one `str.join`, cheap enough for thousands of pages
a second. A slot inside a `<script>` (JSON-LD, inline JavaScript) is escaped as a JSON string,
elsewhere as HTML; names in `raw` are markup built elsewhere and go in as they are.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping

_MARK = "\x00"
_SCRIPT = re.compile(r"(<script\b[^>]*>.*?</script>)", re.DOTALL | re.IGNORECASE)


def slot(name: str) -> str:
    """The marker a builder puts in the HTML where `name` will be filled in."""
    return f"{_MARK}{name}{_MARK}"


def js_string(value: str) -> str:
    """The inside of a JSON/JavaScript string literal, safe inside a `<script>` element."""
    return json.dumps(value, ensure_ascii=False)[1:-1].replace("</", "<\\/")


def swap(text: str, old: str, new: str) -> str:
    """Replace `old` (a value of the real page) by `new`; fail loudly if the page lacks it."""
    if old not in text:
        raise ValueError(f"template: expected some of {old[:60]!r}, found none")
    return text.replace(old, new)


def cut(text: str, start: str, end: str, new: str, *, keep_ends: bool = False) -> tuple[str, str]:
    """Replace the region from `start` to the first `end` after it; return (text, region)."""
    i = text.index(start)
    j = text.index(end, i + len(start)) + len(end)
    region = text[i:j]
    if keep_ends:
        inner = region[len(start) : len(region) - len(end)]
        return text[:i] + start + new + end + text[j:], inner
    return text[:i] + new + text[j:], region


class Template:
    def __init__(self, marked: str, raw: Iterable[str] = ()) -> None:
        self._raw = frozenset(raw)
        self._literals: list[str] = []
        self._slots: list[tuple[str, bool]] = []  # (name, inside a script)
        for chunk_index, chunk in enumerate(_SCRIPT.split(marked)):
            in_script = chunk_index % 2 == 1
            parts = chunk.split(_MARK)
            if len(parts) % 2 == 0:
                raise ValueError("template: unbalanced slot marker")
            if self._literals:  # the text after the last slot of the chunk before
                self._literals[-1] += parts[0]
            else:
                self._literals.append(parts[0])
            for k in range(1, len(parts), 2):
                self._slots.append((parts[k], in_script))
                self._literals.append(parts[k + 1])

    def render(self, values: Mapping[str, str]) -> str:
        out = [self._literals[0]]
        for (name, in_script), literal in zip(self._slots, self._literals[1:], strict=True):
            value = values[name]
            if name in self._raw:
                out.append(value)
            elif in_script:
                out.append(js_string(value))
            else:
                out.append(html.escape(value))
            out.append(literal)
        return "".join(out)
