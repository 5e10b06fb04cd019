"""SectionPage: the article links of one listing page of a section, with their listing times.

Works on page 1 (the section page, e.g. `/doanh-nghiep.chn`) and on pages 2, 3, … (the
`/timelinelist/<zone>/<n>.chn` fragments: the same stream items without an `<html>` shell).
Only the section's own items count: the focus block and the stream. The site-wide "Đọc nhiều"
box (`#loadMostViewTop`), the header "MỚI NHẤT" list, menus and footers are never read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from newsscraper.pages.dates import (
    VIETNAM_TZ,
    is_date_only,
    news_time,
    parse_iso_time,
    parse_listing_time,
)
from newsscraper.pages.links import article_path_match, is_site_link, with_slashes
from newsscraper.pages.selectors import css, first, text_of
from newsscraper.pages.tree import html_root

EntryKind = Literal["focus", "stream"]

_FOCUS_ITEMS = css("div.list-focus-main .firstitem, div.cate-hl-row2 .big")
_FOCUS_LINK = css("h2 > a, h3 > a")
_FOCUS_TIME = css("p.time")

_PAGE_STREAM_ITEMS = css("div.listchungkhoannew div.tlitem.box-category-item[data-id]")
_FRAGMENT_STREAM_ITEMS = css("div.tlitem.box-category-item")
_STREAM_LINK = css("h3 > a")
_STREAM_TIME = css("span.time.time-ago::attr(title)")

_ANY_LINK = css("a[href]")
# Where a section page's stream is, by its container or by its items' own class: a page that
# renamed one of the two still shows the stream by the other.
_STREAM_LINKS = css("div.listchungkhoannew a[href], div.tlitem a[href]")
_LISTING_CONTAINERS = css("div.listchungkhoannew, div.list-focus-main")
# What a page that is not an empty fragment may hold without any text: a script or a refresh.
_SAYS_SOMETHING = css("script, meta[http-equiv]")
_ZONE_ID = css("input#hdZoneId::attr(value)")

# A full page has an <html> element; a timeline fragment starts straight with the items.
# Searched in the bytes (CafeF's UTF-8, like any ASCII-compatible encoding, spells it alike),
# so that the body is never decoded to text just for this.
_HTML_SHELL = re.compile(rb"<html[\s>]", re.I)

# What tells a listing page cut short from a whole one, in its bytes: a tag or comment left
# open at the end, or a last stream item whose <div> is never closed (every stream item of the
# site closes the <div>s it opens; the chrome between items need not).
# What holds text that is not markup, where a `<div` or a `<!--` is no tag: comments, CDATA
# sections, and the raw text of scripts, styles and text areas; in document order, so that a
# comment holding `<script>` and a script holding `<!--` are each read as what they are.
_NOT_MARKUP = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<(script|style|textarea)\b[^>]*>.*?</\1\s*>", re.S | re.I
)
_NOT_MARKUP_START = re.compile(rb"<!--|<!\[CDATA\[|<(?:script|style|textarea)\b", re.I)
_TAG_START = re.compile(rb"<(?:[a-z/!?]|\Z)", re.I)
_DIV_TAG = re.compile(rb"<(/?)div(?=[\s>/])[^>]*>", re.I)
_CLASS = re.compile(rb"""\bclass\s*=\s*(["'])(.*?)\1""", re.I | re.S)
_STREAM_ITEM_CLASSES = {b"tlitem", b"box-category-item"}


def ends_inside_an_item(body: bytes) -> bool:
    """True when a listing page's `body` stops inside a tag, a comment or a script, or inside
    its last stream item (`div.tlitem.box-category-item`, its <div> never closed): the page was cut
    short there. A body that stops between two items, or after the last, reads as whole."""
    last = body.rfind(b"<")
    if last > body.rfind(b">") and _TAG_START.match(body, last):
        return True
    body = _NOT_MARKUP.sub(b"", body)
    if _NOT_MARKUP_START.search(body):
        return True  # a comment, CDATA section or script that never ends: cut inside it
    item = None
    for tag in _DIV_TAG.finditer(body):
        found = not tag.group(1) and _CLASS.search(tag.group())
        if found and set(found.group(2).split()) >= _STREAM_ITEM_CLASSES:
            item = tag.start()
    if item is None:
        return False
    depth = 0
    for tag in _DIV_TAG.finditer(body, item):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            return False  # the item is closed: what follows it is not the stream's
    return True


class ListingLayoutChanged(ValueError):
    """A listing page that links to the site's articles, yet whose stream gave no entry
    (`SectionPage.unread_article_links`): the site's own page in a layout not read here."""


@dataclass(frozen=True)
class ListingEntry:
    article_id: str
    url: str  # absolute, joined on the response URL; the host is left as served
    title: str
    # Aware, UTC+7. None also for a CMS's empty date (`news_time`): taken as a listing time, it
    # would be below every `since` and watermark, and end a backfill on the page that holds it.
    listed_at: dt.datetime | None
    kind: EntryKind


class SectionPage:
    def __init__(self, response):
        self.response = response
        self._root = html_root(response)
        # A timeline fragment (no `<html>` shell), including an empty one.
        self.is_fragment = not _HTML_SHELL.search(response.body)
        self._own_host = urlsplit(response.url).hostname

    # --- what kind of page this is ---------------------------------------------------------

    def is_empty_fragment(self) -> bool:
        """The end of a section's list: an empty or blank body, or a fragment without items that
        says nothing either. A fragment without items that holds text, a script or a meta
        refresh ("Too many requests", a challenge) is a soft block, not the end."""
        if not self.response.body.strip():
            return True
        if not self.is_fragment or _FRAGMENT_STREAM_ITEMS(self._root):
            return False
        return not (_SAYS_SOMETHING(self._root) or "".join(self._root.itertext()).strip())

    def has_listing_markup(self) -> bool:
        """False for a soft-block page (HTTP 200 without any listing) and for an empty fragment."""
        if self.is_fragment:
            return bool(_FRAGMENT_STREAM_ITEMS(self._root))
        return bool(_LISTING_CONTAINERS(self._root) or _PAGE_STREAM_ITEMS(self._root))

    def unread_article_links(self) -> int:
        """How many of the site's articles the stream links to when it gives no entry: any
        link of a timeline fragment, or of a section page's stream (its container, or items of
        the stream's class); 0 when the stream gives entries, or links to none.

        A soft block (a captcha or rate-limit page) and an empty fragment link to no article;
        a stream that does, with no entry read from it, is a listing whose layout changed (its
        items renamed, say): no retry mends that. The rest of a section page (the focus block,
        the site's most-read box) is not the stream: a section whose few stories all sit in
        the focus block has an empty stream, and links to articles around it."""
        if self.stream_entries():
            return 0
        links = _ANY_LINK if self.is_fragment else _STREAM_LINKS
        ids = set()
        for link in links(self._root):
            found = self._article_link(link.get("href"))
            if found is not None:
                ids.add(found[1])
        return len(ids)

    # --- fields ------------------------------------------------------------------------------

    def zone_id(self) -> int | None:
        value = first(_ZONE_ID(self._root))
        try:
            return int(value.strip()) if value else None
        except ValueError:
            return None

    def entries(self) -> list[ListingEntry]:
        """Focus items, then stream items, in page order, each article once."""
        seen: set[str] = set()
        result = []
        for entry in [*self.focus_entries(), *self.stream_entries()]:
            if entry.article_id not in seen:
                seen.add(entry.article_id)
                result.append(entry)
        return result

    def focus_entries(self) -> list[ListingEntry]:
        if self.is_fragment:
            return []
        entries = []
        for item in _FOCUS_ITEMS(self._root):
            time_node = first(_FOCUS_TIME(item))
            listed_at = None
            if time_node is not None:
                listed_at = news_time(parse_listing_time(time_node.get("data-time"))) or (
                    news_time(parse_listing_time(text_of(time_node)))
                )
            entry = self._entry(first(_FOCUS_LINK(item)), listed_at, "focus")
            if entry:
                entries.append(entry)
        return entries

    def stream_entries(self) -> list[ListingEntry]:
        items = _FRAGMENT_STREAM_ITEMS if self.is_fragment else _PAGE_STREAM_ITEMS
        entries = []
        for item in items(self._root):
            shown = first(_STREAM_TIME(item))
            # A date alone (`2026-03-07`) is the day, not when: as midnight it would say the
            # page comes a day's stories further down than it does. No time, as a CMS's empty
            # date.
            listed_at = None if is_date_only(shown) else news_time(parse_iso_time(shown))
            entry = self._entry(first(_STREAM_LINK(item)), listed_at, "stream")
            if entry:
                entries.append(entry)
        return entries

    # --- helpers -----------------------------------------------------------------------------

    def _entry(self, link, listed_at: dt.datetime | None, kind: EntryKind) -> ListingEntry | None:
        if link is None:
            return None
        found = self._article_link(link.get("href"))
        if found is None:
            return None
        url, article_id = found
        title = text_of(link) or text_of(link.get("title"))
        if listed_at is not None:
            listed_at = listed_at.astimezone(VIETNAM_TZ)
        return ListingEntry(
            article_id=article_id,
            url=url,
            title=title,
            listed_at=listed_at,
            kind=kind,
        )

    def _article_link(self, href: str | None) -> tuple[str, str] | None:
        """(absolute URL, article id) of an on-site article link, or None for anything else."""
        if not href or href.strip().lower().startswith(("javascript:", "mailto:", "#")):
            return None
        try:
            # Backslashes as slashes, as a browser follows the link (`\\<slug>-<id>.chn`).
            url = self.response.urljoin(with_slashes(href.strip()))
            parts = urlsplit(url)
        except ValueError:
            return None
        if not is_site_link(parts, self._own_host):
            return None
        # A user name before the host, which no link of the site has: with a backslash before
        # it (`https://x.com<backslash>@cafef.vn/…`) a browser, and Scrapy, go to x.com.
        if "@" in parts.netloc:
            return None
        match = article_path_match(url)
        return (url, match.group("id")) if match else None
