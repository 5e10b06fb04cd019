import email.utils
import re
import time
import unicodedata
from pathlib import Path

import pytest

from newsscraper.retries import backoff_seconds, retry_after_seconds


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"120", 120.0),
        (b" 120 ", 120.0),
        ("7", 7.0),
        (b" 30 ", 30.0),
        (b"", None),
        (None, None),
        (b"soon", None),
        (b"\xb2", None),  # "²" in Latin-1: a digit to str.isdigit, no number to float
    ],
)
def test_retry_after_seconds(header, expected):
    assert retry_after_seconds(header) == expected


def test_retry_after_http_date_counts_from_now():
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after_seconds(header, now=now) == pytest.approx(30, abs=1)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Ho_Chi_Minh"])
def test_retry_after_http_date_without_zone_is_utc(monkeypatch, zone):
    # RFC 9110's asctime form carries no zone and `-0000` names none: both are UTC, never
    # the machine's time zone.
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        now = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
        asctime = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(now + 120))
        assert retry_after_seconds(asctime, now=now) == pytest.approx(120, abs=1)
        no_zone = email.utils.formatdate(now + 120)  # `... -0000`
        assert no_zone.endswith("-0000")
        assert retry_after_seconds(no_zone, now=now) == pytest.approx(120, abs=1)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_retry_after_http_date_with_a_zone_counts_in_that_zone():
    now = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
    # 15:02 in Hanoi (+0700) is 08:02 UTC: two minutes, not seven hours and two minutes.
    assert retry_after_seconds("Fri, 15 Jan 2027 15:02:00 +0700", now=now) == 120
    assert retry_after_seconds("Fri, 15 Jan 2027 03:02:00 -0500", now=now) == 120


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_seconds(a, 2.0, 10.0) for a in (1, 2, 3, 4, 5)] == [2, 4, 8, 10, 10]
    assert backoff_seconds(3, 0, 10.0) == 0.0


def test_a_back_off_past_what_a_float_holds_is_the_cap():
    # 2**1024 is more than a float holds: the retry after 1024 others raised OverflowError.
    assert [backoff_seconds(a, 1.0, 120.0) for a in (1025, 10**9)] == [120.0, 120.0]


def test_only_http_requests_to_the_crawl_host_leave(tmp_path, caplog):
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from newsscraper.crawl_host import CrawlHostOnlyMiddleware
    from newsscraper.spiders.cafef import CafefSpider

    caplog.set_level("INFO", logger="newsscraper.crawl_host")
    settings = {"CAFEF_BASE_URL": "http://127.0.0.1:8123", "OUTPUT_DIR": str(tmp_path)}
    crawler = get_crawler(CafefSpider, settings)
    crawler.spider = CafefSpider.from_crawler(crawler)
    crawler.stats = MemoryStatsCollector(crawler)
    middleware = CrawlHostOnlyMiddleware.from_crawler(crawler)
    assert middleware.process_request(Request("http://127.0.0.1:8123/a.chn")) is None
    for url in (
        "http://example.invalid/a.chn",
        "https://cafef.vn.evil.example/a.chn",
        "http://evil.127.0.0.1:8123/a.chn",  # a name ending in the crawl host is another host
        "http://x127.0.0.1:8123/a.chn",
        "ftp://127.0.0.1:8123/a.chn",
    ):
        with pytest.raises(IgnoreRequest) as raised:
            middleware.process_request(Request(url, dont_filter=True))
        # No redirect sent it there: the request itself is said, a warning.
        assert str(raised.value) == f"off the crawl host: {url}"
    assert crawler.stats.get_value("newsscraper/offsite/blocked") == 5
    assert {r.levelname for r in caplog.records} == {"WARNING"}
    assert "not fetching ftp://127.0.0.1:8123/a.chn: only http(s) to 127.0.0.1" in caplog.text
    # A redirect off the host is said by the errback of the page redirected (a listing page's,
    # robots.txt's, an article's reject): not a warning of its own as well.
    caplog.clear()
    login = Request(
        "http://login.example.net/", meta={"redirect_urls": ["http://127.0.0.1:8123/a.chn"]}
    )
    with pytest.raises(IgnoreRequest):
        middleware.process_request(login)
    assert [r.levelname for r in caplog.records] == ["INFO"]


def test_a_redirect_off_the_crawl_host_gives_the_setting_to_crawl_there_only_for_the_site():
    from scrapy import Request

    from newsscraper.crawl_host import another_host_advice

    def advice(url: str, *chain: str) -> str:
        return another_host_advice(Request(url, meta={"redirect_urls": list(chain)}))

    listing = "https://cafef.vn/doanh-nghiep.chn"
    # The page's own path on another host, or a host of the site's own: the site moved there.
    assert advice("https://www.example.net/doanh-nghiep.chn", listing) == (
        "; to crawl that host, set CAFEF_BASE_URL=https://www.example.net"
    )
    assert advice("http://m.cafef.vn/", listing) == (
        "; to crawl that host, set CAFEF_BASE_URL=http://m.cafef.vn"
    )
    # A login page elsewhere is no site to crawl, also when a hop on the crawl host came first
    # at the login page's path: the path compared is the page's asked for.
    assert advice("https://login.example.net/?next=%2F", listing) == ""
    assert advice("https://login.example.net/login", listing, "https://cafef.vn/login") == ""
    # Every page sent to the home page of a host of the crawl host's own domain: the site
    # moved there. Another site's home page, or another page there (a login page), is not.
    mirror = "https://www.example.net/doanh-nghiep.chn"
    for home in ("https://example.net/", "https://new.example.net", "http://www.example.net:81/"):
        netloc = home.removesuffix("/")
        assert advice(home, mirror) == f"; to crawl that host, set CAFEF_BASE_URL={netloc}"
    assert advice("https://example.org/", mirror) == ""
    assert advice("https://www.example.net.evil.example/", mirror) == ""
    assert advice("https://notexample.net/", mirror) == ""  # a name ending so, not under it
    assert advice("https://login.example.net/?next=%2F", mirror) == ""
    assert advice("https://login.example.net/login", mirror) == ""
    assert advice("http://127.0.0.2/", "http://127.0.0.1:8123/doanh-nghiep.chn") == ""
    # No redirect, or one to an address no crawl can be set to: nothing to say.
    assert advice("https://www.example.net/doanh-nghiep.chn") == ""
    assert advice("ftp://www.example.net/doanh-nghiep.chn", listing) == ""


def test_only_an_article_sent_off_the_site_to_a_page_that_is_no_article_is_a_challenge(tmp_path):
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from newsscraper.crawl_host import CrawlHostOnlyMiddleware, OffSiteChallenge
    from newsscraper.redirects import OffCrawlHost
    from newsscraper.spiders.cafef import CafefSpider

    settings = {"CAFEF_BASE_URL": "http://127.0.0.1:8123", "OUTPUT_DIR": str(tmp_path)}
    crawler = get_crawler(CafefSpider, settings)
    crawler.spider = CafefSpider.from_crawler(crawler)
    middleware = CrawlHostOnlyMiddleware.from_crawler(crawler)

    def refused(page: str, reasons: list, url: str = "https://captcha.example/check"):
        meta = {"cafef_page": page, "redirect_reasons": reasons}
        if reasons:
            meta["redirect_urls"] = ["http://127.0.0.1:8123/a-188260306173916865.chn"]
        with pytest.raises(IgnoreRequest) as raised:
            middleware.process_request(Request(url, meta=meta))
        return type(raised.value)

    assert refused("article", [301, "meta refresh"]) is OffSiteChallenge
    assert refused("article", ["meta refresh", 302]) is OffSiteChallenge
    # An HTTP redirect to a login page (a captive portal's, a proxy's): the network's answer.
    assert refused("article", [302], "https://login.example.net/?next=%2Fa.chn") is OffSiteChallenge
    # To an article path on another site, or to the site's own hosts: the story moved or went.
    assert refused("article", [301], "https://example.invalid/a-188260306173916865.chn") is (
        OffCrawlHost
    )
    assert refused("article", [301], "https://m.cafef.vn/") is OffCrawlHost
    assert refused("article", []) is OffCrawlHost
    assert refused("section", ["meta refresh"]) is OffCrawlHost
    assert refused("section", [302], "https://login.example.net/") is OffCrawlHost


