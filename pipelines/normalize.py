"""Normalize an article's text, URLs and times into the form stored in the dataset.

- Text: character references the CMS left escaped (`&quot;`, `&amp;acirc;`, each with its
  `;`) unescaped, Unicode NFC (CafeF's CMS lets decomposed Vietnamese through), non-breaking
  and other odd spaces (and the braille blank) made plain, zero-width and control characters
  (and U+FE0F after a letter, not after an emoji) dropped, lone surrogates (which UTF-8
  cannot hold) made U+FFFD, whitespace runs collapsed; the body keeps its "\\n\\n"
  paragraph breaks.
- URLs: the article's `url` rebuilt on `https://cafef.vn` from its path (whatever host served
  it: www.cafef.vn, a replica, a test server); other URLs made absolute http(s), with w3lib's
  safe encoding, without fragment or tracking parameters (`utm_*`, `fbclid`, …), those on
  cafef.vn or www.cafef.vn given https and the bare host (an article's rebuilt from its path).
- Times: aware UTC (a naive time is Vietnam time, UTC+7); `published_date` is the Vietnam
  calendar date of `published_at`.
- Author and source without `Theo ` ("according to") or `Nguồn:` ("source:"); tags trimmed
  of the trailing `, `, de-duplicated case-insensitively (first spelling wins); tickers upper
  case, 3 letters or digits, once each.

`normalize_item` is idempotent: normalizing twice gives the same item as normalizing once.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from collections import Counter
from html.entities import html5
from urllib.parse import urljoin, urlsplit, urlunsplit

from itemadapter import ItemAdapter
from w3lib.url import safe_url_string, url_query_cleaner

from newsscraper.pages.dates import VIETNAM_TZ, parse_iso_time, vietnam_date
from newsscraper.pages.links import CAFEF_HOSTS, canonical_article_url
from newsscraper.pages.rules import (
    BLANK_CHARACTERS,
    INVISIBLE_CHARACTERS,
    ticker,
    unique,
    unique_ignoring_case,
    without_hashtag,
    without_stray_selectors,
    without_tag_trailer,
    without_theo,
)
from newsscraper.sections import CANONICAL_HOST

PLAIN_TEXT_FIELDS = ("article_id", "section", "category", "title", "sapo")

# Spaces a reader cannot tell from a plain space, and the other characters Python counts as
# whitespace (line and paragraph separators, NEL, the ASCII separators): one space each, so
# every whitespace character but the newline is one (a test checks every code point).
_ODD_SPACES = dict.fromkeys(
    map(
        ord,
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000\t\r\f\v\x85\u2028\u2029\x1c\x1d\x1e\x1f" + BLANK_CHARACTERS,
    ),
    " ",
)
# The control characters too; and NUL, which only JSON-LD's `\u0000` can bring.
_INVISIBLE = dict.fromkeys(map(ord, "\x00" + INVISIBLE_CHARACTERS))
# A lone surrogate (what JSON-LD's escape `\ud800` decodes to) has no UTF-8: Arrow refuses the
# whole batch it is in. U+FFFD, as the HTML parser reads `&#xD800;`.
_SURROGATES = dict.fromkeys(range(0xD800, 0xE000), "\ufffd")
# Code point -> its replacement (a space, U+FFFD, or None to drop it).
_TRANSLATION = {**_ODD_SPACES, **_INVISIBLE, **_SURROGATES}
_NEEDS_TRANSLATION = re.compile("[" + re.escape("".join(map(chr, _TRANSLATION))) + "]")
# What `_plain` can change: an entity starts with `&`; the rest is the translation table.
_MAY_NEED_PLAIN = re.compile("[&" + re.escape("".join(map(chr, _TRANSLATION))) + "]")
# Whitespace other than the plain space and newline `clean_body` lays paragraphs out with:
# every character `str.isspace()` accepts is at or below U+3000, so only those are looked at
# (a test checks the class against every code point).
_ODD_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \n")
# Anything that keeps a body from being given back as it is: what `_plain` can change, or odd
# whitespace. One character class, so one scan of the body says both.
_NOT_PLAIN_OR_ODD_WHITESPACE = re.compile(
    "[&" + re.escape("".join(sorted({*map(chr, _TRANSLATION), *_ODD_WHITESPACE}))) + "]"
)
_SPACES = re.compile(r"[ \n]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \n]*\n")
# A character reference written out in full, with its `;`. Without the `;` it is left alone:
# `html.unescape` would also read the old names `&sect`, `&reg`, `&not`, `&para`, `&copy`…
# at the start of a word, so `?id=1&section=2` would become `?id=1§ion=2`.
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# An `&` escaped once or many times over, by name or number (`&amp;amp;`, `&#38;amp;`, `&#x26;`).
_ESCAPED_AMPERSAND = re.compile(r"&(?:amp;|AMP;|#0*38;|#[xX]0*26;)+")
# An absolute http(s) URL the steps of `clean_url` give back unchanged: a lower-case host name
# (IDNA leaves it as it is), no user, port, query or fragment (nothing to drop), and a path of
# characters w3lib does not escape (joining with a base keeps an absolute URL as it is).
# `tests/pipelines/test_normalize.py` checks the shortcut against the steps.
_ALREADY_CLEAN_URL = re.compile(
    r"https?://(?P<host>[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)"
    r"(?:/[A-Za-z0-9_~.-]*)*"
)
# What a host name (IDNA-encoded, lower case) or an IPv6 address without its brackets holds.
_HOST_CHARACTERS = re.compile(r"[a-z0-9_.:-]+")
_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|msclkid|zarsrc|mc_cid|mc_eid|igshid|_ga)$", re.I
)


def _reference(match: re.Match[str]) -> str:
    reference = match.group()
    if reference[1] == "#":
        return html.unescape(reference)  # a number: `&#39;`, `&#x2019;`
    # A name with its `;`, or the text as it is: `html.unescape` would read `&sectionx;` as
    # `§ionx;`, since it also looks for an old name at the start.
    return html5.get(reference[1:], reference)


def _unescape(text: str) -> str:
    """Character references the CMS left escaped in the text (the parser has already read the
    page's own) as the characters they stand for: `&quot;`, `&#39;`, and twice escaped
    `&amp;acirc;` (repeated until none is left, so a second run finds nothing to do). However
    many times an `&` was escaped (`&amp;amp;amp;lt;`, `&#38;#38;lt;`), it is unescaped at once:
    one round per level would be one scan of the text per `amp;`."""
    while True:
        # Each round reads at least one reference, which is longer than what it stands for.
        unescaped = _ENTITY.sub(_reference, _ESCAPED_AMPERSAND.sub("&", text))
        if unescaped == text:
            return text
        text = unescaped


def _is_plain(text: str) -> bool:
    """True when `_plain` would give `text` back: one scan and an NFC check, most text."""
    return (
        not _MAY_NEED_PLAIN.search(text)
        and "\ufe0f" not in text
        and unicodedata.is_normalized("NFC", text)
    )


def _plain(text: str) -> str:
    """Entities unescaped, NFC, odd spaces plain and invisible characters dropped."""
    if _is_plain(text):
        return text
    while True:
        before = text
        text = _unescape(text)
        # `str.replace` for each character present: `str.translate` would look up every
        # character of the text in a dict (a hundred times slower on a body). Before NFC: a
        # dropped character between a letter and its accent (`a\u200b\u0301`) leaves them to
        # be composed.
        for char in set(_NEEDS_TRANSLATION.findall(text)):
            text = text.replace(char, _TRANSLATION[ord(char)] or "")
        text = without_stray_selectors(text)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        # Once more only when a dropped character had split a reference (`&\u200bamp;lt;`), or
        # NFC made its `;` (the Greek question mark U+037E is one): what is stored must give
        # itself back when cleaned again. Nothing a round adds is dropped again, so it ends.
        if text == before or "&" not in text:
            return text


def _clean_line(text: str) -> str:
    """NFC, plain spaces, no invisible characters, single spaces, trimmed."""
    return _squash_line(_plain(text))


def _squash_line(text: str) -> str:
    """Single spaces (newlines included), trimmed: the layout half of `_clean_line`."""
    if "  " in text or "\n" in text:  # otherwise there is no run to collapse
        text = _SPACES.sub(" ", text)
    return text.strip()


def clean_text(value) -> str | None:
    """One line of clean text, or None when nothing is left."""
    if value is None:
        return None
    return _clean_line(str(value)) or None


def clean_body(value) -> str | None:
    """Paragraphs cleaned one by one and joined by "\\n\\n"; empty paragraphs dropped."""
    if value is None:
        return None
    text = str(value)
    if (
        not _NOT_PLAIN_OR_ODD_WHITESPACE.search(text)
        and "\ufe0f" not in text
        and unicodedata.is_normalized("NFC", text)
        and _is_laid_out(text)
    ):
        return text  # plain and laid out: most bodies, the page objects write them so
    if not _is_plain(text):
        paragraphs = (_clean_line(p) for p in _PARAGRAPH_BREAK.split(_plain(text)))
        return "\n\n".join(p for p in paragraphs if p) or None
    # A paragraph of a plain text is plain (no `&` or odd character; NFC, since nothing composes
    # across a newline), so only the layout is left to do.
    paragraphs = (_squash_line(p) for p in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p) or None


def _is_laid_out(text: str) -> bool:
    """True when `text` is non-empty paragraphs joined by "\\n\\n", each with single spaces and
    no space or newline at either end: what splitting, squashing and joining would give back
    to a text without odd whitespace (`clean_body` checks that apart)."""
    return (
        bool(text)
        and not text[0].isspace()
        and not text[-1].isspace()
        and "  " not in text
        and " \n" not in text
        and "\n " not in text
        and "\n\n\n" not in text
        # No lone newline: with no run of three, every newline is one of a pair.
        and text.count("\n") == 2 * text.count("\n\n")
    )


def clean_credit(value) -> str | None:
    """A byline or an outlet's name, without `Theo ` ("according to") or `Nguồn:` in front."""
    text = clean_text(value)
    return clean_text(without_theo(text)) if text else None


def clean_tags(values) -> list[str]:
    """Clean tags, once each ignoring case, a hashtag (`#MBS`) without its `#`, as the page
    objects read them (`##MBS` and `#1` are as written: cleaning twice changes nothing)."""
    tags = (clean_text(without_tag_trailer(clean_text(v) or "")) for v in values or [])
    return unique_ignoring_case(without_hashtag(tag) if tag else tag for tag in tags)


def clean_tickers(values) -> list[str]:
    return unique(ticker(clean_text(value)) for value in values or [])


def clean_url(value, base: str | None = None) -> str | None:
    """Absolute http(s) URL, safely encoded, without fragment or tracking parameters.

    cafef.vn URLs get https and the bare host; article URLs are rebuilt from their path.
    """
    text = clean_text(value)
    if not text:
        return None
    already_clean = _ALREADY_CLEAN_URL.fullmatch(text)
    if already_clean and already_clean["host"] not in CAFEF_HOSTS:
        return text  # what the steps below would give back, without their cost
    return _clean_url_steps(text, base)


def _clean_url_steps(text: str, base: str | None) -> str | None:
    """`clean_url` of a clean text, step by step."""
    try:
        url = urljoin(base, text) if base else text
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    article_url = canonical_article_url(url)
    if article_url and parts.hostname in CAFEF_HOSTS:
        return article_url
    if parts.hostname in CAFEF_HOSTS:
        parts = parts._replace(scheme="https", netloc=CANONICAL_HOST)
    url = urlunsplit(parts._replace(fragment=""))
    try:
        safe = safe_url_string(url)
    except ValueError:  # a port that is no port (`:99999`, `:abc`): no address to keep
        return None
    host = urlsplit(safe).hostname
    if not safe.isascii() or not host or not _HOST_CHARACTERS.fullmatch(host):
        # A host that is only a backslash (`http://\\`, read as a slash), that IDNA cannot
        # spell (`bücher.de..`) or that holds a space (`https:// cafefcdn.com`, a typo, also
        # written %20): no address to keep.
        return None
    # Without a query the cleaner would give the URL back unchanged (the fragment is gone).
    if "?" not in safe:
        return safe
    return url_query_cleaner(safe, _tracking_params(url), remove=True)


def _tracking_params(url: str) -> list[str]:
    query = urlsplit(url).query
    names = (pair.split("=", 1)[0] for pair in query.split("&") if pair)
    return [name for name in names if _TRACKING_PARAMS.match(name)]


def clean_article_url(value) -> str | None:
    """The stored `url`: `https://cafef.vn/<slug>-<id>.chn` whatever host served the page."""
    return canonical_article_url(clean_text(value)) or clean_url(value)


def clean_urls(values, base: str | None = None) -> list[str]:
    result: list[str] = []
    for value in values or []:
        url = clean_url(value, base)
        if url and url not in result:
            result.append(url)
    return result


def to_utc(value) -> dt.datetime | None:
    """Aware UTC; a naive time (or ISO string without offset) is taken as Vietnam time. None
    for a time with no UTC instant (`0001-01-01T00:00:00` in Vietnam is before year 1 in UTC)."""
    if isinstance(value, str):
        value = parse_iso_time(value)
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM_TZ)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # an item not built by the page objects (they give no such time)
        return None


