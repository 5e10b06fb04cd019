import email.utils

import pytest

from newsscraper.middlewares import backoff_seconds, retry_after_seconds


@pytest.mark.parametrize(
    ("header", "expected"),
    [(b"120", 120.0), ("7", 7.0), (b"", None), (None, None), (b"soon", None)],
)
def test_retry_after_seconds(header, expected):
    assert retry_after_seconds(header) == expected


def test_retry_after_http_date_counts_from_now():
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after_seconds(header, now=now) == pytest.approx(30, abs=1)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_seconds(a, 2.0, 10.0) for a in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]
    assert backoff_seconds(3, 0, 10.0) == 0.0


def test_only_http_requests_to_the_crawl_host_leave():
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from newsscraper.middlewares import CrawlHostOnlyMiddleware
    from newsscraper.spiders.cafef import CafefSpider

    crawler = get_crawler(CafefSpider, {"CAFEF_BASE_URL": "http://127.0.0.1:8123"})
    crawler.spider = CafefSpider.from_crawler(crawler)
    crawler.stats = MemoryStatsCollector(crawler)
    middleware = CrawlHostOnlyMiddleware.from_crawler(crawler)
    assert middleware.process_request(Request("http://127.0.0.1:8123/a.chn")) is None
    for url in (
        "http://example.invalid/a.chn",
        "https://cafef.vn.evil.example/a.chn",
        "ftp://127.0.0.1:8123/a.chn",
    ):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url, dont_filter=True))
    assert crawler.stats.get_value("newsscraper/offsite/blocked") == 3
