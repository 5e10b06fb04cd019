"""Log lines about items name the article; its text is kept in rejects/, not in the log."""

from __future__ import annotations

import logging

from newsscraper.items import Article
from newsscraper.logformatter import ArticleLogFormatter

ARTICLE = Article(
    article_id="188260307101523456",
    url="https://cafef.vn/hpx-bao-lai-quy-4-188260307101523456.chn",
    title="HPX báo lãi quý 4",
    body="Công ty cổ phần Đầu tư Hải Phát công bố báo cáo tài chính quý 4. " * 40,
)


def test_an_article_a_pipeline_raised_on_is_named_not_printed_whole():
    entry = ArticleLogFormatter().item_error(ARTICLE, ValueError("boom"), None, None)
    assert entry["level"] == logging.ERROR
    assert entry["msg"] % entry["args"] == (
        "Error processing article 188260307101523456 "
        "<https://cafef.vn/hpx-bao-lai-quy-4-188260307101523456.chn>"
    )


def test_a_rejected_article_is_named_with_why_not_printed_whole():
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from newsscraper.rejects import Rejected

    spider = Spider.from_crawler(get_crawler(Spider), "cafef")
    rejected = Rejected("body_too_short", "12 words")
    entry = ArticleLogFormatter().dropped(ARTICLE, rejected, None, spider)
    assert entry["level"] == logging.WARNING  # Scrapy's DEFAULT_DROPITEM_LOG_LEVEL
    assert entry["msg"] % entry["args"] == (
        "Dropped article 188260307101523456 "
        "<https://cafef.vn/hpx-bao-lai-quy-4-188260307101523456.chn>: body_too_short: 12 words"
    )


def test_an_article_seen_before_is_named_at_the_level_its_drop_asks_for():
    # Re-seeing a stored article is the normal case of an incremental run: DEBUG, not WARNING.
    from pipelines.dedupe import DuplicateArticle

    entry = ArticleLogFormatter().dropped(ARTICLE, DuplicateArticle(ARTICLE.article_id), None, None)
    assert entry["level"] == logging.DEBUG
    assert entry["msg"] % entry["args"] == (
        "Dropped article 188260307101523456 "
        "<https://cafef.vn/hpx-bao-lai-quy-4-188260307101523456.chn>: "
        "duplicate_id: article 188260307101523456 is already stored"
    )