def normalize_item(item, events: Counter | None = None):
    """Normalize `item` in place (through ItemAdapter) and return it.

    `events`, when given, counts what was changed, for the pipeline's stats.
    """
    adapter = ItemAdapter(item)
    events = events if events is not None else Counter()

    def update(field: str, value) -> None:
        old = adapter.get(field)
        if value != old:
            events[f"{field}_changed"] += 1
            if isinstance(old, str) and not unicodedata.is_normalized("NFC", old):
                events["nfd_text"] += 1
        adapter[field] = value

    for field in PLAIN_TEXT_FIELDS:
        update(field, clean_text(adapter.get(field)))
    for field in ("author", "source"):
        update(field, clean_credit(adapter.get(field)))
    update("body", clean_body(adapter.get("body")))

    url = clean_article_url(adapter.get("url"))
    update("url", url)
    update("source_url", clean_url(adapter.get("source_url"), base=url))
    update("image_urls", clean_urls(adapter.get("image_urls"), base=url))
    update("tags", clean_tags(adapter.get("tags")))
    update("tickers", clean_tickers(adapter.get("tickers")))

    published_at = to_utc(adapter.get("published_at"))
    update("published_at", published_at)
    update("modified_at", to_utc(adapter.get("modified_at")))
    update(
        "published_date",
        vietnam_date(published_at) if published_at else None,
    )
    return item


class NormalizePipeline:
    """Runs `normalize_item` on every item; counts what it changed as stats."""

    def __init__(self, stats=None):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        events: Counter = Counter()
        normalize_item(item, events)
        if self.stats is not None:
            self.stats.inc_value("newsscraper/normalize/items")
            for event, count in events.items():
                self.stats.inc_value(f"newsscraper/normalize/{event}", count)
        return item
