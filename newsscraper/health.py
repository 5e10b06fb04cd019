"""Is a finished crawl healthy? Pure judgement over its run record and recent ones.

The usual sign that the site's layout changed is not an error but a quiet collapse: pages
come back 200 and nothing parses, or a column that was always filled goes empty.
"""

from __future__ import annotations

import statistics

from newsscraper import exitcodes

RECENT_RUNS = 10
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

    fetched = record.get("articles_fetched") or 0
    parsed = (record.get("new_rows") or 0) + (record.get("duplicates") or 0)
    if fetched >= MIN_FETCHED_FOR_PARSE_CHECK and parsed == 0:
        problems.append(f"{fetched} article pages came back but no article was parsed")

    history = [r for r in recent[:RECENT_RUNS] if r.get("exit_code") == exitcodes.OK]
    if len(history) >= MIN_RUNS_FOR_MEDIAN:
        median_new = statistics.median(r.get("new_rows") or 0 for r in history)
        new_rows = record.get("new_rows") or 0
        if median_new >= MIN_MEDIAN_NEW_ROWS and new_rows < FAR_BELOW * median_new:
            problems.append(
                f"new articles fell to {new_rows} against a median of {median_new:g} "
                f"over the last {len(history)} runs"
            )
        problems += _fill_rate_drops(record, history)
    return (exitcodes.UNHEALTHY if problems else exitcodes.OK), problems


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
