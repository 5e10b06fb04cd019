import datetime as dt

import pytest

from newsscraper import exitcodes
from newsscraper.health import judge
from newsscraper.health_window import looked_at, oldest_looked_at

# A Friday, with no public holiday in Vietnam in the five weeks before it.
NOW = dt.datetime(2026, 7, 17, 12, 0, tzinfo=dt.UTC)


def run(**fields):
    base = {
        "finish_reason": "finished",
        "exit_code": 0,
        "mode": "incremental",
        "finished_at": NOW,
        "articles_fetched": 20,
        "new_rows": 20,
        "duplicates": 0,
        "fill_rates": {"author": 0.9, "title": 1.0},
    }
    return base | fields


def hourly(counts, end=NOW, **fields) -> list[dict]:
    """Runs an hour apart finishing at `end` and before it, newest first: `counts[0]` new rows
    in the newest."""
    return [
        run(finished_at=end - dt.timedelta(hours=hours), new_rows=n, articles_fetched=n, **fields)
        for hours, n in enumerate(counts)
    ]


def a_day(day_rate: int, night_rate: int) -> list[int]:
    """24 hourly counts, newest first, ending at noon: busy from 07:00 to 22:00 (Vietnam)."""
    return [day_rate if 7 <= (19 - h) % 24 <= 22 else night_rate for h in range(24)]


def test_a_normal_run_is_healthy():
    assert judge(run(), [run() for _ in range(5)]) == (exitcodes.OK, [])


def test_finish_reasons_map_to_exit_codes():
    assert judge(run(finish_reason="soft_blocked"), [])[0] == exitcodes.SOFT_BLOCKED
    assert judge(run(finish_reason="disk_error"), [])[0] == exitcodes.DISK_ERROR
    assert judge(run(finish_reason="shutdown"), [])[0] == exitcodes.INTERRUPTED
    assert judge(run(finish_reason="cancelled"), [])[0] == exitcodes.ABNORMAL


def test_a_run_stopped_early_says_why_in_one_problem():
    stopped = {
        "soft_blocked": (
            exitcodes.SOFT_BLOCKED,
            "the site kept answering with soft-block pages or 429 Too Many Requests; "
            "the run stopped early",
        ),
        "retry_after_too_long": (
            exitcodes.SOFT_BLOCKED,
            "the site asked for a rest (Retry-After) longer than RETRY_AFTER_MAX; "
            "the run stopped early",
        ),
        "site_failing": (
            exitcodes.SITE_ERRORS,
            "the site kept failing (5xx, timeouts, connection errors) on page after page; "
            "the run stopped early",
        ),
        "shutdown": (
            exitcodes.INTERRUPTED,
            "the run was interrupted (SIGTERM or Ctrl-C) after a graceful flush",
        ),
        "cancelled": (
            exitcodes.ABNORMAL,
            "the crawl ended abnormally (finish reason 'cancelled')",
        ),
        # Said as what to do, not as a finish reason to look up (README, exit 1).
        "dataset_unreadable": (
            exitcodes.ABNORMAL,
            "a part file of the dataset cannot be read, nothing crawled: `newsscraper verify` "
            "names every file at fault",
        ),
    }
    for reason, (code, problem) in stopped.items():
        assert judge(run(finish_reason=reason), [run() for _ in range(5)]) == (code, [problem])


@pytest.mark.parametrize("reason", ["soft_blocked", "retry_after_too_long"])
def test_a_run_the_site_stopped_says_when_its_rest_ends(reason):
    # README, exit 3: no crawl asks the site for anything before then; said to the second, in
    # UTC, never before the rest ends (as the next run's refusal says it).
    vietnam = dt.timezone(dt.timedelta(hours=7))
    until = dt.datetime(2026, 3, 8, 17, 4, 5, 200, tzinfo=vietnam)
    code, (problem,) = judge(run(finish_reason=reason, rests_until=until), [])
    assert code == exitcodes.SOFT_BLOCKED
    assert problem.endswith(
        "the run stopped early, and no crawl of this dataset asks the site for anything before "
        "2026-03-08 10:04:06 UTC"
    )


@pytest.mark.parametrize(
    "reason", ["soft_blocked", "retry_after_too_long", "site_failing", "shutdown", "cancelled"]
)
def test_a_run_stopped_early_still_names_a_pipeline_that_raised_and_a_listing_not_read(reason):
    # A pipeline_error page is not asked for again: no later run would say it.
    stopped = run(
        finish_reason=reason,
        rejects_by_reason={"pipeline_error": 2},
        stop_reason="listing_unreadable",
        stop_url="https://cafef.vn/timelinelist/18836/3.chn",
    )
    code, problems = judge(stopped, [run() for _ in range(5)])
    assert code == exitcodes.for_finish_reason(reason) and len(problems) == 3
    assert problems[1] == (
        "2 article(s) made a pipeline raise, a fault of newsscraper: kept in rejects as "
        "pipeline_error"
    )
    assert problems[2].startswith(
        "listing page https://cafef.vn/timelinelist/18836/3.chn could not be read"
    )


def test_pages_that_all_fail_to_parse_are_unhealthy():
    code, problems = judge(run(new_rows=0, duplicates=0, articles_fetched=12), [])
    assert code == exitcodes.UNHEALTHY
    assert problems == ["12 article pages came back but no article was parsed"]


def test_reasons_kept_as_often_as_each_other_are_named_in_order_of_their_names():
    tied = {"missing_title": 4, "missing_body": 4, "bad_date": 4}
    _, problems = judge(run(new_rows=0, articles_fetched=12, rejects_by_reason=tied), [])
    assert problems == [
        "12 article pages came back but no article was parsed (kept in rejects as "
        "bad_date: 4, missing_body: 4, missing_title: 4)"
    ]
    # Otherwise the reason kept most often comes first, whatever its name.
    counted = {"bad_date": 1, "missing_body": 2, "missing_title": 9}
    _, problems = judge(run(new_rows=0, articles_fetched=12, rejects_by_reason=counted), [])
    assert problems == [
        "12 article pages came back but no article was parsed (kept in rejects as "
        "missing_title: 9, missing_body: 2, bad_date: 1)"
    ]


def test_pages_all_dated_ahead_of_the_clock_point_at_the_clock_not_the_layout():
    # A clock running behind: the pages parsed, but each was rejected as published in the future.
    ahead = {"published_in_future": 12}
    code, problems = judge(run(new_rows=0, articles_fetched=12, rejects_by_reason=ahead), [])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "12 article pages came back but none was stored: 12 are dated ahead of the crawl's "
        "clock (kept in rejects as published_in_future, asked for again once the clock has "
        "caught up): check the machine's clock, or NEWSSCRAPER_NOW"
    ]
    # Half of them is enough to name the clock; under half is not.
    half = {"published_in_future": 6, "missing_body": 6}
    _, problems = judge(run(new_rows=0, articles_fetched=12, rejects_by_reason=half), [])
    assert problems[0].startswith("12 article pages came back but none was stored: 6 are dated")
    under = {"published_in_future": 5, "missing_body": 7}
    _, problems = judge(run(new_rows=0, articles_fetched=12, rejects_by_reason=under), [])
    assert problems == [
        "12 article pages came back but no article was parsed (kept in rejects as "
        "missing_body: 7, published_in_future: 5)"
    ]
    # A few of them among pages that did not parse: the layout, as before.
    few = {"published_in_future": 2, "missing_body": 10}
    _, problems = judge(run(new_rows=0, articles_fetched=12, rejects_by_reason=few), [])
    assert problems == [
        "12 article pages came back but no article was parsed (kept in rejects as "
        "missing_body: 10, published_in_future: 2)"
    ]


def test_a_day_of_new_articles_far_below_the_days_before_is_unhealthy():
    past = hourly(
        a_day(8, 1) * 5, end=NOW - dt.timedelta(hours=24)
    )  # 5 days, 16 busy hours × 8 + 8 × 1 = 136 a day
    today = hourly([0] * 23, end=NOW - dt.timedelta(hours=1))
    code, problems = judge(run(new_rows=1, articles_fetched=1), today + past)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 1 against a median of 136 a day over the 5 days "
        "before, and of 136 a weekday over the 4 weekdays before"  # day 5 back, a Sunday
    ]


