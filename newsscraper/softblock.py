"""Is a 200 response really a soft block? (The live site answers rate-limited clients with a
page that has none of the article or listing markup; see SITE.md.)"""

from __future__ import annotations

from scrapy.http import Response, TextResponse

from newsscraper.pages.article import ArticlePage
from newsscraper.pages.section import SectionPage


def is_soft_block(page_kind: str | None, response: Response) -> bool:
    """True when a response for a `page_kind` page (spider meta `cafef_page`) lacks its markup.

    An empty timeline fragment is the end of the listing, not a block.
    """
    if page_kind not in ("article", "section", "timeline") or response.status != 200:
        return False
    if not isinstance(response, TextResponse):
        return bool(response.body.strip())
    if page_kind == "article":
        return not ArticlePage(response).has_article_markup()
    page = SectionPage(response)
    if page_kind == "timeline" and page.is_empty_fragment():
        return False
    return not page.has_listing_markup()
