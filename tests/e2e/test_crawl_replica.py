"""End to end: `scrapy crawl cafef` against the replica, read back with four readers."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from replica_checks import assert_stored_exactly, stored_ids

from newsscraper import __version__, exitcodes
from newsscraper.dataset import ARTICLES, REJECTS, RUNS, articles_dir, list_part_files
from newsscraper.dataset_read import read_rejects
from newsscraper.runs import read_runs
from replica import ReplicaSite, SyntheticArticle, faults
from replica.crawl import run_crawl
from replica.faults import Fault


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {row["article_id"]: row for row in rows}


def test_every_article_once_with_its_title_and_instant_despite_faults(
    replica, crawl, stored, output_dir
):
    site = ReplicaSite(articles=45)
    newest, older = site.articles[0], site.articles[30]
    site.script(older.path, [faults.status(500)])
    site.script("/timelinelist/18836/2.chn", [faults.status(429, retry_after=0)])
    handle = replica(site)

    crawl(handle)

    rows = stored()
    assert len(rows) == 45
    got = by_id(rows)
    assert set(got) == {a.article_id for a in site.articles}
    for article in site.articles:
        row = got[article.article_id]
        assert row["title"] == article.title
        assert row["published_at"] == article.published_at.astimezone(dt.UTC)
        assert row["url"] == article.url
        assert row["section"] == "doanh-nghiep"
    assert newest.article_id in got and older.article_id in got
    # Only the replica was asked for anything, and never the most-read box's articles.
    most_read_paths = {a.path for a in site.most_read}
    assert not [r for r in handle.requests if r.path in most_read_paths]
    assert [r.path for r in handle.requests].count(older.path) == 2, "500 once, then retried"


def test_every_request_names_newsscraper_its_version_and_the_contact(replica, output_dir):
    handle = replica(ReplicaSite(articles=5))
    result = run_crawl(handle.base_url, output_dir, env={"NEWSSCRAPER_CONTACT": "ops@example.com"})
    assert result.returncode == 0, result.stderr[-6000:]
    assert len(handle.requests) > 5
    assert {r.user_agent for r in handle.requests} == {
        f"newsscraper/{__version__} (news archiver; +ops@example.com)"
    }


def test_every_part_file_names_its_schema_version_and_the_release_that_wrote_it(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=30)
    crawl(replica(site), settings={"NEWSSCRAPER_NOW": "2026-03-05T12:00:00+07:00"})
    files = {folder: list_part_files(output_dir, folder) for folder in (ARTICLES, REJECTS, RUNS)}
    assert all(files.values()), files  # the newest article is ahead of the clock: a reject
    for path in [path for paths in files.values() for path in paths]:
        metadata = pq.read_metadata(path).metadata
        assert {k: v for k, v in metadata.items() if k.startswith(b"newsscraper.")} == {
            b"newsscraper.schema_version": b"8",
            b"newsscraper.version": __version__.encode(),
        }, path


def test_the_dataset_reads_with_pandas_pyarrow_duckdb_and_polars(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    crawl(replica(site))
    path = articles_dir(output_dir)
    expected = {a.article_id: a.published_at.date() for a in site.articles}

    frame = pd.read_parquet(path)
    assert dict(zip(frame["article_id"], frame["published_date"].astype(str), strict=True)) == {
        k: v.isoformat() for k, v in expected.items()
    }

    table = pads.dataset(path, partitioning="hive").to_table()
    assert sorted(table["article_id"].to_pylist()) == sorted(expected)

    con = duckdb.connect()
    duck = con.execute(
        f"SELECT article_id, published_date, section FROM read_parquet('{path}/**/*.parquet', "
        "hive_partitioning=true)"
    ).fetchall()
    assert {r[0]: dt.date.fromisoformat(str(r[1])) for r in duck} == expected
    assert {r[2] for r in duck} == {"doanh-nghiep"}

    lazy = pl.scan_parquet(f"{path}/**/*.parquet", hive_partitioning=True)
    polars_rows = lazy.select("article_id", "published_date", "title").collect()
    assert polars_rows.height == 25
    assert {
        r["article_id"]: dt.date.fromisoformat(str(r["published_date"]))
        for r in polars_rows.iter_rows(named=True)
    } == expected


def test_data_quality_nfc_one_row_each_near_duplicates_and_rejects(
    replica, crawl, stored, output_dir
):
    site = ReplicaSite(
        articles=30, nfd={1, 4}, listed_twice={2}, near_duplicate_of={9: 6}, no_title={5}
    )
    handle = replica(site)
    result = crawl(handle)

    rows = by_id(stored())
    articles = site.articles
    assert len(rows) == 29, "every article but the title-less one, each once"
    for index in (1, 4):
        row = rows[articles[index].article_id]
        assert row["title"] == articles[index].title
        assert unicodedata.is_normalized("NFC", row["title"] + row["body"])
        assert not unicodedata.is_normalized("NFC", unicodedata.normalize("NFD", row["title"]))
    copy, original = articles[9], articles[6]
    # The listing is newest first: the original (6) is older, so the crawl may store either
    # first; exactly one of the pair points at the other.
    flags = {rows[copy.article_id]["duplicate_of"], rows[original.article_id]["duplicate_of"]}
    assert flags in ({original.article_id, None}, {copy.article_id, None})
    assert sum(1 for r in rows.values() if r["duplicate_of"]) == 1

    rejects = read_rejects(output_dir).to_pylist()
    assert [(r["article_id"], r["reason"]) for r in rejects] == [
        (articles[5].article_id, "missing_title")
    ]
    # The log names the rejected article; its text is in rejects/, not copied into the log.
    assert f"Dropped article {articles[5].article_id} <https://cafef.vn/" in result.stderr
    assert articles[5].story.paragraphs[0] not in result.stderr

    crawl(handle)
    assert len(stored()) == 29, "a second crawl of the same replica adds no row"


def test_incremental_run_fetches_only_what_is_new(replica, crawl, stored, output_dir):
    site = ReplicaSite(articles=40)
    handle = replica(site)
    crawl(handle)
    assert len(stored()) == 40

    mark = len(handle.requests)
    new = site.publish(3)
    crawl(handle)
    rows = stored()
    assert len(rows) == 43
    assert {a.article_id for a in new} <= {r["article_id"] for r in rows}
    second = handle.requests[mark:]
    listing = [r for r in second if r.path == "/doanh-nghiep.chn" or "timelinelist" in r.path]
    # Down to where the first run stopped, the bottom of page 2 (the end of the listing), and
    # the page under it, where more of that minute could be: past the end, asked twice.
    assert [r.path for r in listing] == [
        "/doanh-nghiep.chn",
        "/timelinelist/18836/2.chn",
        "/timelinelist/18836/3.chn",
        "/timelinelist/18836/3.chn",
    ]
    articles = [r for r in second if r.path.endswith(".chn") and r not in listing]
    assert sorted(r.path for r in articles) == sorted(a.path for a in new)

    # The third walks down to where the first stopped once more: only the second walked the
    # stories of that minute under it. From then on, nothing new costs one listing request.
    mark = len(handle.requests)
    crawl(handle)
    assert [r.path for r in handle.requests[mark:]] == [r.path for r in listing]
    mark = len(handle.requests)
    crawl(handle)
    assert len(stored()) == 43
    assert [r.path for r in handle.requests[mark:]] == ["/doanh-nghiep.chn"], (
        "nothing new costs one listing request"
    )
    runs = read_runs(output_dir)
    assert [r["new_rows"] for r in runs] == [0, 0, 3, 40]
    assert all(r["exit_code"] == 0 for r in runs)


def test_a_run_after_a_first_run_whose_last_page_held_one_story_ends_with_the_listing(
    replica, crawl, stored, output_dir
):
    # The first run walks the whole listing, down to the one story of its last page: that
    # story is how far down it walked. New stories move it down with one above it on the last
    # page, whose bottom (two entries) is then newer: the listing ends there all the same.
    site = ReplicaSite(articles=3 + 5 + 1, page_size=5)
    handle = replica(site)
    crawl(handle)
    site.publish(2)

    result = crawl(handle, expect_exit=None)

    assert result.returncode == exitcodes.OK, result.stdout
    assert_stored_exactly(output_dir, site.articles)
    second, first = read_runs(output_dir)
    assert second["stop_reason"] == "end_of_listing"
    assert second["watermark"] > first["watermark"]


def test_once_a_catch_up_was_walked_again_a_run_with_nothing_new_reads_page_1_only(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=10, page_size=5)
    handle = replica(site)
    crawl(handle)
    crawl(handle)  # down to where the first run stopped
    site.publish(25)  # the machine was off: five pages above the watermark
    crawl(handle)  # catches up
    crawl(handle)  # walks the range the catch-up covered once more

    for _ in range(2):  # a quiet night
        mark = len(handle.requests)
        crawl(handle)
        assert [r.path for r in handle.requests[mark:]] == ["/doanh-nghiep.chn"], (
            "nothing new costs one listing request"
        )
    assert_stored_exactly(output_dir, site.articles)


def test_a_page_pushed_down_by_stories_published_while_a_run_catches_up_is_walked_on(
    replica, crawl, output_dir
):
    # The machine was off: five pages above the watermark, past max_pages (2). Just before page
    # 2 is served a page of stories is published: page 2 shows page 1's stream again, no
    # further down. That is no listing stuck above the watermark: the walk goes on down to it.
    site = ReplicaSite(articles=5, page_size=5)
    handle = replica(site)
    crawl(handle)
    site.publish(25)
    site.script(f"/timelinelist/{site.zone_id}/2.chn", [PublishFirst(site, site.page_size)])

    result = crawl(handle, settings={"CAFEF_MAX_PAGES": 2}, expect_exit=None)

    assert result.returncode == exitcodes.OK, result.stdout
    second, first = read_runs(output_dir)
    assert second["stop_reason"] != "stuck_above_watermark"
    assert second["watermark"] > first["watermark"]
    # Every story but those published while it paged, above where it started: the next run's.
    assert_stored_exactly(output_dir, site.articles[site.page_size :])


def test_a_story_of_the_minute_the_first_run_stopped_at_listed_past_its_last_page_is_stored(
    replica, crawl, stored, output_dir
):
    # Three stories share a minute, the last two of page 1 and the first of page 2 (the site
    # orders a minute's stories any way). The first run stops at max_pages after page 1: that
    # minute is how far down it walked, and the next run walks down to it and past it.
    site = ReplicaSite(articles=12, page_size=5)
    page_2 = 3 + site.page_size  # the first entry of page 2 in `site.listing()`
    third = site.listing()[page_2 - 2]
    first, second = (site.publish_at(third.published_at) for _ in range(2))
    assert site.listing()[page_2 - 2 : page_2 + 1] == [second, first, third]
    handle = replica(site)
    settings = {"CAFEF_MAX_PAGES": 1}

    crawl(handle, settings=settings)
    assert third.article_id not in {r["article_id"] for r in stored(["article_id"])}
    crawl(handle, settings=settings)  # down to the minute where the first run stopped
    crawl(handle, settings=settings)  # and once more: only the second walked past it
    crawl(handle, settings=settings)

    assert third.article_id in stored_ids(output_dir), "never fetched, by any run"
    assert_stored_exactly(output_dir, site.listing()[: page_2 + site.page_size])
    runs = read_runs(output_dir)
    assert [r["listing_pages"] for r in runs] == [1, 2, 2, 1]
    assert all(r["exit_code"] == 0 for r in runs)


def test_a_story_of_the_first_runs_last_minute_shifted_while_the_second_walks_there_is_stored(
    replica, crawl, output_dir
):
    # As above, the first run stops after page 1 inside a minute that goes on on page 2. Five
    # new stories put that minute at the bottom of page 2, its third story first on page 3.
    # The second run walks down to there; just before it reads page 3 the newest story is
    # taken off: the third moves up to page 2, read already. The run after it walks down to
    # that minute once more, and stores it.
    site = ReplicaSite(articles=20, page_size=5)
    third = site.listing()[3 + site.page_size - 2]
    for _ in range(2):
        site.publish_at(third.published_at)
    handle = replica(site)
    settings = {"CAFEF_MAX_PAGES": 1}
    crawl(handle, settings=settings)
    site.publish(5)
    taking_off = TakeOffFirst(site, 1)
    site.script(f"/timelinelist/{site.zone_id}/3.chn", [taking_off])

    crawl(handle, settings=settings)
    assert third.article_id not in stored_ids(output_dir), "the shift the third run is there for"
    crawl(handle, settings=settings)

    stored = [*taking_off.taken, *site.listing()[: 3 + 3 * site.page_size]]
    assert third in stored
    assert_stored_exactly(output_dir, stored)
    assert [r["listing_pages"] for r in read_runs(output_dir)] == [3, 3, 1]


def test_a_story_published_in_the_watermarks_minute_listed_past_a_page_boundary_is_stored(
    replica, crawl, output_dir
):
    # The watermark is the minute of the two newest stories. A third is published in that
    # minute after the runs that set it, listed under them; new stories put the two at the
    # bottom of page 1 and the third first on page 2. A run stopped by `max_pages` stores
    # page 1: the runs after it walk down to the watermark, and past page 1 to the third.
    site = ReplicaSite(articles=12, page_size=5)
    minute = (site.articles[0].published_at + dt.timedelta(minutes=30)).replace(second=0)
    tied = [site.publish_at(minute) for _ in range(2)]
    handle = replica(site)
    for _ in range(3):  # the first, and twice down to where it stopped: that minute, thrice
        crawl(handle)
    late = site.publish_at(minute + dt.timedelta(seconds=40), under_its_minute=True)
    site.publish(6)
    page_2 = 3 + site.page_size  # the first entry of page 2 in `site.listing()`
    assert site.listing()[page_2 - 2 : page_2 + 1] == [tied[1], tied[0], late]

    crawl(handle, max_pages=1)  # stores page 1, down to the watermark's minute
    for _ in range(2):
        crawl(handle)

    assert late.article_id in stored_ids(output_dir), "never fetched, by any run"
    assert_stored_exactly(output_dir, site.articles)
    runs = read_runs(output_dir)
    assert runs[2]["stop_reason"] == "max_pages"
    assert runs[2]["watermark"] == runs[3]["watermark"], "it stopped at the watermark's minute"
    assert all(r["exit_code"] == 0 for r in runs)


def test_a_run_id_already_used_is_refused_before_it_overwrites_that_runs_files(
    replica, crawl, stored, output_dir
):
    site = ReplicaSite(articles=30)
    handle = replica(site)
    crawl(handle, settings={"RUN_ID": "nightly"})
    assert len(stored()) == 30

    site.publish(3)
    result = crawl(handle, settings={"RUN_ID": "nightly"}, expect_exit=1)
    assert "newsscraper: RUN_ID 'nightly' is already used" in result.stderr
    assert "Traceback" not in result.stderr, "a used run id is said, not a crash"
    assert len(stored()) == 30, "the first run's rows are all still there"
    assert [r["new_rows"] for r in read_runs(output_dir)] == [30]

    crawl(handle, settings={"RUN_ID": "nightly-2"})
    assert len(stored()) == 33


def test_a_run_id_that_cannot_name_files_is_refused_before_any_request(
    replica, crawl, stored, output_dir
):
    handle = replica(ReplicaSite(articles=30))
    result = crawl(handle, settings={"RUN_ID": "a/b"}, expect_exit=exitcodes.USAGE)
    assert "RUN_ID 'a/b' cannot name files" in result.stderr
    assert handle.requests == [] and stored() == []


def test_articles_rejected_by_a_clock_running_behind_are_stored_once_it_has_caught_up(
    replica, crawl, stored, output_dir
):
    site = ReplicaSite(articles=30)  # the newest at 2026-03-07 10:22 in Vietnam
    handle = replica(site)
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-05T12:00:00+07:00"})
    reasons = read_rejects(output_dir, columns=["reason"])["reason"].to_pylist()
    assert reasons and set(reasons) == {"published_in_future"}
    assert len(stored()) == 30 - len(reasons)

    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-07T12:00:00+07:00"})
    assert {r["article_id"] for r in stored()} == {a.article_id for a in site.articles}
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-07T13:00:00+07:00"})
    assert len(stored()) == 30


def test_a_future_reject_taken_off_the_listing_is_asked_for_by_its_url_once_due(
    replica, crawl, stored, output_dir
):
    # No listing shows it any more (its page is still up): only its reject, due again once the
    # clock has caught up, brings it back.
    site = ReplicaSite(articles=30)
    handle = replica(site)
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-05T12:00:00+07:00"})
    rejected = set(read_rejects(output_dir, columns=["article_id"])["article_id"].to_pylist())
    off_listing = site.shift(-3)
    assert {a.article_id for a in off_listing} <= rejected

    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-07T12:00:00+07:00"})

    assert {r["article_id"] for r in stored()} == {
        a.article_id for a in [*site.articles, *off_listing]
    }


def test_a_future_reject_whose_page_is_gone_once_the_clock_caught_up_is_asked_for_once(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=30)
    handle = replica(site)
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-05T12:00:00+07:00"})
    victim_id = read_rejects(output_dir, columns=["article_id"])["article_id"][0].as_py()
    victim = next(a for a in site.articles if a.article_id == victim_id)
    site.script(victim.path, [faults.status(404)], repeat=True)

    for hour in (12, 13, 14):
        crawl(handle, settings={"NEWSSCRAPER_NOW": f"2026-03-07T{hour}:00:00+07:00"})

    assert len([r for r in handle.requests if r.path == victim.path]) == 2
    reasons = [
        r["reason"] for r in read_rejects(output_dir).to_pylist() if r["article_id"] == victim_id
    ]
    assert reasons == ["published_in_future", "http_404"]


def test_a_future_reject_is_stored_by_a_crawl_of_its_own_section_not_of_another(
    replica, crawl, stored, output_dir
):
    # Two sections crawled into one OUTPUT_DIR; the site serves every article on any URL.
    other = ReplicaSite(articles=10, section="bat-dong-san")
    site = ReplicaSite(articles=20)
    served_not_listed = site.shift(-10)  # the same ids as `other`'s articles
    assert [a.article_id for a in served_not_listed] == [a.article_id for a in other.articles]
    behind, caught_up = "2026-03-05T12:00:00+07:00", "2026-03-07T12:00:00+07:00"
    other_handle = replica(other)
    crawl(other_handle, section="bat-dong-san", settings={"NEWSSCRAPER_NOW": behind}, expect_exit=5)
    assert stored() == []

    crawl(replica(site), settings={"NEWSSCRAPER_NOW": caught_up})
    assert {r["article_id"] for r in stored()} == {a.article_id for a in site.articles}

    crawl(other_handle, section="bat-dong-san", settings={"NEWSSCRAPER_NOW": caught_up})
    sections = {r["article_id"]: r["section"] for r in stored(["article_id", "section"])}
    assert {i for i, s in sections.items() if s == "bat-dong-san"} == {
        a.article_id for a in other.articles
    }


def test_an_article_listed_in_two_sections_is_stored_once_under_the_first_crawled(
    replica, crawl, stored
):
    # The same seed makes the same articles: the first 10 of `other` are `site`'s 10.
    site = ReplicaSite(articles=10)
    other = ReplicaSite(articles=14, section="bat-dong-san")
    shared = {a.article_id for a in site.articles}
    assert shared < {a.article_id for a in other.articles}
    crawl(replica(site))
    other_handle = replica(other)
    for _ in range(2):
        crawl(other_handle, section="bat-dong-san")
    rows = stored(["article_id", "section"])
    assert sorted(r["article_id"] for r in rows) == sorted(a.article_id for a in other.articles)
    assert {r["article_id"] for r in rows if r["section"] == "doanh-nghiep"} == shared
    asked = [r.path for r in other_handle.requests if r.path.endswith(".chn")]
    own = [a.path for a in other.articles if a.article_id not in shared]
    assert sorted(p for p in asked if p in {a.path for a in other.articles}) == sorted(own)


def test_backfill_window_stores_exactly_the_articles_inside_it(replica, crawl, stored):
    site = ReplicaSite(articles=120, page_size=10)
    days = sorted({a.published_at.date() for a in site.articles})
    assert len(days) >= 4
    since, until = days[1], days[-2]
    handle = replica(site)
    crawl(handle, since=since.isoformat(), until=until.isoformat())
    inside = {a.article_id for a in site.articles if since <= a.published_at.date() <= until}
    assert {r["article_id"] for r in stored()} == inside
    fetched = {r.path for r in handle.requests}
    outside = [a for a in site.articles if a.article_id not in inside]
    assert not [a for a in outside if a.path in fetched], "nothing outside the window is fetched"


class PublishFirst(Fault):
    """Publishes `n` articles just before serving the page: every entry moves `n` places down."""

    def __init__(self, site: ReplicaSite, n: int):
        self.site, self.n = site, n

    def apply(self, target, normal):
        self.site.publish(self.n)
        return normal()


class TakeOffFirst(Fault):
    """Takes the `n` newest articles off the listing (their pages stay up, `taken`) just before
    serving the page: every entry moves `n` places up."""

    def __init__(self, site: ReplicaSite, n: int):
        self.site, self.n, self.taken = site, n, []

    def apply(self, target, normal):
        self.taken += self.site.shift(-self.n)
        return normal()


def test_a_backfill_loses_nothing_of_its_window_when_the_listing_moves_during_the_search(
    replica, crawl, stored
):
    site = ReplicaSite(articles=120, page_size=10)
    day = dt.date(2026, 3, 5)  # from the second item of page 5 to page 8
    window = {a.article_id for a in site.articles if a.published_at.date() == day}
    # The search reads pages 8 and 6 (both reach the day), then page 5 once ten articles are
    # published: the day's entries of page 5 are on page 6 now, which was read before.
    site.script(f"/timelinelist/{site.zone_id}/5.chn", [PublishFirst(site, 10)])
    handle = replica(site)

    crawl(handle, since=day.isoformat(), until=day.isoformat())

    listing = [r.path.split("/")[-1] for r in handle.requests if "timelinelist" in r.path]
    assert listing[:5] == ["2.chn", "4.chn", "8.chn", "6.chn", "5.chn"]
    assert {r["article_id"] for r in stored()} == window


def test_the_first_page_of_a_backfill_walk_that_comes_empty_is_asked_again(replica, crawl, stored):
    site = ReplicaSite(articles=120, page_size=10)
    day = dt.date(2026, 3, 5)
    window = {a.article_id for a in site.articles if a.published_at.date() == day}
    # As above, the walk reads page 6 again after the search: the live site's empty fragment
    # then must not pass for a page of page 1's picks only, and the walk go on to page 7.
    site.script(f"/timelinelist/{site.zone_id}/5.chn", [PublishFirst(site, 10)])
    page_6 = f"/timelinelist/{site.zone_id}/6.chn"
    site.script(page_6, [faults.delay(0), faults.empty()])
    handle = replica(site)

    crawl(handle, since=day.isoformat(), until=day.isoformat())

    assert {r["article_id"] for r in stored()} == window
    assert len([r for r in handle.requests if r.path == page_6]) == 3


def test_a_backfill_window_older_than_the_archive_stores_nothing_and_is_healthy(
    replica, crawl, stored, output_dir
):
    site = ReplicaSite(articles=60, page_size=10)
    handle = replica(site)
    crawl(handle)  # a watermark, which the backfill below never walks down to

    crawl(handle, since="2026-01-01", until="2026-01-31")

    assert len(stored()) == 60
    backfill = max(read_runs(output_dir), key=lambda run: run["finished_at"])
    assert (backfill["stop_reason"], backfill["problems"]) == ("end_of_listing", [])


def test_a_backfill_asks_for_the_empty_page_past_the_end_of_the_listing_twice_only(
    replica, crawl, output_dir
):
    # Pages 1 to 6 hold the 60 articles. The search reads 8 and 7 empty twice each and 6 in
    # between: page 7 is past the end. Whatever comes onto it later is newer than page 6's
    # stories, none in the window: neither the search nor the walk asks for it again.
    site = ReplicaSite(articles=60, page_size=10)
    handle = replica(site)

    crawl(handle, since="2026-01-01", until="2026-01-31")

    listing = [r.path.split("/")[-1] for r in handle.requests if "timelinelist" in r.path]
    assert listing.count("7.chn") == 2, listing
    backfill = max(read_runs(output_dir), key=lambda run: run["finished_at"])
    assert (backfill["stop_reason"], backfill["problems"]) == ("end_of_listing", [])


def test_a_backfill_whose_page_past_the_end_was_read_before_the_page_before_asks_for_it_again(
    replica, crawl, output_dir
):
    # Pages 1 to 7 hold the 70 articles. The search reads 8 empty twice, then 6 and 7: page 8,
    # past the end, was read before page 7. Stories published in between would have pushed
    # the oldest of page 7 onto it: the walk reads it once more, and empty, ends there.
    site = ReplicaSite(articles=70, page_size=10)
    handle = replica(site)

    result = crawl(handle, since="2026-01-01", until="2026-01-31")

    listing = [r.path.split("/")[-1] for r in handle.requests if "timelinelist" in r.path]
    assert listing.count("8.chn") == 3, listing
    assert listing.index("7.chn") > listing.index("8.chn"), listing
    reached = "page 8 is the first to reach 2026-01-31 (it is past the end of the listing"
    assert reached in result.stderr
    backfill = max(read_runs(output_dir), key=lambda run: run["finished_at"])
    assert (backfill["stop_reason"], backfill["problems"]) == ("end_of_listing", [])


def picked_site() -> tuple[ReplicaSite, dt.date, dt.date, int, int]:
    """120 articles over five days; the focus block shows editors' picks, as on the real section
    page: older than the stream's top, out of order, and in no stream page. One pick is on the
    second day (`inside`), one the oldest article, on the first day."""
    articles = ReplicaSite(articles=120, page_size=10).articles
    days = sorted({a.published_at.date() for a in articles})
    assert len(days) >= 4
    since, until = days[1], days[-2]
    oldest = len(articles) - 1
    inside = max(i for i, a in enumerate(articles) if a.published_at.date() == since)
    site = ReplicaSite(articles=120, page_size=10, focus_picks=(inside, oldest, 2))
    return site, since, until, inside, oldest


def test_editors_picks_in_the_focus_block_are_stored_once_and_end_no_window(
    replica, crawl, stored, output_dir
):
    site, since, _, inside, oldest = picked_site()
    handle = replica(site)

    crawl(handle, since=since.isoformat())
    window = {a.article_id for a in site.articles if a.published_at.date() >= since}
    assert site.articles[inside].article_id in window
    assert site.articles[oldest].article_id not in window
    assert {r["article_id"] for r in stored()} == window, "a pick before `since` ends nothing"

    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)
    new = site.publish(3)
    crawl(handle)
    assert {a.article_id for a in new} <= {r["article_id"] for r in stored()}
    assert_stored_exactly(output_dir, site.articles)


def test_a_backfill_that_starts_below_page_1_still_fetches_its_focus_picks_inside_the_window(
    replica, crawl, stored
):
    site, since, until, inside, _ = picked_site()
    handle = replica(site)

    crawl(handle, since=since.isoformat(), until=until.isoformat())

    window = {a.article_id for a in site.articles if since <= a.published_at.date() <= until}
    assert site.articles[inside].article_id in window, "a pick in no stream page"
    assert {r["article_id"] for r in stored()} == window
    listing = [r.path for r in handle.requests if "timelinelist" in r.path or "doanh" in r.path]
    assert listing.count("/doanh-nghiep.chn") == 1, "page 1 is not fetched again for it"


def listing_page(site: ReplicaSite, position: int) -> int:
    """The listing page that shows the entry at `position` of `site.listing()`."""
    first = 3 + site.page_size  # page 1: the focus block, then a page of stream items
    return 1 if position < first else 2 + (position - first) // site.page_size


def moved_site(published_after: int) -> tuple[ReplicaSite, dt.date, SyntheticArticle]:
    """120 articles over five days, the oldest (on the first day) moved back to the top with
    its old time and `published_after` articles published above it since: 3 put it first in
    page 1's stream, 22 last on page 2. Returns the site, the second day and the moved one."""
    site = ReplicaSite(articles=120, page_size=10)
    days = sorted({a.published_at.date() for a in site.articles})
    assert len(days) >= 4
    moved = site.move_to_top(119)
    site.publish(published_after)
    return site, days[1], moved


