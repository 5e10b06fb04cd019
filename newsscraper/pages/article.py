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
from unicodedata import normalize
from urllib.parse import urljoin

from lxml import etree

from newsscraper.items import Article
from newsscraper.pages.body import (
    figure_images,
    inside_clutter,
    is_hidden_in,
    left_out_in,
    paragraphs,
    rare_elements,
)
from newsscraper.pages.bylines import (
    byline_lines,
    credit_line_outlet,
    header_names,
    named_once,
    set_apart,
)
from newsscraper.pages.dates import first_news_time, iso_times, parse_visible_time, vietnam_date
from newsscraper.pages.images import image_source
from newsscraper.pages.jsonld import (
    first_of_type,
    iter_json_ld_objects,
    json_ld_objects,
    names_value,
    string_value,
)
from newsscraper.pages.links import article_id_from_url, canonical_article_url, with_slashes
from newsscraper.pages.rules import (
    byline_and_outlet,
    ticker,
    unique,
    unique_ignoring_case,
    without_hashtag,
    without_tag_trailer,
    without_theo,
)
from newsscraper.pages.selectors import (
    css,
    first,
    first_text,
    has_class,
    squash,
    text_of,
    xpath_has_class,
)
from newsscraper.pages.tickers import (
    CHART_IFRAMES,
    WIDGET_TICKERS,
    chart_of_the_article,
    chart_symbols,
    data_link_symbol,
    label_symbols,
)
from newsscraper.pages.title import (
    first_shown_text,
    heading_text,
    shown_text,
    swallowed_the_page,
)
from newsscraper.pages.tree import html_root
from newsscraper.sections import CANONICAL_BASE_URL

# Every selector is anchored on a tag name or an attribute name, and walks the `descendant`
# axis: a universal `*` with a predicate makes libxml2 test every element of the page, and
# `//x` (`descendant-or-self::node()/child::x`) first collects every node, text included, which
# costs several times more. The elements with a `data-role` (title, sapo, content, cover,
# category, date, author) come from one scan; the meta, input, link, script and base elements from
# another (`_by_tag`); the byline, source, tags and ticker widget are looked for inside the
# article box only (`_article`). The ticker widget's and the charts' selectors are in
# `newsscraper.pages.tickers`.
_DATA_ROLES = etree.XPath("descendant-or-self::*/@data-role")
_PAGE_TAGS = ("meta", "input", "link", "script", "base")
_BREADCRUMB = css("[class*=breadcrumb]")  # only read when a page has no body container
_AUTHOR_FOOTER = etree.XPath(
    f"descendant::p[{xpath_has_class('author')}]"
    f"[ancestor::div[{xpath_has_class('t-contentdetail')}]]"
)
_SOURCE = etree.XPath(f"descendant::p[@data-field = 'source'][{xpath_has_class('source')}]")
_SOURCE_URL = etree.XPath(f"descendant::span[{xpath_has_class('link-source-full')}]")
_TAG_BOXES = etree.XPath(
    f"descendant::div[@data-marked-zoneid = 'cafef_detail_tag'][{xpath_has_class('row2')}]"
    f"[ancestor::div[{xpath_has_class('tagdetail')}]]"
)
_HTTP_URL = re.compile(r"^https?://\S+$", re.I)
# The site's name the older template's leads open with, a dateline and no word of the lead:
# `(CafeF) - `, `(CafeF) `, `CafeF - ` (a dash after the bare name: `CafeF cho biết` is a sentence).
# So is the dateline of the outlet a story was taken from, its name in brackets and a dash after
# it (`(Dân trí) - `); not a bare name (`TPO - `), which a stock symbol (`HPG - `) looks like.
_LEAD_DATELINE = re.compile(
    r"^(?:\(cafef\)\s*[-–—:]?|cafef\s*[-–—]|\([^\W\d_][^()]{0,29}\)\s*[-–—])\s*", re.I
)
# `#hdNewsId`: an article id as the URLs spell it, 17–18 ASCII digits (`isdigit` takes `１`, `²`).
_NEWS_ID = re.compile(r"[0-9]{17,18}")
_TAB_OR_LINE_BREAK = re.compile(r"[\t\n\r]")
# Between the words of a `keywords` meta: a comma, or a semicolon (`việt nam; MBS`).
_KEYWORD_SEPARATOR = re.compile("[,;]")


