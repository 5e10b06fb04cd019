"""Log lines about items name the article; its text is kept in rejects/, not in the log."""

from __future__ import annotations

import logging

from newsscraper.items import Article
from newsscraper.logformatter import ArticleLogFormatter
from newsscraper.pages.section import ListingLayoutChanged

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


def spider_error_logged(exception: Exception, caplog) -> logging.LogRecord:
    """The record Scrapy's scraper logs for `exception` raised by a listing page's callback,
    as it logs it (`Scraper.handle_spider_error`: the formatter's line, with the traceback)."""
    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse
    from scrapy.utils.log import failure_to_exc_info, logformatter_adapter
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    crawler = get_crawler(Spider, {"LOG_FORMATTER": "newsscraper.logformatter.ArticleLogFormatter"})
    request = Request("https://cafef.vn/timelinelist/18836/3.chn")
    response = HtmlResponse(request.url, request=request, body=b"<html></html>")
    try:
        raise exception
    except Exception:
        failure = Failure()
    entry = crawler.logformatter.spider_error(failure, request, response, None)
    with caplog.at_level(logging.ERROR, logger="scrapy.core.scraper"):
        logging.getLogger("scrapy.core.scraper").log(
            *logformatter_adapter(entry), exc_info=failure_to_exc_info(failure)
        )
    (record,) = caplog.records
    return record


def test_a_listing_page_whose_layout_changed_is_one_line_naming_it_without_a_traceback(caplog):
    """README, exit 5: a listing page whose layout changed is a change of the site, said in
    one ERROR line naming the page, not a traceback that reads like a crash of newsscraper."""
    changed = ListingLayoutChanged("the listing's entries could not be read: its layout changed")
    record = spider_error_logged(changed, caplog)
    assert record.levelno == logging.ERROR and record.exc_info is None
    assert record.getMessage() == (
        "listing page https://cafef.vn/timelinelist/18836/3.chn: the listing's entries could not "
        "be read: its layout changed. A change of the site, not a fault of newsscraper: kept in "
        "rejects as parse_error, paging stops here"
    )
    assert "Traceback" not in logging.Formatter().format(record)


def test_any_other_raise_of_a_listing_page_keeps_its_traceback(caplog):
    """A raise that is a fault of newsscraper is logged as Scrapy logs it, traceback and all."""
    record = spider_error_logged(KeyError("zone_id"), caplog)
    assert record.getMessage().startswith(
        "Spider error processing <GET https://cafef.vn/timelinelist/18836/3.chn>"
    )
    text = logging.Formatter().format(record)
    assert "Traceback" in text and "KeyError: 'zone_id'" in text


def test_scrapys_advice_to_keep_pages_cut_short_is_left_out(caplog):
    # "Got data loss in URL. If you want to process broken responses set the setting
    # DOWNLOAD_FAIL_ON_DATALOSS = False": a page cut short is retried and stays pending; stored,
    # it would be half an article. The spider's line says what happened to the page.
    from scrapy.utils.test import get_crawler

    ArticleLogFormatter.from_crawler(get_crawler())
    http11 = logging.getLogger("scrapy.core.downloader.handlers.http11")
    http11.warning("Got data loss in http://127.0.0.1:8123/a.chn. If you want to process ...")
    http11.warning("another warning")
    assert [r.getMessage() for r in caplog.records] == ["another warning"]