@pytest.mark.parametrize("published_after", [3, 22], ids=["top_of_page_1", "bottom_of_page_2"])
def test_an_old_story_moved_back_up_the_listing_ends_no_backfill(
    replica, crawl, output_dir, published_after
):
    site, since, moved = moved_site(published_after)
    assert moved.published_at.date() < since
    position = site.listing().index(moved)
    assert listing_page(site, position) == (1 if published_after == 3 else 2)
    window = [a for a in site.articles if a.published_at.date() >= since]
    pages = {listing_page(site, i) for i, a in enumerate(site.listing()) if a in window}
    assert max(pages) >= 9, "the window runs on down the pages under the moved story"
    handle = replica(site)

    crawl(handle, since=since.isoformat())

    assert_stored_exactly(output_dir, window)  # every story of the window once, not the moved one
    assert moved.path not in {r.path for r in handle.requests}
    (run,) = read_runs(output_dir)
    assert (run["exit_code"], run["stop_reason"]) == (0, "reached_since")


def test_an_old_story_moved_back_to_the_top_ends_no_backfill_with_until(replica, crawl, output_dir):
    # Page 1's stories are all newer than `until`, the moved one older than `since`: the
    # search's probe of page 1 reads it as the page reaching `until`, and the walk starts there.
    site, since, moved = moved_site(3)
    until = since + dt.timedelta(days=2)
    assert all(
        a.published_at.date() > until
        for a in site.listing()[: 3 + site.page_size]
        if a is not moved
    )
    window = [a for a in site.articles if since <= a.published_at.date() <= until]
    handle = replica(site)

    crawl(handle, since=since.isoformat(), until=until.isoformat())

    assert_stored_exactly(output_dir, window)
    assert moved.path not in {r.path for r in handle.requests}
    (run,) = read_runs(output_dir)
    assert (run["exit_code"], run["stop_reason"]) == (0, "reached_since")