class ArticlePage:
    def __init__(self, response):
        self.response = response
        self._root = html_root(response)

    # --- page kind ---------------------------------------------------------------------------

    def has_article_markup(self) -> bool:
        """False for a soft-block page: a 200 with no body container and no breadcrumb.

        A breadcrumb alone is not enough (section pages carry one too): it also needs the
        article's title or id.
        """
        if self._with_role("content"):
            return True
        has_breadcrumb = bool(_BREADCRUMB(self._root)) or (
            first_of_type(self._json_ld, "BreadcrumbList") is not None
        )
        return has_breadcrumb and bool(self._title_headings or self._hidden_inputs.get("hdNewsId"))

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
            published_date=vietnam_date(published_at) if published_at else None,
            tags=self.tags(),
            tickers=self.tickers(),
            image_urls=self.image_urls(),
        )

    # --- fields ------------------------------------------------------------------------------

    def canonical_url(self) -> str | None:
        """The page's own canonical link, else its og:url, as an absolute http(s) URL: as
        written, or a relative one (`/<slug>-<id>.chn`) read as a browser reads it; backslashes
        as slashes, as in image addresses (`with_slashes`)."""
        hrefs = (
            link.get("href") for link in self._by_tag["link"] if link.get("rel") == "canonical"
        )
        canonical = next((href for href in hrefs if href is not None), None)
        for href in (canonical, self._meta_content("og:url")):
            href = with_slashes(squash(href))
            if _HTTP_URL.match(href):
                return href
            if href:
                url = self._resolved(href)
                if url is not None:
                    return url
        return None

    def _resolved(self, href: str) -> str | None:
        """Relative `href` as an absolute http(s) URL: against the page's `<base href>`, and
        that against the page's address; a page read from a file (no http address) is a page
        of cafef.vn."""
        address = self.response.url
        if not _HTTP_URL.match(address):
            address = f"{CANONICAL_BASE_URL}/"
        base = next((b.get("href") for b in self._by_tag["base"] if b.get("href")), None)
        try:
            if base is not None:
                address = urljoin(address, squash(base))
            url = urljoin(address, href)
        except ValueError:
            return None
        return url if _HTTP_URL.match(url) else None

    def url(self) -> str | None:
        """`https://cafef.vn/<slug>-<id>.chn` of the row's own `article_id`: the canonical
        link, else the response's path. A canonical link naming another article (a copy
        pointing at its original) is not this row's address."""
        article_id = self.article_id()
        for candidate in (self.canonical_url(), self.response.url):
            url = canonical_article_url(candidate)
            if url and article_id_from_url(url) == article_id:
                return url
        return None

    def article_id(self) -> str | None:
        return self._article_id

    @cached_property
    def _article_id(self) -> str | None:
        # Read by `url` too, which must name the same article.
        return (
            article_id_from_url(self.response.url)
            or article_id_from_url(self.canonical_url())
            or self.named_article_id()
        )

    def named_article_id(self) -> str | None:
        """The id the page itself says it is of: its `#hdNewsId`; None without one. A cache
        that answers an article's URL with another article's page is told by it (`article_id`
        reads the URL first). Not its links: a copy's canonical link and og:url can both name
        its original, and the copy is still the article served."""
        news_id = squash(self._hidden_input("hdNewsId"))
        return news_id if _NEWS_ID.fullmatch(news_id) else None

    def section(self, default: str | None = None) -> str | None:
        return default or squash(self._hidden_input("hdZoneUrl")) or None

    def category(self) -> str | None:
        """The category link's text; of links side by side (`Doanh nghiệp > Tiêu điểm`), the
        last, the inner category, as of the breadcrumb; without one, the breadcrumb's last. A
        link written in another case than the site's labels (`Doanh nghiệp`: a capital
        first, the rest lower case), `DOANH NGHIỆP`, `Doanh Nghiệp`, `doanh nghiệp`, is spelt
        as the breadcrumb's last item (`Doanh nghiệp`) when that is the same label ignoring
        case (NFC, case-folded). A label in the site's case is as written: the breadcrumb,
        in JSON-LD, is only read for the others. A link a reader never sees (hidden by its own
        attribute or inline style, or inside an element that is) is no category, and hidden
        words inside a link no part of it, as of the body: the only link hidden is read as a
        missing one."""
        links = self._shown(self._with_role("cate-name", "a"))
        if links:
            line = [link for link in links if link.getparent() is links[0].getparent()]
            category = first_shown_text(reversed(line)) or first_shown_text(links)
            if category and category != category[:1].upper() + category[1:].lower():
                crumb = self._breadcrumb_category()
                if crumb and _folded(crumb) == _folded(category):
                    return crumb
            if category:
                return category
        return self._breadcrumb_category()

    def _breadcrumb_category(self) -> str | None:
        """The name of the last item of the page's BreadcrumbList, the home page's aside. Only
        the JSON-LD blocks that can hold one are parsed: one naming it, or escaping a character
        (`\\u…`): the article's own block, the larger, is parsed only where a field needs it."""
        blocks = self._json_ld_blocks
        blocks = [block for block in blocks if "BreadcrumbList" in block or "\\u" in block]
        crumbs = first_of_type(iter_json_ld_objects(blocks), "BreadcrumbList") or {}
        items = crumbs.get("itemListElement")
        if isinstance(items, list) and len(items) > 1 and isinstance(items[-1], dict):
            last = items[-1]
            # The crumb's page: an object with its name, or (the compact form schema.org and
            # Google show) its URL, the name then on the ListItem itself.
            page = last.get("item")
            name = string_value(page) if isinstance(page, dict) else None
            return squash(name or string_value(last)) or None
        return None

    def title(self) -> str | None:
        heading = self._title_headings[0] if self._title_headings else None
        # A heading left unclosed by broken markup swallows the page that follows it: then
        # only the page's metadata still says what the title is.
        if heading is not None and swallowed_the_page(heading):
            heading = None
        return (
            heading_text(heading, lambda: {self._og_title(), self._headline()})
            or self._og_title()
            or self._headline()
            or None
        )

    def _og_title(self) -> str:
        return first_text(self._meta.get("og:title", ()))

    def _headline(self) -> str:
        return squash(string_value(self._news_article.get("headline")))

    def sapo(self) -> str | None:
        """The lead's text. A lead element left empty is read from the page's description
        (Open Graph, then JSON-LD), which CafeF fills with the lead: a lead written as `<p>`s
        inside its `<h2>` is closed before them by the HTML parser and its words land outside
        it. A page without a lead element has none: its description may be the body's start.
        Text hidden inside the lead element is no part of it (`shown_text`)."""
        leads = self._with_role("sapo")
        if not leads:
            return None
        lead = (
            first_shown_text(leads)
            or first_text(self._meta.get("og:description", ()))
            or squash(string_value(self._news_article.get("description")))
        )
        return _LEAD_DATELINE.sub("", lead or "", count=1) or None

    def body(self) -> str | None:
        """The paragraphs of every body container, in page order."""
        return "\n\n".join(p for found in self._paragraphs for p in found) or None

    def author(self) -> str | None:
        """The first byline naming anyone; several people (lines of a byline, `<b>`s of the
        header's, bylines of their own one under the other) joined by ", ", as JSON-LD's list
        of authors is."""
        names, _ = self._byline
        return ", ".join(named_once(names)) or None

    @cached_property
    def _byline(self) -> tuple[list[str], list[str]]:
        """The names of the first byline naming anyone, and the outlets its lines credit
        (`Theo Minh Anh / Tiền Phong`, `Minh Anh, Theo Reuters`: `byline_and_outlet`)."""
        for candidate in self._author_candidates():
            lines = [byline_and_outlet(line) for line in candidate]
            # Once each as a reader tells them apart: a name typed composed in one line and
            # decomposed (NFD) in another is one person.
            names = unique(normalize("NFC", without_theo(name).strip()) for name, _ in lines)
            if names:
                outlets = (normalize("NFC", without_theo(o).strip()) for _, o in lines if o)
                return names, unique(outlets)
        return [], []

    def _author_candidates(self):
        """The names of each byline: the footer's, the header's, JSON-LD's, then the
        `article:author` meta, each read only if needed. Never `<meta name="author">`: it
        names the publisher (`VCCorp.vn`), not a writer. A byline, or a name in it, that a
        reader never sees (hidden by its own attribute or inline style, or inside an element
        that is) names no one, as the body leaves hidden text out: a byline hidden whole is
        read as a missing one."""
        # Each `p.author` of the footer, each byline `span` of the header, names its people;
        # one a reader never sees names no one, and without another the next byline is read.
        footer = self._shown(_AUTHOR_FOOTER(self._article))
        yield [line for p in footer for line in byline_lines(p)]
        header = self._shown(self._with_role("author", "span", "author"))
        yield [name for span in header for name in header_names(span)]
        # JSON-LD's people one by one: an address where a name goes (the site's template names
        # its publisher `https://cafef.vn`) names no writer, as for the meta below.
        people = self._news_article.get("author")
        names = map(squash, map(names_value, people if isinstance(people, list) else [people]))
        yield [name for name in names if not _HTTP_URL.match(name)]
        meta = squash(self._meta_content("article:author"))
        # Open Graph's `article:author` may be a profile's address rather than a name.
        yield [] if _HTTP_URL.match(meta) else [meta]

    def source(self) -> str | None:
        """The outlet's name, without the `Theo ` ("according to") or `Nguồn:` ("source:") an
        editor may put before it (`Theo Trí Thức Trẻ`): the page prints its own `Theo` before
        the name. Outlets on lines of their own (`X<br>Y`) are joined by ", ", as authors are.
        Without a source line, the outlets the byline credits (`Theo Minh Anh / Tiền Phong`),
        then the credit closing the body. A source line a reader never sees (hidden by its own
        attribute or inline style, or inside an element that is) is read as a missing one,
        and hidden text inside a line as no part of it, as of the body."""
        for p in self._shown(_SOURCE(self._article)):
            names = unique(without_theo(line).strip() for line in byline_lines(p))
            if names:
                return ", ".join(names)
        _, outlets = self._byline
        return ", ".join(outlets) or self._credit_line_source()

    def _credit_line_source(self) -> str | None:
        """Without a source line, the outlet an editor credits in the body's last paragraph
        instead, set apart as a credit (right-aligned, or all in bold or italics): the whole
        paragraph `Theo <outlet>` or `Nguồn: <outlet>`, a name of six words at most and no
        sentence (`Theo đó, …` is none). A paragraph a reader never sees (hidden by its own
        attribute or inline style, or inside an element that is; or holding only such text
        or clutter) comes after no credit, and what is hidden inside the credit is no part of
        it, as of the body."""
        if not self._contents:
            return None
        content, body = self._contents[-1], self._paragraphs[-1]
        left_out = left_out_in(content, self._rare(content))
        blocks = [p for p in content.iter("p") if not inside_clutter(p, content, left_out)]
        texts = ((p, text_of(p, left_out)) for p in reversed(blocks))
        last, text = next(((p, text) for p, text in texts if text), (None, None))
        if not body or last is None or text != body[-1] or not set_apart(last):
            return None
        return credit_line_outlet(body[-1])

    def source_url(self) -> str | None:
        """The address in the source's link box, when it is an http(s) URL. A box a reader
        never sees (hidden by its own attribute or inline style, or inside an element that
        is) is read as a missing one, and hidden text inside it as no part of the address,
        as of the body."""
        value = first_shown_text(self._shown(_SOURCE_URL(self._article)))
        return value if value and _HTTP_URL.match(value) else None

    def published_at(self) -> dt.datetime | None:
        """Aware, UTC+7: `datetime` attribute, meta, JSON-LD, then the visible header text; a
        CMS's empty date (before 2000) is no time, so the next source gives it, and a date
        without a time of day (`datetime="2026-07-04"`) comes after every source with one."""
        date_node = first(self._with_role("publishdate", "span", "pdate"))
        return first_news_time(
            iso_times(self._published_texts(date_node), self._visible_time(date_node))
        )

    def _published_texts(self, date_node):
        """The page's ISO published times, in order of trust, each read only if needed."""
        if date_node is not None:
            yield date_node.get("datetime")
        yield self._meta_content("article:published_time")
        yield string_value(self._news_article.get("datePublished"))

    def _visible_time(self, date_node):
        """The time the date's text shows, as a reader sees it (`shown_text`): a date a reader
        never sees (hidden by its own attribute or inline style, or inside an element that is)
        shows none, as a missing one. Its `datetime` attribute is read all the same
        (`_published_texts`): written for machines, as the meta and JSON-LD are, it is never
        shown."""
        for node in self._shown([date_node] if date_node is not None else ()):
            yield parse_visible_time(shown_text(node))

    def modified_at(self) -> dt.datetime | None:
        """JSON-LD's dateModified, else the hidden input's; a CMS's empty date is no time, and
        a date without a time of day comes last."""
        return first_news_time(iso_times(self._modified_texts()))

    def _modified_texts(self):
        if self._json_ld_may_hold("dateModified"):
            yield string_value(self._news_article.get("dateModified"))
        yield self._hidden_input("hidLastModifiedDate")

    def tags(self) -> list[str]:
        """The tag box's links; when it gives none, the page's `<meta name="keywords">`, split
        on its commas or semicolons. A hashtag (`#MBS`) is the tag without its `#`. A link a
        reader never sees (hidden by its own attribute or inline style, or inside an element
        that is) is no tag, and hidden words inside a link no part of it, as of the body: a
        tag box hidden whole gives no tag, and the keywords are read as for a page without
        one."""
        tags = _tag_list(map(without_tag_trailer, self._tag_texts()))
        if tags:
            return tags
        keywords = first(_values_by(self._by_tag["meta"], "name", "content").get("keywords", ()))
        return _tag_list(text_of(keyword) for keyword in _KEYWORD_SEPARATOR.split(keywords or ""))

    def _tag_texts(self):
        """The text a reader sees (`shown_text`) of each link of the tag box a reader sees."""
        for box in self._shown(_TAG_BOXES(self._article)):
            for a in box.iterdescendants("a"):
                if not is_hidden_in(a, box):
                    yield shown_text(a)

    def tickers(self) -> list[str]:
        """Stock symbols: the ticker widget's title and iframe, then in-text company links."""
        found = []
        for link in WIDGET_TICKERS(self._article):
            found.extend(label_symbols(text_of(link)))
        for iframe in CHART_IFRAMES(self._article):
            if chart_of_the_article(iframe):
                found.extend(chart_symbols(iframe))
        for href in self._data_links():
            found.append(data_link_symbol(href))
        return unique(ticker(value) for value in found)

    def image_urls(self) -> list[str]:
        """The cover (or og:image) first, then the images of the body's figures; absolute.
        Each read as a browser shows it: a lazy-loaded image's real address, not its
        placeholder. An image inside an element hidden by its own attribute or inline style
        is left out, as the body leaves out hidden text (the same look a container); so is a
        cover image hidden so, or inside an element that is: the next one shown is the cover,
        else og:image, as on a page without one."""
        covers = map(image_source, self._shown(self._with_role("cover", "img")))
        cover = next((src for src in covers if src), None)
        candidates = [cover or self._meta_content("og:image")]
        for content in self._contents:
            for img in figure_images(content, left_out_in(content, self._rare(content))):
                candidates.append(image_source(img))
        return unique(self._absolute_http(src) for src in candidates)

    # --- node sets shared by several fields --------------------------------------------------

    def _shown(self, nodes) -> list:
        """Those of `nodes` a reader sees: not hidden by their own attribute or inline style,
        nor inside an element that is, below the article box (`is_hidden_in`)."""
        article = self._article
        return [node for node in nodes if not is_hidden_in(node, article)]

    @cached_property
    def _roles(self) -> dict[str, list]:
        """The elements carrying a `data-role`, by role, in page order."""
        roles: dict[str, list] = {}
        for value in _DATA_ROLES(self._root):
            roles.setdefault(str(value), []).append(value.getparent())
        return roles

    def _with_role(self, role: str, tag: str | None = None, css_class: str | None = None) -> list:
        """`tag.css_class[data-role=role]` in page order (tag and class optional)."""
        return [
            node
            for node in self._roles.get(role, ())
            if (tag is None or node.tag == tag)
            and (css_class is None or has_class(node, css_class))
        ]

    @cached_property
    def _title_headings(self) -> list:
        return self._with_role("title", "h1", "title")

    @cached_property
    def _article(self):
        """The article box, where the byline, source, tags and ticker widget are looked for.

        The nearest element holding both the title heading and the body container (on the
        saved pages 40% of the elements: no header, menus, sidebars or footer); the whole page
        when either is missing.
        """
        if not self._title_headings or not self._contents:
            return self._root
        title_line = set(self._title_headings[0].iterancestors())
        for ancestor in self._contents[0].iterancestors():
            if ancestor in title_line:
                return ancestor
        return self._root

    @cached_property
    def _paragraphs(self) -> list[list[str]]:
        """The paragraphs of each body container (`_contents`), read once for the body and its
        closing credit line."""
        return [paragraphs(content, self._rare(content)) for content in self._contents]

    @cached_property
    def _rare_by_content(self) -> dict:
        return {}

    def _rare(self, content) -> list:
        """`rare_elements` of a body container, looked for once for its paragraphs and its
        company links."""
        if (rare := self._rare_by_content.get(content)) is None:
            rare = self._rare_by_content[content] = rare_elements(content)
        return rare

    @cached_property
    def _contents(self) -> list:
        """Every body container, `div.detail-content[data-role=content]`, in page order: the
        CMS may close one around an ad and open another after it. One inside another is read
        as part of it."""
        containers = self._with_role("content", "div", "detail-content")
        if len(containers) < 2:
            return containers
        found = set(containers)
        return [c for c in containers if found.isdisjoint(c.iterancestors("div"))]

    @cached_property
    def _by_tag(self) -> dict[str, list]:
        """The page's meta, input, link, script and base elements, by tag, in page order."""
        found: dict[str, list] = {tag: [] for tag in _PAGE_TAGS}
        for element in self._root.iter(*_PAGE_TAGS):
            found[element.tag].append(element)
        return found

    @cached_property
    def _meta(self) -> dict[str, list[str]]:
        """`<meta property=… content=…>` values by property (Open Graph, `article:…`)."""
        return _values_by(self._by_tag["meta"], "property", "content")

    def _meta_content(self, name: str) -> str | None:
        return first(self._meta.get(name, ()))

    @cached_property
    def _hidden_inputs(self) -> dict[str, list[str]]:
        """`<input id=… value=…>` values by id: the CMS's hidden ids, zone and dates."""
        return _values_by(self._by_tag["input"], "id", "value")

    def _hidden_input(self, name: str) -> str | None:
        return first(self._hidden_inputs.get(name, ()))

    def _data_links(self) -> list[str]:
        """`href` of the in-text company links, `a.s-datacafef[href*='/du-lieu/']`, of the body.

        Searched inside each `data-role=content` element only, and only in the text the body
        keeps: a link in a related-news box, an ad or the "TIN MỚI" box names another story's
        company, and one hidden with its text (`hidden`, `display: none`) no company of the
        body. A link in nested containers comes twice, which the ticker list's
        de-duplication absorbs. Backslashes are slashes, as a browser reads them.
        """
        hrefs = []
        for content in self._with_role("content"):
            left_out = left_out_in(content, self._rare(content))
            for link in content.iterdescendants("a"):
                href = with_slashes((link.get("href") or "").strip())
                if (
                    href
                    and "/du-lieu/" in href
                    and has_class(link, "s-datacafef")
                    and not inside_clutter(link, content, left_out)
                ):
                    hrefs.append(href)
        return hrefs

    @cached_property
    def _json_ld_blocks(self) -> list[str]:
        scripts = self._by_tag["script"]
        blocks = (s.text for s in scripts if s.get("type") == "application/ld+json")
        return [block for block in blocks if block]

    def _json_ld_may_hold(self, key: str) -> bool:
        """False when no JSON-LD block can hold `key`: its name is in none of their texts, and
        none escapes a character (`\\u…`), so decoding them all would find nothing."""
        return any(key in block or "\\u" in block for block in self._json_ld_blocks)

    @cached_property
    def _json_ld(self) -> list[dict]:
        """Every JSON-LD object of the page (read by the fallbacks only)."""
        return json_ld_objects(self._json_ld_blocks)

    @cached_property
    def _news_article(self) -> dict:
        # Parsed lazily: the blocks after the article's own (breadcrumbs, the publisher) are
        # only read when a fallback needs them.
        objects = iter_json_ld_objects(self._json_ld_blocks)
        return first_of_type(objects, "NewsArticle", "Article", "ReportageNewsArticle") or {}

    @cached_property
    def _base_url(self) -> str:
        """Where relative links point: the article's own address on cafef.vn, whatever host
        served the page (the replica, `CAFEF_BASE_URL`, a saved file), so a relative image is
        stored on cafef.vn as its article is; else the response, or its canonical address."""
        own = self.url()
        if own is not None:
            return own
        if self.response.url.lower().startswith(("http://", "https://")):
            return self.response.url
        return self.canonical_url() or self.response.url

    def _absolute_http(self, src: str | None) -> str | None:
        # As a browser reads a link: tabs and line breaks inside it dropped, a space written
        # %20 (`a b.png`).
        src = squash(_TAB_OR_LINE_BREAK.sub("", src or "")).replace(" ", "%20")
        if not src:
            return None
        src = with_slashes(src)
        try:
            url = urljoin(self._base_url, src)
        except ValueError:
            return None
        return url if _HTTP_URL.match(url) else None


def _tag_list(texts) -> list[str]:
    """The tags of `texts`, once each ignoring case, a hashtag (`#MBS`) without its `#`."""
    return unique_ignoring_case(map(without_hashtag, texts))


def _folded(text: str) -> str:
    """`text` as compared ignoring case, composed or not."""
    return normalize("NFC", text).casefold()


def _values_by(elements, key: str, value: str) -> dict[str, list[str]]:
    """Attribute `value` of `elements` grouped by their attribute `key`, in page order."""
    found: dict[str, list[str]] = {}
    for element in elements:
        name, content = element.get(key), element.get(value)
        if name is not None and content is not None:
            found.setdefault(name, []).append(content)
    return found
