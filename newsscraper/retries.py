"""Polite retries: Retry-After, exponential back-off, soft blocks (`newsscraper/softblock.py`
says which), bodies cut short (`newsscraper/cut_short.py` says which) and the early stops.

Scrapy's RetryMiddleware retries at once; against a site that rate-limits per IP that makes
things worse. This one waits: the server's Retry-After on 429/503, otherwise an exponential
backoff, and treats a soft-block page as a failed fetch. When soft blocks or failed fetches
keep coming, or the site asks for a rest longer than RETRY_AFTER_MAX, it stops the crawl
(finish reason `soft_blocked`, `site_failing`, `retry_after_too_long`) instead of hammering the
site, and no request leaves after that. A wait ends as soon as the crawl is stopping (SIGTERM,
Ctrl-C, a stop from inside), and its retry is given up: a stop does not sit out a Retry-After.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from newsscraper.crawl_host import OffSiteChallenge
from newsscraper.cut_short import cut_short_reason
from newsscraper.httpdates import delta_seconds, http_date
from newsscraper.redirects import requested_url
from newsscraper.softblock import SOFT_BLOCKED_META, is_soft_block
from newsscraper.stop import (
    RETRY_AFTER_TOO_LONG_REASON,
    SITE_FAILING_REASON,
    SOFT_BLOCKED_REASON,
    is_stopping,
    stop_crawl,
)

logger = logging.getLogger(__name__)

# What Scrapy's redirect middlewares note on a request they made from another.
REDIRECT_META = ("redirect_urls", "redirect_reasons", "redirect_times", "redirect_ttl")
STOP_CHECK_SECONDS = 0.5  # how often a retry wait looks whether the crawl is stopping
# When the longest rest the site asked for (Retry-After) ends, by time.monotonic(): the time
# that really passes, also while a clock fixed by NEWSSCRAPER_NOW stands still.
SITE_REST_DEADLINE_STAT = "newsscraper/retry/site_rest_deadline_monotonic"
REST_REMEMBERED_MAX = 86_400.0  # seconds: a day


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    seconds = delta_seconds(text)
    if seconds is not None:
        return seconds
    when = http_date(text)
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """base, 2·base, 4·base, … for attempts 1, 2, 3, …, never above cap: also for an attempt so
    late (a RETRY_TIMES in the thousands) that its doubled base is more than a float holds."""
    if base <= 0:
        return 0.0
    try:
        return min(cap, math.ldexp(base, max(0, attempt - 1)))
    except OverflowError:
        return cap


@dataclass
class InARow:
    """Fetches of one kind that came in a row (soft blocks, failures) and the pages (as first
    asked) they came on: one page that always fails or looks blocked (its retries in a row at
    the end of a quiet run) is not the site failing or blocking the crawl."""

    stop_after: int
    count: int = 0
    pages: set[str] = field(default_factory=set)

    def add(self, request) -> bool:
        """Count one more; True once `stop_after` have come in a row, on more than one page."""
        self.count += 1
        self.pages.add(requested_url(request))
        return self.count >= self.stop_after and len(self.pages) > 1

    def clear(self) -> None:
        self.count = 0
        self.pages.clear()


class PoliteRetryMiddleware(RetryMiddleware):
    """Replaces Scrapy's RetryMiddleware (same settings, plus RETRY_BACKOFF_BASE,
    RETRY_BACKOFF_MAX, RETRY_AFTER_MAX, SOFT_BLOCK_BACKOFF_BASE, SOFT_BLOCK_STOP_AFTER and
    SITE_FAILING_STOP_AFTER)."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX")
        self.soft_block_backoff = settings.getfloat("SOFT_BLOCK_BACKOFF_BASE")
        self.refused = InARow(settings.getint("SOFT_BLOCK_STOP_AFTER"))  # soft blocks, 429s
        self.failing = InARow(settings.getint("SITE_FAILING_STOP_AFTER"))  # 5xx, timeouts, …
        self.stopping = False
        self.stopped_because = ""  # what `_stop` logged: why no request leaves any more
        # When the site asked for a rest (Retry-After, a soft block), no request leaves before
        # this instant (time.monotonic), not only the retry of the page that was refused.
        self.site_rests_until = 0.0

    async def process_request(self, request, spider=None):
        if self.stopping:
            # Retries and queued pages would still go out while the engine closes.
            raise IgnoreRequest(f"the crawl is stopping ({self.stopped_because}): {request.url}")
        rest = self.site_rests_until - time.monotonic()
        if rest > 0:
            await self._hold(rest, f"of the site's rest before asking for {request.url}")
        return None

    async def process_response(self, request, response, spider=None):
        if request.meta.get("dont_retry", False):
            return response
        attempt = request.meta.get("retry_times", 0) + 1
        if response.status in self.retry_http_codes or unasked_not_modified(request, response):
            # The rest the site asks for: a Retry-After on a 429 or a 503 only.
            asked = None
            if response.status in (429, 503):
                asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                # Noted first: a refusal that stops the crawl still asked for the rest.
                self._note_rest_end(asked)
            if response.status == 429:
                # Too Many Requests: the site saying in so many words what a soft-block page
                # says, counted with them towards the stop.
                self.crawler.stats.inc_value("newsscraper/retry/too_many_requests")
                self._refused(request, "429 Too Many Requests")
            else:
                self._failed(request, f"HTTP {response.status}")
            backoff = backoff_seconds(attempt, self.backoff_base, self.backoff_max)
            if asked is not None:
                self.crawler.stats.inc_value("newsscraper/retry/retry_after_honoured")
                if asked > self.retry_after_max:
                    self._stop_for_a_long_rest(request, asked)
                # Never sooner than the back-off: a Retry-After of 0 or in the past asks for
                # nothing, and the retry would go out at once.
                wait = max(min(asked, self.retry_after_max), backoff)
                self._site_rests(wait)
            else:
                wait = backoff
            retry = self._retry(request, response_status_message(response.status))
            if retry is None:
                return response
            await self._wait(wait, request, response.status)
            return retry

        cut = cut_short_reason(request, response)
        if cut is not None:
            self.crawler.stats.inc_value("newsscraper/retry/cut_short")
            self._failed(request, cut)
            retry = self._retry(request, cut)
            if retry is None:
                raise IgnoreRequest(f"{cut}, retries used up: {request.url}")
            await self._wait(
                backoff_seconds(attempt, self.backoff_base, self.backoff_max), request, cut
            )
            return retry
        if is_soft_block(request, response):
            return await self._soft_block(request, attempt)
        if isinstance(response, TextResponse) and request.meta.get("cafef_page"):
            self.refused.clear()
            self.failing.clear()
        return response

    async def process_exception(self, request, exception, spider=None):
        if isinstance(exception, OffSiteChallenge):
            # Retried, rested and counted like a soft-block page; given up, it stays pending.
            return await self._soft_block(request, request.meta.get("retry_times", 0) + 1)
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        self._failed(request, exception)
        retry = self._retry(request, exception)
        if retry is None:
            return None
        attempt = request.meta.get("retry_times", 0) + 1
        await self._wait(
            backoff_seconds(attempt, self.backoff_base, self.backoff_max), request, exception
        )
        return retry

    async def _soft_block(self, request, attempt: int):
        stats = self.crawler.stats
        stats.inc_value("newsscraper/softblock/detected")
        self._refused(request, "soft-blocked page")
        # Asked again where the crawl asked first: a retry of the page a redirect led to (a
        # captcha URL) would only fetch that page again, whether or not the block has ended.
        retry = self._retry(first_asked(request), "soft_block")
        if retry is None:
            stats.inc_value("newsscraper/softblock/gave_up")
            raise IgnoreRequest(f"soft-blocked page, retries used up: {request.url}")
        wait = backoff_seconds(attempt, self.soft_block_backoff, self.backoff_max)
        self._site_rests(wait)
        await self._wait(wait, request, "soft block")
        return retry

    def _refused(self, request, what: str) -> None:
        """Count a page the site refused to serve us (a soft-block page, a 429); once they have
        come SOFT_BLOCK_STOP_AFTER times in a row, on more than one page, stop the crawl and
        give the page up (IgnoreRequest)."""
        request.meta[SOFT_BLOCKED_META] = True  # if it is given up, the errback knows why
        if self.refused.add(request):
            self._stop(
                SOFT_BLOCKED_REASON,
                f"{self.refused.count} soft-block pages or 429s in a row",
                "newsscraper/softblock/stopped",
            )
            raise IgnoreRequest(f"{what}: {request.url}")

    def _failed(self, request, why) -> None:
        """Count a fetch that failed for a reason retrying may mend (a 5xx, a timeout, a
        connection error); once SITE_FAILING_STOP_AFTER have come in a row, on more than one
        page, stop the crawl and give the page up (IgnoreRequest): the pages not fetched are
        asked for by the next run, and a site that is down is not asked for each of them
        RETRY_TIMES more times."""
        if self.failing.add(request):
            self._stop(
                SITE_FAILING_REASON,
                f"{self.failing.count} failed fetches in a row",
                "newsscraper/retry/site_failing_stopped",
            )
            raise IgnoreRequest(f"the site keeps failing ({why}): {request.url}")

    def _stop_for_a_long_rest(self, request, seconds: float) -> None:
        """The site asked for a rest longer than a run waits (RETRY_AFTER_MAX): asking again
        sooner than that would not honour it, so the crawl stops and gives the page up
        (IgnoreRequest); the pages not fetched are asked for by a later run."""
        request.meta[SOFT_BLOCKED_META] = True  # the site throttling us, not the page failing
        self._stop(
            RETRY_AFTER_TOO_LONG_REASON,
            f"the site asked for a rest of {seconds:.0f}s (Retry-After), longer than "
            f"RETRY_AFTER_MAX ({self.retry_after_max:.0f}s)",
        )
        raise IgnoreRequest(
            f"Retry-After of {seconds:.0f}s, longer than RETRY_AFTER_MAX: {request.url}"
        )

    def _stop(self, reason: str, why: str, stat: str | None = None) -> None:
        """Stop the crawl with finish `reason`, once: the first cause is the one logged."""
        if self.stopping:
            return
        self.stopping = True
        self.stopped_because = why
        logger.error("%s: stopping the crawl to leave the site alone", why)
        if stat is not None:
            self.crawler.stats.set_value(stat, True)
        stop_crawl(self.crawler, reason)

    def _note_rest_end(self, seconds: float) -> None:
        """Note when a rest the site asked for ends (the latest, if it asked more than once): a
        rest that outlasts the run is kept in its run record, and no later run starts before it
        ends (see `newsscraper.rests.site_rest`). A rest asked for beyond REST_REMEMBERED_MAX
        is kept as that long: a wrong header must not silence the crawl for good."""
        self.crawler.stats.max_value(
            SITE_REST_DEADLINE_STAT, time.monotonic() + min(seconds, REST_REMEMBERED_MAX)
        )

    def _site_rests(self, seconds: float) -> None:
        """Hold every request, not only the refused page's retry, for `seconds` from now."""
        self.site_rests_until = max(self.site_rests_until, time.monotonic() + seconds)

    async def _wait(self, seconds: float, request, why) -> None:
        """Wait `seconds` before a retry; if the crawl is stopping meanwhile, give the retry up
        (IgnoreRequest: the errback counts the page as failed, the next run asks again)."""
        if seconds <= 0:
            return
        logger.info("waiting %.1fs before retrying %s (%s)", seconds, request.url, why)
        await self._hold(seconds, f"to retry {request.url} ({why})")

    async def _hold(self, seconds: float, what: str) -> None:
        """Sleep `seconds`, looking every STOP_CHECK_SECONDS whether the crawl is stopping;
        if it is, IgnoreRequest saying `what` was not waited for."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if self.stopping or is_stopping(self.crawler):
                raise IgnoreRequest(
                    f"the crawl is stopping: not waiting {max(0.0, left):.1f}s more {what}"
                )
            if left <= 0:
                return
            await sleep(min(STOP_CHECK_SECONDS, left))


CONDITIONAL_HEADERS = ("If-Modified-Since", "If-None-Match")


def unasked_not_modified(request, response) -> bool:
    """True for a 304 Not Modified to a request that asked nothing conditional: the crawl keeps
    no copy of a page to be told it is fresh, so it holds no page (a proxy's answer), retried as
    a failed fetch; after every retry the page fails with HTTP 304 (pending, or a listing page
    failed)."""
    return response.status == 304 and not any(
        request.headers.get(name) for name in CONDITIONAL_HEADERS
    )


def first_asked(request):
    """`request` as it was before any redirect (itself when it was not redirected)."""
    if not request.meta.get("redirect_urls"):
        return request
    meta = {key: value for key, value in request.meta.items() if key not in REDIRECT_META}
    return request.replace(url=requested_url(request), meta=meta)
