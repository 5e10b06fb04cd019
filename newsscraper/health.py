"""Is a finished crawl healthy? Pure judgement over its run record and recent ones.

The usual sign that the site's layout changed is not an error but a quiet collapse: pages
come back 200 and nothing parses, or a column that was always filled goes empty.
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections import Counter
from itertools import islice

from newsscraper import exitcodes
from newsscraper.listing_walk import (
    BROKE_OFF,
    CRAWL_DELAY_TOO_LONG,
    FORBIDDEN_BY_ROBOTS,
    LISTING_FAILED,
    LISTING_UNREADABLE,
    ROBOTS_TXT_UNAVAILABLE,
    STUCK,
)
from newsscraper.pages.dates import VIETNAM_TZ
from newsscraper.rejects import PIPELINE_ERROR
from newsscraper.robotstxt import CRAWL_DELAY_WAY_OUT
from newsscraper.stop import RETRY_AFTER_TOO_LONG_REASON
from pipelines.validate import PUBLISHED_IN_FUTURE

DISK_PROBLEM = "the output directory could not be written"
BACKFILL = "backfill"  # a run record's `mode` when it crawled a date window
# A drop below this share of the usual is "far below".
FAR_BELOW = 0.3
# New articles are counted per 24 hours, whatever the cron cadence: a run every ten minutes
# finds one or two, an hourly one few at night; a day's total is what holds steady.
DAY = dt.timedelta(hours=24)
DAYS_COMPARED = 7
# The same 24 hours of the weeks before (days 7, 14, 21 and 28 back) say what is usual for
# that day of the week: a section far quieter at weekends is not collapsing every Sunday.
WEEKS_BACK = (7, 14, 21, 28)
# Days with a run judged unhealthy are left out of the comparison, so a collapse that lasts
# stays flagged; up to this many days back are looked at to find DAYS_COMPARED others.
DAYS_LOOKED_BACK = 28
MIN_DAYS_FOR_MEDIAN = 3
# Daily totals this small say nothing (a quiet section).
MIN_MEDIAN_DAILY_NEW_ROWS = 20
# Vietnam's public holidays (Tết and the days off around it, Hùng Kings' day, 30 April, 1 May,
# National Day, New Year's Day, and the days off moved to join them), as the `holidays` library
# keeps them: the site is far quieter on them, as the market is closed. Their 24 hours are not
# judged by the count of new articles, nor part of what is usual for the days after them.
HOLIDAY_COUNTRY = "VN"
# Fill rates are compared over samples of at least this many new articles, the newest runs
# pooled until they hold that many: a column filled half the time is often empty in five rows,
# and at most about twice in a hundred samples below 30% in twenty.
ROWS_PER_SAMPLE = 20
SAMPLES_COMPARED = 10
MIN_SAMPLES_FOR_MEDIAN = 5
MIN_MEDIAN_FILL_RATE = 0.5
# One odd page that fails to parse is a reject, not a layout change.
MIN_FETCHED_FOR_PARSE_CHECK = 3


def judge(record: dict, recent: list[dict]) -> tuple[int, list[str]]:
    """The exit code and the problems of a run, given the earlier run records of its section
    (newest first)."""
    problems: list[str] = []
    code = exitcodes.for_finish_reason(record.get("finish_reason"))
    if record.get("finish_reason") == RETRY_AFTER_TOO_LONG_REASON:
        problems.append(
            "the site asked for a rest (Retry-After) longer than RETRY_AFTER_MAX; "
            "the run stopped early"
        )
    elif code == exitcodes.SOFT_BLOCKED:
        problems.append(
            "the site kept answering with soft-block pages or 429 Too Many Requests; "
            "the run stopped early"
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

    problems += _pipeline_and_listing_problems(record)
    fetched = record.get("articles_fetched") or 0
    parsed = (record.get("new_rows") or 0) + (record.get("duplicates") or 0)
    if fetched >= MIN_FETCHED_FOR_PARSE_CHECK and parsed == 0:
        problems.append(_nothing_parsed(fetched, record.get("rejects_by_reason") or {}))

    if record.get("finished_at") is not None:
        recent = looked_at(recent, record["finished_at"])
    problems += _new_rows_collapse(record, recent)
    problems += _fill_rate_drops(record, recent)
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
    """Why no article came of the pages: mostly pages dated ahead of the clock (a machine clock
    running behind, or NEWSSCRAPER_NOW in the past), or else pages the page objects could not
    read (the layout changed)."""
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


def _new_rows_collapse(record: dict, recent: list[dict]) -> list[str]:
    """New articles of the last 24 hours (this run and the incremental ones before it) far
    below the median of the days before. A backfill's count says how much of its window was
    not stored yet, nothing about the section's pace: backfills are neither judged by it nor
    counted. Rows stored are counted whatever a run's exit code, so one alarm does not hide
    the rows that would end it; an earlier day with a run judged unhealthy is left out, so a
    lasting collapse does not become the usual. A run's rows are the articles published since
    the run before it: they are spread over that time, so the hundreds a run stores after the
    machine was off for days count for those days, not as one far busier day that the days
    after it would seem to collapse from. Once the same day of the week before is known, the
    day must also be far below the median of that weekday's counts, which must itself say
    something: a section quiet at weekends is judged against its weekends. Those judged
    unhealthy are left out too, so that a collapse lasting weeks does not become that weekday's
    usual; when all of them were (a quiet Sunday flagged before a Sunday was known), they are
    that weekday's usual, or every Sunday after it would be flagged. Before the same weekday
    is known (the first week), a day is judged against the known days of its kind, weekend
    or weekday in Vietnam: the first weekend against none. A public holiday in Vietnam is not
    judged, and not counted in the usual of any day."""
    end = record.get("finished_at")
    if record.get("mode") == BACKFILL or end is None or _is_holiday(end, 0):
        return []
    runs = _as_written(end, [run for run in [record, *recent] if run.get("mode") != BACKFILL])
    totals: dict[int, float] = {}
    unhealthy: set[int] = set()
    for (at, run), (since, _) in zip(runs, [*runs[1:], (None, None)], strict=True):
        if run.get("exit_code") == exitcodes.UNHEALTHY:
            unhealthy.add(int((end - at) / DAY))
        if since is None:
            # The section's first run (`recent` holds the run before the days looked at, when
            # there is one): it stored the listing's backlog, days of articles, not a day's.
            continue
        for day, share in _day_shares(end, since, at):
            totals[day] = totals.get(day, 0) + share * (run.get("new_rows") or 0)
    if runs:
        _whole_day_of_first(totals, end, runs[-1][0])
    holidays_left_out = [day for day in totals if _is_holiday(end, day)]
    for day in holidays_left_out:
        del totals[day]
    past_days = [
        day for day in range(1, DAYS_LOOKED_BACK + 1) if day in totals and day not in unhealthy
    ][:DAYS_COMPARED]
    past = [totals[day] for day in past_days]
    if len(past) < MIN_DAYS_FOR_MEDIAN:
        return []
    median = statistics.median(past)
    today = totals.get(0, 0)
    if median < MIN_MEDIAN_DAILY_NEW_ROWS or today >= FAR_BELOW * median:
        return []
    problem = (
        f"new articles in the last 24 h fell to {today:.0f} against a median of "
        f"{median:.0f} a day over the {len(past)} days before"
    )
    same_weekday = _known(totals, WEEKS_BACK, unhealthy)
    if set(WEEKS_BACK) & set(holidays_left_out) and all(
        d in unhealthy for d in WEEKS_BACK if d in totals
    ):
        # A holiday took the place of the same weekday, and the others known were flagged (a
        # collapse that lasts): they are no usual, and the day is judged as in the first week.
        same_weekday = []
    if same_weekday:
        alike, said = same_weekday, f"on the same weekday over {_the(same_weekday, 'week')} before"
    else:
        # No same weekday known yet (the dataset's first week): a weekend day is judged
        # against the weekend days known, a weekday against the weekdays; the first weekend
        # against none, so a section quiet at weekends is not flagged all its first weekend.
        weekend = _is_weekend(end, 0)
        days = [d for d in range(1, DAYS_LOOKED_BACK + 1) if _is_weekend(end, d) == weekend]
        if weekend:  # not against the days of its own weekend: its Sunday not by its Saturday
            this_weekend = next(d for d in range(1, DAYS_LOOKED_BACK + 2) if d not in days)
            days = [d for d in days if d > this_weekend]
        if all(day in days for day in past_days):
            return [problem]  # the days before were all of its kind: judged against them
        alike = _known(totals, days, unhealthy)
        if not alike:
            return []
        kind = "weekend day" if weekend else "weekday"
        said = f"a {kind} over {_the(alike, kind)} before"
    usual = statistics.median(alike)
    if usual < MIN_MEDIAN_DAILY_NEW_ROWS or today >= FAR_BELOW * usual:
        return []
    return [f"{problem}, and of {usual:.0f} {said}"]


def _whole_day_of_first(totals: dict[int, float], end: dt.datetime, first: dt.datetime):
    """The day the oldest run finished in counts only from then: as a whole day of the same
    pace when half of it or more is covered, else not at all (an hour of it would pass for a
    day of a twenty-fourth of the usual)."""
    day = int((end - first) / DAY)
    if day == 0 or day not in totals:
        return
    covered = (end - day * DAY - first) / DAY
    if covered < 0.5:
        del totals[day]
    else:
        totals[day] /= covered


def _known(totals: dict[int, float], days, unhealthy: set[int]) -> list[float]:
    """The totals of those of `days` that are known, leaving out days with a run judged
    unhealthy unless all of them had one (a quiet Sunday flagged before a Sunday was known
    must not make every Sunday after it a collapse)."""
    known = [day for day in days if day in totals]
    return [totals[day] for day in known if day not in unhealthy] or [totals[day] for day in known]


def _is_weekend(end: dt.datetime, day: int) -> bool:
    """Whether the 24 hours ending `day` days before `end` are mostly a Saturday or Sunday
    in Vietnam, the section's calendar."""
    return _middle(end, day).weekday() >= 5


