"""An article redirected to a page that is not an article has gone away: not a soft block."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from newsscraper.redirects import redirected_away, requested_url, unfollowed_redirect
from newsscraper.softblock import is_soft_block
from replica.render import SOFT_BLOCK_PAGE

SECTION_PAGE = Path(__file__).parent / "fixtures" / "pages" / "section_thi-truong-chung-khoan.html"
BASE = "http://127.0.0.1:8123"
ARTICLE = f"{BASE}/chu-tich-dang-ky-mua-co-phieu-188260704171525847.chn"


def article_request(url: str, *redirects: str) -> Request:
    """The request Scrapy makes for `url` after redirects from `redirects` (first asked first)."""
    meta = {"cafef_page": "article", "article_id": "188260704171525847"}
    if redirects:
        meta["redirect_urls"] = list(redirects)
    return Request(url, meta=meta)


@pytest.mark.parametrize(
    "final",
    [
        f"{BASE}/doanh-nghiep.chn",  # the section page
        f"{BASE}/",  # the home page
        f"{BASE}/thi-truong-chung-khoan.chn?id=188260704171525847",
        # Another site, whatever its path looks like.
        "http://example.invalid/chu-tich-dang-ky-mua-co-phieu-188260704171525847.chn",
    ],
)
def test_a_redirect_off_the_article_paths_means_the_article_went_away(final):
    request = article_request(final, ARTICLE)
    assert redirected_away(request)
    assert requested_url(request) == ARTICLE


@pytest.mark.parametrize(
    "final",
    [
        f"{BASE}/chu-tich-dang-ky-mua-10-trieu-co-phieu-188260704171525847.chn",  # a new slug
        f"{BASE}/bai-viet-khac-188260704171599999.chn",  # another article
        f"{ARTICLE}?utm_source=x",  # the same article with a query
    ],
)
def test_a_redirect_to_an_article_path_is_still_an_article(final):
    assert not redirected_away(article_request(final, ARTICLE))


def test_cafef_vn_and_www_cafef_vn_are_one_site():
    path = "/chu-tich-dang-ky-mua-co-phieu-188260704171525847.chn"
    request = article_request(f"https://www.cafef.vn{path}", f"https://cafef.vn{path}")
    assert not redirected_away(request)


@pytest.mark.parametrize("host", ["m.cafef.vn", "www.cafef.vn", "cafef.vn"])
def test_an_article_path_on_a_host_of_the_sites_own_is_no_story_gone_away(host):
    # From any crawl host (the replica's too): the mobile site serves the same articles.
    path = "/chu-tich-dang-ky-mua-co-phieu-188260704171525847.chn"
    assert not redirected_away(article_request(f"https://{host}{path}", ARTICLE))
    assert redirected_away(article_request(f"https://{host}/", ARTICLE))


def test_a_page_asked_for_directly_has_not_gone_away():
    # Not redirected: a page without article markup here is a soft block, as before.
    assert not redirected_away(article_request(f"{BASE}/doanh-nghiep.chn"))
    assert requested_url(article_request(ARTICLE)) == ARTICLE


def test_the_first_url_of_a_chain_is_the_one_asked_for():
    chain = (ARTICLE, f"{BASE}/tin-cu-188260704171525847.chn")
    request = article_request(f"{BASE}/", *chain)
    assert redirected_away(request)
    assert requested_url(request) == ARTICLE


def test_an_article_redirected_to_the_section_page_is_not_a_soft_block():
    section = f"{BASE}/doanh-nghiep.chn"
    body = SECTION_PAGE.read_bytes()

    redirected = article_request(section, ARTICLE)
    response = HtmlResponse(section, body=body, encoding="utf-8", request=redirected)
    assert not is_soft_block(redirected, response)

    # The same page answered to the article URL itself is still a soft block.
    direct = article_request(ARTICLE)
    response = HtmlResponse(ARTICLE, body=body, encoding="utf-8", request=direct)
    assert is_soft_block(direct, response)


def test_an_article_redirected_to_a_page_that_is_not_the_sites_is_a_soft_block():
    # A captcha or rate-limit page, reached by a redirect or a meta refresh.
    captcha = f"{BASE}/captcha?from=article"
    body = SOFT_BLOCK_PAGE.encode()
    redirected = article_request(captcha, ARTICLE)
    response = HtmlResponse(captcha, body=body, encoding="utf-8", request=redirected)
    assert is_soft_block(redirected, response)


@pytest.mark.parametrize(
    "location",
    ["ftp://files.example.invalid/story.pdf", "javascript:void(0)", "mailto:toasoan@cafef.vn"],
)
def test_a_redirect_to_an_address_that_is_not_http_is_not_followed_and_named(location):
    # Scrapy's redirect middleware hands back the 3xx itself for a Location of another scheme.
    response = HtmlResponse(ARTICLE, status=302, headers={"Location": location}, body=b"")
    assert unfollowed_redirect(response) == location


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_each_redirect_status_scrapy_follows_to_an_address_that_is_not_http_is_named(status):
    location = "ftp://files.example.invalid/story.pdf"
    response = HtmlResponse(ARTICLE, status=status, headers={"Location": location}, body=b"")
    assert unfollowed_redirect(response) == location


def test_an_unfollowed_address_is_named_as_a_url_percent_encoded_as_scrapy_would_ask_for_it():
    location = "ftp://files.example.invalid/tài liệu.pdf".encode()
    response = HtmlResponse(ARTICLE, status=301, headers={"Location": location}, body=b"")
    assert (
        unfollowed_redirect(response) == "ftp://files.example.invalid/t%C3%A0i%20li%E1%BB%87u.pdf"
    )


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (302, {"Location": "/doanh-nghiep.chn"}),  # followed by Scrapy
        (302, {"Location": "//example.invalid/x"}),  # another host, same scheme: followed
        (302, {}),  # no Location: nowhere to go
        (302, {"Location": "https://cafef.vn/doanh-nghiep.chn"}),  # https: followed
        (301, {"Location": "HTTPS://cafef.vn/doanh-nghiep.chn"}),  # a scheme is any case
        (200, {"Location": "ftp://files.example.invalid/story.pdf"}),  # not a redirect
        (300, {"Location": "ftp://files.example.invalid/story.pdf"}),  # Scrapy follows no 300
        (304, {"Location": "ftp://files.example.invalid/story.pdf"}),
        (500, {}),
    ],
)
def test_other_responses_are_not_unfollowed_redirects(status, headers):
    response = HtmlResponse(ARTICLE, status=status, headers=headers, body=b"")
    assert unfollowed_redirect(response) is None