def test_quiet_nights_and_small_runs_are_no_collapse():
    # Hourly runs, a busy day and a quiet night, for ten days: the night's runs find nothing
    # and the ten-minute ones one or two, but each day holds as many as the days before.
    history = hourly(a_day(8, 0) * 10)
    for position in range(48):
        assert judge(history[position], history[position + 1 :]) == (exitcodes.OK, [])
    every_ten_minutes = [
        run(finished_at=NOW - dt.timedelta(minutes=10 * k), new_rows=k % 3, articles_fetched=2)
        for k in range(6 * 24 * 5)
    ]
    assert judge(every_ten_minutes[0], every_ten_minutes[1:]) == (exitcodes.OK, [])


def test_quiet_sections_and_short_histories_make_no_median():
    quiet = hourly([1 if h % 3 == 0 else 0 for h in range(24 * 6)])  # 8 a day
    assert judge(run(new_rows=0, articles_fetched=0), quiet) == (exitcodes.OK, [])
    two_days = hourly(a_day(8, 1) * 2, end=NOW - dt.timedelta(hours=24))
    assert judge(run(new_rows=0, articles_fetched=0), two_days) == (exitcodes.OK, [])


def test_a_fill_rate_drop_is_unhealthy():
    rates = {"author": 0.9, "title": 1.0}
    history = hourly([20] * 6, fill_rates=rates)
    code, problems = judge(run(new_rows=25, fill_rates={"author": 0.04, "title": 1.0}), history)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "fill rate of author fell to 4% over the last 25 new articles against a median of 90%"
    ]


def test_fill_rates_of_small_runs_are_judged_pooled():
    # Runs of two new articles each, as from a cron every few minutes: a column that empties
    # is flagged once the newest runs hold twenty articles mostly without it.
    filled = hourly([2] * 60, end=NOW - dt.timedelta(hours=12), fill_rates={"author": 1.0})
    emptied = hourly([2] * 9, end=NOW - dt.timedelta(hours=1), fill_rates={"author": 0.0})
    newest = run(new_rows=2, articles_fetched=2, fill_rates={"author": 0.0})
    code, problems = judge(newest, emptied + filled)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "fill rate of author fell to 0% over the last 20 new articles against a median of 100%"
    ]
    # Three runs in, most of the newest twenty articles still have it: not yet.
    assert judge(newest, emptied[:2] + filled) == (exitcodes.OK, [])
    # Runs that stored nothing (their count zero, or null) are pooled and add no article,
    # whatever their fill rates say (DATA_FORMAT.md: both may be null).
    nothing = ((0, {"author": 1.0}), (None, {"author": 1.0}), (0, None))
    times = emptied[::4]
    none = [r | {"new_rows": n, "fill_rates": f} for r, (n, f) in zip(times, nothing, strict=True)]
    assert judge(newest, [*none, *emptied, *filled]) == (code, problems)
    # A column filled about half the time is not flagged for the runs that happen to lack it.
    half = [
        r | {"fill_rates": {"source": 0.0 if k % 4 == 0 else 0.6}}
        for k, r in enumerate(hourly([5] * 80))
    ]
    for position in range(20):
        assert judge(half[position], half[position + 1 :]) == (exitcodes.OK, [])


def test_a_flagged_drop_stays_flagged_until_fixed():
    filled = hourly([20] * 10, end=NOW - dt.timedelta(hours=10), fill_rates={"author": 0.9})
    flagged = hourly(
        [20] * 9,
        end=NOW - dt.timedelta(hours=1),
        fill_rates={"author": 0.0},
        exit_code=exitcodes.UNHEALTHY,
    )
    code, _ = judge(run(fill_rates={"author": 0.0}), flagged + filled)
    assert code == exitcodes.UNHEALTHY


def test_a_single_page_that_fails_to_parse_is_a_reject_not_a_layout_change():
    assert judge(run(new_rows=0, duplicates=0, articles_fetched=1), []) == (exitcodes.OK, [])
    # Three pages that all fail are a layout change, two are not yet.
    assert judge(run(new_rows=0, articles_fetched=2), []) == (exitcodes.OK, [])
    assert judge(run(new_rows=0, articles_fetched=3), [])[0] == exitcodes.UNHEALTHY


def test_pages_the_site_did_not_give_are_site_errors_before_any_collapse():
    recent = [run() for _ in range(5)]
    code, problems = judge(
        run(new_rows=0, articles_fetched=0, stop_reason="listing_failed"), recent
    )
    assert code == exitcodes.SITE_ERRORS
    assert problems == [
        "a listing page failed (after every retry, or at once on a 404 or another answer not "
        "retried); paging stopped there"
    ]
    # Why it failed, when the walk noted it, in the words of the spider's log line.
    said = "failed after 5 tries, paging stops here: HTTP 503"
    page = "https://cafef.vn/timelinelist/18836/2.chn"
    failed = run(stop_reason="listing_failed", stop_url=page, failed_because=said)
    assert judge(failed, recent) == (exitcodes.SITE_ERRORS, [f"listing page {page} {said}"])
    code, problems = judge(run(stop_reason="broke_off_above_watermark"), recent)
    assert code == exitcodes.SITE_ERRORS and "above the last run's watermark" in problems[0]
    code, problems = judge(run(new_rows=17, failed_articles=3), recent)
    assert (code, problems) == (
        exitcodes.SITE_ERRORS,
        ["3 article page(s) failed after every retry"],
    )
    # One is enough: the site did not give it.
    assert judge(run(failed_articles=1), recent) == (
        exitcodes.SITE_ERRORS,
        ["1 article page(s) failed after every retry"],
    )
    # A finish reason that is not "finished" says more than the pages that failed before it.
    assert judge(run(finish_reason="soft_blocked", failed_articles=3), [])[0] == (
        exitcodes.SOFT_BLOCKED
    )


def test_article_pages_that_failed_are_named_by_the_one_failing_longest():
    # The pages the next run asks for first (the record's pending_articles): an operator looks
    # at one of them, not through the log.
    pending = {
        "188260307000000002": {
            "url": "https://cafef.vn/b-188260307000000002.chn",
            "first_failed_at": "2026-03-07T09:00:00+00:00",
        },
        "188260306000000001": {
            "url": "https://cafef.vn/a-188260306000000001.chn",
            "first_failed_at": "2026-03-06T21:00:00+00:00",
        },
    }
    code, problems = judge(run(failed_articles=2, pending_articles=pending), [])
    assert (code, problems) == (
        exitcodes.SITE_ERRORS,
        [
            "2 article page(s) failed after every retry; the next run asks for them first: "
            "https://cafef.vn/a-188260306000000001.chn and 1 more"
        ],
    )
    one = {k: v for k, v in pending.items() if k.endswith("2")}
    assert judge(run(failed_articles=1, pending_articles=one), [])[1][0].endswith(
        "first: https://cafef.vn/b-188260307000000002.chn"
    )
    # DATA_FORMAT.md: an instant with an offset, any: 04:00 in Vietnam is 21:00 UTC the day before.
    pending["188260306000000001"]["first_failed_at"] = "2026-03-07T04:00:00+07:00"
    pending["188260307000000002"]["first_failed_at"] = "2026-03-07T03:00:00+00:00"
    _, problems = judge(run(failed_articles=2, pending_articles=pending), [])
    assert problems[0].endswith("first: https://cafef.vn/a-188260306000000001.chn and 1 more")


