"""Where the crawl may go: only http(s) requests to the crawl host ever leave, even on
redirects (`CrawlHostOnlyMiddleware`); an article's HTTP redirect to an article path on another
host of the site's own (m.cafef.vn, www.cafef.vn, cafef.vn) is asked for at the crawl host by
its path, as a listing's link there is, unless that path was asked for there in the same chain
(the site sends the page to its other host: not followed, the article pending); an article
page's meta refresh off the site is a soft
block (`OffSiteChallenge`), not a moved story, as is an article's HTTP redirect to another
site at an address that is no article (a captive portal's or a proxy's login page); a
redirect to an address that is not http(s) comes back as the 3xx itself
(`UnfollowedRedirectMiddleware`), and a meta refresh to an address no request can be made for
leaves the page as it came (`NowhereMetaRefreshMiddleware`)."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from newsscraper.pages.links import LINKED_HOSTS, article_path_match
from newsscraper.redirects import OffCrawlHost, unfollowed_redirect

logger = logging.getLogger(__name__)


class CrawlHostOnlyMiddleware:
    """Only http(s) requests to the spider's allowed hosts ever leave, whatever the request.

    Scrapy's offsite middleware lets through any request with `dont_filter=True` (and
    redirects inherit it); this one has no such door.
    """

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request, spider=None):
        spider = self.crawler.spider
        allowed = {d.lower() for d in getattr(spider, "allowed_domains", None) or ()}
        parts = urlparse_cached(request)
        host = (parts.hostname or "").lower()
        if parts.scheme in ("http", "https") and (not allowed or host in allowed):
            return None
        moved = at_the_crawl_host(request, spider)
        if moved is not None:
            # The story moved within the site: read where it went, on the crawl host.
            self.crawler.stats.inc_value("newsscraper/offsite/asked_at_crawl_host")
            logger.debug("asking for %s at the crawl host: %s", request.url, moved.url)
            return moved
        self.crawler.stats.inc_value("newsscraper/offsite/blocked")
        if _meta_refreshed_article(request):
            # A 200 page in place of an article that sends the browser to another site is a
            # challenge (a captcha, a rate-limit page), not a story that moved: a soft block,
            # handled as any other (PoliteRetryMiddleware.process_exception).
            raise OffSiteChallenge(f"an article page sent off the site: {request.url}")
        if _redirected_to_a_foreign_page(request):
            # Most likely the network's answer (a captive portal's or a proxy's login page),
            # not the story's: a soft block too, the story asked for again.
            raise OffSiteChallenge(
                f"an article redirected off the site to a page that is no article: {request.url}"
            )
        # A redirect off the host is said by the errback of the page redirected (a listing
        # page's, robots.txt's, an article's reject), naming both: not a warning here as well.
        redirected = bool(request.meta.get("redirect_urls"))
        logger.log(
            logging.INFO if redirected else logging.WARNING,
            "not fetching %s: only http(s) to %s",
            request.url,
            ", ".join(sorted(allowed)),
        )
        if redirected:  # robots.txt's failure says this, a listing page's says it alike
            raise OffCrawlHost(
                f"redirected to {request.url}, off the crawl host: not followed"
                + another_host_advice(request)
            )
        raise OffCrawlHost(f"off the crawl host: {request.url}")


def at_the_crawl_host(request, spider) -> Request | None:
    """For an article request an HTTP redirect made to an article path on another host of the
    site's own (`LINKED_HOSTS`: `https://m.cafef.vn/<slug>-<id>.chn`), the same request for
    that path on the crawl host (`spider.rebase`), as a listing's link to that host is asked
    for: a story moved to another path is read there, and stored under its own id as after a
    redirect on the crawl host. None for any other request: a meta refresh, another site, a
    path that is no article's (a deleted story sent to the mobile site's home page), and a path
    this chain of redirects already asked for at the crawl host (the same page on the site's
    other host: asked there again, it would only redirect there again). Such a request is not
    followed (`OffCrawlHost`): the article is pending, not rejected (`redirected_away`)."""
    chain = request.meta.get("redirect_urls")
    reasons = request.meta.get("redirect_reasons") or [None]
    if request.meta.get("cafef_page") != "article" or not chain or reasons[-1] == "meta refresh":
        return None
    host = (urlparse_cached(request).hostname or "").lower()
    rebase = getattr(spider, "rebase", None)
    if host not in LINKED_HOSTS or article_path_match(request.url) is None or rebase is None:
        return None
    url = rebase(request.url)
    if url is None or any(urlsplit(asked)[:3] == urlsplit(url)[:3] for asked in chain):
        return None
    return request.replace(url=url)


def another_host_advice(request) -> str:
    """How to crawl the host a redirect sent `request` to, never followed:
    `; to crawl that host, set CAFEF_BASE_URL=https://www.cafef.vn`. Given when the redirect
    kept the page's path (the site's address moved: `https://cafef.vn/doanh-nghiep.chn` to
    `https://www.cafef.vn/doanh-nghiep.chn`), went to a host of `LINKED_HOSTS`, or went to the
    home page (`/`, no query) of a host of the crawl host's own domain (`https://www.example.net`
    sending every page to `https://example.net/` or `https://new.example.net/`); empty for any other
    (a captive portal's or a proxy's login page is no site to crawl, nor another site's home
    page) and for a request no redirect made."""
    chain = request.meta.get("redirect_urls")
    sent = urlparse_cached(request)
    if not chain or sent.scheme not in ("http", "https"):
        return ""
    host, asked = (sent.hostname or "").lower(), urlsplit(chain[0])
    home = sent.path in ("", "/") and not sent.query  # `/?next=…` is a login page's
    home_of_its_own = home and _same_domain(host, asked.hostname or "")
    if sent.path != asked.path and host not in LINKED_HOSTS and not home_of_its_own:
        return ""
    return f"; to crawl that host, set CAFEF_BASE_URL={sent.scheme}://{sent.netloc}"


def _same_domain(host: str, crawl_host: str) -> bool:
    """True when `host` is the crawl host's domain (its name without `www.`) or a name under
    it: `example.net` and `new.example.net` for `www.example.net`. Never for an IP address,
    which has no names under it."""
    domain = crawl_host.lower().removeprefix("www.")
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        return bool(domain) and (host == domain or host.endswith(f".{domain}"))
    return False


class OffSiteChallenge(IgnoreRequest):
    """An article page's meta refresh led off the site: a soft block, not a moved story."""


