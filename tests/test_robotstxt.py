"""StrictRobotsTxtMiddleware on its own: what a robots.txt answer lets through, with the site
answered by a stub engine instead of a crawl."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import sys
import zlib
from types import SimpleNamespace

import pytest
from scrapy import Request, signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from newsscraper import settings as project_settings
from newsscraper.compressed import CompressedBodyMiddleware, brotli, zstd
from newsscraper.kept_robotstxt import origin_of, read_kept
from newsscraper.robotstxt import (
    CrawlDelayTooLong,
    RobotsTxtForbidden,
    RobotsTxtUnavailable,
    StrictRobotsTxtMiddleware,
    first_lines,
    read_at_most,
)

BASE = "http://127.0.0.1:8123"
NOW = "2026-03-07T10:00:00+00:00"


class RobotsTxtEngine:
    """An engine whose downloader answers robots.txt with `answer`: a Response's status, body
    and headers, or an exception raised."""

    def __init__(self, answer, delay: float = 0.0, jitter: float = 0.5):
        self.answer = answer
        self.asked: list[str] = []
        self.downloader = SimpleNamespace(_delay=delay, _jitter=jitter, slots={})

    async def download_async(self, request):
        self.asked.append(request.url)
        if isinstance(self.answer, Exception):
            raise self.answer
        status, body, headers = self.answer
        return Response(request.url, status=status, body=body, headers=headers, request=request)


class StreamingRobotsTxtEngine(RobotsTxtEngine):
    """An engine whose downloader, as Scrapy's, passes robots.txt's request through the
    middleware first, then receives `body` `chunk` bytes at a time: refused once past the
    request's download_maxsize (DOWNLOAD_MAXSIZE unless it says), stopped (`download_stopped`)
    when a bytes_received handler raises StopDownload. With `lost_after`, the first attempt's
    connection is lost after that many chunks, and the request retried as RetryMiddleware
    retries it: a copy, its meta and all. `headers` go with the answer, which passes through
    the project's and Scrapy's decompression, as in a crawl."""

    def __init__(self, middleware, body: bytes, chunk: int, lost_after: int = 0, headers=None):
        super().__init__((200, body, {}))
        self.middleware, self.body, self.chunk = middleware, body, chunk
        self.lost_after = lost_after
        self.headers = headers or {}
        self.sent: list[Request] = []

    async def download_async(self, request):
        self.asked.append(request.url)
        await self.middleware.process_request(request)
        self.sent.append(request)
        crawler = self.middleware.crawler
        maxsize = request.meta.get("download_maxsize", crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        received, flags = b"", []
        for chunks, start in enumerate(range(0, len(self.body), self.chunk), start=1):
            data = self.body[start : start + self.chunk]
            received += data
            if maxsize and len(received) > maxsize:
                raise ConnectionAbortedError(f"larger than download max size ({maxsize})")
            answers = crawler.signals.send_catch_log(
                signals.bytes_received, data=data, request=request, spider=None
            )
            if any(isinstance(getattr(a, "value", None), StopDownload) for _, a in answers):
                flags.append("download_stopped")
                break
            if chunks == self.lost_after:
                self.lost_after = 0
                return await self.download_async(request.copy())
        response = Response(
            request.url, body=received, flags=flags, headers=self.headers, request=request
        )
        crawler = self.middleware.crawler
        for decoder in (CompressedBodyMiddleware, HttpCompressionMiddleware):
            response = decoder.from_crawler(crawler).process_response(request, response)
        return response


def robots_middleware(tmp_path, answer, **settings) -> StrictRobotsTxtMiddleware:
    defaults = {
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_MAX_AGE": project_settings.ROBOTSTXT_MAX_AGE,
        "RETRY_AFTER_MAX": project_settings.RETRY_AFTER_MAX,
        "OUTPUT_DIR": str(tmp_path),
        "NEWSSCRAPER_NOW": NOW,
        "USER_AGENT": project_settings.USER_AGENT,
        "ROBOTSTXT_PARSER": project_settings.ROBOTSTXT_PARSER,
    }
    crawler = get_crawler(settings_dict=defaults | settings)
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.engine = RobotsTxtEngine(answer)
    return StrictRobotsTxtMiddleware.from_crawler(crawler)


def refusal(middleware, path: str, **meta) -> type[Exception] | None:
    """The exception a request for `path` is refused with, or None when it may go out."""
    try:
        asyncio.run(middleware.process_request(Request(f"{BASE}{path}", meta=meta)))
    except Exception as error:
        return type(error)
    return None


@pytest.mark.parametrize(
    "answer",
    [
        (503, b"", {}),
        (500, b"", {}),
        (429, b"", {}),
        # No robots.txt either, whatever the body reads: a 3xx left unfollowed (no Location,
        # or one a request cannot be made for), a 1xx.
        (302, b"User-agent: *\nAllow: /\n", {}),
        (301, b"", {"Location": "javascript:void(0)"}),
        (100, b"User-agent: *\nAllow: /\n", {}),
        (300, b"", {}),
        ConnectionRefusedError("refused"),
        # Redirected to another host: the crawl-host middleware refuses to follow it.
        IgnoreRequest("off the crawl host: https://www.example.com/robots.txt"),
    ],
    ids=[
        "503",
        "500",
        "429",
        "302",
        "301_nowhere",
        "100",
        "300",
        "no_answer",
        "redirected_off_the_host",
    ],
)
def test_a_robots_txt_the_site_cannot_serve_forbids_every_page(tmp_path, answer):
    middleware = robots_middleware(tmp_path, answer)
    assert refusal(middleware, "/doanh-nghiep.chn") is RobotsTxtUnavailable
    assert refusal(middleware, "/a-188260306102323344.chn") is RobotsTxtUnavailable
    assert middleware.crawler.engine.asked == [f"{BASE}/robots.txt"]


def test_a_request_marked_dont_obey_robotstxt_goes_out_whatever_robots_txt_says(tmp_path):
    # Scrapy's own per-request exemption, honoured as its middleware honours it: neither a
    # Disallow, a robots.txt the site cannot serve nor a Crawl-delay too long holds the
    # request back.
    forbidding = robots_middleware(tmp_path, (200, b"User-agent: *\nDisallow: /\n", {}))
    assert refusal(forbidding, "/doanh-nghiep.chn") is RobotsTxtForbidden
    assert refusal(forbidding, "/doanh-nghiep.chn", dont_obey_robotstxt=True) is None

    failing = robots_middleware(tmp_path / "other", (503, b"", {}))
    assert refusal(failing, "/doanh-nghiep.chn") is RobotsTxtUnavailable
    assert refusal(failing, "/doanh-nghiep.chn", dont_obey_robotstxt=True) is None
    assert failing.crawler.engine.asked == [f"{BASE}/robots.txt"]

    too_slow = robots_middleware(
        tmp_path / "slow", (200, b"User-agent: *\nCrawl-delay: 601\nAllow: /\n", {})
    )
    assert refusal(too_slow, "/doanh-nghiep.chn") is CrawlDelayTooLong
    assert refusal(too_slow, "/doanh-nghiep.chn", dont_obey_robotstxt=True) is None


def test_a_request_marked_dont_obey_robotstxt_asks_for_no_robots_txt(tmp_path):
    middleware = robots_middleware(tmp_path, (503, b"", {}))
    assert refusal(middleware, "/doanh-nghiep.chn", dont_obey_robotstxt=True) is None
    assert middleware.crawler.engine.asked == []


@pytest.mark.parametrize("status", [400, 404, 410, 401, 403, 499])
def test_the_error_page_of_a_robots_txt_that_is_not_there_forbids_nothing(tmp_path, status):
    # RFC 9309, 2.3.1.3: any 4xx but 429 says there is no robots.txt, and a crawler may access
    # every page, whatever the error page reads; a Crawl-delay there is none either.
    error_page = b"User-agent: *\nCrawl-delay: 60\nDisallow: /\n"
    middleware = robots_middleware(tmp_path, (status, error_page, {}))
    assert refusal(middleware, "/doanh-nghiep.chn") is None
    assert middleware.crawler.stats.get_value("newsscraper/robotstxt/crawl_delay") is None

    # The answer kept for the next runs forbids nothing when read back either.
    again = robots_middleware(tmp_path, ConnectionRefusedError("not to be asked"))
    assert refusal(again, "/doanh-nghiep.chn") is None
    assert again.crawler.engine.asked == []


@pytest.mark.parametrize("lines", [["max-age=600", "no-store"], ["no-store", "max-age=600"]])
def test_a_no_store_on_either_of_two_cache_control_lines_is_heeded(tmp_path, lines):
    # A header sent on two lines is one list of directives (RFC 9110, 5.3).
    headers = {"Cache-Control": lines}
    middleware = robots_middleware(tmp_path, (200, b"User-agent: *\nAllow: /\n", headers))
    assert refusal(middleware, "/doanh-nghiep.chn") is None
    assert read_kept(tmp_path, origin_of(BASE)) is None


def throttled_middleware(tmp_path, crawl_delay):
    """The middleware given a robots.txt with `crawl_delay`, with the downloader, its slot and
    AutoThrottle as a crawl of DOWNLOAD_DELAY 3 s (jitter ±50%) has them when the spider opened."""
    from scrapy.core.downloader import Slot
    from scrapy.extensions.throttle import AutoThrottle

    robots_txt = f"User-agent: *\nCrawl-delay: {crawl_delay}\nAllow: /\n".encode()
    middleware = robots_middleware(
        tmp_path, (200, robots_txt, {}), DOWNLOAD_DELAY=3, AUTOTHROTTLE_ENABLED=True
    )
    downloader = middleware.crawler.engine.downloader
    downloader._delay, downloader._jitter = 3.0, 0.5
    downloader.slots["127.0.0.1"] = slot = Slot(1, 3.0, 0.5)
    throttle = AutoThrottle(middleware.crawler)
    throttle.mindelay, throttle.maxdelay = 3.0, 60.0  # as the spider opened
    middleware.crawler.extensions = SimpleNamespace(middlewares=[throttle])
    return middleware, downloader, slot, throttle


@pytest.mark.parametrize(
    ("crawl_delay", "delay", "jitter"),
    [
        (1, 3.0, 0.5),  # 3 s ± 50% never goes under 1 s: as it was
        (2, 3.0, 0.0),  # 3 s ± 50% can be 1.5 s: the jitter goes
        (3, 3.0, 0.0),  # as long as DOWNLOAD_DELAY: the jitter would bring gaps under it
        (10, 10.0, 0.0),
    ],
)
def test_no_gap_between_two_requests_is_shorter_than_the_crawl_delay(
    tmp_path, crawl_delay, delay, jitter
):
    middleware, downloader, slot, throttle = throttled_middleware(tmp_path, crawl_delay)

    assert refusal(middleware, "/doanh-nghiep.chn") is None

    # The shortest gap either may leave: the delay less its jitter.
    assert (downloader._delay, downloader._jitter) == (delay, jitter)
    assert (slot.delay, slot.jitter) == (delay, jitter)
    assert throttle.mindelay == delay
    assert throttle.maxdelay == 60.0  # AUTOTHROTTLE_MAX_DELAY, above every Crawl-delay here
    assert min(delay * (1 - jitter), slot.download_delay()) >= crawl_delay


@pytest.mark.parametrize(
    "crawl_delay", ["99999999999999999999", "1e308", "601", "inf", "1e400", "Infinity"]
)
def test_a_crawl_delay_longer_than_retry_after_max_forbids_every_page_and_is_not_waited(
    tmp_path, crawl_delay, caplog
):
    # Waited out, it would hold the run, and the output directory's lock, for that long.
    robots_txt = f"User-agent: *\nCrawl-delay: {crawl_delay}\nAllow: /\n".encode()
    middleware = robots_middleware(tmp_path, (200, robots_txt, {}))
    downloader = middleware.crawler.engine.downloader
    assert refusal(middleware, "/doanh-nghiep.chn") is CrawlDelayTooLong
    assert refusal(middleware, "/a-188260306102323344.chn") is CrawlDelayTooLong
    assert middleware.crawler.engine.asked == [f"{BASE}/robots.txt"]
    assert (downloader._delay, downloader._jitter) == (0.0, 0.5)
    (said,) = [r.getMessage() for r in caplog.records if "Crawl-delay" in r.getMessage()]
    # One too long for a float (`inf`, `1e400`) is the longest there is.
    seconds = min(float(crawl_delay), sys.float_info.max)
    assert f"Crawl-delay of {seconds:g}s, longer than RETRY_AFTER_MAX (600s)" in said
    assert "raise RETRY_AFTER_MAX to it with -s" in said

    # The next runs read the kept copy, ask the site for nothing, and stop the same way.
    again = robots_middleware(tmp_path, ConnectionRefusedError("not to be asked"))
    with pytest.raises(CrawlDelayTooLong, match=r"^robots.txt asks for a Crawl-delay of "):
        asyncio.run(again.process_request(Request(f"{BASE}/doanh-nghiep.chn")))
    assert again.crawler.engine.asked == []
    assert again.crawler.engine.downloader._delay == 0.0


@pytest.mark.parametrize("crawl_delay", ["nan", "abc", "-inf"])
def test_a_crawl_delay_that_is_no_number_of_seconds_is_no_crawl_delay(tmp_path, crawl_delay):
    robots_txt = f"User-agent: *\nCrawl-delay: 5\nCrawl-delay: {crawl_delay}\nAllow: /\n"
    middleware = robots_middleware(tmp_path, (200, robots_txt.encode(), {}), RETRY_AFTER_MAX=4)
    assert refusal(middleware, "/doanh-nghiep.chn") is CrawlDelayTooLong  # the 5 s line holds


def test_a_crawl_delay_up_to_retry_after_max_is_honoured(tmp_path):
    robots_txt = b"User-agent: *\nCrawl-delay: 3600\nAllow: /\n"
    refused = robots_middleware(tmp_path / "default", (200, robots_txt, {}))
    assert refusal(refused, "/doanh-nghiep.chn") is CrawlDelayTooLong

    # RETRY_AFTER_MAX raised with -s to crawl at that pace: the Crawl-delay is waited.
    raised = robots_middleware(tmp_path / "raised", (200, robots_txt, {}), RETRY_AFTER_MAX=3600)
    assert refusal(raised, "/doanh-nghiep.chn") is None
    assert raised.crawler.engine.downloader._delay == 3600.0


@pytest.mark.parametrize("crawl_delay", [90, 600])
def test_a_crawl_delay_above_autothrottle_max_delay_holds_after_the_first_response(
    tmp_path, crawl_delay
):
    middleware, _, slot, throttle = throttled_middleware(tmp_path, crawl_delay)

    assert refusal(middleware, "/doanh-nghiep.chn") is None
    assert (throttle.mindelay, throttle.maxdelay) == (crawl_delay, crawl_delay)

    # A 200 that came at once, then one that came slowly: AutoThrottle's two ways of moving.
    for latency in (0.01, 500.0):
        response = Response(f"{BASE}/doanh-nghiep.chn", status=200)
        throttle._adjust_delay(slot, latency, response)
        assert slot.delay == crawl_delay


@pytest.mark.parametrize("status", [503, 429])
def test_a_robots_txt_the_site_cannot_serve_leaves_the_kept_copy_as_it_was(tmp_path, status):
    import datetime as dt

    from newsscraper.kept_robotstxt import KeptRobotsTxt, keep

    # Two days old: asked for again, and the site fails or throttles on it.
    old = KeptRobotsTxt(
        origin_of(BASE),
        200,
        b"User-agent: *\nDisallow: /private/\n",
        dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.UTC),
        None,
    )
    keep(tmp_path, old)
    error_page = b"User-agent: *\nAllow: /\n"
    middleware = robots_middleware(tmp_path, (status, error_page, {}))
    assert refusal(middleware, "/doanh-nghiep.chn") is RobotsTxtUnavailable
    assert middleware.crawler.engine.asked == [f"{BASE}/robots.txt"]
    assert read_kept(tmp_path, origin_of(BASE)) == old


def test_a_robots_txt_that_failed_with_no_message_is_named_by_its_error(tmp_path):
    middleware = robots_middleware(tmp_path, TimeoutError())
    with pytest.raises(
        RobotsTxtUnavailable,
        match=rf"^robots.txt could not be fetched \(TimeoutError\): {BASE}/doanh-nghiep.chn$",
    ):
        asyncio.run(middleware.process_request(Request(f"{BASE}/doanh-nghiep.chn")))


@pytest.mark.parametrize("status", [503, 429, 300])
def test_the_error_page_of_a_robots_txt_the_site_cannot_serve_holds_no_rules(tmp_path, status):
    # Its Disallow would refuse the page as forbidden, which no later run asks for again, when
    # the site only failed to serve robots.txt: every page is unavailable alike.
    error_page = b"User-agent: *\nDisallow: /a-\n"
    middleware = robots_middleware(tmp_path, (status, error_page, {}))
    assert refusal(middleware, "/a-188260306102323344.chn") is RobotsTxtUnavailable
    assert refusal(middleware, "/doanh-nghiep.chn") is RobotsTxtUnavailable


@pytest.mark.parametrize("status", [200, 203, 204, 206, 299])
def test_any_2xx_is_read_as_the_robots_txt(tmp_path, status):
    # RFC 9309, 2.3.1.1: a successful answer is parsed, whatever its 2xx; an empty one (204)
    # forbids nothing.
    forbidding = robots_middleware(tmp_path, (status, b"User-agent: *\nDisallow: /\n", {}))
    assert refusal(forbidding, "/doanh-nghiep.chn") is RobotsTxtForbidden
    empty = robots_middleware(tmp_path / "empty", (status, b"", {}))
    assert refusal(empty, "/doanh-nghiep.chn") is None


@pytest.mark.parametrize("name", ["Mozilla", "news", "newsscrape", "archiver", "newsscraperbot"])
def test_a_group_for_another_agent_never_applies_to_us(tmp_path, name):
    # RFC 9309, 2.2.1: our product token, `newsscraper`, matched whole, case-insensitively;
    # a name that is part of our User-Agent, or longer than our token, is another crawler's.
    body = f"User-agent: {name}\nDisallow: /\nCrawl-delay: 601\n\nUser-agent: *\nAllow: /\n"
    middleware = robots_middleware(
        tmp_path,
        (200, body.encode(), {}),
        USER_AGENT=project_settings.USER_AGENT,
        ROBOTSTXT_PARSER=project_settings.ROBOTSTXT_PARSER,
    )
    assert refusal(middleware, "/doanh-nghiep.chn") is None


def test_every_group_naming_our_token_is_combined_and_gives_the_crawl_delay(tmp_path):
    body = (
        b"User-agent: otherbot\nUser-agent: NewsScraper\nDisallow: /a\n\n"
        b"User-agent: *\nDisallow: /\n\nUser-agent: newsscraper/2.0\nDisallow: /b\n"
        b"Crawl-delay: 601\n"
    )
    middleware = robots_middleware(
        tmp_path,
        (200, body, {}),
        USER_AGENT=project_settings.USER_AGENT,
        ROBOTSTXT_PARSER=project_settings.ROBOTSTXT_PARSER,
        RETRY_AFTER_MAX=1000,
    )
    assert refusal(middleware, "/a-1.chn") is RobotsTxtForbidden
    assert refusal(middleware, "/b-1.chn") is RobotsTxtForbidden
    assert refusal(middleware, "/doanh-nghiep.chn") is None


def test_a_robots_txt_kept_for_one_second_is_read_within_that_second(tmp_path):
    # Cache-Control: max-age=1 allows a copy: a run at the same instant reads it, not the site.
    answer = (200, b"User-agent: *\nDisallow: /\n", {"Cache-Control": "max-age=1"})
    assert refusal(robots_middleware(tmp_path, answer), "/doanh-nghiep.chn") is RobotsTxtForbidden
    again = robots_middleware(tmp_path, ConnectionRefusedError("not to be asked"))
    assert refusal(again, "/doanh-nghiep.chn") is RobotsTxtForbidden
    assert again.crawler.engine.asked == []


def test_a_robots_txt_is_read_up_to_download_maxsize_and_at_least_500_kib_in_whole_lines():
    assert read_at_most(8 * 1024 * 1024) == 8 * 1024 * 1024
    assert read_at_most(1000) == read_at_most(1) == 500 * 1024  # RFC 9309, 2.5
    assert read_at_most(0) == 0  # no limit: all of it
    body = b"User-agent: *\r\nDisallow: /a\nDisallow: /articles/\n"
    assert first_lines(body, len(body)) == body
    assert first_lines(body, body.index(b"/articles/") + 2) == b"User-agent: *\r\nDisallow: /a\n"
    assert first_lines(body, 5) == b""


def streamed_robots_txt(
    tmp_path, body: bytes, lost_after: int = 0, headers=None, **settings
) -> StrictRobotsTxtMiddleware:
    """The middleware with `body` as robots.txt, streamed 100,000 bytes at a time."""
    middleware = robots_middleware(tmp_path, None, **settings)
    engine = StreamingRobotsTxtEngine(
        middleware, body, chunk=100_000, lost_after=lost_after, headers=headers
    )
    middleware.crawler.engine = engine
    return middleware


LIMIT = 500 * 1024  # RFC 9309's least, above DOWNLOAD_MAXSIZE=1000
# Disallows /within 400 kB in, /straddling across the limit, and /past after it.
LARGE_ROBOTS_TXT = (
    (b"User-agent: *\n" + b"# padding\n" * 40_000 + b"Disallow: /within\n").ljust(LIMIT - 5, b"#")
    + b"\nDisallow: /straddling\n"
    + b"# padding\n" * 20_000
    + b"Disallow: /past\n"
)


def test_a_robots_txt_larger_than_download_maxsize_is_obeyed_in_its_lines_within_500_kib(
    tmp_path,
):
    middleware = streamed_robots_txt(tmp_path, LARGE_ROBOTS_TXT, DOWNLOAD_MAXSIZE=1000)

    assert refusal(middleware, "/within") is RobotsTxtForbidden
    # A line cut at the limit is no rule (`/straddling` read as `/s`), nor are those past it.
    assert refusal(middleware, "/straddling") is None
    assert refusal(middleware, "/past") is None
    (sent,) = middleware.crawler.engine.sent
    assert sent.headers["Accept-Encoding"] == b"identity"  # stopped mid-way, read as it came
    assert middleware.crawler.stats.get_value("newsscraper/robotstxt/read_up_to") == LIMIT

    # One within the limit is read whole, its last line unended too.
    whole = streamed_robots_txt(
        tmp_path / "whole", b"User-agent: *\nDisallow: /x", DOWNLOAD_MAXSIZE=1000
    )
    assert refusal(whole, "/x") is RobotsTxtForbidden
    assert whole.crawler.stats.get_value("newsscraper/robotstxt/read_up_to") is None


def test_a_robots_txt_retried_after_its_connection_was_lost_is_read_up_to_the_limit_again(
    tmp_path,
):
    # Its count starts again from nothing: not stopped 400 kB early, above /within.
    middleware = streamed_robots_txt(
        tmp_path, LARGE_ROBOTS_TXT, lost_after=4, DOWNLOAD_MAXSIZE=1000
    )
    assert refusal(middleware, "/within") is RobotsTxtForbidden
    assert refusal(middleware, "/straddling") is None
    assert len(middleware.crawler.engine.sent) == 2


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


def zstd_frames(data: bytes) -> bytes:
    return b"".join(zstd.compress(data[at : at + 100_000]) for at in range(0, len(data), 100_000))


# How a site may compress it (Content-Encoding, and how): raw deflate, with no zlib header, as
# some servers send it; zstd in frames of 100 kB; two layers, br over gzip.
COMPRESS = {
    "gzip": ("gzip", gzip.compress),
    "deflate": ("deflate", zlib.compress),
    "deflate, raw": ("deflate", raw_deflate),
    "br": ("br", brotli.compress),
    "zstd": ("zstd", zstd.compress),
    "zstd, frames": ("zstd", zstd_frames),
    "gzip, br": ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
}
# Each line a hash: about half its size compressed, so that past the limit on the wire too.
HASHED_ROBOTS_TXT = (
    b"User-agent: *\nDisallow: /within\n"
    + b"".join(b"# %s\n" % hashlib.sha256(b"%d" % n).hexdigest().encode() for n in range(30_000))
    + b"Disallow: /past\n"
)


@pytest.mark.parametrize("encoding", COMPRESS)
@pytest.mark.parametrize("body", [LARGE_ROBOTS_TXT, HASHED_ROBOTS_TXT], ids=["small", "large"])
def test_a_robots_txt_sent_compressed_past_the_limit_is_read_up_to_it_as_one_sent_plain(
    tmp_path, encoding, body
):
    # Asked for uncompressed, sent compressed all the same: small on the wire (700 kB of it
    # decompressed), or itself past the limit on the wire, its download stopped there.
    content_encoding, compress = COMPRESS[encoding]
    compressed = compress(body)
    assert (len(compressed) > LIMIT) is (body is HASHED_ROBOTS_TXT) and len(body) > LIMIT
    middleware = streamed_robots_txt(
        tmp_path, compressed, headers={"Content-Encoding": content_encoding}, DOWNLOAD_MAXSIZE=1000
    )
    assert refusal(middleware, "/within") is RobotsTxtForbidden
    assert refusal(middleware, "/straddling") is None
    assert refusal(middleware, "/past") is None
    assert refusal(middleware, "/doanh-nghiep.chn") is None
    assert middleware.crawler.stats.get_value("newsscraper/robotstxt/read_up_to") == LIMIT

    # One within the limit decompressed is read whole.
    small = b"User-agent: *\nDisallow: /x\n"
    within = streamed_robots_txt(
        tmp_path / "small",
        compress(small),
        headers={"Content-Encoding": content_encoding},
        DOWNLOAD_MAXSIZE=1000,
    )
    assert refusal(within, "/x") is RobotsTxtForbidden
    assert refusal(within, "/doanh-nghiep.chn") is None
    assert within.crawler.stats.get_value("newsscraper/robotstxt/read_up_to") is None
