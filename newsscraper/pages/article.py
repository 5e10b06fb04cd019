"""ArticlePage: one article page of cafef.vn as an `Article`.

Both live templates are read through their `data-role` attributes: the older one (`h2.sapo`,
no author in the header) and the newer one (`p.sapo`, `itemprop`, a `datetime` with offset on
the date, author in the header). Every field has a fallback chain, and extraction never raises
on odd HTML: a missing field is None (or an empty list), and validation decides what to keep.
See `newsscraper.pages.body` for what counts as body text.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from newsscraper.items import Article
from newsscraper.pages.body import cleaned_copy, paragraphs
from newsscraper.pages.dates import VIETNAM_TZ, parse_iso_time, parse_visible_time
from newsscraper.pages.jsonld import first_of_type, json_ld_objects, string_value
from newsscraper.pages.links import article_id_from_url, canonical_article_url
from newsscraper.pages.selectors import css, first, first_text, squash, text_of

_CONTENT = css("div.detail-content[data-role=content]")
_ANY_CONTENT = css("[data-role=content]")
_BREADCRUMB = css("[class*=breadcrumb]")
_JSON_LD = css("script[type='application/ld+json']::text")

_CANONICAL = css("link[rel=canonical]::attr(href)")
_OG_URL = css("meta[property='og:url']::attr(content)")
_NEWS_ID = css("#hdNewsId::attr(value)")
_ZONE_URL = css("#hdZoneUrl::attr(value)")
_CATEGORY = css("a[data-role=cate-name]")
_TITLE = css("h1.title[data-role=title]")
_OG_TITLE = css("meta[property='og:title']::attr(content)")
_BLOCK_INSIDE_HEADING = etree.XPath(
    ".//*[self::div or self::p or self::h1 or self::h2 or self::h3 or self::ul or self::table"
    " or self::section or self::article or self::figure]"
)
_SAPO = css("[data-role=sapo]")
_AUTHOR_FOOTER = css("div.t-contentdetail p.author")
_AUTHOR_HEADER = css("span.author[data-role=author] b")
_SOURCE = css("p.source[data-field=source]")
_SOURCE_URL = css("span.link-source-full")
_PUBLISH_DATE = css("span.pdate[data-role=publishdate]")
_PUBLISHED_META = css("meta[property='article:published_time']::attr(content)")
_LAST_MODIFIED = css("input#hidLastModifiedDate::attr(value)")
_TAGS = css("div.tagdetail div.row2[data-marked-zoneid='cafef_detail_tag'] a")
_WIDGET_TICKERS = css("div.chisochungkhoan h2.title_box a")
_WIDGET_IFRAMES = css(
    "div.chisochungkhoan iframe, [data-role=content] iframe[src*='symbol='], "
    "[data-role=content] iframe[data-src*='symbol=']"
)
_DATA_LINKS = css("[data-role=content] a.s-datacafef[href*='/du-lieu/']::attr(href)")
_COVER = css("img[data-role=cover]::attr(src)")
_OG_IMAGE = css("meta[property='og:image']::attr(content)")
_FIGURE_IMAGES = css("figure img")

_THEO = re.compile(r"^theo\s+", re.I)
_TAG_TRAILER = re.compile(r"[\s,]+$")
_TICKER = re.compile(r"^[A-Z0-9]{3}$")
# `VHM: ` in the widget title.
_WIDGET_TICKER_SEPARATORS = re.compile(r"[&,;/\s]+")
# `/du-lieu/hose/hpx-cong-ty-co-phan-dau-tu-hai-phat.chn` → HPX
_DATA_LINK_TICKER = re.compile(r"/du-lieu/(?:[a-z]+/)?([a-z0-9]{3})-[^/]*\.chn$", re.I)
_HTTP_URL = re.compile(r"^https?://\S+$", re.I)


def _unique(values) -> list[str]:
    seen: set[str] = set()
    return [v for v in values if v and not (v in seen or seen.add(v))]


def _valid_ticker(value: str | None) -> str | None:
    value = (value or "").strip().upper()
    return value if _TICKER.match(value) else None


class ArticlePage:
    def __init__(self, response):
        self.response = response
        self._root = response.selector.root

    # --- page kind ---------------------------------------------------------------------------

    def has_article_markup(self) -> bool:
        """False for a soft-block page: a 200 with no body container and no breadcrumb.

        A breadcrumb alone is not enough (section pages carry one too): it also needs the
        article's title or id.
        """
        if _ANY_CONTENT(self._root):
            return True
        has_breadcrumb = bool(_BREADCRUMB(self._root)) or (
            first_of_type(self._json_ld, "BreadcrumbList") is not None
        )
        return has_breadcrumb and bool(_TITLE(self._root) or _NEWS_ID(self._root))

    # --- the item ----------------------------------------------------------------------------

    def to_item(self, section: str | None = None) -> Article:
        published_at = self.published_at()
        return Article(
            article_id=self.article_id(),
            url=self.url(),
            section=self.section(section),
            category=self.category(),
            title=self.title(),
            sapo=self.sapo(),
            body=self.body(),
            author=self.author(),
            source=self.source(),
            source_url=self.source_url(),
            published_at=published_at,
            modified_at=self.modified_at(),
            published_date=published_at.astimezone(VIETNAM_TZ).date() if published_at else None,
            tags=self.tags(),
            tickers=self.tickers(),
            image_urls=self.image_urls(),
        )

    # --- fields ------------------------------------------------------------------------------

    def canonical_url(self) -> str | None:
        """The page's own absolute http(s) canonical link, as written."""
        for href in (first(_CANONICAL, self._root), first(_OG_URL, self._root)):
            href = squash(href)
            if _HTTP_URL.match(href):
                return href
        return None

    def url(self) -> str | None:
        """`https://cafef.vn/<slug>-<id>.chn`: the canonical link, else the response's path."""
        return canonical_article_url(self.canonical_url()) or canonical_article_url(
            self.response.url
        )

    def article_id(self) -> str | None:
        news_id = squash(first(_NEWS_ID, self._root))
        return (
            article_id_from_url(self.response.url)
            or article_id_from_url(self.canonical_url())
            or (news_id if news_id.isdigit() else None)
        )

    def section(self, default: str | None = None) -> str | None:
        return default or squash(first(_ZONE_URL, self._root)) or None

    def category(self) -> str | None:
        category = first_text(_CATEGORY, self._root)
        if category:
            return category
        crumbs = first_of_type(self._json_ld, "BreadcrumbList") or {}
        items = crumbs.get("itemListElement")
        if isinstance(items, list) and len(items) > 1 and isinstance(items[-1], dict):
            last = items[-1]
            return squash(string_value(last.get("item")) or string_value(last)) or None
        return None

    def title(self) -> str | None:
        heading = first(_TITLE, self._root)
        # A heading left unclosed by broken markup swallows the page that follows it: then
        # only the page's metadata still says what the title is.
        if heading is not None and _BLOCK_INSIDE_HEADING(heading):
            heading = None
        return (
            text_of(heading)
            or first_text(_OG_TITLE, self._root)
            or squash(string_value(self._news_article.get("headline")))
            or None
        )

    def sapo(self) -> str | None:
        return first_text(_SAPO, self._root)

    def body(self) -> str | None:
        if self._clean_content is None:
            return None
        return "\n\n".join(paragraphs(self._clean_content)) or None

    def author(self) -> str | None:
        candidates = [
            first_text(_AUTHOR_FOOTER, self._root),
            first_text(_AUTHOR_HEADER, self._root),
            squash(string_value(self._news_article.get("author"))),
        ]
        for candidate in candidates:
            author = _THEO.sub("", candidate or "").strip()
            if author:
                return author
        return None

    def source(self) -> str | None:
        return first_text(_SOURCE, self._root)

    def source_url(self) -> str | None:
        value = first_text(_SOURCE_URL, self._root)
        return value if value and _HTTP_URL.match(value) else None

    def published_at(self) -> dt.datetime | None:
        """Aware, UTC+7: `datetime` attribute, meta, JSON-LD, then the visible header text."""
        date_node = first(_PUBLISH_DATE, self._root)
        return (
            parse_iso_time(date_node.get("datetime") if date_node is not None else None)
            or parse_iso_time(first(_PUBLISHED_META, self._root))
            or parse_iso_time(string_value(self._news_article.get("datePublished")))
            or (parse_visible_time(text_of(date_node)) if date_node is not None else None)
        )

    def modified_at(self) -> dt.datetime | None:
        return parse_iso_time(string_value(self._news_article.get("dateModified"))) or (
            parse_iso_time(first(_LAST_MODIFIED, self._root))
        )

    def tags(self) -> list[str]:
        tags = (_TAG_TRAILER.sub("", text_of(a)) for a in _TAGS(self._root))
        seen: set[str] = set()
        result = []
        for tag in tags:
            key = tag.casefold()
            if tag and key not in seen:
                seen.add(key)
                result.append(tag)
        return result

    def tickers(self) -> list[str]:
        """Stock symbols: the ticker widget's title and iframe, then in-text company links."""
        found = []
        for link in _WIDGET_TICKERS(self._root):
            # `VHM: `, or several companies at once: `VEA&VNM: `
            label = text_of(link).split(":", 1)[0]
            found.extend(_WIDGET_TICKER_SEPARATORS.split(label))
        for iframe in _WIDGET_IFRAMES(self._root):
            src = iframe.get("src") or iframe.get("data-src") or ""
            try:
                symbols = parse_qs(urlsplit(src.strip()).query).get("symbol", [])
            except ValueError:
                symbols = []
            found.extend(symbols)
        for href in _DATA_LINKS(self._root):
            try:
                match = _DATA_LINK_TICKER.search(urlsplit(href.strip()).path)
            except ValueError:
                match = None
            found.append(match.group(1) if match else None)
        return _unique(_valid_ticker(value) for value in found)

    def image_urls(self) -> list[str]:
        """The cover (or og:image) first, then the images of the body's figures; absolute."""
        candidates = [first(_COVER, self._root) or first(_OG_IMAGE, self._root)]
        if self._clean_content is not None:
            for img in _FIGURE_IMAGES(self._clean_content):
                src = (img.get("src") or "").strip()
                if not src or src.startswith("data:"):
                    src = img.get("data-original") or img.get("data-src") or ""
                candidates.append(src)
        return _unique(self._absolute_http(src) for src in candidates)

    # --- helpers -----------------------------------------------------------------------------

    @cached_property
    def _json_ld(self) -> list[dict]:
        return json_ld_objects(_JSON_LD(self._root))

    @cached_property
    def _news_article(self) -> dict:
        return first_of_type(self._json_ld, "NewsArticle", "Article", "ReportageNewsArticle") or {}

    @cached_property
    def _clean_content(self):
        content = first(_CONTENT, self._root)
        return cleaned_copy(content) if content is not None else None

    @cached_property
    def _base_url(self) -> str:
        """Where relative links point: the response, or its canonical address for a saved file."""
        if self.response.url.lower().startswith(("http://", "https://")):
            return self.response.url
        return self.canonical_url() or self.response.url

    def _absolute_http(self, src: str | None) -> str | None:
        src = squash(src)
        if not src:
            return None
        try:
            url = urljoin(self._base_url, src)
        except ValueError:
            return None
        return url if _HTTP_URL.match(url) else None
