"""Has an article gone away? The site answers a deleted or moved story's URL with a redirect to
a page that is not an article (the section page, the home page).

Such a page comes back 200 without article markup, like a soft block, but retrying cannot
bring the article back: the soft-block check lets it through, and the spider rejects it.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

from newsscraper.pages.links import LINKED_HOSTS, article_path_match

REDIRECTED_AWAY = "redirected_away"  # the reject reason
# The reject reason of a listed URL that redirects to another article, stored under its own id.
REDIRECTED_TO_ARTICLE = "redirected_to_article"

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})  # those Scrapy follows


class OffCrawlHost(IgnoreRequest):
    """A request for another host (or not http(s)) that the crawl never sends: a redirect off
    the site, the story moved elsewhere. Not Scrapy's "max redirections reached", nor a stop."""


def redirected_away(request: Request) -> bool:
    """True when `request` was reached by redirects (Scrapy's meta `redirect_urls`) and is not
    an article path, or is on another site. A redirect to an article path on the site (a new
    slug, another id) is not, on the crawl host or on a host of the site's own (cafef.vn,
    www.cafef.vn and m.cafef.vn are one site: `crawl_host.at_the_crawl_host` asks for its path
    at the crawl host, or leaves the article pending when that path redirected there)."""
    chain = request.meta.get("redirect_urls")
    if not chain:
        return False
    if article_path_match(request.url) is None:
        return True
    host = _host(request.url)
    return host != _host(chain[0]) and host not in LINKED_HOSTS


def unfollowed_redirect(response: Response) -> str | None:
    """The address a redirect sends to when it is not http(s) (`ftp:`, `javascript:`, ...),
    else None. Scrapy's redirect middleware does not follow such a Location: the 3xx itself
    comes back (an HTTP error), and no other answer at that URL can bring the article back."""
    location = response.headers.get("Location") if response.status in REDIRECT_STATUSES else None
    if not location:
        return None
    url = urljoin(response.url, safe_url_string(location))
    return None if urlsplit(url).scheme in ("http", "https") else url


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def requested_url(request: Request) -> str:
    """The URL first asked for, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]