def test_an_article_sent_to_an_article_path_on_the_sites_other_host_is_asked_at_the_crawl_host(
    tmp_path,
):
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler

    from newsscraper.crawl_host import CrawlHostOnlyMiddleware
    from newsscraper.redirects import OffCrawlHost
    from newsscraper.spiders.cafef import CafefSpider

    base = "http://127.0.0.1:8123"
    settings = {"CAFEF_BASE_URL": base, "OUTPUT_DIR": str(tmp_path)}
    crawler = get_crawler(CafefSpider, settings)
    crawler.spider = CafefSpider.from_crawler(crawler)
    middleware = CrawlHostOnlyMiddleware.from_crawler(crawler)
    listed = f"{base}/tin-188260306173916865.chn"

    def redirected(url: str, *chain: str, page="article", reason=301) -> Request:
        meta = {"cafef_page": page, "article_id": "188260306173916865"}
        meta |= {"redirect_urls": [listed, *chain], "redirect_reasons": [reason] * (1 + len(chain))}
        return Request(url, meta=meta, dont_filter=True)

    # The story moved to another path on the mobile site, or on www.cafef.vn: that path is
    # asked for here, the chain and the listed id kept (stored under its own id, as on-host).
    for host in ("m.cafef.vn", "www.cafef.vn", "cafef.vn"):
        moved = middleware.process_request(
            redirected(f"https://{host}/tin-moi-188260306173999999.chn")
        )
        assert moved.url == f"{base}/tin-moi-188260306173999999.chn"
        assert moved.meta["redirect_urls"] == [listed]
        assert moved.meta["article_id"] == "188260306173916865" and moved.dont_filter
    assert crawler.stats.get_value("newsscraper/offsite/asked_at_crawl_host") == 3
    assert crawler.stats.get_value("newsscraper/offsite/blocked") is None

    # Its own path there, or one this chain asked for here already: asked here again it would
    # redirect there again. Not followed, and the site's other host named to crawl.
    for url, chain in [
        ("https://m.cafef.vn/tin-188260306173916865.chn", ()),
        (
            "https://m.cafef.vn/tin-188260306173916865.chn",
            (f"{base}/tin-moi-188260306173999999.chn",),
        ),
        (
            "https://www.cafef.vn/tin-moi-188260306173999999.chn",
            (f"{base}/tin-moi-188260306173999999.chn",),
        ),
        (  # the path asked for here, whatever its query: the page is the path's
            "https://m.cafef.vn/tin-moi-188260306173999999.chn",
            (f"{base}/tin-moi-188260306173999999.chn?amp=1",),
        ),
    ]:
        with pytest.raises(OffCrawlHost, match=r"set CAFEF_BASE_URL=https://(m|www)\.cafef\.vn$"):
            middleware.process_request(redirected(url, *chain))
    # Not a story that moved: a page that is no article (a deleted story sent to the home
    # page), a listing page, a meta refresh, another site.
    for request in (
        redirected("https://m.cafef.vn/"),
        redirected("https://m.cafef.vn/doanh-nghiep.chn", page="section"),
        redirected("https://m.cafef.vn/tin-moi-188260306173999999.chn", reason="meta refresh"),
        redirected("https://example.invalid/tin-moi-188260306173999999.chn"),
    ):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(request)


class StubEngine:
    """What the retry wait and `stop_crawl` look at of an engine: it runs, a spider is open."""

    def __init__(self):
        self.running = True
        self.spider = object()

    async def close_spider_async(self, *, reason: str) -> None:
        pass  # the close is not what is tested: the wait must not sit it out


def retry_middleware(**settings):
    from scrapy.statscollectors import MemoryStatsCollector
    from scrapy.utils.test import get_crawler

    from newsscraper.retries import PoliteRetryMiddleware

    crawler = get_crawler(settings_dict=settings)
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.engine = StubEngine()
    return PoliteRetryMiddleware.from_crawler(crawler)


def timed_wait(middleware, seconds: float, then=None, after: float = 0.0) -> float:
    """Run `middleware._wait(seconds)`, calling `then()` `after` seconds in; the time it took.
    Given up after 10 s, so a wait that does not end fails the test instead of hanging it."""
    import asyncio
    import time

    from scrapy import Request

    async def run():
        if then is not None:
            asyncio.get_running_loop().call_later(after, then)
        await asyncio.wait_for(
            middleware._wait(seconds, Request("http://127.0.0.1:8123/a.chn"), 429), timeout=10
        )

    started = time.monotonic()
    asyncio.run(run())
    return time.monotonic() - started


def stop_engine(middleware):
    middleware.crawler.engine.running = False  # what `engine.stop_async` does first (SIGTERM)


def stop_from_inside(middleware):
    from newsscraper.stop import stop_crawl

    stop_crawl(middleware.crawler, "disk_error")


def stop_on_soft_blocks(middleware):
    middleware.stopping = True


def stop_at_a_closespider_limit(middleware):
    from newsscraper.stop import CloseSpiderLimits

    CloseSpiderLimits(middleware.crawler)._close_spider("closespider_timeout")


@pytest.mark.parametrize(
    "stop",
    [stop_engine, stop_from_inside, stop_on_soft_blocks, stop_at_a_closespider_limit],
    ids=["engine stopped", "stop_crawl", "soft-block stop", "closespider limit"],
)
def test_a_retry_wait_lasts_its_time_unless_the_crawl_stops(stop, caplog):
    import time

    from scrapy.exceptions import IgnoreRequest

    middleware = retry_middleware(CLOSESPIDER_TIMEOUT=3600)
    caplog.set_level("INFO", logger="newsscraper.retries")
    assert 0.75 <= timed_wait(middleware, 0.8) < 5  # nothing stopping: the whole wait

    started = time.monotonic()
    with pytest.raises(IgnoreRequest, match=r"stopping: not waiting .* to retry .*/a\.chn"):
        timed_wait(middleware, 300, then=lambda: stop(middleware), after=0.3)
    assert time.monotonic() - started < 3, "the wait went on after the stop"
    assert "waiting 300.0s before retrying http://127.0.0.1:8123/a.chn (429)" in caplog.text


def test_a_full_page_cut_short_without_a_content_length_is_retried():
    import asyncio

    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse

    middleware = retry_middleware()
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    request = Request(url, meta={"cafef_page": "article"})
    page = b'<html><body><div data-role="content"><p>first</p><p>second</p></div></body></html>'

    def answer(body: bytes, flags: list[str]):
        response = HtmlResponse(
            request.url, body=body, flags=flags, encoding="utf-8", request=request
        )
        return asyncio.run(middleware.process_response(request, response))

    cut = answer(page[:55], ["partial"])  # the connection went before </html>
    assert cut.url == url and cut.meta["retry_times"] == 1
    assert middleware.crawler.stats.get_value("newsscraper/retry/cut_short") == 1
    assert answer(page, ["partial"]).body == page  # closed after </html>: whole
    assert answer(page[:55], []).body == page[:55]  # a Content-Length said it was all
    shouted = page.replace(b"</html>", b"</HTML >")
    assert answer(shouted, ["partial"]).body == shouted

    # The section page is held to its </html> too; what is no page of the site (robots.txt)
    # has no end to wait for.
    section = "http://127.0.0.1:8123/doanh-nghiep.chn"
    request = Request(section, meta={"cafef_page": "section", "listing_page": 1})
    cut = answer(page[:55], ["partial"])
    assert cut.url == section and cut.meta["retry_times"] == 1
    assert middleware.crawler.stats.get_value("newsscraper/retry/cut_short") == 2
    request = Request("http://127.0.0.1:8123/robots.txt")
    assert answer(b"User-agent: *", ["partial"]).body == b"User-agent: *"


