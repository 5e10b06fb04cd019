"""Many requests in flight, answered out of order (the replica holds each response a random
0-300 ms): every story is stored once, and the runs leave the same records as one request at a
time would. The listing is walked one page after another whatever the concurrency: a page's
next page is asked for once it has been read, while its articles are still coming in."""

from __future__ import annotations

import re

import pytest
from replica_checks import assert_stored_exactly

from newsscraper.runs import read_runs
from replica import ReplicaSite, faults
from replica.crawl import run_crawl

pytestmark = pytest.mark.slow

JITTER = 0.3  # seconds, the most a response is held
ONE_AT_A_TIME = {"CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
RECORD_FIELDS = ("watermark", "walked_down_to", "stop_reason", "new_rows", "pending_articles")
TIMELINE = re.compile(r"^/timelinelist/18836/(\d+)\.chn$")


def records(output_dir) -> list[tuple]:
    return [tuple(run[name] for name in RECORD_FIELDS) for run in read_runs(output_dir)]


def listing_pages_asked(handle, since: int = 0) -> list[int]:
    pages = []
    for request in handle.requests[since:]:
        if request.path == "/doanh-nghiep.chn":
            pages.append(1)
        elif found := TIMELINE.match(request.path):
            pages.append(int(found.group(1)))
    return pages


def crawl_into(handle, output_dir, settings: dict | None = None, **spider_args) -> None:
    result = run_crawl(
        handle.base_url,
        output_dir,
        spider_args={k: str(v) for k, v in spider_args.items()},
        settings={k: str(v) for k, v in (settings or {}).items()},
    )
    assert result.returncode == 0, result.stderr[-6000:]


def three_runs(replica, output_dir, settings: dict, jitter: bool) -> tuple[list, list]:
    """A first run, 25 stories published, a second run, 3 more, a third: with a listing page
    and an article page failing twice (then served) in the second run. The run records, and
    the listing pages the second run asked for in turn."""
    site = ReplicaSite(articles=70, seed=3, page_size=10)
    if jitter:
        site.jitter(JITTER, seed=11)
    handle = replica(site)
    crawl_into(handle, output_dir, settings)
    site.publish(25)
    site.script("/timelinelist/18836/2.chn", [faults.status(503), faults.status(502)])
    site.script(site.listing()[7].path, [faults.status(500), faults.reset()])
    mark = len(handle.requests)
    crawl_into(handle, output_dir, settings)
    asked = listing_pages_asked(handle, mark)
    site.publish(3)
    crawl_into(handle, output_dir, settings)
    assert_stored_exactly(output_dir, site.articles)
    return records(output_dir), asked


def test_out_of_order_responses_store_every_story_once_and_move_the_watermark_as_in_order(
    replica, output_dir, tmp_path
):
    concurrent, asked = three_runs(replica, output_dir, {}, jitter=True)
    # Page 2 failed twice: asked three times, and page 3 only once it was read.
    assert asked[:5] == [1, 2, 2, 2, 3], asked
    assert asked == sorted(asked)
    in_order, _ = three_runs(replica, tmp_path / "in-order", ONE_AT_A_TIME, jitter=False)
    assert concurrent == in_order
    assert concurrent[0][0] > concurrent[1][0] > concurrent[2][0]  # the watermark moved up


def test_a_backfill_with_responses_out_of_order_stores_its_window_once(replica, tmp_path):
    site = ReplicaSite(articles=150, seed=2, page_size=10)
    site.jitter(JITTER, seed=5)
    days = sorted({a.published_at.date() for a in site.articles})
    since, until = days[2], days[-3]
    handle = replica(site)
    for window in ({"since": since}, {"since": since, "until": until}):
        output_dir = tmp_path / "-".join(window)
        crawl_into(handle, output_dir, **window)
        crawl_into(handle, output_dir, **window)  # again: nothing more
        last = window.get("until", days[-1])
        inside = [a for a in site.articles if since <= a.published_at.date() <= last]
        assert_stored_exactly(output_dir, inside)