def _is_holiday(end: dt.datetime, day: int) -> bool:
    """Whether the 24 hours ending `day` days before `end` are mostly a public holiday in
    Vietnam."""
    return _middle(end, day).date() in _holidays()


def _middle(end: dt.datetime, day: int) -> dt.datetime:
    """The middle of the 24 hours ending `day` days before `end`, in Vietnam."""
    return (end - day * DAY - DAY / 2).astimezone(VIETNAM_TZ)


@functools.cache
def _holidays():
    # Imported when first asked: only a run that has days to judge needs the calendar.
    import holidays

    return holidays.country_holidays(HOLIDAY_COUNTRY)


def _the(days: list, noun: str) -> str:
    """`the week`, `the 3 weeks`: how many of `noun` the `days` are."""
    return f"the {noun}" if len(days) == 1 else f"the {len(days)} {noun}s"


def _as_written(end: dt.datetime, runs: list[dict]) -> list[tuple[dt.datetime, dict]]:
    """(when it finished, run) of `runs` (the run judged, finished at `end`, then the runs
    before it, newest first), newest first, each placed in the order the records were written.

    A machine's clock that was wrong then corrected (NTP, or by hand) leaves records whose
    times go back: a run written before another cannot have finished after it. Taken at their
    word, the rows of the hours of the wrong clock fell outside the last 24 hours, and the runs
    after the correction seemed to collapse. The runs of such a stretch (`_wrong_clock`), and
    any other whose time is out of order with the runs written before or after it, are spread
    evenly between the last time to trust written before them and the first after; the run
    judged is the clock's measure."""
    written = [run for run in reversed(runs) if run.get("finished_at") is not None]
    times = [run["finished_at"] for run in written]
    times[-1] = end
    wrong = _wrong_clock(times)
    kept = [index for index in range(len(times)) if index not in wrong]
    latest, trusted = None, set()
    for index in kept:  # in order with every kept run before it...
        if latest is None or times[index] >= latest:
            trusted.add(index)
        latest = times[index] if latest is None else max(latest, times[index])
    earliest = None
    for index in reversed(kept):  # ...and after it
        if earliest is not None and times[index] > earliest:
            trusted.discard(index)
        earliest = times[index] if earliest is None else min(earliest, times[index])
    trusted.add(len(times) - 1)
    placed = list(times)
    anchor = None
    for index in range(len(times)):
        if index not in trusted:
            continue
        if anchor is not None:
            step = (times[index] - times[anchor]) / (index - anchor)
            for between in range(anchor + 1, index):
                placed[between] = times[anchor] + step * (between - anchor)
        anchor = index
    # Runs before any time to trust (the oldest ones) finished by the run written after them.
    first = min(trusted)
    for index in reversed(range(first)):
        placed[index] = min(placed[index], placed[index + 1])
    return list(reversed(list(zip(placed, written, strict=True))))