def test_a_site_error_does_not_hide_a_pipeline_that_raised_or_a_listing_not_read():
    """README, exit 5: a pipeline_error is a fault of newsscraper, to report; a page that
    failed makes the run exit 7, but its problems still name it, as they do for exit 4."""
    recent = [run() for _ in range(5)]
    raised = run(failed_articles=1, rejects_by_reason={"pipeline_error": 2})
    assert judge(raised, recent) == (
        exitcodes.SITE_ERRORS,
        [
            "1 article page(s) failed after every retry",
            "2 article(s) made a pipeline raise, a fault of newsscraper: kept in rejects as "
            "pipeline_error",
        ],
    )
    code, problems = judge(run(failed_articles=1, stop_reason="listing_unreadable"), recent)
    assert code == exitcodes.SITE_ERRORS and len(problems) == 2
    assert problems[1].startswith("a listing page could not be read")
    # What the site failing explains (no article parsed) is still not said.
    assert judge(run(failed_articles=3, new_rows=0, articles_fetched=3), recent) == (
        exitcodes.SITE_ERRORS,
        ["3 article page(s) failed after every retry"],
    )


def test_a_crawl_its_robots_txt_stopped_is_a_site_error():
    """README, exit 7: the site failed, or its robots.txt stopped the crawl. Nothing was
    crawled, so no count collapses: the stop reason alone says so."""
    recent = [run() for _ in range(5)]
    for stop_reason in ("robots_txt_unavailable", "crawl_delay_too_long"):
        nothing = run(stop_reason=stop_reason, new_rows=0, articles_fetched=0, fill_rates={})
        code, problems = judge(nothing, recent)
        assert code == exitcodes.SITE_ERRORS
        assert len(problems) == 1 and problems[0].startswith("the site's robots.txt ")
        assert "nothing was crawled (ROBOTSTXT_OBEY is on)" in problems[0]
    # Not only after every retry: a redirect off the site (a login page) is not retried.
    code, problems = judge(run(stop_reason="robots_txt_unavailable", new_rows=0), recent)
    assert problems == [
        "the site's robots.txt could not be fetched (an error or no answer after every retry, "
        "or a redirect not followed: the log says which); nothing was crawled (ROBOTSTXT_OBEY "
        "is on)"
    ]
    # Why, when the walk noted it, in the words of the spider's log line; the record names no
    # page for robots.txt (`stop_url`), nothing of the site having been asked for.
    for said in (
        "failed, paging stops here: robots.txt could not be fetched (HTTP 503)",
        "failed, paging stops here: robots.txt could not be fetched (redirected to "
        "https://www.cafef.vn/robots.txt, off the crawl host: not followed; to crawl that "
        "host, set CAFEF_BASE_URL=https://www.cafef.vn)",
    ):
        unavailable = run(stop_reason="robots_txt_unavailable", new_rows=0, failed_because=said)
        assert judge(unavailable, recent) == (
            exitcodes.SITE_ERRORS,
            [f"a listing page {said}; nothing was crawled (ROBOTSTXT_OBEY is on)"],
        )


def test_a_record_with_its_counts_null_is_judged_as_counting_none():
    # DATA_FORMAT.md: articles_fetched, new_rows and duplicates are nullable.
    nulls = run(articles_fetched=None, new_rows=None, duplicates=None, fill_rates={})
    assert judge(nulls, []) == (exitcodes.OK, [])
    # Three pages and no count of rows or duplicates: none was parsed.
    code, problems = judge(run(articles_fetched=3, new_rows=None, duplicates=None), [])
    assert (code, problems) == (
        exitcodes.UNHEALTHY,
        ["3 article pages came back but no article was parsed"],
    )
    assert judge(run(articles_fetched=3, new_rows=None, duplicates=3), []) == (exitcodes.OK, [])
    assert judge(run(articles_fetched=3, new_rows=3, duplicates=None), []) == (exitcodes.OK, [])


def test_a_walk_stuck_above_the_watermark_makes_the_run_unhealthy():
    # The listing's times stopped coming down (its layout changed): the run stored what page
    # 1 showed, so no count collapses, but it walked 20 pages and moved no watermark.
    code, problems = judge(run(stop_reason="stuck_above_watermark"), [run() for _ in range(5)])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "the listing's times came no nearer the last run's watermark by max_pages "
        "(entries without times, or the same page again): its layout probably changed; "
        "the pages below were not walked"
    ]
    assert judge(run(stop_reason="max_pages"), [run() for _ in range(5)]) == (exitcodes.OK, [])
    # A backfill has no watermark to come nearer: its walk got no further down three times.
    stuck = run(stop_reason="stuck_above_watermark", mode="backfill", stop_url="https://x/9.chn")
    assert judge(stuck, []) == (
        exitcodes.UNHEALTHY,
        [
            "the backfill's listing came no further down for 3 pages in a row, to listing page "
            "https://x/9.chn (the same page again, or page 1's items past the end of the "
            "listing): it stopped there; the pages below, if any, were not walked"
        ],
    )


def test_a_listing_page_that_could_not_be_read_makes_the_run_unhealthy():
    code, problems = judge(run(stop_reason="listing_unreadable"), [run() for _ in range(5)])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "a listing page could not be read (it raised, or its stream links to articles but "
        "gave no entry; kept in rejects as parse_error under its URL): its "
        "layout probably changed; the pages below were not walked"
    ]
    # A backfill's search reads listing pages too: one that raises leaves its window unwalked.
    backfill = run(stop_reason="listing_unreadable", mode="backfill")
    assert judge(backfill, [])[0] == exitcodes.UNHEALTHY


TIMELINE_3 = "https://cafef.vn/timelinelist/18836/3.chn"


@pytest.mark.parametrize(
    ("stop_reason", "code", "named"),
    [
        ("listing_failed", exitcodes.SITE_ERRORS, f"listing page {TIMELINE_3} failed (after every"),
        (
            "forbidden_by_robots",
            exitcodes.SITE_ERRORS,
            f"the site's robots.txt forbids listing page {TIMELINE_3}; paging stopped there",
        ),
        (
            "broke_off_above_watermark",
            exitcodes.SITE_ERRORS,
            f"the listing ended at listing page {TIMELINE_3} (an empty page, twice)",
        ),
        (
            "listing_unreadable",
            exitcodes.UNHEALTHY,
            f"listing page {TIMELINE_3} could not be read (it raised, or its stream",
        ),
        (
            "stuck_above_watermark",
            exitcodes.UNHEALTHY,
            f"watermark by max_pages, at listing page {TIMELINE_3} (entries without times",
        ),
    ],
)
def test_the_problem_of_a_walk_stopped_at_a_listing_page_names_the_page(stop_reason, code, named):
    """README, exit 5 and exit 7: the problem of a walk that stopped at a listing page names
    the page (the run record's stop_url, DATA_FORMAT.md); a record older than version 8, which
    has no stop_url, gets the line it always had, naming none."""
    recent = [run() for _ in range(5)]
    got_code, problems = judge(run(stop_reason=stop_reason, stop_url=TIMELINE_3), recent)
    assert got_code == code
    assert [p for p in problems if TIMELINE_3 in p] == problems[:1]
    assert named in problems[0]
    # Older records: the same exit code, the same line as before, no page named.
    old_code, old_problems = judge(run(stop_reason=stop_reason), recent)
    assert old_code == code and "listing page https://" not in old_problems[0]
    assert judge(run(stop_reason=stop_reason, stop_url=None), recent) == (old_code, old_problems)


def test_an_article_a_pipeline_raised_on_makes_the_run_unhealthy():
    code, problems = judge(run(rejects_by_reason={"pipeline_error": 2, "body_too_short": 1}), [])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "2 article(s) made a pipeline raise, a fault of newsscraper: kept in rejects as "
        "pipeline_error"
    ]


def test_backfills_neither_set_nor_meet_the_daily_median_of_new_articles():
    steady = hourly(a_day(8, 1) * 5, end=NOW - dt.timedelta(hours=24))
    backfills = hourly([300] * 3, end=NOW - dt.timedelta(hours=2), mode="backfill")
    # A day of backfills and nothing else: the day's incremental total is what counts.
    code, problems = judge(run(new_rows=1, articles_fetched=1), backfills + steady)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 1 ")
    # A backfill of a window already stored finds nothing new: that is not a collapse.
    rerun = run(mode="backfill", new_rows=0, articles_fetched=0)
    assert judge(rerun, steady) == (exitcodes.OK, [])
    # Backfills' hundreds do not raise the median the incremental days are judged against.
    today = hourly(a_day(8, 1)[1:], end=NOW - dt.timedelta(hours=1))
    big_days = [r | {"mode": "backfill", "new_rows": 5000} for r in steady[::24]]
    assert judge(run(new_rows=8), today + big_days + steady) == (exitcodes.OK, [])


