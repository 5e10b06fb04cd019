"""robots.txt, read as RFC 9309 asks: one the site cannot serve forbids the crawl, and its
Crawl-delay spaces the requests (Scrapy's own middleware allows everything in the first case
and ignores the second). The one a run got is kept for the next runs of the dataset, which read
it instead of asking again while it is young (RFC 9309, 2.4; see kept_robotstxt.py).

A robots.txt that could not be fetched (the site down, the network off) is logged as one line
naming the error, as any other page that failed is, not with the 60-line traceback of Scrapy's
downloader that its middleware attaches, run after run, to the crontab's stderr."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.downloadermiddlewares.robotstxt import logger as scrapy_robots_logger
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from newsscraper import kept_robotstxt
from newsscraper.compressed import DECOMPRESSED_MAXSIZE_META, DECOMPRESSED_UP_TO_FLAG
from newsscraper.context import RunContext
from newsscraper.error_messages import error_message

logger = logging.getLogger(__name__)


class ErrorWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("Error downloading"):
            record.exc_info = record.exc_text = None
        return True


class RobotsTxtUnavailable(IgnoreRequest):
    """The site's robots.txt could not be fetched: nothing of the site is crawled."""


class RobotsTxtForbidden(IgnoreRequest):
    """The site's robots.txt forbids the page: it is never asked for."""


class CrawlDelayTooLong(IgnoreRequest):
    """The site's robots.txt asks for a Crawl-delay longer than RETRY_AFTER_MAX, the longest
    wait for the site a run honours: nothing of the site is crawled."""


# RFC 9309 (2.5): a crawler must read at least the first 500 KiB of a robots.txt.
ROBOTSTXT_READ_AT_LEAST = 500 * 1024
# On the request for robots.txt, when DOWNLOAD_MAXSIZE limits it: how many bytes of it are
# read, and how many came.
READ_AT_MOST_META = "newsscraper_robotstxt_read_at_most"
_RECEIVED_META = "newsscraper_robotstxt_received"


def read_at_most(download_maxsize: int) -> int:
    """The bytes of a robots.txt read, the rest ignored: DOWNLOAD_MAXSIZE, at least RFC 9309's
    500 KiB; 0 (all of it) when DOWNLOAD_MAXSIZE is 0, no limit."""
    return max(download_maxsize, ROBOTSTXT_READ_AT_LEAST) if download_maxsize > 0 else 0


def first_lines(body: bytes, size: int) -> bytes:
    """The lines of `body` that end within its first `size` bytes: a line cut at the limit
    would read as another rule (`Disallow: /a` of `Disallow: /articles/`)."""
    head = body[:size]
    return head[: max(head.rfind(b"\n"), head.rfind(b"\r")) + 1]


# What to do about such a Crawl-delay, as the log and the run's health problem say it.
CRAWL_DELAY_WAY_OUT = (
    "To crawl at that pace, raise RETRY_AFTER_MAX to it with -s; or crawl the site less "
    "often, or another way"
)


def is_unavailable(status: int) -> bool:
    """True for an answer that says the site could not serve its robots.txt (RFC 9309,
    2.3.1.4): a 5xx or 429, and any answer that is neither a 2xx nor a 4xx (a 1xx, or a 3xx
    that reached us unfollowed: no Location, or one a request cannot be made for), which holds
    no robots.txt either, as more than five redirects hold none."""
    return status == 429 or not (200 <= status < 300 or 400 <= status < 500)


