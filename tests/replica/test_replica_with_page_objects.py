"""The project's page objects read the replica's pages right: the replica models the real site."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request

from newsscraper.items import Article
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.section import SectionPage
from replica import ReplicaSite

BASE = "http://127.0.0.1:8080"
SITE = ReplicaSite(articles=40, seed=3)


def response_for(path: str) -> HtmlResponse:
    url = BASE + path
    body = SITE.respond("GET", path).body
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))


@pytest.mark.parametrize("index", range(6))
def test_article_page_extracts_what_the_replica_put_in(index):
    article = SITE.article(index)
    item = ArticlePage(response_for(article.path)).to_item(section="doanh-nghiep")
    assert item == Article(**article.expected_fields())


def test_section_page_and_fragment_list_the_section_in_order():
    listing = [a.article_id for a in SITE.articles]
    page_one = SectionPage(response_for("/doanh-nghiep.chn")).entries()
    page_two = SectionPage(response_for("/timelinelist/18836/2.chn")).entries()
    assert [e.article_id for e in page_one] == listing[:23]
    assert [e.article_id for e in page_two] == listing[23:40]
    assert [e.listed_at for e in page_one[:3]] == [a.published_at for a in SITE.articles[:3]]