def test_a_backfill_of_articles_filled_otherwise_does_not_speak_for_the_cron_runs_after_it():
    history = hourly([5] * 40, end=NOW - dt.timedelta(hours=4), fill_rates={"author": 0.9})
    backfill = run(
        mode="backfill",
        new_rows=500,
        finished_at=NOW - dt.timedelta(hours=3),
        fill_rates={"author": 0.1},  # older articles, most of them without a byline
    )
    after = run(new_rows=5, articles_fetched=5, fill_rates={"author": 0.9})
    assert judge(after, [backfill, *history]) == (exitcodes.OK, [])
    # A drop in the cron runs' own articles is flagged as before.
    dropped = hourly([5] * 3, end=NOW - dt.timedelta(minutes=10), fill_rates={"author": 0.0})
    newest = run(new_rows=5, articles_fetched=5, fill_rates={"author": 0.0})
    backfill = backfill | {"fill_rates": {"author": 1.0}}
    code, problems = judge(newest, [*dropped, backfill, *history])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "fill rate of author fell to 0% over the last 20 new articles against a median of 90%"
    ]


def test_a_lasting_collapse_stays_flagged():
    # An hourly cron, 72 new articles a day for ten days, then none for a week: every run of
    # the last five days is unhealthy, as the days before the collapse stay the measure.
    every = dt.timedelta(hours=1)
    start = NOW - dt.timedelta(days=17)
    history: list[dict] = []
    for k in range(24 * 17):
        finished = start + k * every
        collapsed = finished >= NOW - dt.timedelta(days=7)
        record = run(finished_at=finished, new_rows=0 if collapsed else 3, articles_fetched=1)
        code, _ = judge(record, history)
        history.insert(0, record | {"exit_code": code})
    late = [r["exit_code"] for r in history[: 24 * 5]]  # the last five days
    assert set(late) == {exitcodes.UNHEALTHY}


def test_a_catch_up_after_days_off_is_spread_over_the_days_it_covers():
    # The machine was off for six days. The run that caught up was cut short (a listing page
    # failed) and the next one an hour later stored the rest, on either side of a day
    # boundary: their hundreds are the articles of the days off, not two far busier days.
    before = run(finished_at=NOW - dt.timedelta(days=9), new_rows=48)
    first = run(finished_at=NOW - dt.timedelta(hours=73), new_rows=200, exit_code=7)
    rest = run(finished_at=NOW - dt.timedelta(hours=71), new_rows=200)
    steady = hourly([2] * 70, end=NOW - dt.timedelta(hours=1))
    assert judge(run(new_rows=2), [*steady, rest, first, before]) == (exitcodes.OK, [])
    # The days it covers still count: a collapse after it is caught.
    code, problems = judge(
        run(new_rows=0, articles_fetched=0),
        [*hourly([0] * 23, end=NOW - dt.timedelta(hours=1)), *steady[23:], rest, first, before],
    )
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 0 ")


def test_a_run_after_days_off_is_judged_by_its_new_articles_per_day():
    # Off for four days, then 30 new articles: under 8 a day against the usual 40, a collapse.
    # Counted all in the last 24 hours, they would pass for most of a usual day.
    before = [
        run(finished_at=NOW - dt.timedelta(days=days), new_rows=40, articles_fetched=40)
        for days in range(4, 11)
    ]
    code, problems = judge(run(new_rows=30, articles_fetched=30), before)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 8 against a median of 40")


def test_fill_rates_are_compared_with_the_samples_of_the_last_four_weeks_only():
    # What a crawl reads of the run records is bounded by that (a year of cron every ten
    # minutes writes 50,000 of them); a drop against older samples alone says nothing.
    dropped = run(new_rows=25, fill_rates={"author": 0.04, "title": 1.0})
    old = hourly([20] * 6, end=NOW - dt.timedelta(days=30), fill_rates={"author": 0.9})
    assert judge(dropped, old) == (exitcodes.OK, [])
    recent = hourly([20] * 6, end=NOW - dt.timedelta(days=27), fill_rates={"author": 0.9})
    code, problems = judge(dropped, recent)
    assert code == exitcodes.UNHEALTHY and problems[0].startswith("fill rate of author fell")
    # The run before the four weeks, read for the day its rows were published over, is no
    # sample: four samples within them and that one make no median of five.
    four = recent[:4]
    before = run(finished_at=NOW - dt.timedelta(days=30), fill_rates={"author": 0.9})
    assert judge(dropped, [*four, before]) == (exitcodes.OK, [])
    within = before | {"finished_at": NOW - dt.timedelta(days=28)}
    assert judge(dropped, [*four, within])[0] == exitcodes.UNHEALTHY


def test_pages_that_all_came_back_as_duplicates_were_parsed():
    # Every article fetched was one already stored (listed again, a copy): no layout change.
    assert judge(run(new_rows=0, duplicates=12, articles_fetched=12), []) == (exitcodes.OK, [])
    assert judge(run(new_rows=3, duplicates=3, articles_fetched=6), []) == (exitcodes.OK, [])


def test_a_quiet_section_going_silent_for_a_day_is_no_collapse():
    # 15 new articles a day is under the 20 a daily median must reach to say anything.
    days = [
        run(finished_at=NOW - dt.timedelta(days=day), new_rows=15, articles_fetched=15)
        for day in range(1, 8)
    ]
    silent = run(new_rows=0, articles_fetched=0)
    assert judge(silent, days) == (exitcodes.OK, [])
    busier = [{**day, "new_rows": 40, "articles_fetched": 40} for day in days]
    code, problems = judge(silent, busier)
    assert code == exitcodes.UNHEALTHY and problems[0].startswith("new articles in the last 24 h")


def daily(counts, **fields) -> list[dict]:
    """Runs a day apart, newest first: `counts[0]` new rows in the run a day before NOW; then
    the section's first run, a day before the oldest, whose 400 rows (the listing's backlog)
    count for no day."""
    return [
        run(finished_at=NOW - day * dt.timedelta(days=1), new_rows=n, articles_fetched=n, **fields)
        for day, n in enumerate([*counts, 400], start=1)
    ]


def test_the_daily_count_thresholds_hold_at_their_boundaries():
    def code(today: int, days: list[dict]) -> int:
        return judge(run(new_rows=today, articles_fetched=today), days)[0]

    # Under 30% of the median is far below; 30% is not.
    assert code(29, daily([100] * 7)) == exitcodes.UNHEALTHY
    assert code(30, daily([100] * 7)) == exitcodes.OK
    # A median of 20 a day says something; 19 does not.
    assert code(0, daily([20] * 7)) == exitcodes.UNHEALTHY
    assert code(0, daily([19] * 7)) == exitcodes.OK
    # Also in the first week, judged against the weekdays known: a quiet section of 19 a day
    # going silent says nothing, one of 20 a day is a collapse.
    assert code(0, daily([20] * 4)) == exitcodes.UNHEALTHY
    assert code(0, daily([19] * 4)) == exitcodes.OK
    # Before a week is known the days before are the only measure, at the same boundary.
    assert code(29, daily([100] * 5)) == exitcodes.UNHEALTHY
    assert code(30, daily([100] * 5)) == exitcodes.OK
    # Four weekdays before a Friday: judged against them alone, at the same boundary.
    assert code(29, daily([100] * 4)) == exitcodes.UNHEALTHY
    assert code(30, daily([100] * 4)) == exitcodes.OK
    # Three days make a median; two do not.
    assert code(0, daily([100] * 3)) == exitcodes.UNHEALTHY
    assert code(0, daily([100] * 2)) == exitcodes.OK
    # The seven newest days are compared, the days before them not: a median of 100, not 10
    # (the same weekday, 7 and 14 days back, held 100 too).
    fourteen = [100, 100, 100, 10, 10, 10, 100] + [10] * 6 + [100]
    assert code(29, daily(fourteen)) == exitcodes.UNHEALTHY
    # Up to 28 days back are looked at to find them (the days before are unhealthy here).
    unhealthy, healthy = daily([100] * 29, exit_code=exitcodes.UNHEALTHY), daily([100] * 29)
    assert code(0, unhealthy[:25] + healthy[25:]) == exitcodes.UNHEALTHY  # days 26 to 28
    assert code(0, unhealthy[:26] + healthy[26:]) == exitcodes.OK  # days 27 and 28


