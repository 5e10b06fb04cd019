"""Is a finished crawl healthy? Pure judgement over its run record and recent ones.

The usual sign that the site's layout changed is not an error but a quiet collapse: pages
come back 200 and nothing parses, or a column that was always filled goes empty.
"""

from __future__ import annotations

import statistics

from newsscraper import exitcodes
from newsscraper.listing_walk import BROKE_OFF, LISTING_FAILED
from newsscraper.rejects import PIPELINE_ERROR

RECENT_RUNS = 10
BACKFILL = "backfill"  # a run record's `mode` when it crawled a date window
# Fewer earlier runs than this make no median worth comparing with.
MIN_RUNS_FOR_MEDIAN = 5
# A drop below this share of the recent median is "far below".
FAR_BELOW = 0.3
# Medians this small say nothing: a cron run every few minutes often finds nothing new.
MIN_MEDIAN_NEW_ROWS = 5
MIN_ROWS_FOR_FILL_RATES = 5
MIN_MEDIAN_FILL_RATE = 0.5
# One odd page that fails to parse is a reject, not a layout change.
MIN_FETCHED_FOR_PARSE_CHECK = 3


def judge(record: dict, recent: list[dict]) -> tuple[int, list[str]]:
    """The exit code and the problems of a run, given earlier healthy runs (newest first)."""
    problems: list[str] = []
    code = exitcodes.for_finish_reason(record.get("finish_reason"))
    if code == exitcodes.SOFT_BLOCKED:
        problems.append("the site kept answering with soft-block pages; the run stopped early")
    elif code == exitcodes.DISK_ERROR:
        problems.append("the output directory could not be written")
    elif code == exitcodes.INTERRUPTED:
        problems.append("the run was interrupted (SIGTERM or Ctrl-C) after a graceful flush")
    elif code != exitcodes.OK:
        problems.append(
            f"the crawl ended abnormally (finish reason {record.get('finish_reason')!r})"
        )
    if code != exitcodes.OK:
        return code, problems
    # The site failing comes first: it also explains any collapse in the figures below.
    site_errors = _site_errors(record)
    if site_errors:
        return exitcodes.SITE_ERRORS, site_errors

    pipeline_errors = (record.get("rejects_by_reason") or {}).get(PIPELINE_ERROR, 0)
    if pipeline_errors:
        problems.append(
            f"{pipeline_errors} article(s) made a pipeline raise, a fault of newsscraper: "
            f"kept in rejects as {PIPELINE_ERROR}"
        )
    fetched = record.get("articles_fetched") or 0
    parsed = (record.get("new_rows") or 0) + (record.get("duplicates") or 0)
    if fetched >= MIN_FETCHED_FOR_PARSE_CHECK and parsed == 0:
        problems.append(f"{fetched} article pages came back but no article was parsed")

    history = [r for r in recent[:RECENT_RUNS] if r.get("exit_code") == exitcodes.OK]
    if record.get("mode") != BACKFILL:
        problems += _new_rows_collapse(record, recent)
    if len(history) >= MIN_RUNS_FOR_MEDIAN:
        problems += _fill_rate_drops(record, history)
    return (exitcodes.UNHEALTHY if problems else exitcodes.OK), problems


def _new_rows_collapse(record: dict, recent: list[dict]) -> list[str]:
    """New articles far below what recent incremental runs found. A backfill's count says
    how much of its window was not stored yet, nothing about the section's pace: backfills
    are neither judged by it nor part of the median."""
    incremental = [r for r in recent if r.get("mode") != BACKFILL][:RECENT_RUNS]
    history = [r for r in incremental if r.get("exit_code") == exitcodes.OK]
    if len(history) < MIN_RUNS_FOR_MEDIAN:
        return []
    median_new = statistics.median(r.get("new_rows") or 0 for r in history)
    new_rows = record.get("new_rows") or 0
    if median_new >= MIN_MEDIAN_NEW_ROWS and new_rows < FAR_BELOW * median_new:
        return [
            f"new articles fell to {new_rows} against a median of {median_new:g} "
            f"over the last {len(history)} runs"
        ]
    return []


def _site_errors(record: dict) -> list[str]:
    """Pages the site did not give after every retry: nothing is lost (a failed listing moves
    no watermark, a failed article page is pending, so the next run asks again), but a run
    that keeps saying so means the site is down or failing."""
    problems = []
    if record.get("stop_reason") == LISTING_FAILED:
        problems.append("a listing page failed after every retry; paging stopped there")
    elif record.get("stop_reason") == BROKE_OFF:
        problems.append(
            "the listing ended (an empty page, twice) above the last run's watermark; "
            "the pages below were not walked"
        )
    failed = record.get("failed_articles") or 0
    if failed:
        problems.append(f"{failed} article page(s) failed after every retry")
    return problems


def _fill_rate_drops(record: dict, history: list[dict]) -> list[str]:
    rates = record.get("fill_rates") or {}
    if (record.get("new_rows") or 0) < MIN_ROWS_FOR_FILL_RATES:
        return []
    drops = []
    for column, rate in sorted(rates.items()):
        past = [
            r["fill_rates"][column]
            for r in history
            if (r.get("new_rows") or 0) >= MIN_ROWS_FOR_FILL_RATES
            and column in (r.get("fill_rates") or {})
        ]
        if not past:
            continue
        median = statistics.median(past)
        if median >= MIN_MEDIAN_FILL_RATE and rate < FAR_BELOW * median:
            drops.append(
                f"fill rate of {column} fell to {rate:.0%} against a median of {median:.0%}"
            )
    return drops
