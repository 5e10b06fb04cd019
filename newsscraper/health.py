"""Is a finished crawl healthy? Pure judgement over its run record and recent ones: the exit
code and the problem lines of a run, from how it finished, pages the site did not give, a
pipeline that raised, a listing the walk could not come down or read, and article pages of
which nothing was parsed.

The usual sign that the site's layout changed is not an error but a quiet collapse: pages
come back 200 and nothing parses, or a column that was always filled goes empty. The checks
of a run against the recent ones are `health_new_rows` (new articles per day) and
`health_fill_rates` (a column's fill rate), over the runs `health_window` picks
(whose `BACKFILL` and `oldest_looked_at` `newsscraper.runs` reads from here).
"""

from __future__ import annotations

import datetime as dt

from newsscraper import exitcodes
from newsscraper.health_fill_rates import fill_rate_drops
from newsscraper.health_new_rows import new_rows_collapse
from newsscraper.health_window import BACKFILL as BACKFILL
from newsscraper.health_window import looked_at
from newsscraper.health_window import oldest_looked_at as oldest_looked_at
from newsscraper.listing_walk import (
    BROKE_OFF,
    CRAWL_DELAY_TOO_LONG,
    FORBIDDEN_BY_ROBOTS,
    LISTING_FAILED,
    LISTING_UNREADABLE,
    ROBOTS_TXT_UNAVAILABLE,
    STALLED_PAGES,
    STUCK,
)
from newsscraper.rejects import PIPELINE_ERROR
from newsscraper.rests import rest_end
from newsscraper.robotstxt import CRAWL_DELAY_WAY_OUT
from newsscraper.stop import RETRY_AFTER_TOO_LONG_REASON
from pipelines.validate import PUBLISHED_IN_FUTURE

DATASET_UNREADABLE = "dataset_unreadable"  # finish reason: a part file the crawl needs is bad

DISK_PROBLEM = "the output directory could not be written"
# One odd page that fails to parse is a reject, not a layout change.
MIN_FETCHED_FOR_PARSE_CHECK = 3


def _until_rest_ends(record: dict) -> str:
    """When the rest the site asked for ends, for a run it stopped (`rests_until`; none in
    records before version 4, nor when the run's own wait ended it)."""
    until = record.get("rests_until")
    if until is None:
        return ""
    return f", and no crawl of this dataset asks the site for anything before {rest_end(until)}"


def judge(record: dict, recent: list[dict]) -> tuple[int, list[str]]:
    """The exit code and the problems of a run, given the earlier run records of its section
    (newest first)."""
    problems: list[str] = []
    code = exitcodes.for_finish_reason(record.get("finish_reason"))
    if record.get("finish_reason") == RETRY_AFTER_TOO_LONG_REASON:
        problems.append(
            "the site asked for a rest (Retry-After) longer than RETRY_AFTER_MAX; "
            "the run stopped early" + _until_rest_ends(record)
        )
    elif code == exitcodes.SOFT_BLOCKED:
        problems.append(
            "the site kept answering with soft-block pages or 429 Too Many Requests; "
            "the run stopped early" + _until_rest_ends(record)
        )
    elif code == exitcodes.SITE_ERRORS:
        problems.append(
            "the site kept failing (5xx, timeouts, connection errors) on page after page; "
            "the run stopped early"
        )
    elif code == exitcodes.DISK_ERROR:
        # Said with what else the run found: no record keeps it, and the site failing or a
        # pipeline raising is no less so for the disk. Its counts stop where the disk failed:
        # they are not judged against the usual.
        problems.append(DISK_PROBLEM)
        problems += disk_fault_companions(record)
    elif code == exitcodes.INTERRUPTED:
        problems.append("the run was interrupted (SIGTERM or Ctrl-C) after a graceful flush")
    elif record.get("finish_reason") == DATASET_UNREADABLE:
        problems.append(
            "a part file of the dataset cannot be read, nothing crawled: `newsscraper verify` "
            "names every file at fault"
        )
    elif code != exitcodes.OK:
        problems.append(
            f"the crawl ended abnormally (finish reason {record.get('finish_reason')!r})"
        )
    if code != exitcodes.OK:
        # Why it stopped says what its counts lack; not that a pipeline raised, nor that a
        # listing could not be read. (The disk's companions already hold them.)
        if code != exitcodes.DISK_ERROR:
            problems += _pipeline_and_listing_problems(record)
        return code, problems
    # The site failing comes first: it also explains any collapse in the figures below, but
    # not a pipeline that raised nor a listing that could not be read, said with it.
    site_errors = _site_errors(record)
    if site_errors:
        return exitcodes.SITE_ERRORS, site_errors + _pipeline_and_listing_problems(record)

    problems += _pipeline_and_listing_problems(record)
    fetched = record.get("articles_fetched") or 0
    parsed = (record.get("new_rows") or 0) + (record.get("duplicates") or 0)
    if fetched >= MIN_FETCHED_FOR_PARSE_CHECK and parsed == 0:
        problems.append(_nothing_parsed(fetched, record.get("rejects_by_reason") or {}))

    if record.get("finished_at") is not None:
        recent = looked_at(recent, record["finished_at"])
    problems += new_rows_collapse(record, recent)
    problems += fill_rate_drops(record, recent)
    return (exitcodes.UNHEALTHY if problems else exitcodes.OK), problems


def disk_fault_companions(record: dict) -> list[str]:
    """The problems of a run besides its disk fault that its counts, cut short where the disk
    failed, still show: the site failing, a pipeline raising, a listing it could not walk."""
    return _site_errors(record) + _pipeline_and_listing_problems(record)