def test_the_fill_rate_thresholds_hold_at_their_boundaries():
    filled, emptied = {"author": 1.0}, {"author": 0.0}

    def samples(count: int, rates: dict, hours_before: int = 1) -> list[dict]:
        """`count` runs of 20 new articles, an hour apart, the newest `hours_before` NOW."""
        return hourly([20] * count, end=NOW - dt.timedelta(hours=hours_before), fill_rates=rates)

    def code(newest: list[dict], history: list[dict]) -> int:
        return judge(newest[0], newest[1:] + history)[0]

    def newest(rates: dict, counts=(20,)) -> list[dict]:
        return hourly(list(counts), fill_rates=rates)

    # A sample holds 20 new articles: the newest 19 and one more, not the 19 alone.
    runs = newest(emptied, counts=(19, 1)) + samples(6, filled, hours_before=2)
    assert judge(runs[0], runs[1:]) == (
        exitcodes.UNHEALTHY,
        ["fill rate of author fell to 0% over the last 20 new articles against a median of 100%"],
    )
    assert code(newest(emptied, counts=(19,)), samples(6, filled)) == exitcodes.OK
    # Under 30% of the median is far below; 30% is not.
    assert code(newest({"author": 0.25}), samples(6, filled)) == exitcodes.UNHEALTHY
    assert code(newest({"author": 0.3}), samples(6, filled)) == exitcodes.OK
    # A median of 50% says something; under it does not.
    assert code(newest(emptied), samples(6, {"author": 0.5})) == exitcodes.UNHEALTHY
    assert code(newest(emptied), samples(6, {"author": 0.45})) == exitcodes.OK
    # Five samples make a median, four do not: of the runs, and of the ones with the column.
    assert code(newest(emptied), samples(5, filled)) == exitcodes.UNHEALTHY
    assert code(newest(emptied), samples(4, filled)) == exitcodes.OK
    without = samples(4, filled) + samples(2, {"title": 1.0}, hours_before=5)
    assert code(newest(emptied), without) == exitcodes.OK
    # The ten newest samples are compared: a median of 55%, not of 100% with an eleventh.
    ten = samples(5, filled) + samples(5, {"author": 0.1}, 6) + samples(3, filled, 11)
    assert code(newest({"author": 0.2}), ten) == exitcodes.OK
    # Runs that finished up to 29 days before are looked at (the 28 days and the one judged).
    oldest = NOW - dt.timedelta(days=29)
    at = [run(finished_at=oldest, fill_rates=filled) for _ in range(5)]
    before = [r | {"finished_at": oldest - dt.timedelta(seconds=1)} for r in at]
    within = [r | {"finished_at": NOW - dt.timedelta(days=28, hours=12)} for r in at]
    assert code(newest(emptied), at) == exitcodes.UNHEALTHY
    assert code(newest(emptied), before) == exitcodes.OK
    assert code(newest(emptied), within) == exitcodes.UNHEALTHY


def test_a_section_quiet_at_weekends_is_judged_against_its_weekends():
    # Daily runs for four weeks: 100 new articles a weekday, 25 a weekend day. The run judged
    # is a Sunday's: the day before it a Saturday, days 2 to 6 back weekdays, day 7 a Sunday
    # (by their counts: the first week, judged by the calendar, is the next test's).
    def weeks(weekday: int, weekend: int) -> list[dict]:
        return daily(([weekend] + [weekday] * 5 + [weekend]) * 4)

    history = weeks(100, 25)
    sunday = run(new_rows=25, articles_fetched=25)
    assert judge(sunday, history) == (exitcodes.OK, [])
    # A Sunday far below the Sundays before is still a collapse.
    code, problems = judge(run(new_rows=7, articles_fetched=7), history)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 7 against a median of 100 a day over the 7 days "
        "before, and of 25 on the same weekday over the 4 weeks before"
    ]
    assert judge(run(new_rows=8, articles_fetched=8), history) == (exitcodes.OK, [])
    # Weekends too quiet to say anything (under 20 a day) are not judged by their count.
    assert judge(run(new_rows=0, articles_fetched=0), weeks(100, 19)) == (exitcodes.OK, [])
    assert judge(run(new_rows=0, articles_fetched=0), weeks(100, 20))[0] == exitcodes.UNHEALTHY
    # The section's first run, on a Sunday two weeks back, stored the listing's backlog: its
    # 400 rows are not that Sunday's, nor do they make the usual Sunday one of 212.
    assert judge(sunday, daily([25] + [100] * 5 + [25, 25] + [100] * 5)) == (exitcodes.OK, [])
    # Quiet Sundays flagged before (their first weeks) do not make every Sunday after one.
    flagged = [
        dict(r, exit_code=exitcodes.UNHEALTHY) if day % 7 == 0 else r
        for day, r in enumerate(history, start=1)
    ]
    assert judge(sunday, flagged) == (exitcodes.OK, [])


def test_a_run_with_no_new_article_says_nothing_of_the_columns():
    # The run before was flagged for its emptied column; a quiet run after it stored nothing,
    # so it has no column to judge, and is not flagged again by the rows of the runs before it.
    filled = hourly([20] * 10, end=NOW - dt.timedelta(hours=2), fill_rates={"author": 0.9})
    flagged = run(
        finished_at=NOW - dt.timedelta(hours=1),
        fill_rates={"author": 0.0},
        exit_code=exitcodes.UNHEALTHY,
    )
    quiet = run(new_rows=0, articles_fetched=0, fill_rates={})
    assert judge(quiet, [flagged, *filled]) == (exitcodes.OK, [])


def test_a_collapse_lasting_weeks_stays_flagged_against_its_weekday():
    # Daily runs of 100 new articles, then a collapse to 20 a day, each of its days flagged.
    collapsed = daily([20] * 14, exit_code=exitcodes.UNHEALTHY) + daily([100] * 28)[14:]
    # Two weeks in: the same weekday's flagged days (7 and 14 back) are not its usual.
    code, problems = judge(run(new_rows=20, articles_fetched=20), collapsed)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 20 against a median of 100 a day over the 7 days "
        "before, and of 100 on the same weekday over the 2 weeks before"
    ]
    # Three weeks of nothing at all: still the 100 of the week before it began.
    history = daily([0] * 21, exit_code=exitcodes.UNHEALTHY) + daily([100] * 28)[21:]
    assert judge(run(new_rows=0, articles_fetched=0), history)[0] == exitcodes.UNHEALTHY


def test_a_section_silent_at_weekends_is_not_flagged_every_sunday():
    # No new article at all on Saturdays and Sundays for four weeks: a silent Sunday is usual.
    history = daily(([0] + [100] * 5 + [0]) * 4)
    assert judge(run(new_rows=0, articles_fetched=0), history) == (exitcodes.OK, [])


def test_the_same_weekdays_usual_is_their_median():
    # Sundays of 25, but for one of 300 three weeks back (a busy Sunday): the usual is 25, so
    # a Sunday of 25 is no collapse; their largest or their mean would make it one.
    counts = ([25] + [100] * 5 + [25]) * 4
    counts[20] = 300  # day 21, a Sunday
    assert judge(run(new_rows=25, articles_fetched=25), daily(counts)) == (exitcodes.OK, [])


