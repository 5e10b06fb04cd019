"""Scripted faults of the replica against a real `scrapy crawl cafef`.

The outcome asked of every fault: each good article stored once and exactly as the replica's
model says (never the crawler's own output), each bad page retried or given up with a reason,
and no half-written file in the dataset.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import re

import pytest
from replica_checks import (
    assert_complete_part_files,
    assert_only_replica_fetched,
    assert_stored_exactly,
    crawl_stats,
    only_run,
    reject_reasons,
    requests_for,
    stored_ids,
)

from newsscraper import exitcodes, settings
from newsscraper.dataset_read import read_articles, read_rejects
from newsscraper.runs import read_runs
from replica import ReplicaSite, faults
from replica.articles import VIETNAM
from replica.faults import Fault
from replica.response import Response

pytestmark = pytest.mark.slow

SECTION_PAGE = "/doanh-nghiep.chn"
TIMELINE_2 = "/timelinelist/18836/2.chn"
TIMELINE_3 = "/timelinelist/18836/3.chn"
ARTICLE_PATH = re.compile(r"^/[a-z0-9-]+-(\d{17,18})\.chn$")


def listing_only(requests) -> bool:
    """Whether a run asked for listing pages only, the section page first: no article."""
    paths = [r.path for r in requests]
    return paths[:1] == [SECTION_PAGE] and not any(ARTICLE_PATH.match(p) for p in paths)


def assert_clean_finish(output_dir, *, failed_articles: int = 0) -> dict:
    run = only_run(output_dir)
    assert run["finish_reason"] == "finished"
    assert run["failed_articles"] == failed_articles
    assert_complete_part_files(output_dir)
    return run


# --- transient faults: retried, then everything is stored -----------------------------------

TRANSIENT = {
    "500": (faults.status(500), {}),
    "502": (faults.status(502), {}),
    "connection_reset": (faults.reset(), {}),
    # The server holds its answer past the download timeout: the client gives up and retries.
    # At most 4 connections: more at once overflow the replica's listen backlog (5). The
    # timeout leaves a page answered at once a second to spare on a busy machine (a connect
    # the kernel retries after 1 s, a page served slowly), so only the held ones time out.
    "read_timeout": (
        faults.delay(4),
        {"DOWNLOAD_TIMEOUT": 2, "CONCURRENT_REQUESTS": 4, "CONCURRENT_REQUESTS_PER_DOMAIN": 4},
    ),
    "truncated_body": (faults.truncated(), {}),
    # A gzip stream cut in the middle of the article's body, under a Content-Length for it.
    "truncated_gzip_body": (faults.truncated_gzip(), {}),
    # Gzipped once under `gzip, gzip`: Scrapy's decompression raised at the second gzip.
    "gzip_named_twice": (faults.gzip_named_twice(), {}),
    "soft_block_page": (faults.soft_block(), {}),
    # A proxy's answers holding no page, or not all of it: a 206 no range was asked for, a 304
    # to a request not conditional, a Content-Length shorter than the body (cut above the site's
    # header), a zstd body followed by stray bytes, gzip named over a plain body.
    "partial_content": (faults.partial_content(), {}),
    "not_modified": (faults.not_modified(), {}),
    "short_length": (faults.short_length(), {}),
    "zstd_stray": (faults.zstd_stray(), {}),
    "encoding_named_plain": (faults.encoding_named_plain(), {}),
}
# Those retried as a body cut short, never as a soft block (a page cut above the site's header
# looks like none of the site's).
CUT_SHORT = {
    "truncated_gzip_body",
    "gzip_named_twice",
    "partial_content",
    "short_length",
    "zstd_stray",
    "encoding_named_plain",
}


@pytest.mark.parametrize("name", list(TRANSIENT))
def test_transient_fault_is_retried_and_every_article_stored_once(name, replica, crawl, output_dir):
    fault, settings = TRANSIENT[name]
    site = ReplicaSite(articles=25)
    victim = site.articles[10].path
    site.script(SECTION_PAGE, [fault])
    site.script(TIMELINE_2, [fault])
    site.script(victim, [fault, fault])
    handle = replica(site)

    result = crawl(handle, settings=settings)

    assert_stored_exactly(output_dir, site.articles)
    assert [len(requests_for(handle, p)) for p in (SECTION_PAGE, TIMELINE_2, victim)] == [2, 2, 3]
    run = assert_clean_finish(output_dir)
    assert run["exit_code"] == exitcodes.OK
    assert reject_reasons(output_dir) == {}
    stats = crawl_stats(result.stderr)
    # Twisted's connection pool itself retries a request whose reused connection was reset.
    if name != "connection_reset":
        assert stats["retry/count"] == 4
    assert run["soft_blocks"] == (4 if name == "soft_block_page" else 0)
    assert stats.get("newsscraper/retry/cut_short", 0) == (4 if name in CUT_SHORT else 0)
    if name in ("500", "502"):
        assert run["http_errors"] == 4
    assert_only_replica_fetched(handle, stats)


def cut_once(fault) -> tuple[ReplicaSite, str]:
    """A site of 50 articles (page 1, then timeline pages 2 and 3) whose section page, page 2
    and one article (its path returned) are served once with `fault`, then whole."""
    site = ReplicaSite(articles=50)
    victim = site.articles[10].path
    for path in (SECTION_PAGE, TIMELINE_2, victim):
        site.script(path, [fault])
    return site, victim


def test_pages_cut_short_without_a_content_length_are_retried_whole_ones_read_once(
    replica, crawl, output_dir
):
    # Bodies that end when the server closes the connection (HTTP/1.0, `Connection: close`).
    # A backfill has no watermark to walk down to again: a fragment read without its last
    # items would lose them with exit 0.
    site, victim = cut_once(faults.cut_without_length(0.5))
    site.script(TIMELINE_3, [faults.cut_without_length(1)])  # all of it, then the close
    handle = replica(site)

    result = crawl(handle, since="2026-01-01")

    assert_stored_exactly(output_dir, site.articles)
    asked = [len(requests_for(handle, p)) for p in (SECTION_PAGE, TIMELINE_2, victim, TIMELINE_3)]
    assert asked == [2, 2, 2, 1]
    assert crawl_stats(result.stderr)["newsscraper/retry/cut_short"] == 3


def test_cut_copies_under_a_content_length_for_what_they_hold_are_retried(
    replica, crawl, output_dir
):
    # A cache's or a proxy's cut copy: the framing is whole (a Content-Length for what is
    # sent), so only the page can say it is cut. Read as whole, the listing would end early and
    # the article would be stored for good with the first half of its body.
    site, victim = cut_once(faults.cut_copy(0.5))
    handle = replica(site)

    result = crawl(handle, since="2026-01-01")

    assert_stored_exactly(output_dir, site.articles)
    asked = [len(requests_for(handle, p)) for p in (SECTION_PAGE, TIMELINE_2, victim)]
    assert asked == [2, 2, 2]
    assert crawl_stats(result.stderr)["newsscraper/retry/cut_short"] == 3
    assert reject_reasons(output_dir) == {}


def test_a_fragment_always_cut_short_inside_an_item_is_a_failed_listing_page(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=50)
    site.script(TIMELINE_2, [faults.cut_without_length(0.5)], repeat=True)
    handle = replica(site)

    crawl(
        handle, since="2026-01-01", settings={"RETRY_TIMES": 1}, expect_exit=exitcodes.SITE_ERRORS
    )

    assert len(requests_for(handle, TIMELINE_2)) == 2
    assert requests_for(handle, TIMELINE_3) == [], "never read as the page"
    run = only_run(output_dir)
    assert run["stop_reason"] == "listing_failed"
    assert len(stored_ids(output_dir)) == 3 + site.page_size  # page 1's only


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (faults.status(500), "HTTP 500"),
        # Whole frames, then bytes none starts: pending, by design, the log naming them.
        (faults.zstd_stray(), "zstd body followed by 4 bytes no frame starts, retries used up"),
    ],
    ids=["500", "zstd_stray"],
)
def test_article_that_keeps_failing_is_given_up_then_fetched_by_the_next_run(
    fault, said, replica, crawl, output_dir
):
    site = ReplicaSite(articles=25)
    victim = site.articles[7]
    site.script(victim.path, [fault], repeat=True)
    handle = replica(site)

    result = crawl(handle, settings={"RETRY_TIMES": 2}, expect_exit=exitcodes.SITE_ERRORS)

    others = [a for a in site.articles if a is not victim]
    assert_stored_exactly(output_dir, others)
    assert len(requests_for(handle, victim.path)) == 3  # the first try and two retries
    run = assert_clean_finish(output_dir, failed_articles=1)
    # The problem names the page, under its cafef.vn address, whatever host was crawled.
    assert run["problems"] == [
        "1 article page(s) failed after every retry; the next run asks for them first: "
        f"https://cafef.vn{victim.path}"
    ]
    # The give-up is logged once, saying why and what comes of it.
    assert (
        f"article {handle.url(victim.path)} not fetched after 3 tries: {said}; pending, the "
        "next run asks for it first"
    ) in result.stderr
    assert "Gave up retrying" not in result.stderr

    # It is pending: the next plain run asks for it first and stores it.
    assert list(only_run(output_dir)["pending_articles"]) == [victim.article_id]
    site.clear_scripts()
    crawl(handle, settings={"RETRY_TIMES": 2})
    assert_stored_exactly(output_dir, site.articles)
    assert read_runs(output_dir)[0]["pending_articles"] == {}, "fetched: no longer pending"


def test_an_article_that_fails_in_every_run_for_a_day_is_given_up(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[7]
    site.script(victim.path, [faults.status(500)], repeat=True)
    handle = replica(site)

    def run_at(now: str, exit_code: int) -> dict:
        crawl(handle, settings={"RETRY_TIMES": 1, "NEWSSCRAPER_NOW": now}, expect_exit=exit_code)
        return read_runs(output_dir)[0]

    first = run_at("2026-03-07T12:00:00+07:00", exitcodes.SITE_ERRORS)
    pending = {
        victim.article_id: {
            "url": f"https://cafef.vn{victim.path}",
            "first_failed_at": "2026-03-07T05:00:00+00:00",
        }
    }
    assert first["pending_articles"] == pending
    assert first["watermark"] is not None, "a pending page does not hold the watermark back"

    mark = len(handle.requests)
    second = run_at("2026-03-07T13:00:00+07:00", exitcodes.SITE_ERRORS)  # an hour later
    asked = [r.path for r in handle.requests[mark:]]
    # The next listing page goes out with it, and either may reach the site first.
    article_pages = [path for path in asked[1:] if "timelinelist" not in path]
    assert (asked[0], article_pages[:1]) == (SECTION_PAGE, [victim.path]), (
        "asked for first once the site answers"
    )
    assert second["pending_articles"] == pending, "still failing: the first failure is kept"
    # Down to where the first run stopped, the bottom of the last page, and on under it for
    # more of that minute: the listing's end.
    assert second["stop_reason"] == "end_of_listing"

    # A day later the whole site is down: a failure that is not the article's gives nothing up.
    site.script(SECTION_PAGE, [faults.status(500)], repeat=True)
    mark = len(handle.requests)
    outage = run_at("2026-03-08T11:00:00+07:00", exitcodes.SITE_ERRORS)
    assert requests_for(handle, victim.path, since=mark) == [], "not asked while the site is down"
    assert outage["pending_articles"] == pending and outage["rejects"] == 0
    site.clear_scripts()
    site.script(victim.path, [faults.status(500)], repeat=True)

    # The section page answers, but article pages fail too (a new one as well): still no proof
    # that the failure is the article's own.
    (fresh,) = site.publish(1)
    site.script(fresh.path, [faults.status(503)], repeat=True)
    origin_down = run_at("2026-03-08T11:30:00+07:00", exitcodes.SITE_ERRORS)
    assert victim.article_id in origin_down["pending_articles"] and origin_down["rejects"] == 0
    site.clear_scripts()
    site.script(victim.path, [faults.status(500)], repeat=True)

    # Other article pages come, this one still fails: failing for a day, given up.
    third = run_at("2026-03-08T12:00:00+07:00", exitcodes.OK)
    assert third["pending_articles"] == {}
    assert third["failed_articles"] == 0 and third["rejects_by_reason"] == {"failed_repeatedly": 1}
    (reject,) = read_rejects(output_dir).to_pylist()
    assert (reject["article_id"], reject["reason"]) == (victim.article_id, "failed_repeatedly")
    assert "since 2026-03-07T05:00:00+00:00" in reject["detail"]

    mark = len(handle.requests)
    run_at("2026-03-08T13:00:00+07:00", exitcodes.OK)
    assert requests_for(handle, victim.path, since=mark) == []
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert fresh.article_id in stored_ids(output_dir)


def test_one_page_that_always_looks_blocked_neither_stops_runs_nor_stays_forever(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-07T11:00:00+07:00"})
    (victim,) = site.publish(1)  # a quiet run: this page is all there is to fetch
    site.script(victim.path, [faults.soft_block()], repeat=True)

    def run_at(now: str, exit_code: int) -> dict:
        crawl(handle, settings={"NEWSSCRAPER_NOW": now}, expect_exit=exit_code)
        return read_runs(output_dir)[0]

    # Its five tries in a row are one page's, not the site blocking the crawl: no early stop.
    first = run_at("2026-03-07T12:00:00+07:00", exitcodes.SITE_ERRORS)
    assert first["finish_reason"] == "finished" and first["soft_blocks"] == 5
    assert list(first["pending_articles"]) == [victim.article_id]
    # No other article page came: the site may be throttling us, so this counts for nothing.
    quiet = run_at("2026-03-08T12:30:00+07:00", exitcodes.SITE_ERRORS)
    assert victim.article_id in quiet["pending_articles"] and quiet["rejects"] == 0
    # Other pages come while this one still looks blocked: its own failure, a day old.
    site.publish(2)
    given_up = run_at("2026-03-08T13:00:00+07:00", exitcodes.OK)
    assert given_up["pending_articles"] == {}
    assert given_up["rejects_by_reason"] == {"failed_repeatedly": 1}
    (reject,) = read_rejects(output_dir).to_pylist()
    assert (reject["article_id"], reject["reason"]) == (victim.article_id, "failed_repeatedly")


def test_a_page_due_to_be_given_up_in_a_run_without_other_articles_is_still_reported(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-07T11:00:00+07:00"})
    (victim,) = site.publish(1)
    site.script(victim.path, [faults.status(500)], repeat=True)

    def run_at(now: str, exit_code: int) -> dict:
        settings = {"RETRY_TIMES": 1, "NEWSSCRAPER_NOW": now}
        crawl(handle, settings=settings, expect_exit=exit_code)
        return read_runs(output_dir)[0]

    run_at("2026-03-07T12:00:00+07:00", exitcodes.SITE_ERRORS)
    # A day on, due to be given up, but no other article page came: it failed, and says so.
    quiet = run_at("2026-03-08T12:30:00+07:00", exitcodes.SITE_ERRORS)
    assert quiet["failed_articles"] == 1 and list(quiet["pending_articles"]) == [victim.article_id]
    # Other pages come: given up in this run, a reject, not a failure of the run.
    site.publish(2)
    given_up = run_at("2026-03-08T13:00:00+07:00", exitcodes.OK)
    assert given_up["failed_articles"] == 0 and given_up["pending_articles"] == {}
    assert given_up["rejects_by_reason"] == {"failed_repeatedly": 1}


def test_a_run_that_fails_to_start_carries_the_pending_articles_forward(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[7]
    site.script(victim.path, [faults.status(500)], repeat=True)
    handle = replica(site)
    crawl(handle, settings={"RETRY_TIMES": 1}, expect_exit=exitcodes.SITE_ERRORS)
    pending = read_runs(output_dir)[0]["pending_articles"]
    assert list(pending) == [victim.article_id]

    junk = output_dir / "rejects" / "part-junk.parquet"  # the crawl cannot even start
    junk.parent.mkdir(exist_ok=True)
    junk.write_bytes(b"not a Parquet file")
    crawl(handle, expect_exit=exitcodes.ABNORMAL)
    assert read_runs(output_dir)[0]["pending_articles"] == pending

    junk.unlink()
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)
    assert read_runs(output_dir)[0]["pending_articles"] == {}


@pytest.mark.parametrize("code", [503, 429])
def test_retry_after_is_honoured(code, replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[4].path
    site.script(victim, [faults.status(code, retry_after=1)])
    handle = replica(site)

    result = crawl(handle)

    first, retry = requests_for(handle, victim)
    assert first.status == code and retry.status == 200
    assert retry.time - first.time >= 1.0
    assert crawl_stats(result.stderr)["newsscraper/retry/retry_after_honoured"] == 1
    assert_stored_exactly(output_dir, site.articles)
    assert_clean_finish(output_dir)


def test_a_rest_longer_than_a_run_waits_holds_the_next_runs_until_it_ends(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=25)
    victim = site.articles[4].path
    site.script(victim, [faults.status(429, retry_after=3600)])
    handle = replica(site)

    crawl(handle, expect_exit=exitcodes.SOFT_BLOCKED)  # longer than RETRY_AFTER_MAX
    [record] = read_runs(output_dir)
    rest = record["rests_until"] - record["finished_at"]
    assert dt.timedelta(minutes=55) < rest <= dt.timedelta(hours=1)
    # Said to the second, rounded up: never a time before the rest ends.
    ends = record["rests_until"]
    ends = ends.replace(microsecond=0) + dt.timedelta(seconds=1 if ends.microsecond else 0)
    until = f"{ends:%Y-%m-%d %H:%M:%S} UTC"
    assert record["problems"][0].endswith(f"asks the site for anything before {until}")

    asked = len(handle.requests)
    again = crawl(handle, expect_exit=exitcodes.SOFT_BLOCKED)
    assert len(handle.requests) == asked, "a request went out during the site's rest"
    assert f"the site asked for a rest (Retry-After) until {until}" in again.stderr
    assert len(read_runs(output_dir)) == 1  # nothing written

    # Once the rest is over, the next run gets what the first did not.
    after = (record["rests_until"] + dt.timedelta(seconds=1)).isoformat()
    crawl(handle, settings={"NEWSSCRAPER_NOW": after})
    assert_stored_exactly(output_dir, site.articles)


def test_with_the_default_concurrency_nothing_reaches_the_site_during_its_rest(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=10)
    victim = site.articles[2].path
    site.script(victim, [faults.status(429, retry_after=3)])
    handle = replica(site)
    # One page on the wire at a time with a delay, as on the live site; the delay is short.
    polite = {
        "CONCURRENT_REQUESTS": settings.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.CONCURRENT_REQUESTS_PER_DOMAIN,
        "DOWNLOAD_DELAY": 0.5,
    }

    crawl(handle, settings=polite)

    first, retry = requests_for(handle, victim)
    assert first.status == 429 and retry.time - first.time >= 3.0
    # Seven pages were still to ask for, one every half second: without the rest, five would
    # have gone out in its three seconds.
    during = [r.path for r in handle.requests if first.time < r.time < first.time + 2.9]
    assert during == [], "pages queued before the 429 went out during the rest"
    assert_stored_exactly(output_dir, site.articles)


def test_a_closespider_timeout_ends_a_retry_wait_and_the_failing_site_is_still_exit_7(
    replica, crawl, output_dir
):
    import time

    site = ReplicaSite(articles=25)
    site.script(f"/{site.section}.chn", [faults.status(503, retry_after=60)], repeat=True)
    handle = replica(site)

    started = time.monotonic()
    result = crawl(handle, settings={"CLOSESPIDER_TIMEOUT": 2}, expect_exit=exitcodes.SITE_ERRORS)

    # The limit is a stop like any other: the 60 s rest is not waited out, and the section
    # page the site never gave is a listing page that failed, not a run that went well.
    assert time.monotonic() - started < 30, "the stopping crawl waited out the Retry-After"
    assert "stopped: closespider_timeout; exit 7" in result.stdout
    section_page = handle.url(f"/{site.section}.chn")
    assert f"problem: listing page {section_page} failed" in result.stdout
    assert read_runs(output_dir)[0]["watermark"] is None
    assert read_runs(output_dir)[0]["stop_url"] == section_page


# --- faults that cannot be retried away --------------------------------------------------------


class EndlessRedirect(Fault):
    """Each hop redirects to the next of an endless chain: /a.chn?hop=1, ?hop=2, …"""

    def apply(self, target: str, normal) -> Response:
        path, _, query = target.partition("?")
        hop = int(query.removeprefix("hop=") or 0) + 1
        return faults.redirect(f"{path}?hop={hop}").apply(target, normal)


def test_redirect_loop_to_the_same_url_is_dropped_and_the_run_goes_on(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[3]
    site.script(victim.path, [faults.redirect_loop()], repeat=True)
    handle = replica(site)

    crawl(handle, expect_exit=exitcodes.SITE_ERRORS)

    # Followed up to REDIRECT_MAX_TIMES (5, see settings), then given up and counted.
    assert [r.status for r in requests_for(handle, victim.path)] == [302] * 6
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    run = only_run(output_dir)
    assert run["finish_reason"] == "finished"
    assert run["failed_articles"] == 1, "the loss is recorded: the next run asks again"
    assert_complete_part_files(output_dir)


def test_endless_redirect_chain_is_given_up_and_the_run_goes_on(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[3]
    site.script(victim.path, [EndlessRedirect()], repeat=True)
    handle = replica(site)

    result = crawl(handle, settings={"REDIRECT_MAX_TIMES": 3}, expect_exit=exitcodes.SITE_ERRORS)

    hops = requests_for(handle, victim.path)
    assert [r.path.partition("?")[2] for r in hops] == ["", "hop=1", "hop=2", "hop=3"]
    assert "max redirections reached" in result.stderr
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert_clean_finish(output_dir, failed_articles=1)


def test_redirect_to_another_domain_is_never_followed(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[3]
    site.script(victim.path, [faults.redirect_offsite()], repeat=True)
    handle = replica(site)

    result = crawl(handle)

    stats = crawl_stats(result.stderr)
    assert_only_replica_fetched(handle, stats)
    assert "example.invalid" not in "".join(r.path for r in handle.requests)
    assert stats["newsscraper/offsite/blocked"] == 1
    assert [r.status for r in requests_for(handle, victim.path)] == [302]
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    # Moved to another site: gone from this one, a reject, never asked for again.
    assert_clean_finish(output_dir, failed_articles=0)
    assert reject_reasons(output_dir) == {victim.article_id: "redirected_away"}


@pytest.mark.parametrize("obey", [True, False], ids=["robots.txt first", "robots.txt off"])
def test_a_site_whose_whole_host_redirects_to_another_says_how_to_crawl_that_one(
    obey, replica, crawl, output_dir
):
    # `https://cafef.vn/` answered with `https://www.cafef.vn/`: never followed, the one line
    # saying why nothing was crawled names where the page was sent and the setting to crawl it.
    site = ReplicaSite(articles=10)
    moved = "http://www.example.invalid"
    for path in ("/robots.txt", "/doanh-nghiep.chn"):
        site.script(path, [faults.redirect(moved + path, 301)], repeat=True)
    handle = replica(site)

    result = crawl(handle, settings={"ROBOTSTXT_OBEY": obey}, expect_exit=exitcodes.SITE_ERRORS)

    first = "/robots.txt" if obey else "/doanh-nghiep.chn"
    assert [r.path for r in handle.requests] == [first]
    assert stored_ids(output_dir) == []
    sent = f"redirected to {moved}{first}, off the crawl host: not followed"
    advice = f"to crawl that host, set CAFEF_BASE_URL={moved}"
    said = f"robots.txt could not be fetched ({sent}; {advice})" if obey else f"{sent}; {advice}"
    assert (
        f"ERROR: listing page {handle.base_url}/doanh-nghiep.chn failed, paging stops here: "
        f"{said}\n"
    ) in result.stderr
    # The run's problem says it in the same words, the advice with them (robots.txt's names no
    # listing page: none was asked for).
    page = "a listing page" if obey else f"listing page {handle.base_url}/doanh-nghiep.chn"
    robots = "; nothing was crawled (ROBOTSTXT_OBEY is on)" if obey else ""
    assert only_run(output_dir)["problems"] == [f"{page} failed, paging stops here: {said}{robots}"]


@pytest.mark.parametrize(
    "location", ["ftp://files.example.invalid/story.pdf", "javascript:void(0)"]
)
def test_a_redirect_to_an_address_that_is_not_http_is_rejected_at_once(
    replica, crawl, output_dir, location
):
    # Scrapy does not follow a Location of another scheme: the 302 itself comes back.
    site = ReplicaSite(articles=25)
    victim = site.articles[3]
    site.script(victim.path, [faults.redirect(location)], repeat=True)
    handle = replica(site)

    crawl(handle)

    assert [r.status for r in requests_for(handle, victim.path)] == [302]
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert_clean_finish(output_dir, failed_articles=0)
    rejects = read_rejects(output_dir).to_pylist()
    assert [(r["article_id"], r["reason"]) for r in rejects] == [
        (victim.article_id, "redirected_away")
    ]
    assert location in rejects[0]["detail"]
    assert only_run(output_dir)["rejects_by_reason"] == {"redirected_away": 1}

    mark = len(handle.requests)
    crawl(handle)
    assert requests_for(handle, victim.path, since=mark) == []


def test_a_listing_page_that_keeps_failing_ends_the_run_with_site_errors(
    replica, crawl, output_dir
):
    """README, exit 7: a listing page that failed after every retry is a problem naming the
    page (the run record's stop_url, DATA_FORMAT.md) and why, in the words of the log line,
    and the summary `newsscraper cron` prints says it."""
    site = ReplicaSite(articles=50)
    site.script(TIMELINE_2, [faults.status(500)], repeat=True)
    handle = replica(site)

    result = crawl(handle, settings={"RETRY_TIMES": 1}, expect_exit=exitcodes.SITE_ERRORS)

    run = only_run(output_dir)
    assert run["finish_reason"] == "finished" and run["stop_reason"] == "listing_failed"
    assert run["exit_code"] == exitcodes.SITE_ERRORS
    assert run["stop_url"] == handle.url(TIMELINE_2)
    problem = (
        f"listing page {handle.url(TIMELINE_2)} failed after 2 tries, paging stops here: HTTP 500"
    )
    assert run["problems"] == [problem]
    assert f"problem: {problem}" in result.stdout
    assert problem in result.stderr  # the log line's own words
    assert run["watermark"] is None, "a walk that broke off covers nothing"
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


@pytest.mark.parametrize("path", [SECTION_PAGE, TIMELINE_2], ids=["section_page", "timeline"])
def test_a_listing_whose_items_were_renamed_is_a_layout_change_not_the_site_failing(
    replica, crawl, output_dir, path
):
    """README, exit 5: a listing page that links to articles but whose entries cannot be read
    is kept in rejects as parse_error under its URL, stop reason listing_unreadable, asked for
    once (no soft-block retries, no exit 7); the articles above it are stored, and the next run
    stores the rest."""
    site = ReplicaSite(articles=50)  # page 1, then timeline pages 2 and 3
    site.script(path, [faults.renamed_entries()], repeat=True)
    handle = replica(site)

    result = crawl(handle, expect_exit=exitcodes.UNHEALTHY)

    assert [r.status for r in requests_for(handle, path)] == [200]
    assert requests_for(handle, TIMELINE_3) == []
    above = [] if path == SECTION_PAGE else site.listing()[: 3 + site.page_size]
    assert_stored_exactly(output_dir, above)
    run = only_run(output_dir)
    assert (run["finish_reason"], run["stop_reason"]) == ("finished", "listing_unreadable")
    assert run["exit_code"] == exitcodes.UNHEALTHY and run["soft_blocks"] == 0
    assert run["stop_url"] == handle.url(path)
    (problem,) = [p for p in run["problems"] if "layout probably changed" in p]
    assert problem.startswith(f"listing page {handle.url(path)} could not be read")
    # A change of the site, not a crash of newsscraper: one ERROR line naming the page and
    # what it means, no traceback.
    assert "Traceback" not in result.stderr
    page = handle.url(path)
    lines = result.stderr.splitlines()
    said = [line for line in lines if f"ERROR: listing page {page}: " in line]
    assert len(said) == 1, said
    assert not [line for line in lines if "Spider error processing" in line]
    assert f"listing page {page}: the listing's entries could not be read" in said[0], said
    assert "A change of the site, not a fault of newsscraper" in said[0], said
    assert run["watermark"] is None, "a walk that broke off covers nothing"
    rejects = read_rejects(output_dir).to_pylist()
    assert [(r["url"], r["reason"]) for r in rejects] == [(handle.url(path), "parse_error")]
    said = re.search(
        r"the listing's entries could not be read though its stream links to (\d+) articles",
        rejects[0]["detail"],
    )
    assert said, rejects[0]["detail"]
    # The stream's own links are counted (a page of it holds `page_size` stories), not the
    # section page's focus block or most-read box.
    assert int(said[1]) == site.page_size
    assert "newsscraper/softblock/detected" not in crawl_stats(result.stderr)
    assert "soft-blocked page, retries used up" not in result.stderr

    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)
    assert read_runs(output_dir)[0]["exit_code"] == exitcodes.OK


def test_article_redirected_to_the_section_page_is_rejected_and_never_asked_again(
    replica, crawl, output_dir
):
    # What the site does with a deleted story: its URL answers 301 to the section page.
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle)
    victim = site.publish(3)[1]
    site.script(victim.path, [faults.redirect(SECTION_PAGE, code=301)], repeat=True)
    mark = len(handle.requests)

    result = crawl(handle)

    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert [r.status for r in requests_for(handle, victim.path, since=mark)] == [301]
    rejects = read_rejects(output_dir).to_pylist()
    assert [(r["article_id"], r["url"], r["reason"]) for r in rejects] == [
        (victim.article_id, f"https://cafef.vn{victim.path}", "redirected_away")
    ]
    assert handle.url(SECTION_PAGE) in rejects[0]["detail"]
    second, first = read_runs(output_dir)
    assert (second["finish_reason"], second["exit_code"]) == ("finished", exitcodes.OK)
    assert second["soft_blocks"] == 0
    assert second["failed_articles"] == 0
    assert second["rejects_by_reason"] == {"redirected_away": 1}
    assert second["watermark"] > first["watermark"], "the watermark moves past the reject"
    assert "newsscraper/softblock/detected" not in crawl_stats(result.stderr)

    mark = len(handle.requests)
    crawl(handle)  # nothing new: listing pages only (the first run's, walked once more)
    assert requests_for(handle, victim.path, since=mark) == []
    assert listing_only(handle.requests[mark:])


@pytest.mark.parametrize(
    "block",
    [faults.redirect("/captcha?from=article"), faults.meta_refresh("/captcha?from=article")],
    ids=["redirect", "meta_refresh"],
)
def test_article_sent_to_a_captcha_page_is_a_soft_block_asked_again_at_its_own_url(
    block, replica, crawl, output_dir
):
    # A throttled client sent on to a page that is not the site's: not a deleted story.
    site = ReplicaSite(articles=12)
    handle = replica(site)
    victim = site.articles[5]
    site.script(victim.path, [block])
    site.script("/captcha", [faults.soft_block()], repeat=True)

    result = crawl(handle)

    assert_stored_exactly(output_dir, site.articles)
    assert read_rejects(output_dir).num_rows == 0
    assert [r.path for r in handle.requests].count(victim.path) == 2
    assert crawl_stats(result.stderr)["newsscraper/softblock/detected"] == 1
    assert_clean_finish(output_dir)


def test_article_kept_on_a_captcha_page_is_pending_not_rejected(replica, crawl, output_dir):
    site = ReplicaSite(articles=12)
    handle = replica(site)
    victim = site.articles[5]
    site.script(victim.path, [faults.redirect("/captcha?from=article")], repeat=True)
    site.script("/captcha", [faults.soft_block()], repeat=True)

    crawl(handle, expect_exit=None)

    assert read_rejects(output_dir).num_rows == 0
    assert list(only_run(output_dir)["pending_articles"]) == [victim.article_id]
    site.clear_scripts()
    crawl(handle, expect_exit=None)
    assert_stored_exactly(output_dir, site.articles)


# Off the site: another host, or an address no browser fetches (a script, inline data, one
# that does not parse as a URL), which Scrapy leaves unfollowed.
OFF_THE_SITE = [
    "https://example.invalid/captcha",
    "javascript:location.reload()",
    "data:text/html,captcha",
    "http://[::1/captcha",
]


@pytest.mark.parametrize("location", OFF_THE_SITE, ids=["host", "javascript", "data", "bad"])
def test_article_sent_off_the_site_by_a_meta_refresh_is_a_soft_block_asked_again(
    location, replica, crawl, output_dir
):
    # A challenge page in place of the article, sending the browser to a captcha on another
    # host or nowhere: never followed, and not a story that moved away either. Once, then the
    # article.
    site = ReplicaSite(articles=12)
    handle = replica(site)
    victim = site.articles[5]
    site.script(victim.path, [faults.meta_refresh(location)])

    result = crawl(handle)

    assert [r.status for r in requests_for(handle, victim.path)] == [200, 200]
    assert crawl_stats(result.stderr)["newsscraper/softblock/detected"] == 1
    assert read_rejects(output_dir).num_rows == 0
    assert_stored_exactly(output_dir, site.articles)


@pytest.mark.parametrize("location", OFF_THE_SITE, ids=["host", "javascript", "data", "bad"])
def test_article_always_sent_off_the_site_stays_pending_not_rejected(
    location, replica, crawl, output_dir
):
    site = ReplicaSite(articles=12)
    handle = replica(site)
    victim = site.articles[5]
    captcha = faults.meta_refresh(location)
    site.script(victim.path, [captcha], repeat=True)

    result = crawl(handle, expect_exit=exitcodes.SITE_ERRORS)

    assert crawl_stats(result.stderr)["newsscraper/softblock/detected"] == 5  # and 4 retries
    assert read_rejects(output_dir).num_rows == 0
    assert list(only_run(output_dir)["pending_articles"]) == [victim.article_id]
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


def test_article_redirected_to_another_article_is_stored_once_and_never_asked_again(
    replica, crawl, output_dir
):
    # A story moved to another id: its listed URL answers 301 to the other article's page.
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle)
    target, moved, _ = site.publish(3)
    site.script(moved.path, [faults.redirect(target.path, code=301)], repeat=True)

    crawl(handle)

    assert_stored_exactly(output_dir, [a for a in site.articles if a is not moved])
    rejects = read_rejects(output_dir).to_pylist()
    assert [(r["article_id"], r["url"], r["reason"]) for r in rejects] == [
        (moved.article_id, f"https://cafef.vn{moved.path}", "redirected_to_article")
    ]
    assert target.article_id in rejects[0]["detail"]
    second, _ = read_runs(output_dir)
    assert (second["exit_code"], second["failed_articles"]) == (exitcodes.OK, 0)

    mark = len(handle.requests)
    crawl(handle)  # nothing new: listing pages only, the moved id is not asked for again
    assert listing_only(handle.requests[mark:])


def test_article_redirected_to_another_article_on_the_mobile_site_is_read_at_the_crawl_host(
    replica, crawl, output_dir
):
    # README, crawl_host: the story moved within the site, to another path on m.cafef.vn. That
    # path is asked for on the crawl host, stored under its own id, and the listed id rejected
    # as redirected_to_article, as for a redirect on the crawl host; m.cafef.vn is never asked.
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle)
    target, moved, _ = site.publish(3)
    site.script(moved.path, [faults.redirect(f"https://m.cafef.vn{target.path}", 301)], repeat=True)
    mark = len(handle.requests)

    result = crawl(handle)

    assert [r.status for r in requests_for(handle, moved.path, since=mark)] == [301]
    # Once listed, once where the redirect sent the moved story.
    assert [r.status for r in requests_for(handle, target.path, since=mark)] == [200, 200]
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not moved])
    rejects = read_rejects(output_dir).to_pylist()
    assert [(r["article_id"], r["url"], r["reason"]) for r in rejects] == [
        (moved.article_id, f"https://cafef.vn{moved.path}", "redirected_to_article")
    ]
    assert crawl_stats(result.stderr)["newsscraper/offsite/asked_at_crawl_host"] == 1
    second, _ = read_runs(output_dir)
    assert (second["exit_code"], second["failed_articles"]) == (exitcodes.OK, 0)


def test_article_redirected_to_its_own_path_on_the_mobile_site_stays_pending_not_rejected(
    replica, crawl, output_dir
):
    # Asked for at the crawl host again it would redirect again: not followed, and the story
    # is not lost (no redirected_away reject): pending, the log naming the host to crawl.
    site = ReplicaSite(articles=12)
    victim = site.articles[5]
    site.script(victim.path, [faults.redirect(f"https://m.cafef.vn{victim.path}")], repeat=True)
    handle = replica(site)

    result = crawl(handle, expect_exit=exitcodes.SITE_ERRORS)

    assert [r.status for r in requests_for(handle, victim.path)] == [302]
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert read_rejects(output_dir).num_rows == 0
    run = only_run(output_dir)
    assert list(run["pending_articles"]) == [victim.article_id]
    assert (
        f"redirected to https://m.cafef.vn{victim.path}, off the crawl host: not followed; to "
        "crawl that host, set CAFEF_BASE_URL=https://m.cafef.vn; pending"
    ) in result.stderr
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


def test_an_article_url_answered_with_another_articles_page_is_pending_then_stored_rightly(
    replica, crawl, output_dir
):
    # A cache's mix-up: A's URL serves B's page, whose #hdNewsId names B.
    site = ReplicaSite(articles=12)
    victim, other = site.articles[3], site.articles[7]
    site.script(victim.path, [faults.page_of(other.path)], repeat=True)
    handle = replica(site)

    crawl(handle, expect_exit=exitcodes.SITE_ERRORS)

    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    run = only_run(output_dir)
    assert list(run["pending_articles"]) == [victim.article_id] and run["failed_articles"] == 1
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)  # A under its own id, title and body
    assert read_runs(output_dir)[0]["pending_articles"] == {}


def test_response_over_download_maxsize_is_dropped_and_logged(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victim = site.articles[5]
    site.script(victim.path, [faults.oversized(500_000)], repeat=True)
    handle = replica(site)

    result = crawl(handle, settings={"DOWNLOAD_MAXSIZE": 400_000})

    assert victim.article_id not in stored_ids(output_dir)
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    # A page that large will never be an article: a reject, so no run asks for it again.
    assert_clean_finish(output_dir, failed_articles=0)
    assert reject_reasons(output_dir) == {victim.article_id: "response_too_large"}
    # Cancelled on its Content-Length, before the body is read; not retried.
    assert len(requests_for(handle, victim.path)) == 1
    warning = (
        "Expected to receive 500007 bytes which is larger than download "
        f"max size (400000) in request <GET {handle.url(victim.path)}>"
    )
    assert warning in result.stderr
    mark = len(handle.requests)
    crawl(handle)
    assert requests_for(handle, victim.path, since=mark) == []


class Gzipped(Fault):
    """The page padded to at least `size` bytes, then sent gzip-compressed, as the live site
    sends its pages: a few dozen KB on the wire."""

    def __init__(self, size: int) -> None:
        self.size = size

    def apply(self, target: str, normal) -> Response:
        response = faults.oversized(self.size).apply(target, normal)
        response.body = gzip.compress(response.body)
        response.headers["Content-Encoding"] = "gzip"
        return response


class CutZstdPastTheLimit(Fault):
    """The page padded to `size` bytes, sent as two zstd frames: the first whole, `whole`
    bytes of the page, the second cut in the middle, as a cache's cut copy of a large page."""

    def __init__(self, size: int, whole: int) -> None:
        self.size = size
        self.whole = whole

    def apply(self, target: str, normal) -> Response:
        from newsscraper.compressed import zstd

        response = faults.oversized(self.size).apply(target, normal)
        second = zstd.compress(response.body[self.whole :])
        response.body = zstd.compress(response.body[: self.whole]) + second[: len(second) // 2]
        response.headers["Content-Encoding"] = "zstd"
        return response


@pytest.mark.parametrize(
    "fault",
    [
        Gzipped(500_000),
        # Too large to store, whatever else is wrong with it: rejected at once, never retried
        # as a body cut short nor left pending for the next runs to fetch again.
        CutZstdPastTheLimit(500_000, whole=450_000),
    ],
    ids=["whole", "cut_short"],
)
def test_a_compressed_response_that_inflates_past_download_maxsize_is_a_reject(
    replica, crawl, output_dir, fault
):
    site = ReplicaSite(articles=25)
    victim = site.articles[5]
    site.script(victim.path, [fault], repeat=True)
    handle = replica(site)

    result = crawl(handle, settings={"DOWNLOAD_MAXSIZE": 400_000})

    # The same verdict as for the page sent plain: it will never be an article.
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert_clean_finish(output_dir, failed_articles=0)
    assert reject_reasons(output_dir) == {victim.article_id: "response_too_large"}
    assert len(requests_for(handle, victim.path)) == 1
    assert "exceeded DOWNLOAD_MAXSIZE (400000 B) during decompression" in result.stderr
    mark = len(handle.requests)
    crawl(handle)
    assert requests_for(handle, victim.path, since=mark) == []


# --- damaged pages: stored right --------------------------------------------------------------


def test_wrong_declared_charset_still_stores_the_vietnamese_text(replica, crawl, output_dir):
    site = ReplicaSite(articles=25, nfd={2})
    victims = [site.articles[1], site.articles[2]]  # both templates; one in NFD
    for article in victims:
        site.script(article.path, [faults.wrong_charset()], repeat=True)
    handle = replica(site)

    crawl(handle)

    assert [r.status for a in victims for r in requests_for(handle, a.path)] == [200, 200]
    rows = read_articles(output_dir, columns=["article_id", "title"]).to_pylist()
    stored = {row["article_id"]: row["title"] for row in rows}
    for article in victims:
        # What a reader trusting the header would have stored instead:
        assert article.title.encode().decode("iso-8859-1") != article.title
        assert stored[article.article_id] == article.title
    assert_stored_exactly(output_dir, site.articles)


def test_a_rate_limit_line_where_a_fragment_is_due_is_a_soft_block_not_the_end(
    replica, crawl, output_dir
):
    # A backfill has no watermark to say the listing ended too soon: taken as the end, the
    # rest of the window would be lost with exit 0.
    site = ReplicaSite(articles=50)  # page 1, then timeline pages 2 and 3
    site.script(TIMELINE_2, [faults.soft_block(bare=True), faults.soft_block(bare=True)])
    handle = replica(site)

    result = crawl(handle, since="2026-01-01")

    assert [r.status for r in requests_for(handle, TIMELINE_2)] == [200, 200, 200]
    assert crawl_stats(result.stderr)["newsscraper/softblock/detected"] == 2
    assert_stored_exactly(output_dir, site.articles)


def test_empty_timeline_fragment_in_the_middle_is_asked_again(replica, crawl, output_dir):
    site = ReplicaSite(articles=50)  # page 1, then timeline pages 2 and 3
    site.script(TIMELINE_2, [faults.empty()])
    handle = replica(site)

    crawl(handle)

    assert len(requests_for(handle, TIMELINE_2)) == 2
    assert len(requests_for(handle, TIMELINE_3)) == 1
    assert_stored_exactly(output_dir, site.articles)
    assert_clean_finish(output_dir)


def test_an_empty_fragment_met_by_the_backfill_search_is_asked_again(replica, crawl, output_dir):
    site = ReplicaSite(articles=120, page_size=10)
    day = dt.date(2026, 3, 5)  # from the second item of page 5 to page 8
    # The search reads pages 2, 4, 8, 6 and 5. Page 4 once empty, taken as past the end, would
    # turn it back to page 3 (and make page 4, not 5, the first page of the walk).
    page_3, page_4 = (f"/timelinelist/{site.zone_id}/{n}.chn" for n in (3, 4))
    site.script(page_4, [faults.empty()])
    handle = replica(site)

    crawl(handle, since=day.isoformat(), until=day.isoformat())

    window = {a.article_id for a in site.articles if a.published_at.date() == day}
    assert set(stored_ids(output_dir)) == window
    assert len(requests_for(handle, page_4)) == 2  # asked again at once
    assert requests_for(handle, page_3) == []  # and not taken as the end


# Past the end, a whole page is the end (asked for twice); page 1's items stop the walk on the
# third page that comes no further down, which the run record names.
@pytest.mark.parametrize(
    ("answer", "asked", "stop_reason", "exit_code"),
    [
        (faults.page_of(SECTION_PAGE), [2], "end_of_listing", exitcodes.OK),
        (faults.redirect(SECTION_PAGE), [2], "end_of_listing", exitcodes.OK),
        (faults.items_of(SECTION_PAGE), [1, 1, 1], "stuck_above_watermark", exitcodes.UNHEALTHY),
    ],
    ids=["whole_page", "redirect", "items_as_a_fragment"],
)
def test_a_backfill_ends_where_the_pages_past_the_end_answer_with_page_1(
    answer, asked, stop_reason, exit_code, replica, crawl, output_dir
):
    site = ReplicaSite(articles=40)  # page 1, then timeline page 2; from page 3 past the end
    past_the_end = [f"/timelinelist/{site.zone_id}/{n}.chn" for n in range(3, 20)]
    for path in past_the_end:
        site.script(path, [answer], repeat=True)
    handle = replica(site)

    crawl(handle, since="2020-01-01", expect_exit=exit_code)

    assert_stored_exactly(output_dir, site.articles)
    counts = [len(requests_for(handle, path)) for path in past_the_end]
    assert counts == asked + [0] * (len(counts) - len(asked))
    run = only_run(output_dir)
    assert (run["stop_reason"], run["exit_code"]) == (stop_reason, exit_code)
    stuck = stop_reason == "stuck_above_watermark"
    assert run["stop_url"] == (handle.url(past_the_end[len(asked) - 1]) if stuck else None)


def test_a_listing_that_breaks_off_twice_moves_no_watermark_and_the_next_run_fills_in(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=30)
    handle = replica(site)
    crawl(handle)
    (first,) = read_runs(output_dir)
    site.publish(60)  # pages 1-3 are new now, the stored 30 below them
    site.script(TIMELINE_2, [faults.empty(), faults.empty()])

    # Page 2 is empty twice: the walk ends there, above the watermark.
    crawl(handle, expect_exit=exitcodes.SITE_ERRORS)

    runs = sorted(read_runs(output_dir), key=lambda run: run["finished_at"])
    assert runs[-1]["stop_reason"] == "broke_off_above_watermark"
    newest = max(run["watermark"] for run in runs if run["watermark"])
    assert newest == first["watermark"], "pages 2 and 3 were never walked"
    assert len(stored_ids(output_dir)) < len(site.articles)
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


def test_a_story_dated_ahead_of_the_clock_does_not_stop_later_runs_above_a_failed_page(
    replica, crawl, output_dir
):
    # A story dated 20:00 at noon (scheduled, or a typo in the hour) tops the listing until
    # then, the stories published meanwhile under it: as the watermark, it would have the runs
    # after a run whose page 3 failed take those pages as stored and stop at page 1.
    site = ReplicaSite(articles=30, page_size=10)
    handle = replica(site)

    def at(hour: int, minute: int) -> dict:
        return {"NEWSSCRAPER_NOW": f"2026-03-08T{hour:02d}:{minute:02d}:00+07:00"}

    crawl(handle, settings=at(12, 0))
    crawl(handle, settings=at(12, 10))
    site.publish_at(dt.datetime(2026, 3, 8, 20, 0, tzinfo=VIETNAM))
    crawl(handle, settings=at(12, 20))
    crawl(handle, settings=at(12, 30))  # walks the range of the run before once more
    start = dt.datetime(2026, 3, 8, 12, 35, tzinfo=VIETNAM)
    for k in range(40):  # the machine is off until 19:40
        site.publish_at(start + dt.timedelta(minutes=10 * k))
    site.script(TIMELINE_3, [faults.status(500)], repeat=True)
    crawl(handle, settings=at(19, 40), expect_exit=exitcodes.SITE_ERRORS)
    site.clear_scripts()

    crawl(handle, settings=at(19, 50))

    assert_stored_exactly(output_dir, site.articles)


def test_a_gap_deeper_than_max_pages_is_caught_up_in_one_run(replica, crawl, output_dir):
    site = ReplicaSite(articles=30)
    handle = replica(site)
    settings = {"CAFEF_MAX_PAGES": 2}
    crawl(handle, settings=settings)
    site.publish(100)  # the machine was off: 100 new articles, five pages above the watermark

    crawl(handle, settings=settings)

    assert_stored_exactly(output_dir, site.articles)
    runs = sorted(read_runs(output_dir), key=lambda run: run["finished_at"])
    assert runs[-1]["listing_pages"] > 2 and runs[-1]["watermark"] > runs[0]["watermark"]


class WithoutListingTimes(Fault):
    """The listing page with no time on its stream items, as after a change of its layout."""

    def apply(self, target, normal):
        response = normal()
        response.body = re.sub(
            rb'(class="time time-ago"[^>]*?) title="[^"]*"', rb"\1", response.body
        )
        return response


def test_a_listing_without_times_makes_the_run_unhealthy_not_a_silent_walk_to_max_pages(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=100)
    handle = replica(site)
    settings = {"CAFEF_MAX_PAGES": 2}
    crawl(handle, settings=settings)
    crawl(handle, settings=settings)  # a watermark below the newest one
    for path in [
        f"/{site.section}.chn",
        *(f"/timelinelist/{site.zone_id}/{n}.chn" for n in (2, 3)),
    ]:
        site.script(path, [WithoutListingTimes()], repeat=True)
    site.publish(2)

    crawl(handle, settings=settings, expect_exit=exitcodes.UNHEALTHY)

    run = sorted(read_runs(output_dir), key=lambda run: run["finished_at"])[-1]
    # max_pages, and one more page that came no further down: stuck.
    assert run["stop_reason"] == "stuck_above_watermark" and run["listing_pages"] == 3
    assert "layout probably changed" in run["problems"][0]
    # The last page the walk reached when it gave up: the problem names it.
    last = handle.url(f"/timelinelist/{site.zone_id}/3.chn")
    assert run["stop_url"] == last and f"at listing page {last} " in run["problems"][0]


class ShiftUp(Fault):
    """Takes the listing's `n` newest out just before serving the page (their pages stay up):
    the entries below move up, across the page boundary the crawl is walking."""

    def __init__(self, site: ReplicaSite, n: int):
        self.site, self.n = site, n

    def apply(self, target, normal):
        self.site.shift(-self.n)
        return normal()


def test_an_entry_skipped_by_a_listing_that_moved_mid_walk_is_fetched_by_the_next_run(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=60, page_size=10)
    handle = replica(site)
    settings = {"CAFEF_MAX_PAGES": 2}
    crawl(handle, settings=settings)
    new = site.publish(50)  # a catch-up run pages down through 50 new articles
    site.script(f"/timelinelist/{site.zone_id}/4.chn", [ShiftUp(site, 2)])

    def missing() -> list[str]:
        listed, stored = {a.article_id for a in site.listing()}, set(stored_ids(output_dir))
        return [a.article_id for a in new if a.article_id in listed - stored]

    crawl(handle, settings=settings)
    assert missing(), "the shift made the catch-up run skip the entries that moved up a page"
    crawl(handle, settings=settings)  # walks the range the last run covered once more
    assert missing() == []


def malformed_site() -> tuple[ReplicaSite, list]:
    site = ReplicaSite(articles=25)
    victims = [site.articles[1], site.articles[2]]  # both templates
    for article in victims:
        site.script(article.path, [faults.malformed_html()], repeat=True)
    return site, victims


def test_malformed_html_is_never_stored_wrong(replica, crawl, output_dir):
    site, victims = malformed_site()
    crawl(replica(site))

    rejected = reject_reasons(output_dir)
    stored = set(stored_ids(output_dir))
    for article in victims:
        assert (article.article_id in stored) != (article.article_id in rejected)
    assert_stored_exactly(output_dir, [a for a in site.articles if a.article_id in stored])
    assert stored | set(rejected) == {a.article_id for a in site.articles}


def test_malformed_html_with_all_its_content_is_stored_right(replica, crawl, output_dir):
    site, victims = malformed_site()
    handle = replica(site)

    crawl(handle)

    assert all(len(requests_for(handle, a.path)) == 1 for a in victims)
    assert reject_reasons(output_dir) == {}
    assert_stored_exactly(output_dir, site.articles)


def test_invalid_json_ld_falls_back_to_the_markup(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    victims = [site.articles[1], site.articles[2]]  # both templates
    for article in victims:
        site.script(article.path, [faults.bad_json_ld()], repeat=True)
    handle = replica(site)

    crawl(handle)

    assert all(len(requests_for(handle, a.path)) == 1 for a in victims)
    assert_stored_exactly(output_dir, site.articles)


def test_listing_links_to_javascript_or_other_sites_are_never_requested(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    site.script(SECTION_PAGE, [faults.junk_items()])
    site.script(TIMELINE_2, [faults.junk_items()])
    handle = replica(site)

    result = crawl(handle)

    paths = handle.paths()
    assert not [p for p in paths if "1889901010000000" in p or "javascript" in p]
    stats = crawl_stats(result.stderr)
    assert_only_replica_fetched(handle, stats)
    assert_stored_exactly(output_dir, site.articles)
    assert_clean_finish(output_dir)


# --- a persistent soft block ------------------------------------------------------------------


class BlockingSite(ReplicaSite):
    """Serves `good` article pages, then soft-blocks every request, whatever its path."""

    def __init__(self, *args, good: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.good = good
        self.served_ids: list[str] = []
        self.blocked_requests = 0

    def respond(self, method: str, target: str) -> Response:
        with self._lock:
            found = ARTICLE_PATH.match(target)
            if self.blocked_requests or (found and len(self.served_ids) == self.good):
                self.blocked_requests += 1
                self.soft_block_all()
            elif found:
                self.served_ids.append(found.group(1))
        return super().respond(method, target)


def test_persistent_soft_block_stops_the_run_without_hammering(replica, crawl, output_dir):
    site = BlockingSite(articles=60, good=6)
    handle = replica(site)
    stop_after, concurrency = 5, 4

    result = crawl(
        handle,
        settings={
            "SOFT_BLOCK_STOP_AFTER": stop_after,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        },
        expect_exit=exitcodes.SOFT_BLOCKED,
    )

    # Out of 54 blocked articles with 4 retries each: the stop, plus what was in flight.
    # A good page already on its way when the block began can land after the first blocked
    # one and restart the count "in a row" once: hence twice the concurrency at the most.
    assert stop_after <= site.blocked_requests <= stop_after + 2 * concurrency
    run = only_run(output_dir)
    assert run["finish_reason"] == "soft_blocked"
    assert run["exit_code"] == exitcodes.SOFT_BLOCKED
    assert run["soft_blocks"] >= stop_after
    assert any("soft-block" in problem for problem in run["problems"])
    assert crawl_stats(result.stderr)["newsscraper/softblock/stopped"] is True
    # What came through before the block is stored; nothing of the block pages.
    assert sorted(stored_ids(output_dir)) == sorted(site.served_ids)
    assert_complete_part_files(output_dir)


def test_an_entry_skipped_by_a_listing_that_moved_during_the_first_run_is_fetched_by_the_next(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=60, page_size=10)
    handle = replica(site)
    settings = {"CAFEF_MAX_PAGES": 4}
    site.script(f"/timelinelist/{site.zone_id}/3.chn", [ShiftUp(site, 2)])

    crawl(handle, settings=settings)
    first_range = {a.article_id for a in site.listing()[:40]}  # the first run's four pages

    def missing() -> set[str]:
        return first_range - set(stored_ids(output_dir))

    assert missing(), "the shift made the first run skip the entries that moved up a page"
    site.publish(3)
    crawl(handle, settings=settings)  # walks the first run's range once more
    assert missing() == set()
    ids = stored_ids(output_dir)
    assert len(ids) == len(set(ids))


def test_a_section_robots_txt_forbids_is_not_crawled_and_the_run_says_why(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=10)
    site.robots_txt = "User-agent: *\nDisallow: /doanh-nghiep.chn\n"
    handle = replica(site)
    crawl(handle, settings={"ROBOTSTXT_OBEY": True}, expect_exit=exitcodes.SITE_ERRORS)
    assert [r.path for r in handle.requests] == ["/robots.txt"]
    run = only_run(output_dir)
    assert run["stop_reason"] == "forbidden_by_robots"
    section_page = handle.url("/doanh-nghiep.chn")
    assert run["stop_url"] == section_page
    assert run["problems"] == [
        f"the site's robots.txt forbids listing page {section_page}; paging stopped there "
        "(ROBOTSTXT_OBEY is on)"
    ]


def test_a_backfill_judges_its_windows_rejects_again_but_not_pages_the_site_said_gone(
    replica, crawl, output_dir
):
    # A page rejected under a limit since raised (or by a release with a fault since fixed)
    # is stored by a backfill of its window; a page the site answered 404 is not asked again.
    site = ReplicaSite(articles=25)
    too_large, gone = site.articles[5], site.articles[8]
    site.script(too_large.path, [faults.oversized(500_000)], repeat=True)
    site.script(gone.path, [faults.status(404)], repeat=True)
    handle = replica(site)
    crawl(handle, settings={"DOWNLOAD_MAXSIZE": 400_000})
    assert reject_reasons(output_dir) == {
        too_large.article_id: "response_too_large",
        gone.article_id: "http_404",
    }
    mark = len(handle.requests)

    crawl(handle)  # incremental: neither is asked for again
    assert requests_for(handle, too_large.path, since=mark) == []

    days = sorted(a.published_at.date() for a in site.articles)  # Vietnam dates
    crawl(handle, since=days[0].isoformat(), until=days[-1].isoformat())

    assert len(requests_for(handle, too_large.path, since=mark)) == 1
    assert requests_for(handle, gone.path, since=mark) == []
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not gone])


@pytest.mark.parametrize(
    ("fault", "why"),
    [
        (faults.status(503), "HTTP 503"),
        (faults.status(500), "HTTP 500"),
        (faults.status(429), "HTTP 429"),
        # The connection's fault in its own words, not the list of Twisted objects wrapping it.
        (faults.reset(), "Connection to the other side was lost in a non-clean fashion."),
    ],
)
def test_a_robots_txt_the_site_cannot_serve_forbids_the_whole_crawl(
    fault, why, replica, crawl, output_dir
):
    # RFC 9309, 2.3.1.4: a robots.txt unreachable for a server or network error means
    # complete disallow, not permission to crawl a site that is failing or throttling.
    site = ReplicaSite(articles=10)
    site.script("/robots.txt", [fault], repeat=True)
    handle = replica(site)
    result = crawl(handle, settings={"ROBOTSTXT_OBEY": True}, expect_exit=exitcodes.SITE_ERRORS)
    assert [r.path for r in handle.requests] == ["/robots.txt"] * (settings.RETRY_TIMES + 1)
    assert stored_ids(output_dir) == []
    run = only_run(output_dir)
    assert run["stop_reason"] == "robots_txt_unavailable"
    # Why, in the words of the log line (`listing page … failed, paging stops here: …`): the
    # status, or the connection's fault.
    logged = re.search(
        rf"ERROR: listing page {re.escape(handle.url('/doanh-nghiep.chn'))} "
        r"(failed, paging stops here: robots\.txt could not be fetched \((.+)\))\n",
        result.stderr,
    )
    assert logged is not None and logged[2] == why
    assert run["problems"] == [
        f"a listing page {logged[1]}; nothing was crawled (ROBOTSTXT_OBEY is on)"
    ]


def test_a_robots_txt_larger_than_download_maxsize_is_read_up_to_it_and_obeyed(
    replica, crawl, output_dir
):
    # RFC 9309, 2.5: at least its first 500 KiB are read, the rest may be ignored; a limit
    # for the pages of the site is no reason to crawl none of them.
    site = ReplicaSite(articles=10)
    forbidden, past_the_limit = site.articles[3], site.articles[4]
    padding = "# padding\n" * 100_000  # 1 MB
    site.robots_txt = (
        f"User-agent: *\nDisallow: {forbidden.path}\n{padding}Disallow: {past_the_limit.path}\n"
    )
    handle = replica(site)

    crawl(handle, settings={"ROBOTSTXT_OBEY": True, "DOWNLOAD_MAXSIZE": 600_000})

    assert handle.paths().count("/robots.txt") == 1
    assert forbidden.path not in handle.paths()
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not forbidden])
    assert reject_reasons(output_dir) == {forbidden.article_id: "forbidden_by_robots"}


def test_an_article_robots_txt_forbids_is_a_reject_never_requested_not_a_site_failure(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=10)
    victim = site.articles[3]
    site.robots_txt = f"User-agent: *\nDisallow: {victim.path}\n"
    handle = replica(site)

    crawl(handle, settings={"ROBOTSTXT_OBEY": True})

    assert victim.path not in handle.paths()
    assert_stored_exactly(output_dir, [a for a in site.articles if a is not victim])
    assert reject_reasons(output_dir) == {victim.article_id: "forbidden_by_robots"}
    run = only_run(output_dir)
    assert (run["exit_code"], run["problems"], run["failed_articles"]) == (exitcodes.OK, [], 0)
    assert run["pending_articles"] == {}


def test_too_many_requests_on_page_after_page_stops_the_run_like_soft_blocks(
    replica, crawl, output_dir
):
    # A 429 says in so many words what a soft-block page says: the crawl is going too fast.
    site = ReplicaSite(articles=40)
    for article in site.articles:
        site.script(article.path, [faults.status(429)], repeat=True)
    handle = replica(site)
    stop_after = 5

    result = crawl(
        handle,
        settings={
            "SOFT_BLOCK_STOP_AFTER": stop_after,
            "CONCURRENT_REQUESTS": settings.CONCURRENT_REQUESTS,
            "CONCURRENT_REQUESTS_PER_DOMAIN": settings.CONCURRENT_REQUESTS_PER_DOMAIN,
        },
        expect_exit=exitcodes.SOFT_BLOCKED,
    )

    refused = [r for r in handle.requests if r.status == 429]
    # Out of 40 pages with 4 retries each, 200 requests: the stop, and the listing pages that
    # came between the first 429s (each restarts the count "in a row").
    assert stop_after <= len(refused) <= 2 * stop_after
    run = only_run(output_dir)
    assert run["finish_reason"] == "soft_blocked"
    assert any("429" in problem for problem in run["problems"])
    assert crawl_stats(result.stderr)["newsscraper/softblock/stopped"] is True
    assert run["watermark"] is None
    # Nothing lost: once the site serves again, the next run stores every article.
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


@pytest.mark.parametrize("fault", [faults.status(503), faults.reset()], ids=["503", "reset"])
def test_a_site_failing_page_after_page_stops_the_run_instead_of_retrying_every_page(
    fault, replica, crawl, output_dir
):
    site = ReplicaSite(articles=40)
    for article in site.articles:
        site.script(article.path, [fault], repeat=True)
    handle = replica(site)
    stop_after = settings.SITE_FAILING_STOP_AFTER

    crawl(
        handle,
        settings={
            "CONCURRENT_REQUESTS": settings.CONCURRENT_REQUESTS,
            "CONCURRENT_REQUESTS_PER_DOMAIN": settings.CONCURRENT_REQUESTS_PER_DOMAIN,
        },
        expect_exit=exitcodes.SITE_ERRORS,
    )

    failed = [r for r in handle.requests if ARTICLE_PATH.match(r.path)]
    # Out of 40 pages with 4 retries each, 200 requests: the stop, and the listing pages that
    # came between the first failures (each restarts the count "in a row").
    assert stop_after <= len(failed) <= 2 * stop_after
    run = only_run(output_dir)
    assert (run["finish_reason"], run["exit_code"]) == ("site_failing", exitcodes.SITE_ERRORS)
    assert run["watermark"] is None
    assert any("kept failing" in problem for problem in run["problems"])
    # Nothing lost: once the site serves again, the next run stores every article.
    site.clear_scripts()
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


def test_a_crawl_delay_in_robots_txt_spaces_the_requests_even_below_download_delay(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=5)
    site.robots_txt = "User-agent: *\nCrawl-delay: 1\nAllow: /\n"
    handle = replica(site)

    crawl(
        handle,
        settings={
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": settings.CONCURRENT_REQUESTS,
            "CONCURRENT_REQUESTS_PER_DOMAIN": settings.CONCURRENT_REQUESTS_PER_DOMAIN,
            "DOWNLOAD_DELAY_JITTER": settings.DOWNLOAD_DELAY_JITTER,
            # AutoThrottle would bring the delay down to the replica's latency, a millisecond.
            "AUTOTHROTTLE_ENABLED": True,
            "AUTOTHROTTLE_START_DELAY": 0,
        },
    )

    times = [r.time for r in handle.requests]
    assert len(times) >= 8
    # Times of arrival: a busy machine holds one request back by tens of ms, shortening the
    # gap after it. Each gap is still far from none, and together they add up to the delay.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.5, gaps
    assert times[-1] - times[0] >= len(gaps) * 1.0 - 0.5, gaps
    assert_stored_exactly(output_dir, site.articles)
