"""robots.txt kept in OUTPUT_DIR/.robots/ between runs: asked for once while it is young, and
read from the kept copy as from the site (its Disallow, its Crawl-delay)."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest

from newsscraper import exitcodes, settings
from newsscraper.runs import read_runs
from replica import ReplicaSite
from replica.crawl import run_crawl
from replica.response import Response

pytestmark = pytest.mark.slow

START = dt.datetime.now(dt.UTC).replace(microsecond=0)
TIMELINE_3 = "/timelinelist/18836/3.chn"


class RobotsTxtSite(ReplicaSite):
    """A site whose robots.txt answers with `robots_status` and `robots_headers` too."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.robots_status = 200
        self.robots_headers: dict[str, str] = {}

    def respond(self, method: str, target: str) -> Response:
        response = super().respond(method, target)
        if target.split("?", 1)[0] == "/robots.txt":
            response.status, response.headers = self.robots_status, dict(self.robots_headers)
        return response


def at(after: dt.timedelta, **more) -> dict:
    """The settings of a run whose clock reads START + `after`, obeying robots.txt."""
    return {"ROBOTSTXT_OBEY": True, "NEWSSCRAPER_NOW": (START + after).isoformat()} | more


def robots_requests(handle, since: int = 0) -> int:
    return sum(r.path == "/robots.txt" for r in handle.requests[since:])


def robots_asked(crawl, handle, after: dt.timedelta, **more) -> int:
    """robots.txt requests of one more run, its clock at START + `after`."""
    mark = len(handle.requests)
    crawl(handle, settings=at(after, **more))
    return robots_requests(handle, mark)


def newest_run(output_dir) -> dict:
    return max(read_runs(output_dir), key=lambda run: run["started_at"])


def kept_files(output_dir) -> list[str]:
    folder = output_dir / ".robots"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_run_within_the_age_asks_for_no_robots_txt_and_one_after_it_asks_again(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=5)
    handle = replica(site)
    crawl(handle, settings=at(dt.timedelta(0)))
    assert robots_requests(handle) == 1
    assert len(kept_files(output_dir)) == 1

    mark = len(handle.requests)
    assert robots_asked(crawl, handle, dt.timedelta(hours=23, minutes=50)) == 0
    assert handle.paths()[mark] == "/doanh-nghiep.chn"

    assert robots_asked(crawl, handle, dt.timedelta(hours=24)) == 1
    # Kept again by that run: the age counts from there.
    assert robots_asked(crawl, handle, dt.timedelta(hours=47)) == 0


def test_the_responses_own_max_age_is_honoured_when_shorter(replica, crawl, output_dir):
    site = RobotsTxtSite(articles=5)
    site.robots_headers = {"Cache-Control": "max-age=600"}
    handle = replica(site)
    crawl(handle, settings=at(dt.timedelta(0)))
    assert robots_asked(crawl, handle, dt.timedelta(minutes=9)) == 0
    assert robots_asked(crawl, handle, dt.timedelta(minutes=10)) == 1


@pytest.mark.parametrize("directive", ["no-store", "no-cache, max-age=3600"])
def test_a_robots_txt_the_site_says_not_to_keep_is_asked_for_every_run(
    directive, replica, crawl, output_dir
):
    site = RobotsTxtSite(articles=5)
    site.robots_headers = {"Cache-Control": directive}
    handle = replica(site)
    for minutes in (0, 1, 2):
        assert robots_asked(crawl, handle, dt.timedelta(minutes=minutes)) == 1
        assert kept_files(output_dir) == []


def test_a_robots_txt_not_to_keep_removes_the_copy_kept_before(replica, crawl, output_dir):
    site = RobotsTxtSite(articles=5)
    handle = replica(site)
    crawl(handle, settings=at(dt.timedelta(0)))
    assert len(kept_files(output_dir)) == 1
    site.robots_headers = {"Cache-Control": "no-store"}
    crawl(handle, settings=at(dt.timedelta(minutes=1), ROBOTSTXT_MAX_AGE=0))
    assert kept_files(output_dir) == []
    # The older copy is not read in place of the newest answer.
    assert robots_asked(crawl, handle, dt.timedelta(minutes=2)) == 1


def test_robotstxt_max_age_0_asks_every_run(replica, crawl, output_dir):
    handle = replica(ReplicaSite(articles=5))
    for minutes in (0, 1, 2):
        assert robots_asked(crawl, handle, dt.timedelta(minutes=minutes), ROBOTSTXT_MAX_AGE=0) == 1


def test_a_corrupt_kept_copy_is_asked_for_again_and_replaced(replica, crawl, output_dir):
    handle = replica(ReplicaSite(articles=5))
    crawl(handle, settings=at(dt.timedelta(0)))
    (name,) = kept_files(output_dir)
    kept = output_dir / ".robots" / name
    kept.write_bytes(kept.read_bytes()[:40])
    mark = len(handle.requests)
    result = crawl(handle, settings=at(dt.timedelta(minutes=1)))
    assert robots_requests(handle, mark) == 1
    assert f"robots.txt kept in {kept} cannot be used" in result.stderr
    assert robots_asked(crawl, handle, dt.timedelta(minutes=2)) == 0