def test_a_crawl_stopped_by_closespider_itemcount_exits_0_and_the_next_run_fetches_the_rest(
    replica, crawl, stored
):
    site = ReplicaSite(articles=30)
    handle = replica(site)

    # One request at a time: with sixteen, every page of the site can be in flight before the
    # limit is met, and all 30 arrive in the limited run.
    one_at_a_time = {"CONCURRENT_REQUESTS": 1, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    limited = crawl(handle, settings={"CLOSESPIDER_ITEMCOUNT": 5} | one_at_a_time, expect_exit=0)
    assert "stopped: closespider_itemcount" in limited.stdout
    assert "problem" not in limited.stdout
    assert 5 <= len(stored(["article_id"])) < 10

    crawl(handle)
    ids = [row["article_id"] for row in stored(["article_id"])]
    assert sorted(ids) == sorted(a.article_id for a in site.articles)


def test_a_backfill_search_that_took_more_requests_than_walking_says_so(replica, crawl):
    # Pages 1 to 6 hold the 60 articles; page 5 is the first to reach 2026-03-05. Galloping
    # (1, 2, 4, 8, ...) then bisecting takes more requests than walking pages 1 to 5 would.
    handle = replica(ReplicaSite(articles=60, page_size=10))

    result = crawl(handle, since="2026-03-05", until="2026-03-05")

    assert "page 5 is the first to reach 2026-03-05" in result.stderr
    probes, than, which = re.search(
        r"found with (\d+) requests, (\d+) (fewer|more) than walking every newer page",
        result.stderr,
    ).groups()
    assert int(probes) > 5
    assert (which, int(than)) == ("more", int(probes) - 5)


def test_a_page_pending_since_the_clock_was_set_back_is_asked_for_until_stored(
    replica, crawl, stored, output_dir
):
    # The newest run record is the one written last, whatever its clock said. A run whose
    # clock was set back an hour lists a failed page as pending; the runs after it ask for it
    # until it comes, though the first run's record finished later by the clock (it held no
    # pending page, and the walk no longer reaches the failed one).
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-20T12:00:00+07:00"})
    victim = site.publish(30)[26]
    site.script(victim.path, [faults.status(500)], repeat=True)
    failing = {"RETRY_TIMES": 1}
    for now in ("11:00", "11:10"):  # the clock set back; the page still failing
        crawl(
            handle,
            settings={"NEWSSCRAPER_NOW": f"2026-03-20T{now}:00+07:00"} | failing,
            expect_exit=exitcodes.SITE_ERRORS,
        )
        site.publish(30)
    site.clear_scripts()

    crawl(handle, settings={"NEWSSCRAPER_NOW": "2026-03-20T11:20:00+07:00"})

    assert victim.article_id in {row["article_id"] for row in stored(["article_id"])}
    assert len(stored(["article_id"])) == len(site.articles)
    newest = max(read_runs(output_dir), key=lambda run: run["run_number"])
    assert newest["pending_articles"] == {}