@pytest.mark.parametrize("weeks_back", [1, 2, 3, 4])
def test_the_same_weekday_is_the_same_24_hours_one_to_four_weeks_before(weeks_back):
    # README: the same weekday's usual is "the median of the same 24 hours 1 to 4 weeks before".
    # Sundays of 25 among days of 100; every Sunday but the one `weeks_back` weeks before was
    # flagged (a Sunday of 5), so that one alone is the usual, whichever week it is.
    counts = ([100] * 6 + [25]) * 4
    for week in {1, 2, 3, 4} - {weeks_back}:
        counts[7 * week - 1] = 5
    history = [
        dict(r, exit_code=exitcodes.UNHEALTHY) if day % 7 == 0 and day != 7 * weeks_back else r
        for day, r in enumerate(daily(counts), start=1)
    ]
    # 10 new articles are 40% of that Sunday's 25: no collapse (of a day of 100 they would be).
    assert judge(run(new_rows=10, articles_fetched=10), history) == (exitcodes.OK, [])
    # 5 are 20% of it: a collapse (of the flagged Sundays' 5 they would be none).
    code, problems = judge(run(new_rows=5, articles_fetched=5), history)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].endswith("and of 25 on the same weekday over the week before")


def test_the_same_weekday_threshold_holds_at_its_boundary():
    # Sundays of 30: 9 new articles are 30% of them, 8 are under.
    history = daily(([30] + [100] * 5 + [30]) * 4)
    assert judge(run(new_rows=9, articles_fetched=9), history) == (exitcodes.OK, [])
    assert judge(run(new_rows=8, articles_fetched=8), history) == (
        exitcodes.UNHEALTHY,
        [
            "new articles in the last 24 h fell to 8 against a median of 100 a day over the 7 "
            "days before, and of 30 on the same weekday over the 4 weeks before"
        ],
    )


def test_one_week_of_the_same_weekday_is_named_the_week_before():
    # A week of runs: one Sunday (day 7 back) known, of 25; 7 new articles are under 30% of it.
    history = daily([25] + [100] * 5 + [25])
    assert judge(run(new_rows=7, articles_fetched=7), history) == (
        exitcodes.UNHEALTHY,
        [
            "new articles in the last 24 h fell to 7 against a median of 100 a day over the 7 "
            "days before, and of 25 on the same weekday over the week before"
        ],
    )


def test_every_earlier_sample_pools_runs_until_it_holds_twenty_articles():
    # A cron finding one article a run; two articles in three have an author, so samples of
    # twenty hold 65% or 70% of them, 65% their median. The newest twenty hold 5 (25%): not
    # under 30% of 65%. Were the runs after the first sample taken one by one (100% or 0%),
    # their median would be 100% and this an alarm.
    history = [
        r | {"fill_rates": {"author": 0.0 if k % 3 == 2 else 1.0}}
        for k, r in enumerate(hourly([1] * 220, end=NOW - dt.timedelta(hours=20)))
    ]
    newest = [
        r | {"fill_rates": {"author": 1.0 if k < 5 else 0.0}}
        for k, r in enumerate(hourly([1] * 20))
    ]
    assert judge(newest[0], newest[1:] + history) == (exitcodes.OK, [])
    # None of the twenty newest with it: far below.
    emptied = [r | {"fill_rates": {"author": 0.0}} for r in newest]
    code, problems = judge(emptied[0], emptied[1:] + history)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "fill rate of author fell to 0% over the last 20 new articles against a median of 65%"
    ]


def test_the_day_left_out_is_the_one_the_flagged_run_finished_in():
    # Yesterday collapsed to nothing and was flagged; the three days before held 100, 60 and
    # 100. Today's 25 is under 30% of their median, 100; with yesterday's 0 in their place,
    # the median would be 60 and today's 25 no collapse.
    history = daily([0], exit_code=exitcodes.UNHEALTHY)[:1] + daily([0, 100, 60, 100])[1:]
    code, problems = judge(run(new_rows=25, articles_fetched=25), history)
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 25 against a median of 100 a day over the 3 days "
        "before"
    ]


def test_runs_finished_at_one_instant_each_count_their_new_articles():
    # Two runs of 20 at the same instant (a clock fixed with NEWSSCRAPER_NOW): 40 today, not
    # under 30% of 100.
    same = [run(finished_at=NOW - dt.timedelta(hours=2), new_rows=20) for _ in range(2)]
    history = same + daily([100] * 5)
    assert judge(run(new_rows=0, articles_fetched=0), history) == (exitcodes.OK, [])
    # Each counts once: two of 10 make 20, under 30% of 100.
    fewer = [r | {"new_rows": 10} for r in same] + daily([100] * 5)
    code, problems = judge(run(new_rows=0, articles_fetched=0), fewer)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith(
        "new articles in the last 24 h fell to 20 against a median of 100"
    )
    # Runs at one instant are in order: each counts in the day it finished. Two at 23 hours
    # ago, after a run two days ago: the first holds the 100 of the day before (all but 1 h
    # of them), the second's 40 are the last 24 hours', over 30% of 100 (placed between the
    # runs around it, they would be mostly of the day before).
    days = daily([100] * 6)[1:]  # from two days back
    at = NOW - dt.timedelta(hours=23)
    pair = [run(finished_at=at, new_rows=40), run(finished_at=at, new_rows=100)]
    assert judge(run(new_rows=0, articles_fetched=0), pair + days) == (exitcodes.OK, [])
    # Two at 25 hours ago, then none: the 100 they hold are the day before's, and the last 24
    # hours collapsed to nothing.
    at = NOW - dt.timedelta(hours=25)
    pair = [run(finished_at=at, new_rows=50), run(finished_at=at, new_rows=50)]
    since = run(finished_at=NOW - dt.timedelta(hours=1), new_rows=0)
    code, problems = judge(run(new_rows=0, articles_fetched=0), [since, *pair, *days])
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 0 against a median of 100")


def test_a_run_counts_its_new_articles_over_the_hours_since_the_run_before_it():
    # README: "A run's new articles count over the time since the run before it". A run every
    # 18 hours storing 72 (96 a day), then one storing none: the last 24 hours hold it and 6
    # hours of the run before it, 24 articles, under 30% of 96. All of the run before it
    # counted in its own day, they would be 72 and the collapse passed unseen.
    every = dt.timedelta(hours=18)
    history = [
        run(finished_at=NOW - k * every, new_rows=72, articles_fetched=72) for k in range(1, 13)
    ]
    assert judge(run(new_rows=0, articles_fetched=0), history) == (
        exitcodes.UNHEALTHY,
        [
            "new articles in the last 24 h fell to 24 against a median of 96 a day over the 7 "
            "days before, and of 96 on the same weekday over the week before"
        ],
    )


def test_a_first_run_stamped_ahead_finished_by_the_run_written_after_it():
    # README: runs are placed in the order their records were written. The section's first
    # run was stamped a year ahead, then the clock was right: it finished by the run written
    # after it, 72 hours ago, so the two days known since say nothing yet (three make a
    # median), and a quiet day now is no collapse. Taken at its word, the 2 articles of the
    # run after it would make a third day, of 2, and the silence an alarm.
    first = run(finished_at=NOW + dt.timedelta(days=365), new_rows=400, articles_fetched=400)
    steady = hourly([2] * 49, end=NOW - dt.timedelta(hours=24))  # 72 to 24 hours ago
    silent = hourly([0] * 23, end=NOW - dt.timedelta(hours=1))
    quiet = run(new_rows=0, articles_fetched=0)
    assert judge(quiet, [*silent, *steady, first]) == (exitcodes.OK, [])
    # A day more of runs makes the median: the silence is then a collapse.
    more = hourly([2] * 73, end=NOW - dt.timedelta(hours=24))  # 96 to 24 hours ago
    code, problems = judge(quiet, [*silent, *more, first])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 0 against a median of 48 a day over the 3 days "
        "before"
    ]


def a_clock_wrong_for_20_hours_then_corrected(wrong_by: dt.timedelta) -> list[dict]:
    """Runs of 2 new articles an hour over 10 days, newest first, the last 20 of them by a
    clock `wrong_by` off, before the run at NOW that the corrected clock times."""
    right = hourly([2] * 24 * 10, end=NOW - dt.timedelta(hours=21))
    wrong = hourly([2] * 20, end=NOW - dt.timedelta(hours=1) + wrong_by)
    return wrong + right


