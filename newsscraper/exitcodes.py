"""Exit codes of `scrapy crawl cafef` and `newsscraper cron`, explained in the README."""

from __future__ import annotations

from newsscraper.stop import (
    DISK_ERROR_REASON,
    RETRY_AFTER_TOO_LONG_REASON,
    SITE_FAILING_REASON,
    SOFT_BLOCKED_REASON,
)

OK = 0
ABNORMAL = 1  # the crawl ended abnormally (an error, a spider that could not start)
USAGE = 2  # bad arguments
SOFT_BLOCKED = 3  # the site kept answering with soft-block pages or 429s; the run stopped early
DISK_ERROR = 4  # the output directory is read-only or full
UNHEALTHY = 5  # pages came back but nothing parsed, or counts/fill rates collapsed
INTERRUPTED = 6  # stopped by SIGTERM or Ctrl-C after a graceful flush
SITE_ERRORS = 7  # a listing page or article pages failed after every retry
LOCKED = 75  # another run holds the lock (EX_TEMPFAIL: try again later)

# Finish reasons of a crawl (Scrapy's `finish_reason` stat) and the code each gives.
FINISH_REASON_CODES = {
    "finished": OK,
    SOFT_BLOCKED_REASON: SOFT_BLOCKED,
    SITE_FAILING_REASON: SITE_ERRORS,
    RETRY_AFTER_TOO_LONG_REASON: SOFT_BLOCKED,
    DISK_ERROR_REASON: DISK_ERROR,
    "shutdown": INTERRUPTED,
}


def for_finish_reason(reason: str | None) -> int:
    return FINISH_REASON_CODES.get(reason or "", ABNORMAL)