def _wrong_clock(times: list[dt.datetime]) -> set[int]:
    """The positions in `times` (finish times in the order written, the run judged last) of
    the runs of the stretches a clock was wrong, then corrected. A time going back by `jump`
    is where a clock was set back: either the runs after it are behind, until the time goes
    forward by `jump` or more at the correction, or those before it were ahead, since the
    time went forward by as much when the clock went wrong. The stretch holding fewer runs
    is taken."""
    wrong: set[int] = set()
    for at in range(1, len(times)):
        jump = times[at - 1] - times[at]
        if jump <= dt.timedelta(0):
            continue
        after = next(
            (j for j in range(at + 1, len(times)) if times[j] - times[j - 1] >= jump), None
        )
        before = next((f for f in range(at - 1, 0, -1) if times[f] - times[f - 1] >= jump), None)
        stretches = []
        if after is not None:
            stretches.append(range(at, after))
        if before is not None:
            stretches.append(range(before, at))
        if stretches:
            wrong.update(min(stretches, key=len))
    return wrong


def _day_shares(end: dt.datetime, since: dt.datetime, until: dt.datetime):
    """(day, share) of the time from `since` to `until` in each day up to DAYS_LOOKED_BACK
    before `end` (0: the last 24 hours, 1: the 24 before, ...); all of it in `until`'s day
    when the two are one instant."""
    first = int((end - until) / DAY)
    span = until - since
    if span <= dt.timedelta(0):
        if first <= DAYS_LOOKED_BACK:
            yield first, 1.0
        return
    last = min(int((end - since) / DAY), DAYS_LOOKED_BACK)
    for day in range(first, last + 1):
        start, stop = max(since, end - (day + 1) * DAY), min(until, end - day * DAY)
        if stop > start:
            yield day, (stop - start) / span


