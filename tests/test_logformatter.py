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