def rules_of(status: int, body: bytes) -> bytes:
    """The robots.txt an answer with `status` and `body` holds: none for a 4xx, whatever its
    error page reads (RFC 9309, 2.3.1.3: the crawler may access every page), nor for a 5xx or
    429, whose error page is no robots.txt either: the site could not serve it (2.3.1.4), which
    forbids every page as unavailable, never as a Disallow of that page would."""
    return body if 200 <= status < 300 else b""


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, except that a robots.txt the site could not serve (a 5xx
    or 429 still there after every retry, a 1xx or a 3xx not followed, a connection that
    failed, a timeout) forbids every
    page of the site, as RFC 9309 (2.3.1.4) asks, instead of allowing all of them: a site
    failing or throttling on its robots.txt is not to be crawled. A robots.txt that is not
    there (404 and other 4xx) still allows everything.

    Its Crawl-delay, which Scrapy reads but never uses, is honoured too: when longer than the
    shortest gap DOWNLOAD_DELAY leaves (less its random jitter), it becomes the least time
    between two requests to the site, without the jitter that could bring one below it, and
    AutoThrottle never goes under it (nor caps it, its AUTOTHROTTLE_MAX_DELAY raised to it).
    One longer than RETRY_AFTER_MAX, the longest wait for the site a run honours, forbids every
    page of the site instead: a run would otherwise hold the output directory's lock for that
    long between two requests (for ever, for a Crawl-delay of 1e308), and every run after it
    would find the lock held.

    The robots.txt a run got (a 2xx, or a 4xx: allow all) is kept in OUTPUT_DIR/.robots/, and
    a later run of the dataset reads that copy, no request sent, while it is younger than
    ROBOTSTXT_MAX_AGE and than the response's own Cache-Control max-age or Expires; one the
    response says not to keep (no-store, no-cache) removes the copy. A robots.txt the site
    cannot serve leaves the copy as it is and still forbids the run: RFC 9309 (2.4) would allow
    a copy older than a day then, but a site failing or throttling on its robots.txt is not to
    be crawled, whatever it said yesterday, and a copy young enough to use is never asked for.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.unavailable: dict[str, str] = {}  # netloc -> what its robots.txt answered
        self.too_slow: dict[str, float] = {}  # netloc -> its Crawl-delay, over the longest wait
        self.longest_wait = crawler.settings.getfloat("RETRY_AFTER_MAX")
        self.output_dir = crawler.settings.get("OUTPUT_DIR")
        self.max_age = crawler.settings.getfloat("ROBOTSTXT_MAX_AGE")
        self.read_at_most = read_at_most(crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(self._robots_txt_bytes, signal=signals.bytes_received)
        if not any(isinstance(f, ErrorWithoutTraceback) for f in scrapy_robots_logger.filters):
            scrapy_robots_logger.addFilter(ErrorWithoutTraceback())  # once per process

    async def process_request(self, request, spider=None):
        await super().process_request(request)  # fetches robots.txt first, once per host
        if request.meta.get("dont_obey_robotstxt"):
            if self._is_our_robots_txt_request(request):
                self._read_up_to_the_limit(request)
            return
        netloc = urlparse_cached(request).netloc
        if (why := self.unavailable.get(netloc)) is not None:
            self.crawler.stats.inc_value("newsscraper/robotstxt/unavailable")
            raise RobotsTxtUnavailable(f"robots.txt could not be fetched ({why}): {request.url}")
        if (delay := self.too_slow.get(netloc)) is not None:
            self.crawler.stats.inc_value("newsscraper/robotstxt/crawl_delay_too_long")
            raise CrawlDelayTooLong(
                f"robots.txt asks for a Crawl-delay of {delay:g}s, longer than RETRY_AFTER_MAX "
                f"({self.longest_wait:g}s): {request.url}"
            )

    def _is_our_robots_txt_request(self, request) -> bool:
        """True for the request this middleware sent for a host's robots.txt (or its retry)."""
        parsed = urlparse_cached(request)
        return (
            request.callback is NO_CALLBACK
            and parsed.path == "/robots.txt"
            and isinstance(self._parsers.get(parsed.netloc), Deferred)
        )

    def _read_up_to_the_limit(self, request) -> None:
        """A robots.txt larger than DOWNLOAD_MAXSIZE is read up to it (at least 500 KiB, RFC
        9309, 2.5), the rest ignored, not refused whole as a page that large is: Scrapy's limit
        is lifted for it, `_robots_txt_bytes` stops its download there instead. Asked for
        uncompressed, as a download stopped there must be read; a body the site compresses
        all the same is read as far (`newsscraper.compressed.read_up_to`), never decompressed
        further."""
        if not self.read_at_most:
            return
        request.meta["download_maxsize"] = 0
        request.meta[DECOMPRESSED_MAXSIZE_META] = self.read_at_most
        request.meta[READ_AT_MOST_META] = self.read_at_most
        request.meta[_RECEIVED_META] = 0  # a retry counts from nothing again
        request.headers["Accept-Encoding"] = "identity"

    def _robots_txt_bytes(self, data: bytes, request, spider=None) -> None:
        """bytes_received: stop the download of robots.txt once the bytes read came."""
        if not (limit := request.meta.get(READ_AT_MOST_META)):
            return
        request.meta[_RECEIVED_META] = received = request.meta.get(_RECEIVED_META, 0) + len(data)
        if received >= limit:
            raise StopDownload(fail=False)

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:  # first asked for this run: a kept copy may do
            self._read_kept_copy(request, netloc)
        return await super().robot_parser(request)

    def _read_kept_copy(self, request, netloc: str) -> None:
        now = RunContext.of(self.crawler).clock()
        kept = kept_robotstxt.read_kept(self.output_dir, kept_robotstxt.origin_of(request.url))
        if kept is None or not kept.is_fresh(now, self.max_age):
            return
        logger.info(
            "robots.txt of %s: the copy kept at %s (HTTP %d) is read, not asked for again",
            kept.origin,
            f"{kept.fetched_at:%Y-%m-%d %H:%M:%S} UTC",
            kept.status,
        )
        self.crawler.stats.set_value("newsscraper/robotstxt/kept_copy_read", True)
        parser = build_from_crawler(
            self._parserimpl, self.crawler, rules_of(kept.status, kept.body)
        )
        self._parsers[netloc] = parser
        self._keep_crawl_delay(parser, netloc, kept.origin)

    def process_request_2(self, rp, request):
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as error:  # Scrapy's, worded "Forbidden by robots.txt"
            raise RobotsTxtForbidden(str(error)) from None

    async def _parse_robots(self, response, netloc, request):
        read_up_to = {"download_stopped", DECOMPRESSED_UP_TO_FLAG} & set(response.flags)
        if read_up_to and response.request is not None:
            limit = response.request.meta.get(READ_AT_MOST_META) or len(response.body)
            logger.info(
                "robots.txt of %s is larger than %d B: its lines within them are read, the "
                "rest ignored (RFC 9309, 2.5)",
                kept_robotstxt.origin_of(request.url),
                limit,
            )
            self.crawler.stats.set_value("newsscraper/robotstxt/read_up_to", limit)
            response = response.replace(body=first_lines(response.body, limit))
        if is_unavailable(response.status):
            self.unavailable[netloc] = f"HTTP {response.status}"
        rules = rules_of(response.status, response.body)
        await super()._parse_robots(response.replace(body=rules), netloc, request)
        if netloc not in self.unavailable:
            origin = kept_robotstxt.origin_of(request.url)
            self._keep_crawl_delay(self._parsers[netloc], netloc, origin)
            self._keep_for_next_runs(response, request)

    def _keep_for_next_runs(self, response, request) -> None:
        """Keep the answer (one the site could serve: a 2xx or a 4xx but 429) for the next runs,
        or remove the copy when it may not be kept: an older copy must not stand in for the
        site's newest answer."""
        origin = kept_robotstxt.origin_of(request.url)
        fetched_at = RunContext.of(self.crawler).clock()
        headers = {
            name.decode("latin-1").lower(): b", ".join(values).decode("latin-1")
            for name, values in response.headers.items()
        }
        lifetime = kept_robotstxt.own_lifetime(headers, fetched_at)
        try:
            if lifetime is None or lifetime > 0:
                kept = kept_robotstxt.KeptRobotsTxt(
                    origin, response.status, response.body, fetched_at, lifetime
                )
                kept_robotstxt.keep(self.output_dir, kept)
            else:
                kept_robotstxt.forget(self.output_dir, origin)
        except OSError as error:  # the disk's fault: this run has its answer all the same
            logger.warning("robots.txt of %s not kept for the next runs: %s", origin, error)

    def _keep_crawl_delay(self, parser, netloc: str, origin: str) -> None:
        delay = parser.crawl_delay(self._robotstxt_useragent or self._default_useragent)
        if delay and delay > self.longest_wait:
            # Not waited: the site is not crawled at all (process_request refuses every page).
            self.too_slow[netloc] = delay
            self.crawler.stats.set_value("newsscraper/robotstxt/crawl_delay", delay)
            logger.error(
                "robots.txt of %s asks for a Crawl-delay of %gs, longer than RETRY_AFTER_MAX "
                "(%gs), the longest wait for the site a run honours: nothing is crawled. %s",
                origin,
                delay,
                self.longest_wait,
                CRAWL_DELAY_WAY_OUT,
            )
            return
        downloader = self.crawler.engine.downloader
        # The shortest gap the download delay leaves, its random jitter taken off (3 s ± 50%:
        # 1.5 s); Scrapy's downloader holds both, DOWNLOAD_DELAY and its jitter, from the start.
        shortest = downloader._delay * max(0.0, 1 - downloader._jitter)
        if not delay or delay <= shortest:
            return
        logger.info("robots.txt asks for a Crawl-delay of %gs: requests go that far apart", delay)
        self.crawler.stats.set_value("newsscraper/robotstxt/crawl_delay", delay)
        # New slots (one made after an idle slot was collected) and the slots there are.
        downloader._delay, downloader._jitter = max(downloader._delay, delay), 0.0
        for slot in downloader.slots.values():
            slot.delay, slot.jitter = max(slot.delay, delay), 0.0
        for extension in self.crawler.extensions.middlewares:
            if isinstance(extension, AutoThrottle):
                # Its ceiling too (AUTOTHROTTLE_MAX_DELAY, 60 s), or the first response would
                # bring the delay down to it, below what the site asked for.
                extension.mindelay = max(extension.mindelay, delay)
                extension.maxdelay = max(extension.maxdelay, delay)

    def _robots_error(self, exc, netloc):
        self.unavailable[netloc] = error_message(exc)
        super()._robots_error(exc, netloc)
