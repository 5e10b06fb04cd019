"""Exit codes of `scrapy crawl cafef` and `newsscraper cron`, explained in the README."""

from __future__ import annotations

from newsscraper.stop import (
    DISK_ERROR_REASON,
    RETRY_AFTER_TOO_LONG_REASON,
    SITE_FAILING_REASON,
    SOFT_BLOCKED_REASON,
)

OK = 0
# The crawl ended abnormally: an error, a spider that could not start, a part file of the
# dataset it cannot read, a RUN_ID already used, any finish reason not in FINISH_REASON_CODES
# (Scrapy's other limits: CLOSESPIDER_ERRORCOUNT, _PAGECOUNT_NO_ITEM, _TIMEOUT_NO_ITEM).
ABNORMAL = 1
USAGE = 2  # bad arguments or settings (-a, -s)
# The site kept answering with soft-block pages or 429s, or asked for a rest longer than
# RETRY_AFTER_MAX: the run stopped early; or an earlier run's rest has not ended: it did not start.
SOFT_BLOCKED = 3
DISK_ERROR = 4  # the output directory is read-only or full
# The run finished, but nothing parsed, the listing got stuck above the watermark, reading a
# listing page raised, a pipeline raised, or counts or fill rates collapsed.
UNHEALTHY = 5
INTERRUPTED = 6  # stopped by SIGTERM or Ctrl-C after a graceful flush
# A listing page or article pages failed after every retry, the listing broke off above the
# watermark, fetches kept failing page after page, or robots.txt forbids a listing page, could
# not be fetched, or asks for a Crawl-delay longer than RETRY_AFTER_MAX.
SITE_ERRORS = 7
LOCKED = 75  # another run holds the lock (EX_TEMPFAIL: try again later)

# Finish reasons of a crawl (Scrapy's `finish_reason` stat) and the code each gives.
FINISH_REASON_CODES = {
    "finished": OK,
    SOFT_BLOCKED_REASON: SOFT_BLOCKED,
    SITE_FAILING_REASON: SITE_ERRORS,
    RETRY_AFTER_TOO_LONG_REASON: SOFT_BLOCKED,
    DISK_ERROR_REASON: DISK_ERROR,
    "shutdown": INTERRUPTED,
    # Scrapy's own limits (CLOSESPIDER_ITEMCOUNT, _PAGECOUNT, _TIMEOUT): the run stopped where
    # it was told to. It moves no watermark, so the next run fetches what it left.
    "closespider_itemcount": OK,
    "closespider_pagecount": OK,
    "closespider_timeout": OK,
}


def for_finish_reason(reason: str | None) -> int:
    return FINISH_REASON_CODES.get(reason or "", ABNORMAL)
