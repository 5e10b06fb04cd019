"""Has an article gone away? The site answers a deleted or moved story's URL with a redirect to
a page that is not an article (the section page, the home page).

Such a page comes back 200 without article markup, like a soft block, but retrying cannot
bring the article back: the soft-block check lets it through, and the spider rejects it.
"""

from __future__ import annotations

from scrapy import Request

from newsscraper.pages.links import article_path_match

REDIRECTED_AWAY = "redirected_away"  # the reject reason


def redirected_away(request: Request) -> bool:
    """True when `request` was reached by redirects (Scrapy's meta `redirect_urls`) and is not
    an article path. A redirect to another article path (a new slug, another id) is not."""
    return bool(request.meta.get("redirect_urls")) and article_path_match(request.url) is None


def requested_url(request: Request) -> str:
    """The URL first asked for, before any redirect."""
    return (request.meta.get("redirect_urls") or [request.url])[0]
