"""is_soft_block: a 200 without the markup of the page kind asked for is a soft block; an error
status, an empty timeline fragment and a page of another kind are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response

from newsscraper.softblock import SOFT_BLOCKED_META, is_site_page, is_soft_block, was_soft_blocked
from replica.render import SOFT_BLOCK_PAGE

PAGES = Path(__file__).parent / "fixtures" / "pages"
ARTICLE_PAGE = PAGES / "article_188260704171525847_trimmed.html"
SECTION_PAGE = PAGES / "section_thi-truong-chung-khoan.html"
BASE = "http://127.0.0.1:8123"
URLS = {
    "article": f"{BASE}/chu-tich-dang-ky-mua-co-phieu-188260704171525847.chn",
    "section": f"{BASE}/doanh-nghiep.chn",
    "timeline": f"{BASE}/timelinelist/18836/2.chn",
}
# One stream item of a timeline fragment, as the section page's stream spells it.
FRAGMENT = """<div class="tlitem box-category-item" data-id="188260306102323344">
<h3><a href="/tin-moi-188260306102323344.chn">Tin mới</a></h3>
<span class="time time-ago" title="2026-03-07T10:22:00"></span></div>""".encode()


def ask(kind: str | None, body: bytes, status: int = 200, cls=HtmlResponse):
    """(request, response) for a page of `kind` answered with `body`."""
    url = URLS.get(kind, f"{BASE}/robots.txt")
    request = Request(url, meta={} if kind is None else {"cafef_page": kind})
    kwargs = {"encoding": "utf-8"} if cls is HtmlResponse else {}
    return request, cls(url, status=status, body=body, request=request, **kwargs)


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("article", ARTICLE_PAGE.read_bytes()),
        ("section", SECTION_PAGE.read_bytes()),
        ("timeline", FRAGMENT),
        ("timeline", b""),  # the end of the listing
        ("timeline", b" \n "),
        ("timeline", b"<div>\n</div>"),  # markup that says nothing
        ("section", b"<html><body><div class='listchungkhoannew'></div></body></html>"),
        ("section", b"<html><body><div class='list-focus-main'></div></body></html>"),
    ],
)
def test_a_page_with_its_kinds_markup_or_the_end_of_the_listing_is_no_soft_block(kind, body):
    assert not is_soft_block(*ask(kind, body))


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("article", SOFT_BLOCK_PAGE.encode()),
        ("article", SECTION_PAGE.read_bytes()),
        ("section", SOFT_BLOCK_PAGE.encode()),
        ("section", b""),  # only a timeline fragment ends the listing by being empty
        ("section", b"<div class='item'><h3>Tin m\xe1\xbb\x9bi</h3></div>"),
        ("timeline", SOFT_BLOCK_PAGE.encode()),
        ("timeline", b"<p>Too many requests</p>"),
        ("timeline", b"<html><body></body></html>"),  # a page, not a fragment: no end
    ],
)
def test_a_200_without_its_kinds_markup_is_a_soft_block(kind, body):
    assert is_soft_block(*ask(kind, body))


@pytest.mark.parametrize("kind", ["section", "timeline"])
def test_a_listing_page_that_links_to_articles_without_entries_is_no_soft_block(kind):
    # README, exit 5: its layout changed; retried as a block, it would end the run as if the
    # site failed (exit 7).
    assert not is_soft_block(*ask(kind, FRAGMENT.replace(b"tlitem", b"item")))


@pytest.mark.parametrize("status", [403, 404, 500, 503])
def test_an_error_status_is_no_soft_block_whatever_its_page(status):
    # The retry middleware and the errbacks judge those by their status.
    for kind in URLS:
        assert not is_soft_block(*ask(kind, SOFT_BLOCK_PAGE.encode(), status=status))


@pytest.mark.parametrize("kind", [None, "robots", "pending"])
def test_a_page_of_no_listed_kind_is_never_a_soft_block(kind):
    assert not is_soft_block(*ask(kind, SOFT_BLOCK_PAGE.encode()))


def test_a_response_that_is_not_text_is_a_soft_block_unless_it_is_empty():
    for kind in URLS:
        assert is_soft_block(*ask(kind, b"GIF89a\x01\x00\x01\x00", cls=Response))
    assert not is_soft_block(*ask("timeline", b"", cls=Response))
    assert not is_soft_block(*ask("timeline", b"\r\n", cls=Response))


def test_a_site_page_has_the_sites_header_or_a_listing():
    header = b'<html><body><div id="listNewHeader"></div><p>Trang</p></body></html>'
    assert is_site_page(ask("article", header)[1])
    assert is_site_page(ask("article", SECTION_PAGE.read_bytes())[1])
    assert is_site_page(ask("article", FRAGMENT)[1])  # a listing without the header
    assert not is_site_page(ask("article", SOFT_BLOCK_PAGE.encode())[1])
    assert not is_site_page(ask("article", header, cls=Response)[1])


def test_a_request_given_up_on_soft_blocks_says_so():
    assert was_soft_blocked(Request(URLS["article"], meta={SOFT_BLOCKED_META: True}))
    assert not was_soft_blocked(Request(URLS["article"]))


def test_a_listing_page_redirected_to_a_site_page_without_a_listing_is_a_soft_block():
    # An article sent to another page of the site has gone away; a section page or fragment
    # sent to one (the home page) still lacks its listing: the site is not giving it to us.
    header = b'<html><body><div id="listNewHeader"></div><p>Trang</p></body></html>'
    for kind in ("section", "timeline"):
        request = Request(f"{BASE}/", meta={"cafef_page": kind, "redirect_urls": [URLS[kind]]})
        response = HtmlResponse(f"{BASE}/", body=header, encoding="utf-8", request=request)
        assert is_soft_block(request, response), kind


@pytest.mark.parametrize(
    "target", ["javascript:location.reload()", "data:text/html,x", "http://[::1"]
)
def test_an_article_page_refreshing_to_no_web_address_is_kept_as_the_article(target):
    # Scrapy's meta refresh middleware failed such a page with "Missing scheme"; ours hands it
    # on as it came, and the page holding the article is the article, whatever it refreshes to.
    from scrapy.utils.test import get_crawler

    from newsscraper.crawl_host import NowhereMetaRefreshMiddleware

    refresh = f'<meta http-equiv="refresh" content="0;url={target}">'.encode()
    body = ARTICLE_PAGE.read_bytes().replace(b"<head>", b"<head>" + refresh, 1)
    assert refresh in body
    request, response = ask("article", body)
    middleware = NowhereMetaRefreshMiddleware.from_crawler(get_crawler())
    assert middleware.process_response(request, response) is response
    assert not is_soft_block(request, response)