def test_the_hours_a_clock_ran_a_day_ahead_count_once_it_is_corrected():
    # By their own times those runs finished after the corrected one: left out, the last 24
    # hours held 2 + 2 new articles against 48 a day, and the correction raised an alarm.
    history = a_clock_wrong_for_20_hours_then_corrected(dt.timedelta(days=1))
    assert judge(run(new_rows=2, articles_fetched=2), history) == (exitcodes.OK, [])
    far = a_clock_wrong_for_20_hours_then_corrected(dt.timedelta(days=365))
    assert judge(run(new_rows=2, articles_fetched=2), far) == (exitcodes.OK, [])
    # Every one of them: the first, of 30 new articles, finished an hour after the run before
    # it, so the last 24 hours hold 36 (with 3 runs of 2 before it), over 30% of 48.
    first_of_them = [{**r, "new_rows": 0} for r in far[:19]] + [far[19] | {"new_rows": 30}]
    quiet = run(new_rows=0, articles_fetched=0)
    assert judge(quiet, first_of_them + far[20:]) == (exitcodes.OK, [])


def test_the_hours_a_clock_ran_a_day_behind_count_once_it_is_corrected():
    # By their own times those runs were of the day before: the last 24 hours held 8 new
    # articles against 48 a day.
    history = a_clock_wrong_for_20_hours_then_corrected(-dt.timedelta(days=1))
    assert judge(run(new_rows=2, articles_fetched=2), history) == (exitcodes.OK, [])


def test_a_collapse_after_a_clock_was_corrected_is_still_flagged():
    history = a_clock_wrong_for_20_hours_then_corrected(dt.timedelta(days=1))
    quiet = [{**r, "new_rows": 0} for r in history[:20]] + history[20:]
    code, problems = judge(run(new_rows=0, articles_fetched=0), quiet)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 6 against")


def test_a_collapse_after_a_clock_ran_ahead_for_longer_than_it_was_off_is_still_flagged():
    # Hourly runs of 2 new articles; from 50 to 21 hours ago the clock ran 20 hours ahead
    # (those 30 runs were stamped from 30 hours ago up to now), then it was corrected, and the
    # 20 runs since stored nothing. The runs of the wrong clock finished between the last run
    # before it and the first after the correction: 3 of them in the last 24 hours, 6 articles
    # against 48 a day. Taken at their word (the early ones in order with the runs before
    # them), the last 24 hours held most of them, and the collapse passed for a steady day.
    right = hourly([2] * 24 * 8, end=NOW - dt.timedelta(hours=51))
    ahead = hourly([2] * 30, end=NOW - dt.timedelta(hours=21) + dt.timedelta(hours=20))
    since = hourly([0] * 20, end=NOW - dt.timedelta(hours=1))
    code, problems = judge(run(new_rows=0, articles_fetched=0), since + ahead + right)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 6 against a median of")


def test_the_hours_a_clock_ran_behind_count_between_the_runs_written_around_them():
    # Runs every 6 hours of 15 new articles (60 a day); four of them finished by a clock 16 h
    # 49 min behind, then it was corrected. The first of them seems to finish before the run
    # written before it, the others in order after it: all four finished between the run
    # written before them and the one after, so the last 24 hours hold 4 runs, 60 articles.
    # Taken at their word (or only the first moved), the last 24 hours held 18.
    start = dt.datetime(2025, 12, 28, tzinfo=dt.UTC)
    behind = dt.timedelta(hours=16, minutes=49)
    runs = [
        run(
            run_number=k,
            finished_at=start
            + k * dt.timedelta(hours=6)
            - (behind if 12 <= k <= 15 else 0 * behind),
            new_rows=15 if k else 200,
            articles_fetched=15,
        )
        for k in range(17)
    ]
    assert judge(runs[-1], runs[-2::-1]) == (exitcodes.OK, [])
    # Were those four runs' articles gone, the collapse is still seen: 15 in the last 24 h.
    quiet = [r | {"new_rows": 0} if 12 <= r["run_number"] <= 15 else r for r in runs]
    code, problems = judge(quiet[-1], quiet[-2::-1])
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 15 against a median of 60")


def test_a_clock_set_back_and_never_corrected_spreads_the_runs_it_overlaps():
    # Hourly runs of 2 new articles; 30 hours ago the clock was set back 10 hours and stayed
    # so, the run judged too. The 10 runs before it seem to finish after the 10 after it: they
    # are placed before them, and no day collapses.
    right = hourly([2] * 24 * 8, end=NOW - dt.timedelta(hours=30))
    set_back = hourly([2] * 29, end=NOW - dt.timedelta(hours=1))
    history = [{**r, "finished_at": r["finished_at"] - dt.timedelta(hours=10)} for r in set_back]
    judged = run(new_rows=2, articles_fetched=2, finished_at=NOW - dt.timedelta(hours=10))
    assert judge(judged, history + right) == (exitcodes.OK, [])


def test_a_collapse_after_a_clock_set_back_and_never_corrected_is_still_flagged():
    # Hourly runs of 2 new articles; 26 hours ago the clock was set back 4 hours and stayed
    # so, the run judged too (2 articles). Of the runs since, the 4 oldest stored 3 each, the
    # others none. The runs since the clock was set back are timed by the judged run's clock,
    # the measure: the last 24 hours hold the third and fourth of them, 6 articles, and the
    # judged run's 2, 8 against 48 a day. The runs written before them that seem to finish
    # after them finished before them: moved into the last 24 hours, their articles passed
    # for a steady day.
    right = hourly([2] * 24 * 8, end=NOW - dt.timedelta(hours=26))
    set_back = hourly([0] * 21 + [3] * 4, end=NOW - dt.timedelta(hours=1))
    history = [{**r, "finished_at": r["finished_at"] - dt.timedelta(hours=4)} for r in set_back]
    judged = run(new_rows=2, articles_fetched=2, finished_at=NOW - dt.timedelta(hours=4))
    code, problems = judge(judged, history + right)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].startswith("new articles in the last 24 h fell to 8 against a median of 48")


def test_the_day_a_section_was_first_crawled_in_counts_only_for_the_part_after_it():
    # Runs every 10 minutes of 30 new articles a day from Saturday 06:00 to Wednesday 07:00
    # (Vietnam), none in the last 24 hours. The first run stored the backlog; the 24 hours
    # from Friday 07:00 held only the hour after it, 1 article: not a weekday of 1, which with
    # Monday's 30 made a weekday's usual of 15, under 20, and hid the collapse.
    first = dt.datetime(2026, 3, 13, 23, 0, tzinfo=dt.UTC)  # Saturday 06:00 in Vietnam
    end = dt.datetime(2026, 3, 18, 0, 0, tzinfo=dt.UTC)  # Wednesday 07:00 in Vietnam
    step = dt.timedelta(minutes=10)
    count = int((end - first) / step)
    runs = [run(finished_at=first, new_rows=300, articles_fetched=300)]
    for k in range(1, count + 1):
        at = first + k * step
        n = 0 if end - at < dt.timedelta(days=1) else k * 30 // 144 - (k - 1) * 30 // 144
        runs.append(run(finished_at=at, new_rows=n, articles_fetched=n))
    assert judge(runs[-1], runs[-2::-1]) == (
        exitcodes.UNHEALTHY,
        [
            "new articles in the last 24 h fell to 0 against a median of 30 a day over the 3 "
            "days before, and of 30 a weekday over the weekday before"
        ],
    )
    # Half of that day or more covered counts as a whole day at its pace: a first run on
    # Friday at 19:00, and 14 articles by Saturday 06:00, make its 12 hours 15 articles, a
    # weekday of 30.
    friday = run(finished_at=first - dt.timedelta(hours=11), new_rows=300, articles_fetched=300)
    saturday = runs[0] | {"new_rows": 14, "articles_fetched": 14}
    assert judge(runs[-1], [*runs[-2:0:-1], saturday, friday]) == (
        exitcodes.UNHEALTHY,
        [
            "new articles in the last 24 h fell to 0 against a median of 30 a day over the 4 "
            "days before, and of 30 a weekday over the 2 weekdays before"
        ],
    )