def test_the_disallow_and_crawl_delay_of_a_kept_copy_still_apply(replica, crawl, output_dir):
    site = ReplicaSite(articles=2, page_size=3)
    site.robots_txt = f"User-agent: *\nCrawl-delay: 0.5\nDisallow: {TIMELINE_3}\n"
    handle = replica(site)
    one_at_a_time = {
        "CONCURRENT_REQUESTS": settings.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": settings.CONCURRENT_REQUESTS_PER_DOMAIN,
    }
    crawl(handle, settings=at(dt.timedelta(0), **one_at_a_time))
    assert TIMELINE_3 not in handle.paths()

    # The site now allows everything, but the run reads the copy kept an hour ago: seven new
    # stories push the watermark onto page 3, which the kept copy forbids.
    site.robots_txt = "User-agent: *\nAllow: /\n"
    site.publish(7)
    mark = len(handle.requests)
    crawl(
        handle,
        settings=at(dt.timedelta(hours=1), **one_at_a_time),
        expect_exit=exitcodes.SITE_ERRORS,
    )
    requests = handle.requests[mark:]
    assert [r.path for r in requests if r.path in ("/robots.txt", TIMELINE_3)] == []
    assert newest_run(output_dir)["stop_reason"] == "forbidden_by_robots"
    times = [r.time for r in requests]
    assert len(times) >= 4
    # Times of arrival: a busy machine holds one request back by tens of ms, shortening the
    # gap after it. Each gap is still far from none, and together they add up to the delay.
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.25, gaps
    assert times[-1] - times[0] >= len(gaps) * 0.5 - 0.25, gaps


def test_a_404_is_kept_and_an_unreachable_robots_txt_never_replaces_a_kept_copy(
    replica, crawl, output_dir
):
    site = RobotsTxtSite(articles=5)
    site.robots_status = 404
    handle = replica(site)
    crawl(handle, settings=at(dt.timedelta(0)))
    (name,) = kept_files(output_dir)
    kept = (output_dir / ".robots" / name).read_bytes()
    mark = len(handle.requests)
    crawl(handle, settings=at(dt.timedelta(hours=1)))  # a 404 allows all, for a day too
    assert robots_requests(handle, mark) == 0

    site.robots_status = 503
    mark = len(handle.requests)
    crawl(handle, settings=at(dt.timedelta(hours=25)), expect_exit=exitcodes.SITE_ERRORS)
    assert robots_requests(handle, mark) == settings.RETRY_TIMES + 1
    assert newest_run(output_dir)["stop_reason"] == "robots_txt_unavailable"
    assert (output_dir / ".robots" / name).read_bytes() == kept


def test_a_max_age_longer_than_any_number_is_kept_for_the_setting_and_the_run_goes_on(
    replica, crawl, output_dir
):
    site = RobotsTxtSite(articles=5)
    site.robots_headers = {"Cache-Control": "max-age=" + "9" * 400}
    handle = replica(site)
    crawl(handle, settings=at(dt.timedelta(0)))
    assert "/doanh-nghiep.chn" in handle.paths()
    assert len(kept_files(output_dir)) == 1
    assert robots_asked(crawl, handle, dt.timedelta(hours=23)) == 0
    assert robots_asked(crawl, handle, dt.timedelta(hours=24)) == 1


def test_a_robots_txt_that_cannot_be_kept_is_logged_and_the_run_goes_on(replica, crawl, output_dir):
    handle = replica(ReplicaSite(articles=5))
    output_dir.mkdir(parents=True)
    (output_dir / ".robots").write_bytes(b"")  # a file where the folder should be
    result = crawl(handle, settings=at(dt.timedelta(0)))
    assert "/doanh-nghiep.chn" in handle.paths()
    assert "not kept for the next runs" in result.stderr
    assert newest_run(output_dir)["stop_reason"] != "robots_txt_unavailable"


def test_a_crawl_delay_longer_than_retry_after_max_stops_the_run_and_the_next_ones_at_once(
    replica, output_dir
):
    # Waited out, a Crawl-delay of 1e308 s would hold the run, and the output directory's
    # lock, for ever: every cron run after it would find the lock held.
    site = ReplicaSite(articles=5)
    site.robots_txt = "User-agent: *\nCrawl-delay: 1e308\nAllow: /\n"
    handle = replica(site)
    for after, robots_txt_asked in (
        (dt.timedelta(0), ["/robots.txt"]),
        (dt.timedelta(minutes=1), []),
    ):
        mark = len(handle.requests)
        began = time.monotonic()
        result = run_crawl(handle.base_url, output_dir, settings=at(after), timeout=120)
        assert time.monotonic() - began < 60
        assert result.returncode == exitcodes.SITE_ERRORS, result.stderr[-6000:]
        # The kept copy is read by the next run: it asks the site for nothing at all.
        assert handle.paths()[mark:] == robots_txt_asked
        assert (
            "asks for a Crawl-delay of 1e+308s, longer than RETRY_AFTER_MAX (600s), the longest "
            "wait for the site a run honours: nothing is crawled. To crawl at that pace, raise "
            "RETRY_AFTER_MAX to it with -s"
        ) in result.stderr
        run = newest_run(output_dir)
        assert (run["stop_reason"], run["watermark"], run["new_rows"]) == (
            "crawl_delay_too_long",
            None,
            0,
        )
        assert run["problems"][0].startswith(
            "the site's robots.txt asks for a Crawl-delay longer than RETRY_AFTER_MAX"
        )
