"""Stop a crawl from inside it (a full disk, a site that keeps soft-blocking us), tell whether
a crawl is on its way out, and tell afterwards why it stopped."""

from __future__ import annotations

import logging
import os
import signal

from scrapy.extensions.closespider import CloseSpider
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

# The reasons a crawl is stopped from inside, its `finish_reason` (exitcodes maps each to a code).
DISK_ERROR_REASON = "disk_error"  # the output directory cannot be written
SOFT_BLOCKED_REASON = "soft_blocked"  # soft-block pages or 429s in a row
SITE_FAILING_REASON = "site_failing"  # failed fetches in a row
RETRY_AFTER_TOO_LONG_REASON = "retry_after_too_long"  # a rest longer than RETRY_AFTER_MAX
DISK_ERROR_STAT = "newsscraper/parquet/disk_error"  # set by the sink: the path and the error
STOP_REQUESTED_STAT = "newsscraper/stop/requested"  # set by stop_crawl: the first reason asked


def stop_crawl(crawler, reason: str) -> None:
    """Ask the engine to close the spider with `reason`, unless it is closing already.

    Scheduled, not awaited: the close waits for what is in flight, the caller among it.
    """
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    if crawler.stats.get_value(STOP_REQUESTED_STAT) is None:
        crawler.stats.set_value(STOP_REQUESTED_STAT, reason)
    deferred = deferred_from_coro(engine.close_spider_async(reason=reason))
    deferred.addErrback(lambda failure: logger.error("closing the spider failed: %s", failure))


class CloseSpiderLimits(CloseSpider):
    """Scrapy's CloseSpider (CLOSESPIDER_ITEMCOUNT, _PAGECOUNT, _TIMEOUT, …), stopping the crawl
    as `stop_crawl` does: a retry waiting out a back-off or a Retry-After sees the limit and
    gives its page up, instead of holding the stopping crawl for up to RETRY_AFTER_MAX."""

    def _close_spider(self, reason: str) -> None:
        stop_crawl(self.crawler, reason)


SIGNALLED_STAT = "newsscraper/signalled"  # "shutdown" after a first SIGTERM or Ctrl-C, "kill"
# after a second
SIGNAL_HANDLERS = (
    ("_signal_shutdown", "shutdown"),
    ("_signal_kill", "kill"),
    ("_signal_shutdown_reactorless", "shutdown"),
    ("_signal_kill_reactorless", "kill"),
)


def note_signals(process, crawler) -> list[str]:
    """Have `process` (a CrawlerProcess not started yet) note in `crawler`'s stats a SIGTERM or
    Ctrl-C it handles: one that comes while the engine is still opening the spider (reading the
    dataset) stops the process before the spider ever closes, so no finish reason says that
    the run was interrupted. A second signal, an unclean stop, is noted as such. One that comes
    while Scrapy is still making the crawler, before it has stats, is noted in the list returned,
    for `note_early_signals` once the crawl is over."""
    early: list[str] = []

    def noted(handler, what: str):
        def handle(signum, frame):
            try:
                crawler.stats.set_value(SIGNALLED_STAT, what)
            except RuntimeError:  # "Crawler.stats is not set yet": Scrapy still making it
                early.append(what)
            handler(signum, frame)

        return handle

    # Scrapy installs `_signal_shutdown` when the process starts, and `_signal_kill` from it
    # (their `_reactorless` forms without Twisted's reactor): each looked up on the process.
    for name, what in SIGNAL_HANDLERS:
        handler = getattr(process, name, None)
        if handler is not None:
            setattr(process, name, noted(handler, what))
    return early


def ctrl_c_ends_at_once() -> None:
    """Until Scrapy installs its own handlers (once its process starts), a Ctrl-C ends the
    process at once, writing nothing, as a SIGTERM does (exit status 130): Python's handler
    would raise KeyboardInterrupt wherever the process is, which Scrapy, opening the crawl,
    takes for a crash (exit 1, with tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def note_early_signals(crawler, early: list[str]) -> None:
    """Once the crawl is over, note in its stats the signal `note_signals` saw before it had
    any (a signal noted since, a second one, stands): its finish reason is then "shutdown"."""
    if early and crawler.stats.get_value(SIGNALLED_STAT) is None:
        crawler.stats.set_value(SIGNALLED_STAT, early[-1])


# SIGTERM and Ctrl-C (SIGINT): the signals Scrapy handles while it crawls.
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_held_since_crawl: list[int] | None = None  # None: not holding


def hold_signals_after_crawl() -> None:
    """Once the crawl is over (its reactor stopped, its run record written or not), hold a
    SIGTERM or Ctrl-C until the summary is said (`end_on_held_signal`). Scrapy's own handlers,
    still installed, would swallow it: the process would go on, say its summary and exit with
    the run's code, unless the signal came while Python was tearing the process down (then
    it killed it, exit 143): the same signal gave one exit status or another by a few
    milliseconds."""
    global _held_since_crawl
    _held_since_crawl = []
    for signum in SHUTDOWN_SIGNALS:
        signal.signal(signum, _hold)


def _hold(signum, frame) -> None:
    if _held_since_crawl is not None:
        _held_since_crawl.append(signum)


def end_on_held_signal() -> None:
    """Once the summary is said: a SIGTERM or Ctrl-C from now on ends the process at once, as
    if it had no handler (exit status 143 for SIGTERM, 130 for Ctrl-C), and one held since the
    crawl ended does so now. Nothing after the summary needs finishing: the run record is
    written, and a merge of `runs/` swaps a folder whole or not at all. Does nothing unless
    `hold_signals_after_crawl` ran."""
    global _held_since_crawl
    held, _held_since_crawl = _held_since_crawl, None
    if held is None:
        return
    for signum in SHUTDOWN_SIGNALS:
        signal.signal(signum, signal.SIG_DFL)
    if held:
        os.kill(os.getpid(), held[0])


def is_stopping(crawler) -> bool:
    """Whether the running crawl is on its way out: the engine no longer runs (SIGTERM, Ctrl-C)
    or `stop_crawl` asked it to close. Nothing worth waiting for comes after that."""
    return not crawler.engine.running or crawler.stats.get_value(STOP_REQUESTED_STAT) is not None


def disk_error_of(stats) -> str | None:
    """The disk fault that stopped a crawl (path and error), or None."""
    return stats.get_value(DISK_ERROR_STAT)


def finish_reason_of(stats, reason: str | None) -> str | None:
    """Why the crawl really ended: a fault in the sink's final flush comes after the engine
    chose its reason ("finished", "shutdown"), but the crawl still failed; a first signal that
    stopped the process before the spider closed is a "shutdown" all the same."""
    if disk_error_of(stats):
        return DISK_ERROR_REASON
    if reason is None and stats.get_value(SIGNALLED_STAT) == "shutdown":
        return "shutdown"
    return reason
