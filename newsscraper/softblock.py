"""Is a 200 response really a soft block? (The live site answers rate-limited clients with a
page that has none of the article or listing markup: `ArticlePage.has_article_markup`,
`SectionPage.has_listing_markup`.) An article redirected to another page of the site is not
one: the article has gone away (`newsscraper.redirects`). An article redirected to a page that
is not one of the site's own (a captcha or rate-limit page without its header, on its host) is
one, as is a meta refresh off the site (see `newsscraper.crawl_host.OffSiteChallenge`), and a
page without the article that refreshes to an address no request is made for (`javascript:`,
`data:`, one that does not parse), as any page without it is; an
HTTP redirect to another site is never followed: a `redirected_away` reject when it names an
article's address there, else a soft block too (`newsscraper.crawl_host`: a login page). One to
an article's address on another host of the site's own is asked for at the crawl host, or left
pending when it is the page's own address (`newsscraper.crawl_host.at_the_crawl_host`)."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response, TextResponse

from newsscraper.cut_short import is_read_as_200
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.section import SectionPage
from newsscraper.pages.selectors import css
from newsscraper.pages.tree import html_root
from newsscraper.redirects import redirected_away

# Set on a request given up because its page kept coming back soft-blocked.
SOFT_BLOCKED_META = "newsscraper_soft_blocked"

# The header's "MỚI NHẤT" list: on every page of the site (home, section and article pages),
# on no captcha or rate-limit page.
_SITE_HEADER = css("#listNewHeader")


def was_soft_blocked(request: Request) -> bool:
    """True for a request given up on soft blocks: the site throttling us, not the page."""
    return bool(request.meta.get(SOFT_BLOCKED_META))


def is_soft_block(request: Request, response: Response) -> bool:
    """True when the response to `request`, a page of the kind in its meta `cafef_page`, lacks
    that kind's markup: a 200, or a 206 read as one (`is_read_as_200`).

    An empty timeline fragment is the end of the listing, not a block.
    """
    page_kind = request.meta.get("cafef_page")
    if page_kind not in ("article", "section", "timeline"):
        return False
    if not is_read_as_200(request, response):  # a 206 holding the whole page is one too
        return False
    if page_kind == "article" and redirected_away(request):
        return not is_site_page(response)
    if not isinstance(response, TextResponse):
        return bool(response.body.strip())
    if page_kind == "article":
        return not ArticlePage(response).has_article_markup()
    page = SectionPage(response)
    if page_kind == "timeline" and page.is_empty_fragment():
        return False
    # A page whose stream links to articles is the site's own: a listing whose layout changed
    # (the spider says so), not a block to retry.
    return not page.has_listing_markup() and not page.unread_article_links()


def is_site_page(response: Response) -> bool:
    """True for a page of the site itself (its header, or a listing), whatever its kind."""
    if not isinstance(response, TextResponse):
        return False
    return bool(_SITE_HEADER(html_root(response))) or SectionPage(response).has_listing_markup()