def test_in_its_first_week_a_weekend_day_is_judged_against_the_weekend_days_known():
    # A dataset started on a Monday: daily runs at 19:00 in Vietnam, weekdays of 40 new
    # articles. No same weekday is known yet, so days are judged against days of their kind.
    def first_days(saturday: dt.datetime, counts) -> list[dict]:
        """Runs a day apart before the run judged (on `saturday` + its offset), newest first,
        then the section's first run, whose backlog counts for no day."""
        return [
            run(finished_at=saturday - day * dt.timedelta(days=1), new_rows=n, articles_fetched=n)
            for day, n in enumerate([*counts, 400], start=1)
        ]

    saturday = dt.datetime(2026, 3, 21, 12, 0, tzinfo=dt.UTC)  # 19:00 in Vietnam
    weekdays = [40] * 5  # Friday back to Monday
    # The first Saturday: no weekend day is known, so its quiet is no collapse.
    quiet = run(finished_at=saturday, new_rows=10, articles_fetched=10)
    assert judge(quiet, first_days(saturday, weekdays)) == (exitcodes.OK, [])
    # The first Sunday, a Saturday of 10 known: too few a day to say anything.
    sunday = saturday + dt.timedelta(days=1)
    sunday_run = run(finished_at=sunday, new_rows=8, articles_fetched=8)
    assert judge(sunday_run, first_days(sunday, [10, *weekdays])) == (exitcodes.OK, [])
    # The first Sunday is of the first weekend too: not judged even against a Saturday of 30
    # (a section quiet at weekends whose 24 hours before it held some of a Friday).
    quiet_sunday = run(finished_at=sunday, new_rows=3, articles_fetched=3)
    assert judge(quiet_sunday, first_days(sunday, [30, *weekdays])) == (exitcodes.OK, [])
    # The next Saturday, its Saturday before unknown (the first run's day, no part of it
    # covered), is judged against the Sunday before.
    second = saturday + dt.timedelta(days=7)
    known = run(finished_at=saturday, new_rows=400, articles_fetched=400)  # the first run
    week = [
        run(finished_at=second - day * dt.timedelta(days=1), new_rows=n, articles_fetched=n)
        for day, n in enumerate([40, 40, 40, 40, 40, 30], start=1)
    ]
    code, problems = judge(run(finished_at=second, new_rows=3, articles_fetched=3), [*week, known])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 3 against a median of 40 a day over the 6 days "
        "before, and of 30 a weekend day over the weekend day before"
    ]
    # A weekday of the first week is judged against the weekdays, a weekend among them.
    monday = sunday + dt.timedelta(days=1)
    code, problems = judge(
        run(finished_at=monday, new_rows=5, articles_fetched=5),
        first_days(monday, [10, 10, *weekdays[:4]]),
    )
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "new articles in the last 24 h fell to 5 against a median of 40 a day over the 6 days "
        "before, and of 40 a weekday over the 4 weekdays before"
    ]


NOON_IN_VIETNAM = dt.time(5, 0, tzinfo=dt.UTC)


def verdict_at_noon(end: dt.date, today: int, counts: list[int], at: dt.time = NOON_IN_VIETNAM):
    """The verdict on a run of `today` new articles at noon in Vietnam (or `at`) on `end`, after
    runs at that time a day apart holding `counts` (newest first, the newest the day before
    `end`), then the section's first run, whose backlog counts for no day."""
    days_before = [
        run(
            finished_at=dt.datetime.combine(end - dt.timedelta(days=back), at),
            new_rows=n,
            articles_fetched=n,
        )
        for back, n in enumerate([*counts, 400], start=1)
    ]
    newest = run(
        finished_at=dt.datetime.combine(end, at),
        new_rows=today,
        articles_fetched=today,
    )
    return judge(newest, days_before)


def test_a_public_holiday_in_vietnam_is_not_judged_nor_part_of_the_usual():
    """README: the 24 hours mostly of a public holiday in Vietnam (Tết, 30 April, 1 May,
    National Day, ...) are not judged by the count of new articles, and are not part of what
    is usual for the days after them."""
    verdict = verdict_at_noon

    # The first day of Tết 2026 (17 February) and National Day (2 September): a tenth of the
    # usual is the site's own quiet. The same fall on an ordinary Tuesday is a collapse.
    assert verdict(dt.date(2026, 2, 17), 10, [100] * 7) == (exitcodes.OK, [])
    assert verdict(dt.date(2026, 9, 2), 10, [100] * 7) == (exitcodes.OK, [])
    assert verdict(dt.date(2026, 3, 17), 10, [100] * 7)[0] == exitcodes.UNHEALTHY
    # Monday 23 February 2026, after the days off of Tết (16 to 20 February) and a weekend, is
    # judged against the days around Tết, not against Tết's quiet ones: a fall to 20 is flagged
    # against the median of 100 of the 5 days that are no holiday, though the 7 days before it
    # held a median of 10; and of the weekdays, only Friday 13 February is known (its Monday a
    # week before was Tết).
    after = verdict(dt.date(2026, 2, 23), 20, [100, 100, 10, 10, 10, 10, 10, 100, 100, 100])
    assert after == (
        exitcodes.UNHEALTHY,
        [
            "new articles in the last 24 h fell to 20 against a median of 100 a day over the 5 "
            "days before, and of 100 a weekday over the weekday before"
        ],
    )


def test_the_24_hours_judged_are_of_a_holiday_when_most_of_them_are():
    """README: 24 hours mostly of a public holiday in Vietnam are not judged. New Year's Day
    2026, a Thursday, between two days that are no holiday: the 24 hours ending at 20:00 on it
    are mostly of it, those ending at 10:00 mostly of 31 December; those ending at 10:00 on
    Friday 2 January mostly of New Year's Day, those ending at 20:00 mostly of 2 January."""
    ten, eight = dt.time(3, 0, tzinfo=dt.UTC), dt.time(13, 0, tzinfo=dt.UTC)  # in Vietnam
    new_year, after = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
    assert verdict_at_noon(new_year, 10, [100] * 7, at=eight) == (exitcodes.OK, [])
    assert verdict_at_noon(new_year, 10, [100] * 7, at=ten)[0] == exitcodes.UNHEALTHY
    assert verdict_at_noon(after, 10, [100] * 7, at=ten) == (exitcodes.OK, [])
    assert verdict_at_noon(after, 10, [100] * 7, at=eight)[0] == exitcodes.UNHEALTHY


def test_a_holiday_in_place_of_a_same_weekday_leaves_the_others_as_the_usual():
    # Wednesday 16 September 2026: Wednesdays hold 30 new articles, other days 100; the
    # Wednesday two weeks before was National Day (2 September, with 31 August and 1 September
    # off), 10. The other three Wednesdays, none flagged, are the usual: 12 is no collapse
    # (though under 30% of the weekdays' 100), 5 is one.
    counts = [30 if back % 7 == 0 else 100 for back in range(1, 29)]
    for back in (14, 15, 16):
        counts[back - 1] = 10
    assert verdict_at_noon(dt.date(2026, 9, 16), 12, counts) == (exitcodes.OK, [])
    code, problems = verdict_at_noon(dt.date(2026, 9, 16), 5, counts)
    assert code == exitcodes.UNHEALTHY
    assert problems[0].endswith("and of 30 on the same weekday over the 3 weeks before")


def test_the_runs_looked_at_are_those_of_the_window_the_newest_and_the_last_before_it():
    """health_window.looked_at: the runs finished since oldest_looked_at(end), the newest, and
    the one finished last before them; nothing older."""
    oldest = oldest_looked_at(NOW)
    assert oldest == NOW - dt.timedelta(days=29)
    within = run(finished_at=NOW - dt.timedelta(days=1))
    at_oldest = run(finished_at=oldest)
    last_before = run(finished_at=oldest - dt.timedelta(hours=1))
    older = run(finished_at=oldest - dt.timedelta(days=2))
    no_time = run(finished_at=None)
    recent = [within, no_time, at_oldest, older, last_before]
    assert looked_at(recent, NOW) == [within, at_oldest, last_before]
    # A clock set back: the newest written is kept though another before the window finished
    # later.
    newest = run(finished_at=oldest - dt.timedelta(days=3))
    assert looked_at([newest, older, last_before], NOW) == [newest, last_before]