def _meta_refreshed_article(request) -> bool:
    """True for an article request made by following a meta refresh (Scrapy's
    MetaRefreshMiddleware notes its reason as "meta refresh")."""
    reasons = request.meta.get("redirect_reasons") or [None]
    return request.meta.get("cafef_page") == "article" and reasons[-1] == "meta refresh"


def _redirected_to_a_foreign_page(request) -> bool:
    """True for an article request made by following a redirect to a host that is none of the
    site's, at an address that is no article path (`https://login.example.net/?next=…`). One
    to an article path there is the story moved to another site (`redirected_away`)."""
    return (
        request.meta.get("cafef_page") == "article"
        and bool(request.meta.get("redirect_urls"))
        and urlparse_cached(request).hostname not in LINKED_HOSTS
        and article_path_match(request.url) is None
    )


class UnfollowedRedirectMiddleware:
    """A redirect to an address that is not http(s) (`ftp:`, `javascript:`, ...) comes back as
    the 3xx itself, an HTTP error the spider rejects as `redirected_away`.

    Scrapy's RedirectMiddleware hands back the 3xx for some such Locations (`ftp://`) and
    raises ValueError for others (`javascript:`, `mailto:`: "Missing scheme"), which says
    nothing of the page. Numbered above it, this one sees the response first and tells it not
    to try."""

    def process_response(self, request, response, spider=None):
        if unfollowed_redirect(response) is not None:
            request.meta["dont_redirect"] = True
        return response


class NowhereMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta refresh middleware, except that a refresh to an address no request can be
    made for (`javascript:`, one that does not parse) leaves the page as it came, as Scrapy
    does for `data:` or `ftp:`, instead of failing it with ValueError ("Missing scheme"): the
    page then goes on as any other: the article if it holds it, else a soft block."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except ValueError:
            return response