def test_a_fragment_cut_short_inside_an_item_without_a_content_length_is_retried():
    import asyncio

    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse

    middleware = retry_middleware()
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    url = "http://127.0.0.1:8123/timelinelist/18836/2.chn"
    request = Request(url, meta={"cafef_page": "timeline", "listing_page": 2})
    item = (
        '<div class="tlitem box-category-item" data-id="{0}"><h3><a href="/bai-{0}.chn">x</a>'
        '</h3><div class="tlitem-flex"><span class="time time-ago" title="2026-03-07T10:22:00">'
        '</span><p class="sapo box-category-sapo">lead</p></div></div>\n'
    )
    fragment = (item.format("188260307102244359") + item.format("188260307095650731")).encode()

    def answer(body: bytes, flags: list[str]):
        response = HtmlResponse(url, body=body, flags=flags, encoding="utf-8", request=request)
        return asyncio.run(middleware.process_response(request, response))

    cut = fragment.index(b"lead</p>", len(fragment) // 2)  # the second item's lead, its time read
    retried = answer(fragment[:cut], ["partial"])
    assert retried.url == url and retried.meta["retry_times"] == 1
    assert middleware.crawler.stats.get_value("newsscraper/retry/cut_short") == 1
    assert answer(fragment, ["partial"]).body == fragment  # closed after its last item: whole
    # Under a Content-Length for what it holds (a cache's cut copy): cut all the same.
    retried = answer(fragment[:cut], [])
    assert retried.url == url and retried.meta["retry_times"] == 1
    assert answer(fragment, []).body == fragment
    # Closed between two items: nothing tells it from a fragment with one item less.
    first = fragment[: len(item.format("188260307102244359"))]
    assert answer(first, ["partial"]).body == first


@pytest.mark.parametrize(
    ("status", "headers"),
    [(404, {}), (410, {}), (302, {"Location": "ftp://files.example.invalid/story.pdf"})],
)
def test_an_answer_other_than_200_ending_with_its_connection_is_passed_on_by_its_status(
    status, headers
):
    # README: a 404 or 410 is an `http_404` or `http_410` reject, a redirect to an address that
    # is not http(s) a `redirected_away` one. An HTTP/1.0 server's short error page, with no
    # `</html>`, is that answer whole, not an article cut short to retry and count as failing.
    import asyncio

    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse

    middleware = retry_middleware()
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    request = Request(url, meta={"cafef_page": "article"})
    response = HtmlResponse(
        url, status=status, headers=headers, body=b"Not Found", flags=["partial"], request=request
    )
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert middleware.crawler.stats.get_value("newsscraper/retry/cut_short") is None


@pytest.mark.parametrize("meta", [{"cafef_page": "timeline"}, {}], ids=["fragment", "robots.txt"])
def test_a_body_with_no_html_shell_ending_with_its_connection_is_taken_whole(meta):
    import asyncio

    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse

    middleware = retry_middleware()
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    url = "http://127.0.0.1:8123/timelinelist/18836/2.chn"
    request = Request(url, meta=meta)
    fragment = (
        b'<div class="tlitem box-category-item" data-id="1"><h3><a href="/a-1.chn">A</a></h3></div>'
    )
    response = HtmlResponse(
        url, body=fragment, flags=["partial"], encoding="utf-8", request=request
    )
    assert asyncio.run(middleware.process_response(request, response)) is response
    assert middleware.crawler.stats.get_value("newsscraper/retry/cut_short") is None


def test_a_response_read_as_utf8_or_not_text_passes_the_utf8_middleware_as_it_is():
    from scrapy import Request
    from scrapy.http import HtmlResponse, Response

    from newsscraper.charsets import Utf8ResponseMiddleware

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    middleware = Utf8ResponseMiddleware()
    page = HtmlResponse(url, body="<p>Doanh nghiệp</p>".encode(), encoding="utf-8")
    assert middleware.process_response(Request(url), page) is page
    binary = Response(url, body=b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert middleware.process_response(Request(url), binary) is binary


def test_a_page_labelled_utf8_in_its_header_is_read_in_the_charset_its_meta_declares():
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.charsets import Utf8ResponseMiddleware

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    middleware = Utf8ResponseMiddleware()
    # "Doanh nghiệp" in windows-1258: ê, then the combining dot below.
    body = b'<meta charset="windows-1258"><p>Doanh nghi\xea\xf2p</p>'
    page = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    assert page.encoding == "utf-8"
    read = middleware.process_response(Request(url), page)
    assert read.encoding == "cp1258"
    assert "Doanh nghiệp" in unicodedata.normalize("NFC", read.text)
    # UTF-8 bytes under a stale <meta>: the bytes win, as when the header says nothing.
    utf8 = b'<meta charset="windows-1258"><p>Doanh nghi\xe1\xbb\x87p</p>'
    page = HtmlResponse(url, body=utf8, headers={"Content-Type": "text/html; charset=utf-8"})
    assert middleware.process_response(Request(url), page) is page


@pytest.mark.parametrize("charset", ["utf-16", "utf-16le", "utf-32"])
def test_a_meta_naming_utf16_or_utf32_leaves_a_page_labelled_utf8_read_as_utf8(charset):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.charsets import Utf8ResponseMiddleware

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    # Its <meta> is ASCII, so the page is not UTF-16 whatever it says: read in UTF-16 it would
    # be a run of CJK characters with no title, a parse_error reject never asked for again.
    body = f'<meta charset="{charset}"><title>Doanh nghi\xeap</title>'.encode("latin-1")
    page = HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"})
    read = Utf8ResponseMiddleware().process_response(Request(url), page)
    assert read.encoding == "utf-8"
    assert read.css("title::text").get() == "Doanh nghi\ufffdp"


@pytest.mark.parametrize(
    ("body", "utf8"),
    [
        # 20 characters read as UTF-8 for each byte that is not: UTF-8 with a stray byte.
        ("ệ" * 20, True),
        ("ệ" * 19, False),
        ("ệ" * 19 + "\x7f", False),  # DEL is one byte, not a character read as UTF-8
        ("ệ" * 20 + "\ufffd", True),  # a replacement character the page carries is no bad byte
    ],
    ids=["20 per byte", "19 per byte", "with DEL", "own U+FFFD"],
)
def test_a_body_is_utf8_with_20_characters_read_as_such_for_each_byte_that_is_not(body, utf8):
    from newsscraper.charsets import is_mostly_utf8

    assert is_mostly_utf8(body.encode() + b"\xff") is utf8
    assert is_mostly_utf8(body.encode()) is True


def test_a_page_labelled_in_another_charset_whose_bytes_are_utf8_is_read_as_utf8():
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.charsets import Utf8ResponseMiddleware

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    middleware = Utf8ResponseMiddleware()
    latin1 = {"Content-Type": "text/html; charset=iso-8859-1"}
    page = HtmlResponse(url, body="<p>Doanh nghiệp</p>".encode(), headers=latin1)
    assert page.encoding == "cp1252"
    read = middleware.process_response(Request(url), page)
    assert read.encoding == "utf-8"
    assert read.css("p::text").get() == "Doanh nghiệp"
    # A page truly in that charset ("é" one byte, no UTF-8) is left as its header says.
    page = HtmlResponse(url, body="<p>Café</p>".encode("cp1252"), headers=latin1)
    assert middleware.process_response(Request(url), page) is page


@pytest.mark.parametrize("charset", ["hex", "base64", "rot13", "idna", "undefined"])
def test_a_charset_naming_no_text_encoding_is_read_as_no_charset_not_a_failed_fetch(charset):
    # Python knows these names but cannot read a page in them: naming one, in the header or in
    # the <meta> of a page labelled UTF-8 whose bytes are not, is a label browsers do not know.
    # Raising from here would count the page as failing (exit 7), run after run.
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.charsets import Utf8ResponseMiddleware

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    middleware = Utf8ResponseMiddleware()
    cp1258 = b"<p>Doanh nghi\xea\xf2p</p>"  # "Doanh nghiệp" in windows-1258
    meta = f'<meta charset="{charset}">'.encode()
    utf8_header = {"Content-Type": "text/html; charset=utf-8"}
    page = HtmlResponse(url, body=meta + cp1258, headers=utf8_header)
    assert middleware.process_response(Request(url), page).css("p::text").get() == (
        "Doanh nghi\ufffd\ufffdp"  # as UTF-8, its header's, as with no <meta>
    )
    own_header = {"Content-Type": f"text/html; charset={charset}"}
    page = HtmlResponse(url, body="<p>Doanh nghiệp</p>".encode(), headers=own_header)
    assert middleware.process_response(Request(url), page).css("p::text").get() == "Doanh nghiệp"
    page = HtmlResponse(url, body=b'<meta charset="windows-1258">' + cp1258, headers=own_header)
    read = middleware.process_response(Request(url), page)
    assert unicodedata.normalize("NFC", read.css("p::text").get()) == "Doanh nghiệp"
    page = HtmlResponse(url, body=cp1258, headers=own_header)
    assert middleware.process_response(Request(url), page).css("p::text").get() == "Doanh nghiêòp"
    # windows-1252, as browsers read it, not latin-1: its quotes and euro sign are characters.
    page = HtmlResponse(url, body=b"<p>\x93Doanh nghi\xeap\x94 \x80</p>", headers=own_header)
    assert middleware.process_response(Request(url), page).css("p::text").get() == (
        "\u201cDoanh nghiêp\u201d \u20ac"
    )


def compress(encoding: str, data: bytes) -> bytes:
    import gzip
    import zlib

    from newsscraper.compressed import brotli, zstd  # the modules Scrapy decodes with

    compressors = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        "br": brotli.compress,
        "zstd": zstd.compress,
    }
    return compressors[encoding](data)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_a_compressed_body_cut_short_is_retried_not_read_as_the_page(encoding):
    import asyncio

    from scrapy import Request, Spider
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.http import Response

    from newsscraper.compressed import CompressedBodyMiddleware

    retry = retry_middleware()
    retry.crawler.spider = Spider.from_crawler(retry.crawler, "cafef")
    decompress = HttpCompressionMiddleware.from_crawler(retry.crawler)
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    request = Request(url, meta={"cafef_page": "article"})
    words = " ".join(f"từ{n}" for n in range(3000)).encode()
    page = b'<html><body><div data-role="content"><p>' + words + b"</p></div></body></html>"
    whole = compress(encoding, page)

    def answer(body: bytes):
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": encoding}
        response = Response(url, body=body, headers=headers, request=request)
        # In the order Scrapy calls them: the highest number first.
        response = CompressedBodyMiddleware().process_response(request, response)
        response = decompress.process_response(request, response)
        return asyncio.run(retry.process_response(request, response))

    assert answer(whole).body == page
    cut = answer(whole[: len(whole) // 2])  # the stream stops in the middle of the body
    assert cut.url == url and cut.meta["retry_times"] == 1
    assert retry.crawler.stats.get_value("newsscraper/retry/cut_short") == 1


def test_a_retry_after_holds_every_request_not_only_the_refused_pages():
    import asyncio
    import time

    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse

    middleware = retry_middleware(RETRY_AFTER_MAX=600)
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    refused = Request("http://127.0.0.1:8123/a-188260704171525847.chn")
    answer = HtmlResponse(refused.url, status=429, headers={"Retry-After": "1"}, request=refused)

    async def run() -> tuple[float, float]:
        retry = asyncio.create_task(middleware.process_response(refused, answer))
        await asyncio.sleep(0.05)  # the 429 is being waited out
        asked = time.monotonic()
        await asyncio.wait_for(
            middleware.process_request(Request("http://127.0.0.1:8123/b-188260704171525848.chn")),
            timeout=10,
        )
        released = time.monotonic()
        assert (await retry).url == refused.url
        return asked, released

    asked, released = asyncio.run(run())
    # Against the rest's own end, not a length: a busy machine may start the other page late.
    rests_until = middleware.site_rests_until
    assert asked < rests_until, "the other page was asked for after the rest"
    assert released >= rests_until, "the other page went out during the rest"


def test_a_retry_after_of_nothing_still_waits_the_back_off():
    import asyncio
    import time

    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse

    middleware = retry_middleware(RETRY_AFTER_MAX=600, RETRY_BACKOFF_BASE=1, RETRY_BACKOFF_MAX=9)
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    refused = Request("http://127.0.0.1:8123/a-188260704171525847.chn")
    for retry_after in ("0", "Thu, 01 Jan 2004 00:00:00 GMT"):  # nothing, or a time gone by
        answer = HtmlResponse(
            refused.url, status=429, headers={"Retry-After": retry_after}, request=refused
        )
        started = time.monotonic()
        retry = asyncio.run(asyncio.wait_for(middleware.process_response(refused, answer), 10))
        assert retry.url == refused.url
        assert time.monotonic() - started >= 0.9, retry_after


def test_a_retry_after_longer_than_retry_after_max_stops_the_crawl_instead_of_asking_sooner():
    import asyncio
    import time

    from scrapy import Request, Spider
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = retry_middleware(RETRY_AFTER_MAX=2, RETRY_BACKOFF_BASE=0)
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    refused = Request("http://127.0.0.1:8123/a-188260704171525847.chn")
    answer = HtmlResponse(refused.url, status=429, headers={"Retry-After": "3600"}, request=refused)

    started = time.monotonic()
    with pytest.raises(IgnoreRequest, match="Retry-After of 3600s"):
        asyncio.run(asyncio.wait_for(middleware.process_response(refused, answer), 10))
    assert time.monotonic() - started < 1, "the page was asked again before the hour was up"
    stats = middleware.crawler.stats
    assert stats.get_value(STOP_REQUESTED_STAT) == "retry_after_too_long"
    # A page still queued is given up naming that rest, not soft blocks or a failing site.
    queued = Request("http://127.0.0.1:8123/b-188260704171525848.chn")
    with pytest.raises(IgnoreRequest, match=r"stopping \(the site asked for a rest of 3600s"):
        asyncio.run(middleware.process_request(queued))


def test_the_longest_rest_the_site_asks_for_is_noted_at_most_a_day_long():
    import asyncio
    import contextlib
    import time

    from scrapy import Request, Spider
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.retries import SITE_REST_DEADLINE_STAT

    middleware = retry_middleware(RETRY_AFTER_MAX=2, RETRY_BACKOFF_BASE=0)
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")

    def rest_noted_after(retry_after: str, status: int = 429) -> float:
        """Seconds from now to the end of the rest noted once the site answered so."""
        url = f"http://127.0.0.1:8123/a-18826070417152584{retry_after[-1]}.chn"
        request = Request(url)
        answer = HtmlResponse(
            url, status=status, headers={"Retry-After": retry_after}, request=request
        )
        with contextlib.suppress(IgnoreRequest):  # longer than RETRY_AFTER_MAX: it stops
            asyncio.run(asyncio.wait_for(middleware.process_response(request, answer), 10))
        return middleware.crawler.stats.get_value(SITE_REST_DEADLINE_STAT) - time.monotonic()

    assert 4 < rest_noted_after("5", status=503) <= 5
    assert 3590 < rest_noted_after("3600") <= 3600
    # A shorter rest asked later (and waited out) does not cut the longer one short.
    assert 3590 < rest_noted_after("1") <= 3600
    # A year: a wrong header, kept as a day (README: "a rest is kept at most a day"), to the
    # second: the rest noted was asked for a moment ago.
    assert 86_399 < rest_noted_after("31536000") <= 86_400


def quick_retries(**settings):
    """A retry middleware that waits for nothing, stopping after three refusals or failures."""
    from scrapy import Spider

    quick = {
        "SOFT_BLOCK_STOP_AFTER": 3,
        "SITE_FAILING_STOP_AFTER": 3,
        "RETRY_TIMES": 10,
        "RETRY_BACKOFF_BASE": 0,
        "SOFT_BLOCK_BACKOFF_BASE": 0,
    }
    middleware = retry_middleware(**(quick | settings))
    middleware.crawler.spider = Spider.from_crawler(middleware.crawler, "cafef")
    return middleware


def fetch(
    middleware, url: str, status: int = 200, body: bytes = b"", kind: str = "article", headers=None
):
    """What the middleware makes of `status`, `body` and `headers` for a page of `kind` at
    `url`: the response, a retry, or IgnoreRequest raised."""
    import asyncio

    from scrapy import Request
    from scrapy.http import HtmlResponse

    request = Request(url, meta={"cafef_page": kind})
    response = HtmlResponse(
        url, status=status, body=body, headers=headers, encoding="utf-8", request=request
    )
    return asyncio.run(middleware.process_response(request, response))


def served(middleware) -> None:
    """A page the site served (the empty timeline fragment at the end of the listing)."""
    fetch(middleware, "http://127.0.0.1:8123/timelinelist/18836/9.chn", kind="timeline")


ARTICLES = [f"http://127.0.0.1:8123/a-18826070417152{n:04d}.chn" for n in range(6)]


@pytest.mark.parametrize(
    ("refuse", "reason", "stat"),
    [
        (lambda mw, url: fetch(mw, url, 429), "soft_blocked", "newsscraper/softblock/stopped"),
        (
            lambda mw, url: fetch(mw, url, 200, b"<html>Captcha</html>"),
            "soft_blocked",
            "newsscraper/softblock/stopped",
        ),
        (
            lambda mw, url: fetch(mw, url, 503),
            "site_failing",
            "newsscraper/retry/site_failing_stopped",
        ),
    ],
    ids=["429", "soft-block page", "503"],
)
def test_refusals_or_failures_in_a_row_on_more_than_one_page_stop_the_crawl(refuse, reason, stat):
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = quick_retries()
    stats = middleware.crawler.stats
    # One page refused again and again (its retries at the end of a run) is not the site.
    for _ in range(5):
        assert isinstance(refuse(middleware, ARTICLES[0]), Request)  # a retry
    # A page served in between starts the count over.
    served(middleware)
    for url in ARTICLES[1:3]:
        assert isinstance(refuse(middleware, url), Request)
    served(middleware)
    for _ in range(2):
        assert isinstance(refuse(middleware, ARTICLES[3]), Request)
    assert stats.get_value(STOP_REQUESTED_STAT) is None and not middleware.stopping
    # The third in a row, on a second page, stops the crawl and gives its page up; no request
    # leaves after it.
    with pytest.raises(IgnoreRequest):
        refuse(middleware, ARTICLES[4])
    assert stats.get_value(STOP_REQUESTED_STAT) == reason
    assert stats.get_value(stat) is True
    with pytest.raises(IgnoreRequest, match="the crawl is stopping"):
        asyncio.run(middleware.process_request(Request(ARTICLES[0])))


def test_a_connection_failure_is_retried_and_counted_towards_the_site_failing():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse
    from twisted.internet.error import ConnectionRefusedError

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = quick_retries()

    def fail(url: str):
        request = Request(url, meta={"cafef_page": "article"})
        return asyncio.run(middleware.process_exception(request, ConnectionRefusedError()))

    assert fail(ARTICLES[0]).meta["retry_times"] == 1
    assert isinstance(fetch(middleware, ARTICLES[1], 500), Request)  # a 5xx is one of them too
    with pytest.raises(IgnoreRequest, match="the site keeps failing"):
        fail(ARTICLES[2])
    assert middleware.crawler.stats.get_value(STOP_REQUESTED_STAT) == "site_failing"
    # A request that asks for no retry gets none, whatever came back.
    request = Request(ARTICLES[3], meta={"dont_retry": True})
    assert asyncio.run(middleware.process_exception(request, ConnectionRefusedError())) is None
    answer = HtmlResponse(request.url, status=503, request=request)
    assert asyncio.run(middleware.process_response(request, answer)) is answer


def test_only_a_429_or_503_is_waited_out_for_its_retry_after():
    import asyncio
    import time

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    # A 500 saying Retry-After is retried on the back-off, not stopped on as a long rest.
    middleware = quick_retries(RETRY_AFTER_MAX=2)
    request = Request(ARTICLES[0], meta={"cafef_page": "article"})
    answer = HtmlResponse(request.url, status=500, headers={"Retry-After": "3600"}, request=request)
    assert isinstance(asyncio.run(middleware.process_response(request, answer)), Request)
    assert not middleware.stopping and middleware.site_rests_until == 0.0

    # A 503 is held to it as a 429 is: one as long as RETRY_AFTER_MAX is waited out by the
    # whole site, a longer one stops the crawl.
    for status in (429, 503):
        middleware = quick_retries(RETRY_AFTER_MAX=1)
        answer = HtmlResponse(request.url, status=status, headers={"Retry-After": "1"})
        started = time.monotonic()
        assert isinstance(asyncio.run(middleware.process_response(request, answer)), Request)
        assert not middleware.stopping and middleware.site_rests_until >= started + 1, status
        answer = HtmlResponse(request.url, status=status, headers={"Retry-After": "2"})
        with pytest.raises(IgnoreRequest):
            asyncio.run(middleware.process_response(request, answer))
        assert middleware.stopping, status


def test_each_retry_waits_twice_as_long_as_the_one_before():
    import asyncio
    import time

    from scrapy import Request
    from scrapy.http import HtmlResponse
    from twisted.internet.error import TimeoutError

    from newsscraper.crawl_host import OffSiteChallenge

    middleware = quick_retries(
        RETRY_BACKOFF_BASE=2,
        RETRY_BACKOFF_MAX=120,
        SOFT_BLOCK_BACKOFF_BASE=30,
        SOFT_BLOCK_STOP_AFTER=10,
    )
    waits: list[float] = []

    async def wait(seconds, request, why):
        waits.append(seconds)

    middleware._wait = wait

    def answer(retry_times: int, status=503, body=b"", flags=(), exception=None):
        request = Request(ARTICLES[retry_times], meta={"cafef_page": "article"})
        if retry_times:  # a first try has none
            request.meta["retry_times"] = retry_times
        if exception is not None:
            return asyncio.run(middleware.process_exception(request, exception))
        response = HtmlResponse(
            request.url, status=status, body=body, flags=list(flags), request=request
        )
        return asyncio.run(middleware.process_response(request, response))

    for retry_times in (0, 1, 2):  # a 503, a timeout, a page cut short: 2 s, 4 s, 8 s
        answer(retry_times)
        answer(retry_times, exception=TimeoutError())
        answer(retry_times, status=200, body=b"<html><body><p>first", flags=["partial"])
        middleware.failing.clear()
    assert waits == [2, 2, 2, 4, 4, 4, 8, 8, 8]
    waits.clear()
    # A soft-block page rests the whole site, 30 s and then 60 s.
    started = time.monotonic()
    answer(0, status=200, body=b"<html>Captcha</html>")
    assert waits == [30] and middleware.site_rests_until - started == pytest.approx(30, abs=1)
    answer(1, status=200, body=b"<html>Captcha</html>")
    # An article page sent off the site is one too: 120 s on its third go.
    answer(2, exception=OffSiteChallenge("an article page sent off the site"))
    assert waits == [30, 60, 120]


def test_a_soft_block_reached_by_a_redirect_is_retried_where_the_crawl_asked_first():
    import asyncio

    from scrapy import Request
    from scrapy.http import HtmlResponse

    middleware = quick_retries()
    first = ARTICLES[0]
    request = Request(
        "http://127.0.0.1:8123/captcha.chn",
        meta={
            "cafef_page": "article",
            "redirect_urls": [first],
            "redirect_reasons": [302],
            "redirect_times": 1,
            "redirect_ttl": 19,
        },
    )
    page = HtmlResponse(request.url, body=b"<html>Captcha</html>", request=request)
    retry = asyncio.run(middleware.process_response(request, page))
    assert retry.url == first and retry.meta["retry_times"] == 1
    assert not {"redirect_urls", "redirect_reasons", "redirect_times"} & set(retry.meta)


def test_soft_blocks_on_pages_sent_to_one_captcha_page_count_as_pages_of_their_own():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = quick_retries()

    def sent_to_the_captcha(first: str):
        request = Request(
            "http://127.0.0.1:8123/captcha.chn",
            meta={"cafef_page": "article", "redirect_urls": [first], "redirect_reasons": [302]},
        )
        page = HtmlResponse(request.url, body=b"<html>Captcha</html>", request=request)
        return asyncio.run(middleware.process_response(request, page))

    for url in ARTICLES[:2]:
        assert isinstance(sent_to_the_captcha(url), Request)
    with pytest.raises(IgnoreRequest):
        sent_to_the_captcha(ARTICLES[2])
    assert middleware.crawler.stats.get_value(STOP_REQUESTED_STAT) == "soft_blocked"


def test_bodies_cut_short_page_after_page_stop_the_crawl_as_the_site_failing():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = quick_retries()

    def cut_short(url: str):
        request = Request(url, meta={"cafef_page": "article"})
        page = HtmlResponse(url, body=b"<html><body><p>first", flags=["partial"], request=request)
        return asyncio.run(middleware.process_response(request, page))

    for url in ARTICLES[:2]:
        assert isinstance(cut_short(url), Request)
    with pytest.raises(IgnoreRequest, match="the site keeps failing"):
        cut_short(ARTICLES[2])
    assert middleware.crawler.stats.get_value(STOP_REQUESTED_STAT) == "site_failing"


def test_a_shorter_rest_asked_later_does_not_end_the_sites_rest_sooner():
    import asyncio

    from scrapy import Request
    from scrapy.http import HtmlResponse

    middleware = quick_retries(RETRY_AFTER_MAX=600, SOFT_BLOCK_STOP_AFTER=10)

    async def wait(seconds, request, why):
        pass

    middleware._wait = wait
    request = Request(ARTICLES[0], meta={"cafef_page": "article"})
    answer = HtmlResponse(request.url, status=429, headers={"Retry-After": "300"}, request=request)
    assert isinstance(asyncio.run(middleware.process_response(request, answer)), Request)
    rests_until = middleware.site_rests_until
    # A soft-block page and a 503 asking for less, while the site rests.
    assert isinstance(fetch(middleware, ARTICLES[1], 200, b"<html>Captcha</html>"), Request)
    request = Request(ARTICLES[2], meta={"cafef_page": "article"})
    answer = HtmlResponse(request.url, status=503, headers={"Retry-After": "1"}, request=request)
    assert isinstance(asyncio.run(middleware.process_response(request, answer)), Request)
    assert middleware.site_rests_until == rests_until


ARTICLE_PAGE = (
    Path(__file__).parent / "fixtures/pages/article_18826030622484142.html"
).read_bytes()


@pytest.mark.parametrize("kind", ["article", "section"])
def test_a_cut_copy_of_a_site_page_is_told_by_its_header_footer_and_html_end(kind):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.cut_short import is_cut_short

    url = "http://127.0.0.1:8123/bai-viet-18826030622484142.chn"
    request = Request(url, meta={"cafef_page": kind})

    def cut(body: bytes, status: int = 200) -> bool:
        # No "partial" flag: a Content-Length said the body was all there.
        response = HtmlResponse(url, body=body, status=status, encoding="utf-8", request=request)
        return is_cut_short(request, response)

    footer = ARTICLE_PAGE.index(b'<div class="footer hide-loading">')
    assert not cut(ARTICLE_PAGE)
    assert cut(ARTICLE_PAGE[:footer])  # the site's header, neither its footer nor </html>
    assert not cut(ARTICLE_PAGE[: footer + 200])  # its footer came: its content is all there
    # Its </html> came though its footer is missing: malformed, whole.
    assert not cut(ARTICLE_PAGE[:footer] + b"</body></html>")
    # Only a page that came with a 200 is judged so; an error page is what its status says.
    assert not cut(ARTICLE_PAGE[:footer], status=404)


@pytest.mark.parametrize("kind", ["article", "section"])
def test_a_copy_cut_before_the_site_header_is_retried_as_cut_not_as_a_soft_block(kind):
    # A Content-Length shorter than the body: the page ends where it says, inside its <head>,
    # or past it but before the site's header; its head names the site.
    from newsscraper.softblock import was_soft_blocked
    from replica.render import SOFT_BLOCK_PAGE

    middleware = quick_retries(SOFT_BLOCK_STOP_AFTER=10)
    header = ARTICLE_PAGE.index(b"listNewHeader")
    for end in (100, ARTICLE_PAGE.index(b"</head>"), header):
        retry = fetch(middleware, ARTICLES[0], body=ARTICLE_PAGE[:end], kind=kind)
        assert retry.meta["retry_times"] == 1, end
        assert not was_soft_blocked(retry), end
    stats = middleware.crawler.stats
    assert stats.get_value("newsscraper/retry/cut_short") == 3
    assert stats.get_value("newsscraper/softblock/detected") is None
    # A rate-limit page, its </html> missing, is still one: its head is whole, and not the site's;
    # so is one with no head, whose <header> is no head left open, and one of another site.
    fetch(middleware, ARTICLES[1], body=SOFT_BLOCK_PAGE.encode().replace(b"</html>", b""))
    headless = re.sub(rb"(?s)<head>.*</head>", b"<header>CafeF</header>", SOFT_BLOCK_PAGE.encode())
    fetch(middleware, ARTICLES[2], body=headless.replace(b"</html>", b""))
    other_site = b'<html><head><meta property="og:site_name" content="cafefland"></head><body>'
    fetch(middleware, ARTICLES[3], body=other_site)
    assert stats.get_value("newsscraper/softblock/detected") == 3
    assert stats.get_value("newsscraper/retry/cut_short") == 3


@pytest.mark.parametrize("kind", ["article", "section"])
def test_a_cut_copy_is_told_however_its_header_is_spelled_and_only_by_the_footer_below_it(kind):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.cut_short import is_cut_short

    url = "http://127.0.0.1:8123/bai-viet-18826030622484142.chn"
    request = Request(url, meta={"cafef_page": kind})

    def cut(body: bytes) -> bool:
        response = HtmlResponse(url, body=body, encoding="utf-8", request=request)
        return is_cut_short(request, response)

    header = b'<div id="listNewHeader"'
    footer = ARTICLE_PAGE.index(b'<div class="footer hide-loading">')
    page = ARTICLE_PAGE[:footer]
    assert page.count(header) == 1
    for spelled in (b"<div id='listNewHeader'", b"<DIV ID = listNewHeader"):
        assert cut(page.replace(header, spelled)), spelled
    # A footer above the site's header, and a class that only starts with "footer", are not
    # the footer below the article.
    assert cut(page.replace(header, b'<div class="footer"></div>' + header))
    assert cut(page + b'<div class="footer-banner">')


@pytest.mark.parametrize(
    "meta",
    [
        b'<meta content="cafef" property="og:site_name">',
        b"<meta content=cafef data-x='1' property='og:site_name' />",
        b'<meta property="og:site_name" content="cafef">',
    ],
)
def test_a_copy_cut_above_the_header_names_the_site_in_either_order_of_its_meta(meta):
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.cut_short import is_cut_short

    url = "http://127.0.0.1:8123/bai-viet-18826030622484142.chn"
    request = Request(url, meta={"cafef_page": "article"})
    written = b'<meta property="og:site_name" content="cafef">'
    body = ARTICLE_PAGE[: ARTICLE_PAGE.index(b"listNewHeader")].replace(written, meta)
    response = HtmlResponse(url, body=body, encoding="utf-8", request=request)
    assert is_cut_short(request, response)
    other = body.replace(meta, meta.replace(b"cafef", b"cafefland"))  # another site's
    assert not is_cut_short(request, HtmlResponse(url, body=other, request=request))


def test_a_page_whose_retries_are_used_up_goes_on_as_its_answer_or_is_given_up_if_cut_short():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    middleware = quick_retries(RETRY_TIMES=2)

    def last_try(status: int, body: bytes = b"", flags=()):
        request = Request(ARTICLES[0], meta={"cafef_page": "article", "retry_times": 2})
        response = HtmlResponse(
            request.url, status=status, body=body, flags=list(flags), request=request
        )
        return response, asyncio.run(middleware.process_response(request, response))

    # A 5xx or a 429 still there: the answer itself, for the spider to count the page failed.
    for status in (503, 429):
        response, passed = last_try(status)
        assert passed is response, status
    # A body still cut short is never read as the page.
    with pytest.raises(IgnoreRequest, match="body cut short, retries used up"):
        last_try(200, b"<html><body><p>first", flags=["partial"])


def test_a_page_given_up_on_a_429_or_a_long_rest_is_the_site_throttling_not_the_page():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.softblock import was_soft_blocked

    def given_up(status: int, retry_after: str | None = None, **settings) -> bool:
        middleware = quick_retries(RETRY_TIMES=0, **settings)
        request = Request(ARTICLES[0], meta={"cafef_page": "article"})
        headers = {"Retry-After": retry_after} if retry_after else {}
        response = HtmlResponse(request.url, status=status, headers=headers, request=request)
        try:
            assert asyncio.run(middleware.process_response(request, response)) is response
        except IgnoreRequest:
            assert middleware.stopping
        return was_soft_blocked(request)

    assert given_up(429) is True
    assert given_up(503, "3600", RETRY_AFTER_MAX=2) is True  # stopped for a rest of an hour
    assert given_up(503) is False


def test_a_request_dropped_before_it_left_is_neither_retried_nor_counted_as_a_failure():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from newsscraper.robotstxt import RobotsTxtForbidden, RobotsTxtUnavailable

    middleware = quick_retries(SITE_FAILING_STOP_AFTER=1, SOFT_BLOCK_STOP_AFTER=1)
    # Off the crawl host, forbidden by robots.txt, no robots.txt: never asked of the site.
    for n, dropped in enumerate(
        (IgnoreRequest("off the crawl host"), RobotsTxtForbidden(), RobotsTxtUnavailable())
    ):
        request = Request(ARTICLES[n], meta={"cafef_page": "article"})
        assert asyncio.run(middleware.process_exception(request, dropped)) is None
    assert (middleware.failing.count, middleware.refused.count) == (0, 0)
    assert not middleware.stopping


@pytest.mark.parametrize("location", ["ftp://files.example.invalid/a.pdf", "javascript:void(0)"])
def test_a_redirect_to_an_address_that_is_not_http_comes_back_as_the_redirect(location):
    from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from newsscraper.crawl_host import UnfollowedRedirectMiddleware

    url = "http://127.0.0.1:8123/a-188260306173916865.chn"
    request = Request(url)
    response = HtmlResponse(url, status=302, headers={"Location": location}, request=request)
    redirects = RedirectMiddleware.from_crawler(get_crawler())
    # Scrapy alone raises for `javascript:` ("Missing scheme"), hands back the 302 for `ftp:`.
    response = UnfollowedRedirectMiddleware().process_response(request, response)
    assert redirects.process_response(request, response) is response
    # A redirect Scrapy follows is left to it.
    followed = HtmlResponse(url, status=302, headers={"Location": "/"}, request=Request(url))
    UnfollowedRedirectMiddleware().process_response(followed.request, followed)
    assert "dont_redirect" not in followed.request.meta


def test_a_page_with_no_charset_in_its_header_is_read_in_its_meta_or_windows_1252_never_guessed():
    # Scrapy guesses a charset from the bytes of a page that names none (windows-1250 here,
    # "crčme") and takes a <meta> naming UTF-16 at its word (no title): browsers read both as
    # windows-1252.
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from newsscraper.charsets import Utf8ResponseMiddleware

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    middleware = Utf8ResponseMiddleware()
    page = HtmlResponse(url, body=b"<p>Caf\xe9 cr\xe8me br\xfbl\xe9e na\xefve \x93vi\x94</p>")
    read = middleware.process_response(Request(url), page)
    assert (read.encoding, read.css("p::text").get()) == (
        "cp1252",
        "Café crème brûlée naïve \u201cvi\u201d",
    )
    page = HtmlResponse(url, body=b'<meta charset="utf-16"><title>Doanh nghi\xeap</title>')
    read = middleware.process_response(Request(url), page)
    assert (read.encoding, read.css("title::text").get()) == ("cp1252", "Doanh nghiêp")
    # A BOM names the charset as a header does.
    page = HtmlResponse(url, body="<p>Doanh nghiệp</p>".encode("utf-16"))
    assert middleware.process_response(Request(url), page) is page


def test_the_settings_name_each_middleware_by_its_lasting_dotted_path():
    # The project's settings name these middlewares under `newsscraper.middlewares`, so a
    # user's settings that set the same key (`None` to turn one off) still meet the entry
    # they mean; each path loads the class from its home module.
    from scrapy.utils.misc import load_object

    from newsscraper import charsets, crawl_host, retries, settings

    homes = {
        "CrawlHostOnlyMiddleware": crawl_host,
        "PoliteRetryMiddleware": retries,
        "Utf8ResponseMiddleware": charsets,
        "UnfollowedRedirectMiddleware": crawl_host,
        "NowhereMetaRefreshMiddleware": crawl_host,
    }
    for name, home in homes.items():
        path = f"newsscraper.middlewares.{name}"
        assert settings.DOWNLOADER_MIDDLEWARES.get(path) is not None, path
        assert load_object(path) is getattr(home, name)


def test_a_soft_blocked_page_whose_retries_are_used_up_is_given_up_never_read_as_the_page():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.crawl_host import OffSiteChallenge
    from newsscraper.softblock import was_soft_blocked

    middleware = quick_retries(RETRY_TIMES=2)

    def last_try() -> Request:
        return Request(ARTICLES[0], meta={"cafef_page": "article", "retry_times": 2})

    # A captcha page on the last try is not the article: given up, the site throttling us.
    request = last_try()
    page = HtmlResponse(request.url, body=b"<html>Captcha</html>", request=request)
    with pytest.raises(IgnoreRequest, match="soft-blocked page, retries used up"):
        asyncio.run(middleware.process_response(request, page))
    assert was_soft_blocked(request)
    # An article page sent off the site on its last try is given up the same way.
    request = last_try()
    challenge = OffSiteChallenge("an article page sent off the site")
    with pytest.raises(IgnoreRequest, match="soft-blocked page, retries used up"):
        asyncio.run(middleware.process_exception(request, challenge))
    assert was_soft_blocked(request)
    assert not middleware.stopping  # one page, not the site


def test_the_first_cause_that_stops_the_crawl_is_the_one_it_stops_for():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = quick_retries(RETRY_AFTER_MAX=2)
    stats = middleware.crawler.stats
    for url in ARTICLES[:2]:
        assert isinstance(fetch(middleware, url, 503), Request)
    with pytest.raises(IgnoreRequest, match="the site keeps failing"):
        fetch(middleware, ARTICLES[2], 503)
    # A page already in flight then comes back asking for a rest of an hour: still given up,
    # but the crawl stopped for the failing site, and says so.
    request = Request(ARTICLES[3], meta={"cafef_page": "article"})
    answer = HtmlResponse(request.url, status=429, headers={"Retry-After": "3600"}, request=request)
    with pytest.raises(IgnoreRequest):
        asyncio.run(middleware.process_response(request, answer))
    assert stats.get_value(STOP_REQUESTED_STAT) == "site_failing"
    assert stats.get_value("newsscraper/retry/site_failing_stopped") is True
    assert stats.get_value("newsscraper/softblock/stopped") is None
    with pytest.raises(IgnoreRequest, match=r"stopping \(3 failed fetches in a row\)"):
        asyncio.run(middleware.process_request(Request(ARTICLES[4])))


def test_only_a_page_of_the_site_served_as_text_starts_the_refusals_in_a_row_over():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse, Response

    from newsscraper.stop import STOP_REQUESTED_STAT

    middleware = quick_retries()
    for url in ARTICLES[:2]:
        assert isinstance(fetch(middleware, url, 429), Request)
    # The robots.txt, and a body that is no text, are no page of the site served to the crawl.
    robots = Request("http://127.0.0.1:8123/robots.txt")
    answer = HtmlResponse(robots.url, body=b"User-agent: *\nAllow: /\n", request=robots)
    assert asyncio.run(middleware.process_response(robots, answer)) is answer
    request = Request(
        "http://127.0.0.1:8123/timelinelist/18836/9.chn", meta={"cafef_page": "timeline"}
    )
    answer = Response(request.url, body=b"", request=request)
    assert asyncio.run(middleware.process_response(request, answer)) is answer
    with pytest.raises(IgnoreRequest):
        fetch(middleware, ARTICLES[2], 429)
    assert middleware.crawler.stats.get_value(STOP_REQUESTED_STAT) == "soft_blocked"


def test_the_project_settings_wait_and_stop_as_the_readme_says():
    # README, "What a run costs the site": up to RETRY_TIMES (4) retries, 2, 4, 8, 16 s apart
    # or after the Retry-After (up to RETRY_AFTER_MAX, 600 s); a soft block rests the site
    # SOFT_BLOCK_BACKOFF_BASE (30 s), doubling; SOFT_BLOCK_STOP_AFTER (5) refusals or
    # SITE_FAILING_STOP_AFTER (10) failures in a row stop the run.
    import asyncio

    from scrapy import Request, Spider
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper import settings as project_settings
    from newsscraper.stop import STOP_REQUESTED_STAT

    def middleware():
        names = {name: getattr(project_settings, name) for name in dir(project_settings)}
        built = retry_middleware(**{k: v for k, v in names.items() if k.isupper()})
        built.crawler.spider = Spider.from_crawler(built.crawler, "cafef")
        built.waits = []

        async def wait(seconds, request, why):
            built.waits.append(seconds)

        built._wait = wait
        return built

    def answer(mw, url, status, retry_times=0, retry_after=None, body=b""):
        request = Request(url, meta={"cafef_page": "article", "retry_times": retry_times})
        headers = {"Retry-After": retry_after} if retry_after else {}
        response = HtmlResponse(url, status=status, headers=headers, body=body, request=request)
        return asyncio.run(mw.process_response(request, response)), response

    mw = middleware()
    for retry_times in range(4):
        retry, _ = answer(mw, ARTICLES[0], 503, retry_times)
        assert retry.meta["retry_times"] == retry_times + 1
    retry, response = answer(mw, ARTICLES[0], 503, 4)
    assert retry is response  # the fourth retry was the last
    assert mw.waits == [2, 4, 8, 16]

    mw = middleware()
    for retry_times in range(4):
        answer(mw, ARTICLES[0], 200, retry_times, body=b"<html>Captcha</html>")
    assert mw.waits == [30, 60, 120, 120]  # never above RETRY_BACKOFF_MAX

    mw = middleware()
    assert isinstance(answer(mw, ARTICLES[0], 429, retry_after="600")[0], Request)
    assert mw.waits == [600] and not mw.stopping
    with pytest.raises(IgnoreRequest):
        answer(mw, ARTICLES[1], 429, retry_after="601")
    assert mw.crawler.stats.get_value(STOP_REQUESTED_STAT) == "retry_after_too_long"

    for status, stop_after, reason in ((429, 5, "soft_blocked"), (503, 10, "site_failing")):
        mw = middleware()
        for n in range(stop_after - 1):
            assert isinstance(answer(mw, ARTICLES[n % 2], status)[0], Request), (status, n)
        assert not mw.stopping
        with pytest.raises(IgnoreRequest):
            answer(mw, ARTICLES[2], status)
        assert mw.crawler.stats.get_value(STOP_REQUESTED_STAT) == reason


def test_a_long_retry_wait_looks_for_a_stop_every_half_second(monkeypatch):
    # "A wait ends as soon as the crawl is stopping": a wait of minutes sleeps half a second at
    # a time, looking between sleeps, not once a minute or once a second.
    from scrapy.exceptions import IgnoreRequest

    middleware = retry_middleware()
    slept: list[float] = []

    async def sleep(seconds):
        slept.append(seconds)
        if len(slept) == 3:
            stop_engine(middleware)

    monkeypatch.setattr("newsscraper.retries.sleep", sleep)
    with pytest.raises(IgnoreRequest):
        timed_wait(middleware, 300)
    assert slept == [0.5, 0.5, 0.5]  # and not a fourth: the stop was seen after the third


def test_an_article_sent_off_the_site_on_its_first_try_rests_the_site_the_soft_block_base():
    import asyncio
    import time

    from scrapy import Request

    from newsscraper.crawl_host import OffSiteChallenge

    middleware = quick_retries(SOFT_BLOCK_BACKOFF_BASE=30, RETRY_BACKOFF_MAX=120)
    waits: list[float] = []

    async def wait(seconds, request, why):
        waits.append(seconds)

    middleware._wait = wait
    request = Request(ARTICLES[0], meta={"cafef_page": "article"})  # a first try: no retry_times
    started = time.monotonic()
    challenge = OffSiteChallenge("an article page sent off the site")
    retry = asyncio.run(middleware.process_exception(request, challenge))
    assert retry.url == ARTICLES[0] and retry.meta["retry_times"] == 1
    assert waits == [30]
    assert middleware.site_rests_until - started == pytest.approx(30, abs=1)


def test_each_soft_block_page_met_is_counted_for_the_run_record_and_a_429_is_not():
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from newsscraper.crawl_host import OffSiteChallenge

    # DATA_FORMAT.md: a run record's `soft_blocks` is the soft-block pages met.
    middleware = quick_retries(SOFT_BLOCK_STOP_AFTER=10, RETRY_TIMES=1)
    stats = middleware.crawler.stats
    assert isinstance(fetch(middleware, ARTICLES[0], 200, b"<html>Captcha</html>"), Request)
    assert stats.get_value("newsscraper/softblock/detected") == 1
    # A 429 is the site refusing too, but no soft-block page; nor is a 503.
    assert isinstance(fetch(middleware, ARTICLES[1], 429), Request)
    assert isinstance(fetch(middleware, ARTICLES[2], 503), Request)
    assert stats.get_value("newsscraper/softblock/detected") == 1
    # An article page sent off the site is one, and so is one met on its last try.
    request = Request(ARTICLES[3], meta={"cafef_page": "article"})
    challenge = OffSiteChallenge("an article page sent off the site")
    assert isinstance(asyncio.run(middleware.process_exception(request, challenge)), Request)
    request = Request(ARTICLES[4], meta={"cafef_page": "article", "retry_times": 1})
    with pytest.raises(IgnoreRequest, match="retries used up"):
        asyncio.run(middleware.process_exception(request, challenge))
    assert stats.get_value("newsscraper/softblock/detected") == 3


def test_a_failed_fetch_whose_retries_are_used_up_is_given_up_without_a_wait():
    import asyncio

    from scrapy import Request
    from twisted.internet.error import TimeoutError

    middleware = quick_retries(RETRY_TIMES=2, RETRY_BACKOFF_BASE=2, RETRY_BACKOFF_MAX=120)
    waits: list[float] = []

    async def wait(seconds, request, why):
        waits.append(seconds)

    middleware._wait = wait
    # A timeout on the last try: no retry, so nothing to wait before (8 s otherwise).
    request = Request(ARTICLES[0], meta={"cafef_page": "article", "retry_times": 2})
    assert asyncio.run(middleware.process_exception(request, TimeoutError())) is None
    assert waits == []
    # One with a try left waits its back-off: 2 s on the first try.
    request = Request(ARTICLES[1], meta={"cafef_page": "article"})
    assert isinstance(asyncio.run(middleware.process_exception(request, TimeoutError())), Request)
    assert waits == [2]


def test_a_page_given_up_is_said_by_the_spider_alone_not_by_scrapys_give_up_line(caplog):
    # The spider's errback names the page, its tries and what comes of it; Scrapy's
    # "Gave up retrying" line would say the same fact again on stderr, as an ERROR.
    from scrapy import Request

    from newsscraper import settings as project_settings

    middleware = quick_retries(
        RETRY_TIMES=1, RETRY_GIVE_UP_LOG_LEVEL=project_settings.RETRY_GIVE_UP_LOG_LEVEL
    )
    caplog.set_level("INFO")
    last_try = Request(ARTICLES[0], meta={"cafef_page": "article", "retry_times": 1})
    assert middleware._retry(last_try, "503 Service Unavailable") is None
    assert "Gave up retrying" not in caplog.text


@pytest.mark.parametrize("kind", ["article", "section", "timeline"])
def test_a_206_no_range_was_asked_for_is_retried_as_cut_short_unless_it_holds_all(kind):
    # A proxy answering a range nobody asked for: part of the page, read as all of it, lost
    # the rest of an article, or the entries below it of a listing, in a healthy run.
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import HtmlResponse

    from newsscraper.cut_short import is_cut_short

    request = Request(ARTICLES[0], meta={"cafef_page": kind})
    half = len(ARTICLE_PAGE) // 2

    def cut(body: bytes, content_range: str) -> bool:
        headers = {"Content-Range": content_range}
        response = HtmlResponse(
            request.url, status=206, body=body, headers=headers, encoding="utf-8"
        )
        return is_cut_short(request, response)

    assert cut(ARTICLE_PAGE[:half], f"bytes 0-{half - 1}/{len(ARTICLE_PAGE)}")
    assert cut(ARTICLE_PAGE[:half], f"bytes 0-{half - 1}/*")
    assert cut(ARTICLE_PAGE, "")
    assert not cut(ARTICLE_PAGE, f"bytes 0-{len(ARTICLE_PAGE) - 1}/{len(ARTICLE_PAGE)}")
    retry = fetch(quick_retries(), ARTICLES[0], status=206, body=ARTICLE_PAGE[:half], kind=kind)
    assert retry.meta["retry_times"] == 1
    with pytest.raises(IgnoreRequest, match="206 Partial Content, no range asked for, retries"):
        fetch(quick_retries(RETRY_TIMES=0), ARTICLES[0], status=206, body=b"<html>", kind=kind)
    # Holding all of a rate-limit page, it is judged as a 200 of it: a soft block, backed off.
    captcha = b"<html><body>Too many requests</body></html>"
    whole = {"Content-Range": f"bytes 0-{len(captcha) - 1}/{len(captcha)}"}
    middleware = quick_retries()
    retry = fetch(middleware, ARTICLES[0], status=206, body=captcha, kind=kind, headers=whole)
    assert retry.meta["retry_times"] == 1
    assert middleware.crawler.stats.get_value("newsscraper/softblock/detected") == 1


@pytest.mark.parametrize("kind", ["article", "section"])
def test_a_304_to_a_request_that_asked_nothing_conditional_is_retried_as_a_failed_fetch(kind):
    # The crawl keeps no copy to be told is still fresh: a 304 it did not ask for (a proxy's)
    # holds no page, and failed the page at once, a listing page stopping the walk.
    import asyncio

    from scrapy import Request
    from scrapy.http import HtmlResponse

    retry = fetch(quick_retries(), ARTICLES[0], status=304, kind=kind)
    assert retry.meta["retry_times"] == 1
    middleware = quick_retries()
    request = Request(ARTICLES[0], headers={"If-None-Match": '"v1"'}, meta={"cafef_page": kind})
    response = HtmlResponse(request.url, status=304, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response
