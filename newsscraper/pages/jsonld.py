"""JSON-LD blocks of a page, read leniently: a broken block is skipped, never fatal.

CafeF writes its JSON-LD from templates by hand; the saved pages hold valid JSON, but a raw
control character or a trailing comma would make a strict parser give up on the whole block.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
# One decoder for every block: `json.loads(text, strict=False)` would build a new one per call.
_DECODER = json.JSONDecoder(strict=False)


def load_lenient(text: str) -> Any | None:
    """The JSON value of `text`, tolerating control characters and trailing commas; else None
    (also for arrays or objects nested deeper than Python's stack lets the decoder go)."""
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return _DECODER.decode(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def _flatten(value: Any) -> Iterator[dict]:
    """The objects of `value`, in document order: itself, its `@graph`'s, a list's elements'.

    Walked with a stack of iterators rather than by recursion, so that a value nested nearly
    as deep as the decoder allows does not run out of stack here instead."""
    stack = [iter((value,))]
    while stack:
        for element in stack[-1]:
            if isinstance(element, list):
                stack.append(iter(element))
                break
            if isinstance(element, dict):
                yield element
                if "@graph" in element:
                    stack.append(iter((element["@graph"],)))
                    break
        else:
            stack.pop()


def iter_json_ld_objects(blocks: Iterable[str]) -> Iterator[dict]:
    """The JSON objects of `<script type="application/ld+json">` texts, each block parsed only
    when the objects before it have been consumed (a reader after the first `NewsArticle`
    never parses the blocks that follow it)."""
    for block in blocks:
        yield from _flatten(load_lenient(block))


def json_ld_objects(blocks: Iterable[str]) -> list[dict]:
    """Every JSON object of the given `<script type="application/ld+json">` texts."""
    return list(iter_json_ld_objects(blocks))


def has_type(obj: dict, type_name: str) -> bool:
    declared = obj.get("@type")
    if isinstance(declared, list):
        return type_name in declared
    return declared == type_name


def first_of_type(objects: Iterable[dict], *type_names: str) -> dict | None:
    for obj in objects:
        if any(has_type(obj, name) for name in type_names):
            return obj
    return None


def names_value(value: Any) -> str | None:
    """A person field: its name, or the names of a list of people joined by ", "."""
    values = value if isinstance(value, list) else [value]
    names = [name.strip() for name in map(string_value, values) if name and name.strip()]
    return ", ".join(names) or None


def string_value(value: Any) -> str | None:
    """A plain string field, or the `name` of an object (or of the first of a list)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else None