def _pipeline_and_listing_problems(record: dict) -> list[str]:
    """A pipeline that raised on articles; a listing the walk could not come down or read."""
    problems = []
    pipeline_errors = (record.get("rejects_by_reason") or {}).get(PIPELINE_ERROR, 0)
    if pipeline_errors:
        problems.append(
            f"{pipeline_errors} article(s) made a pipeline raise, a fault of newsscraper: "
            f"kept in rejects as {PIPELINE_ERROR}"
        )
    return problems + _listing_problems(record)


def _listing_problems(record: dict) -> list[str]:
    if record.get("stop_reason") == STUCK and record.get("mode") == "backfill":
        return [
            f"the backfill's listing came no further down for {STALLED_PAGES} pages in a row, "
            f"to {_listing_page(record)} (the same page again, or page 1's items past the end "
            "of the listing): it stopped there; the pages below, if any, were not walked"
        ]
    if record.get("stop_reason") == STUCK:
        at = f", at listing page {url}" if (url := record.get("stop_url")) else ""
        return [
            f"the listing's times came no nearer the last run's watermark by max_pages{at} "
            "(entries without times, or the same page again): its layout probably changed; "
            "the pages below were not walked"
        ]
    if record.get("stop_reason") == LISTING_UNREADABLE:
        kept = "parse_error" if record.get("stop_url") else "parse_error under its URL"
        return [
            f"{_listing_page(record)} could not be read (it raised, or its stream links to "
            f"articles but gave no entry; kept in rejects as {kept}): its "
            "layout probably changed; the pages below were not walked"
        ]
    return []


def _listing_page(record: dict) -> str:
    """The listing page the walk stopped at, as a problem names it: by its URL, which records
    older than version 8 do not hold (`stop_url`)."""
    url = record.get("stop_url")
    return f"listing page {url}" if url else "a listing page"


def _nothing_parsed(fetched: int, rejects_by_reason: dict) -> str:
    """Why no article came of the pages: half of them or more dated ahead of the clock (a
    machine clock running behind, or NEWSSCRAPER_NOW in the past), or else pages the page
    objects could not read (the layout changed)."""
    ahead = rejects_by_reason.get(PUBLISHED_IN_FUTURE, 0)
    if ahead * 2 >= fetched:
        return (
            f"{fetched} article pages came back but none was stored: {ahead} are dated ahead of "
            f"the crawl's clock (kept in rejects as {PUBLISHED_IN_FUTURE}, asked for again once "
            "the clock has caught up): check the machine's clock, or NEWSSCRAPER_NOW"
        )
    problem = f"{fetched} article pages came back but no article was parsed"
    if rejects_by_reason:  # which check they failed says where to look first
        tally = sorted(rejects_by_reason.items(), key=lambda pair: (-pair[1], pair[0]))
        problem += " (kept in rejects as " + ", ".join(f"{r}: {n}" for r, n in tally) + ")"
    return problem


def _site_errors(record: dict) -> list[str]:
    """Pages the site did not give after every retry: nothing is lost (a failed listing moves
    no watermark, a failed article page is pending, so the next run asks again), but a run
    that keeps saying so means the site is down or failing."""
    problems = []
    if record.get("stop_reason") == LISTING_FAILED:
        # Why, as the spider's log line says it (`failed after 5 tries, paging stops here:
        # HTTP 503`), when the walk noted it (`failed_because`, no column of the record).
        because = record.get("failed_because")
        problems.append(
            f"{_listing_page(record)} {because}"
            if because
            else f"{_listing_page(record)} failed (after every retry, or at once on a 404 or "
            "another answer not retried); paging stopped there"
        )
    elif record.get("stop_reason") == FORBIDDEN_BY_ROBOTS:
        problems.append(
            f"the site's robots.txt forbids {_listing_page(record)}; paging stopped there "
            "(ROBOTSTXT_OBEY is on)"
        )
    elif record.get("stop_reason") == ROBOTS_TXT_UNAVAILABLE:
        # Why, as the log line says it (`failed, paging stops here: robots.txt could not be
        # fetched (HTTP 503)`, a redirect off the host with where to crawl now), when noted.
        because = record.get("failed_because")
        problems.append(
            f"{_listing_page(record)} {because}; nothing was crawled (ROBOTSTXT_OBEY is on)"
            if because
            else "the site's robots.txt could not be fetched (an error or no answer after "
            "every retry, or a redirect not followed: the log says which); nothing was "
            "crawled (ROBOTSTXT_OBEY is on)"
        )
    elif record.get("stop_reason") == CRAWL_DELAY_TOO_LONG:
        problems.append(
            "the site's robots.txt asks for a Crawl-delay longer than RETRY_AFTER_MAX, the "
            "longest wait for the site a run honours; nothing was crawled (ROBOTSTXT_OBEY is "
            f"on). {CRAWL_DELAY_WAY_OUT}"
        )
    elif record.get("stop_reason") == BROKE_OFF:
        at = f" at listing page {url}" if (url := record.get("stop_url")) else ""
        problems.append(
            f"the listing ended{at} (an empty page, twice) above the last run's watermark; "
            "the pages below were not walked"
        )
    failed = record.get("failed_articles") or 0
    if failed:
        problems.append(f"{failed} article page(s) failed after every retry" + _pending(record))
    return problems


def _pending(record: dict) -> str:
    """Which pages the next run asks for first (the run's `pending_articles`: those that failed,
    and any that failed before and still do), the longest failing named."""
    pending = record.get("pending_articles") or {}
    if not pending:
        return ""
    # Instants, not texts: their offsets can differ (DATA_FORMAT.md: any offset).
    oldest = min(
        pending.values(), key=lambda entry: dt.datetime.fromisoformat(entry["first_failed_at"])
    )
    more = f" and {len(pending) - 1} more" if len(pending) > 1 else ""
    return f"; the next run asks for them first: {oldest['url']}{more}"