def _site_errors(record: dict) -> list[str]:
    """Pages the site did not give after every retry: nothing is lost (a failed listing moves
    no watermark, a failed article page is pending, so the next run asks again), but a run
    that keeps saying so means the site is down or failing."""
    problems = []
    if record.get("stop_reason") == LISTING_FAILED:
        problems.append(
            f"{_listing_page(record)} failed (after every retry, or at once on a 404 or another "
            "answer not retried); paging stopped there"
        )
    elif record.get("stop_reason") == FORBIDDEN_BY_ROBOTS:
        problems.append(
            f"the site's robots.txt forbids {_listing_page(record)}; paging stopped there "
            "(ROBOTSTXT_OBEY is on)"
        )
    elif record.get("stop_reason") == ROBOTS_TXT_UNAVAILABLE:
        problems.append(
            "the site's robots.txt could not be fetched after every retry (an error or no "
            "answer); nothing was crawled (ROBOTSTXT_OBEY is on)"
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
        problems.append(f"{failed} article page(s) failed after every retry")
    return problems


def looked_at(recent: list[dict], end: dt.datetime) -> list[dict]:
    """Of `recent` (newest first), the runs `judge` looks at for a run finished at `end`, as
    `newsscraper.runs.closing_runs` reads them: those finished since `oldest_looked_at(end)`,
    the newest, and the one finished last before them. Nothing older decides anything, even
    where a clock was wrong: a crawl reads only these of a year of records."""
    oldest = oldest_looked_at(end)
    before = [run for run in recent if (run.get("finished_at") or oldest) < oldest]
    last_before = max(before, key=lambda run: run["finished_at"], default=None)
    return [
        run
        for index, run in enumerate(recent)
        if index == 0 or run is last_before or _finished_since(run, oldest)
    ]


def _finished_since(run: dict, oldest: dt.datetime) -> bool:
    return run.get("finished_at") is not None and run["finished_at"] >= oldest


def oldest_looked_at(end: dt.datetime) -> dt.datetime:
    """The earliest finish of a run that `judge`, for a run finished at `end`, looks at: the
    days of DAYS_LOOKED_BACK and the day being judged. Of the runs before it, only the newest
    counts, for when the rows of the first run after it were published."""
    return end - (DAYS_LOOKED_BACK + 1) * DAY


def _fill_rate_drops(record: dict, recent: list[dict]) -> list[str]:
    """A column far less often filled in the newest sample of new articles (this run's and,
    until they hold ROWS_PER_SAMPLE, the runs' before it) than in the samples before them,
    taken from the runs of the last DAYS_LOOKED_BACK days, like the daily counts.
    Runs judged unhealthy are left out of those: a layout change stays flagged until fixed.
    An incremental run is judged with incremental runs only: a backfill's rows are older
    articles, which can fill a column otherwise, and pooled with the few rows of the cron runs
    after it they would speak for those (a drop flagged in runs that have none, or hidden)."""
    if not record.get("new_rows"):
        return []  # no new article: nothing new to say about the columns
    if record.get("mode") != BACKFILL:
        recent = [run for run in recent if run.get("mode") != BACKFILL]
    end = record.get("finished_at")
    if end is not None:
        oldest = oldest_looked_at(end)
        recent = [run for run in recent if run["finished_at"] >= oldest]
    runs = iter([record, *recent])
    first = next(_samples(runs), None)
    if first is None:
        return []
    current, rows = _pooled_rates(first), sum(r.get("new_rows") or 0 for r in first)
    healthy = (r for r in runs if r.get("exit_code") != exitcodes.UNHEALTHY)
    past = [_pooled_rates(sample) for sample in islice(_samples(healthy), SAMPLES_COMPARED)]
    if len(past) < MIN_SAMPLES_FOR_MEDIAN:
        return []
    drops = []
    for column, rate in sorted(current.items()):
        values = [rates[column] for rates in past if column in rates]
        if len(values) < MIN_SAMPLES_FOR_MEDIAN:
            continue
        median = statistics.median(values)
        if median >= MIN_MEDIAN_FILL_RATE and rate < FAR_BELOW * median:
            drops.append(
                f"fill rate of {column} fell to {rate:.0%} over the last {rows} new articles "
                f"against a median of {median:.0%}"
            )
    return drops


def _samples(runs):
    """Consecutive runs taken from the iterator `runs`, pooled into lists holding at least
    ROWS_PER_SAMPLE new articles each (a last, smaller one is not given)."""
    sample: list[dict] = []
    rows = 0
    for run in runs:
        sample.append(run)
        rows += run.get("new_rows") or 0
        if rows >= ROWS_PER_SAMPLE:
            yield sample
            sample, rows = [], 0


def _pooled_rates(runs: list[dict]) -> dict[str, float]:
    """Each column's fill rate over the new articles of `runs` together."""
    filled: Counter = Counter()
    rows: Counter = Counter()
    for run in runs:
        count = run.get("new_rows") or 0
        for column, rate in (run.get("fill_rates") or {}).items():
            filled[column] += rate * count
            rows[column] += count
    return {column: filled[column] / rows[column] for column in rows if rows[column]}
