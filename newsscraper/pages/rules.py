"""Rules on field values that the page objects apply while reading a page and `normalize_item`
applies again to any item (from a page object or not): defined once for both."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Invisible characters, dropped from text: zero-width space and joiners, word joiner, BOM,
# soft hyphen; the direction marks, embeddings, overrides and isolates that text copied from
# other programs carries (left-to-right mark, ...), which Vietnamese has no use for; the
# invisible operators and the Mongolian vowel separator; and the control characters (C0, DEL,
# C1) that are not whitespace, which a page can hold raw (the HTML parser keeps them). NUL is
# not among them: no parsed text holds one (libxml2 reads it as U+FFFD), so the body walk
# marks paragraph breaks with it; `normalize_item` drops one that JSON-LD's `\u0000` spelt.
# A byline or tag of nothing else is no byline or tag.
INVISIBLE_CHARACTERS = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u2061\u2062\u2063\u2064\u180e"
) + "".join(
    chr(c) for c in range(1, 0xA0) if unicodedata.category(chr(c)) == "Cc" and not chr(c).isspace()
)
# "Nguồn" ("source"), composed or decomposed (the page objects read text before NFC).
NGUON = "ngu(?:\u1ed3|\u00f4\u0300|o\u0302\u0300)n"
# "Theo Hồ Hương", "Theo: Hồ Hương": "according to", in front of a byline; alone, no byline.
# "Nguồn: Trí Thức Trẻ", "Nguồn:Trí Thức Trẻ": "source:", in front of an outlet (with its colon
# only: "Nguồn" may start a name). Written twice ("Theo: Theo Hồ Hương"), all go at once, so
# that cleaning again changes nothing.
_THEO = re.compile(rf"^(?:(?:theo(?:\s*:|\s|$)|{NGUON}\s*:)\s*)+", re.I)
# "chứng khoán, ": the separator CafeF leaves after each tag.
_TAG_TRAILER = re.compile(r"[\s,]+$")
_TICKER = re.compile(r"^[A-Z0-9]{3}$")


def without_theo(author: str) -> str:
    """`author` (a byline or an outlet) without the `Theo ` or `Nguồn:` in front of it."""
    return _THEO.sub("", author)


def without_tag_trailer(tag: str) -> str:
    return _TAG_TRAILER.sub("", tag)


def ticker(value: str | None) -> str | None:
    """`value` as a stock symbol (three ASCII letters or digits, upper case), or None. ASCII
    before upper-casing: `"ſ".upper()` is "S", `"ﬀ".upper()` "FF"."""
    value = (value or "").strip()
    if not value.isascii():
        return None
    value = value.upper()
    return value if _TICKER.match(value) else None


def unique(values: Iterable[str | None]) -> list[str]:
    """The non-empty values, each once, in first-seen order."""
    seen: set[str] = set()
    return [v for v in values if v and not (v in seen or seen.add(v))]


def unique_ignoring_case(values: Iterable[str | None]) -> list[str]:
    """The non-empty values, each once ignoring case, as first spelt."""
    seen: set[str] = set()
    result = []
    for value in values:
        if value and (key := value.casefold()) not in seen:
            seen.add(key)
            result.append(value)
    return result
