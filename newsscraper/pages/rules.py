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
# Also the characters that show nothing, or nothing of their own, pasted or typed to pad a
# line or hide a word break: the combining grapheme joiner (dropped before NFC, the marks after
# it go on the letter before it, as a reader sees them), the object replacement character (an
# embedded object lost in a copy) and the Hangul filler. Not the tag characters (U+E0000 on, the
# hidden letters of a subdivision flag): one character past U+FFFF makes every search of a
# class of them about twenty times slower, on every text of every page.
# A byline or tag of nothing else is no byline or tag.
INVISIBLE_CHARACTERS = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\u2061\u2062\u2063\u2064\u180e\u034f\ufffc\u3164"
) + "".join(
    chr(c) for c in range(1, 0xA0) if unicodedata.category(chr(c)) == "Cc" and not chr(c).isspace()
)
# Not whitespace, but shown as an empty space a character wide: the braille blank, which pads
# lines pasted from social media. A space, as a reader sees it.
BLANK_CHARACTERS = "\u2800"
# Emoji presentation selector: after an emoji (`❤️`, `1️⃣`) it is part of what a reader sees;
# after a letter it shows nothing. ℹ (U+2139) is the one letter that is also an emoji.
_VARIATION_SELECTOR_16 = re.compile("\ufe0f+")
_EMOJI_LETTERS = frozenset("\u2139")
# "Nguồn" ("source"), composed or decomposed (the page objects read text before NFC).
_NGUON = "ngu(?:\u1ed3|\u00f4\u0300|o\u0302\u0300)n"
# "Theo Hồ Hương", "Theo: Hồ Hương": "according to", in front of a byline; alone, no byline.
# "Nguồn: Trí Thức Trẻ", "Nguồn:Trí Thức Trẻ": "source:", in front of an outlet (with its colon
# only: "Nguồn" may start a name). The spaces after it are part of it. `Theo` is a word of its
# own (not "Theodore"), in a credit prefix and in a byline crediting an outlet alike.
_THEO_WORD = r"theo(?:\s*:|\s|$)"
CREDIT_PREFIX = rf"(?:{_THEO_WORD}|{_NGUON}\s*:)\s*"
# Written twice ("Theo: Theo Hồ Hương"), all go at once, so that cleaning again changes nothing.
_THEO = re.compile(rf"^(?:{CREDIT_PREFIX})+", re.I)
# A byline that also credits an outlet, one way or the other: `Theo Minh Anh / Tiền Phong` (by
# the name, "according to"; the outlet after a slash) or `Minh Anh, Theo Reuters` (the name, then
# "according to" the outlet). Only as a whole line with one name and one outlet, `Theo` a word of
# its own: `Theodore Lê / Hà Nội`, `Theo A / B / C` or `A, B, Theo C` are not read so.
_CREDIT_PART = r"[^\s/,()][^/,()]*?"
_THEO_NAME_SLASH_OUTLET = re.compile(
    rf"^\s*{_THEO_WORD}\s*(?P<name>{_CREDIT_PART})\s*/\s*(?P<outlet>{_CREDIT_PART})\s*$", re.I
)
# After the name: a comma, a dash (`-`, `–` or `—`) between spaces, or brackets
# (`Minh Anh (Theo Reuters)`).
_NAME_COMMA_THEO_OUTLET = re.compile(
    rf"^\s*(?P<name>{_CREDIT_PART})(?:\s*,\s*|\s+[-–—]\s+)"
    rf"{_THEO_WORD}\s*(?P<outlet>{_CREDIT_PART})\s*$"
    rf"|^\s*(?P<name_>{_CREDIT_PART})\s*\(\s*{_THEO_WORD}\s*(?P<outlet_>{_CREDIT_PART})\s*\)\s*$",
    re.I,
)
# "chứng khoán, ": the separator CafeF leaves after each tag.
_TAG_TRAILER = re.compile(r"[\s,]+$")
# A tag written as a hashtag (`#MBS`): a reader sees the tag `MBS`. One `#`, before a letter.
_HASHTAG = re.compile(r"^#(?=[^\W\d_])")
_TICKER = re.compile(r"^[A-Z0-9]{3}$")


def without_stray_selectors(text: str) -> str:
    """`text` without an emoji presentation selector (U+FE0F) that follows a letter (its
    combining marks aside) rather than an emoji."""
    if "\ufe0f" not in text:
        return text
    return _VARIATION_SELECTOR_16.sub(_selector_after_emoji, text)


def _selector_after_emoji(match: re.Match[str]) -> str:
    text, at = match.string, match.start() - 1
    while at >= 0 and unicodedata.category(text[at]).startswith("M"):
        at -= 1
    base = text[at] if at >= 0 else ""
    return "" if base.isalpha() and base not in _EMOJI_LETTERS else match.group()


def without_theo(author: str) -> str:
    """`author` (a byline or an outlet) without the `Theo ` or `Nguồn:` in front of it."""
    return _THEO.sub("", author)


def byline_and_outlet(line: str) -> tuple[str, str | None]:
    """A byline's line as (the name, the outlet it credits): `Theo Minh Anh / Tiền Phong` is
    ("Minh Anh", "Tiền Phong"), `Minh Anh, Theo Reuters`, `Minh Anh - Theo Reuters` (or an
    en or em dash) and `Minh Anh (Theo Reuters)` ("Minh Anh", "Reuters"); any other line is
    itself, no outlet."""
    match = _THEO_NAME_SLASH_OUTLET.match(line) or _NAME_COMMA_THEO_OUTLET.match(line)
    if match is None:
        return line, None
    return match["name"] or match["name_"], match["outlet"] or match["outlet_"]


def without_tag_trailer(tag: str) -> str:
    return _TAG_TRAILER.sub("", tag)


def without_hashtag(tag: str) -> str:
    """`tag` without the `#` of a hashtag (`#MBS` is `MBS`): one, and only before a letter
    (`#1`, `##MBS` and `# MBS` are as written)."""
    return _HASHTAG.sub("", tag, count=1)


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
