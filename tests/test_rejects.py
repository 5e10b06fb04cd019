"""RejectsExtension: Rejected drops and spider errors become rows of OUTPUT_DIR/rejects."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
import textwrap
from decimal import Decimal

import pyarrow.parquet as pq
from scrapy import Request, signals
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newsscraper import dataset, dataset_write
from newsscraper.history import History
from newsscraper.items import Article
from newsscraper.rejects import Rejected, RejectsExtension, page_rejected
from newsscraper.schema import REJECTS_SCHEMA
from newsscraper.stop import DISK_ERROR_REASON, DISK_ERROR_STAT, finish_reason_of

UTC = dt.UTC
NOW = dt.datetime(2023, 10, 24, 4, 0, tzinfo=UTC)
SETTINGS = {"NEWSSCRAPER_NOW": "2023-10-24T11:00:00+07:00", "RUN_ID": "run-rejects"}
URL = "https://cafef.vn/momo-bac-bo-tin-don-188231024103100001.chn"


def make_extension(tmp_path, **settings):
    crawler = get_crawler(settings_dict={**SETTINGS, "OUTPUT_DIR": str(tmp_path), **settings})
    return crawler, RejectsExtension.from_crawler(crawler)


def read_rejects(output_dir) -> list[dict]:
    files = sorted(dataset.rejects_dir(output_dir).glob("part-*.parquet"))
    for path in files:
        assert pq.read_schema(path).equals(REJECTS_SCHEMA, check_metadata=True)
    return [row for path in files for row in pq.read_table(path).to_pylist()]


def short_article() -> Article:
    return Article(
        article_id="188231024103100001",
        url=URL,
        title="MoMo bác bỏ tin đồn",
        body="Quá ngắn.",
        published_at=dt.datetime(2023, 10, 24, 3, 31, tzinfo=UTC),
        published_date=dt.date(2023, 10, 24),
        tags=["MoMo", "tin giả"],
        scraped_at=dt.datetime(2023, 10, 24, 3, 59, tzinfo=UTC),
        run_id="run-rejects",
    )


def send_dropped(crawler, item, exception):
    crawler.signals.send_catch_log(
        signals.item_dropped, item=item, response=None, exception=exception, spider=None
    )


def test_a_rejected_item_is_written_with_its_fields_as_json(tmp_path):
    crawler, _ = make_extension(tmp_path)
    send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    [row] = read_rejects(tmp_path)
    raw = row.pop("raw")
    assert row == {
        "article_id": "188231024103100001",
        "url": URL,
        "reason": "body_too_short",
        "detail": "body has 9 characters",
        "scraped_at": dt.datetime(2023, 10, 24, 3, 59, tzinfo=UTC),
        "run_id": "run-rejects",
    }
    assert json.loads(raw) == {
        "article_id": "188231024103100001",
        "url": URL,
        "section": None,
        "category": None,
        "title": "MoMo bác bỏ tin đồn",
        "sapo": None,
        "body": "Quá ngắn.",
        "author": None,
        "source": None,
        "source_url": None,
        "published_at": "2023-10-24T03:31:00+00:00",
        "modified_at": None,
        "published_date": "2023-10-24",
        "tags": ["MoMo", "tin giả"],
        "tickers": None,
        "image_urls": None,
        "word_count": None,
        "content_sha256": None,
        "simhash": None,
        "duplicate_of": None,
        "scraped_at": "2023-10-24T03:59:00+00:00",
        "run_id": "run-rejects",
    }
    assert "tin giả" in raw  # Vietnamese kept readable, not \u-escaped
    assert crawler.stats.get_value("newsscraper/rejects/body_too_short") == 1


def test_raw_keeps_fields_of_other_types_as_json_lists_and_text(tmp_path):
    # `raw` keeps the item as it was (DATA_FORMAT.md), whatever a faulty pipeline left in it:
    # a tuple or a set as a JSON list, any other value as its text, none of them lost as null.
    crawler, ext = make_extension(tmp_path)
    item = short_article()
    item.tags = ("MoMo", "tin giả")
    item.tickers = {"VNM"}
    item.word_count = Decimal("2.5")
    crawler.signals.send_catch_log(
        signals.item_error, item=item, response=None, spider=None, failure=Failure(ValueError("x"))
    )
    ext.flush()
    [row] = read_rejects(tmp_path)
    raw = json.loads(row["raw"])
    assert (raw["tags"], raw["tickers"], raw["word_count"]) == (["MoMo", "tin giả"], ["VNM"], "2.5")


def test_other_drops_are_not_rejects(tmp_path, caplog):
    crawler, extension = make_extension(tmp_path)
    send_dropped(crawler, short_article(), DropItem("duplicate_id: seen"))
    extension.flush()
    assert read_rejects(tmp_path) == []
    # Skipped quietly: a duplicate is no fault, and no error is logged for it.
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def send_spider_error(crawler, error: Exception, response) -> None:
    """What Scrapy sends when a callback (or, with no response, the spider's start) raised."""
    try:
        raise error
    except type(error):
        failure = Failure()
    crawler.signals.send_catch_log(
        signals.spider_error, failure=failure, response=response, spider=None
    )


def test_a_callback_error_is_a_parse_error_row_with_the_clock_time(tmp_path):
    crawler, extension = make_extension(tmp_path)
    response = HtmlResponse(URL, body=b"<html></html>", request=Request(URL))
    send_spider_error(crawler, ValueError("no title in h1.title[data-role=title]"), response)
    extension.flush()
    assert read_rejects(tmp_path) == [
        {
            "article_id": "188231024103100001",
            "url": URL,
            "reason": "parse_error",
            "detail": "ValueError: no title in h1.title[data-role=title]",
            "raw": None,
            "scraped_at": NOW,
            "run_id": "run-rejects",
        }
    ]
    assert crawler.stats.get_value("newsscraper/rejects/parse_error") == 1


def test_a_page_of_another_crawl_host_is_rejected_under_its_cafef_url(tmp_path):
    # CAFEF_BASE_URL sends the crawl to a replica or a mirror: stored URLs stay cafef.vn's.
    crawler, extension = make_extension(tmp_path)
    crawled = "http://127.0.0.1:8080/momo-bac-bo-tin-don-188231024103100001.chn"
    crawler.signals.send_catch_log(page_rejected, url=crawled, reason="http_404", detail="HTTP 404")
    response = HtmlResponse(crawled, body=b"<html></html>", request=Request(crawled))
    send_spider_error(crawler, ValueError("no title"), response)
    extension.flush()
    assert [(r["article_id"], r["url"], r["reason"]) for r in read_rejects(tmp_path)] == [
        ("188231024103100001", URL, "http_404"),
        ("188231024103100001", URL, "parse_error"),
    ]


def test_a_callback_error_on_a_page_that_is_no_article_is_rejected_under_its_own_url(tmp_path):
    # DATA_FORMAT.md: url is "the item's or the page's URL"; a listing page has no article id.
    crawler, extension = make_extension(tmp_path)
    listing = "https://cafef.vn/doanh-nghiep/trang-3.chn"
    response = HtmlResponse(listing, body=b"<html></html>", request=Request(listing))
    send_spider_error(crawler, ValueError("no article list"), response)
    extension.flush()
    [row] = read_rejects(tmp_path)
    assert (row["article_id"], row["url"], row["reason"]) == (None, listing, "parse_error")


MOVED_TO = "188231024103100099"


def send_redirected_to_article(crawler) -> None:
    crawler.signals.send_catch_log(
        page_rejected,
        url=URL,
        reason="redirected_to_article",
        detail=f"stored as article {MOVED_TO}",
        stored_as=MOVED_TO,
    )


def test_a_redirect_to_another_article_is_committed_only_after_that_article(tmp_path):
    # Rejected, the listed id is never asked for again: on disk before the article it led to, a
    # kill in between would leave that article, which the listing may not show, never stored.
    crawler, extension = make_extension(tmp_path, PARQUET_BATCH_ITEMS=1)
    send_redirected_to_article(crawler)
    send_dropped(crawler, short_article(), Rejected("body_too_short", "9 characters"))
    assert [r["reason"] for r in read_rejects(tmp_path)] == ["body_too_short"]

    History.of(crawler).mark_committed([{"article_id": MOVED_TO}])
    extension.flush()
    assert [r["reason"] for r in read_rejects(tmp_path)] == [
        "body_too_short",
        "redirected_to_article",
    ]
    # Released once: written once and counted once, however many flushes follow.
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert len(read_rejects(tmp_path)) == 2
    assert crawler.stats.get_value("newsscraper/rejects/redirected_to_article") == 1


def test_a_redirect_to_an_article_rejected_in_the_run_is_committed_with_it(tmp_path):
    # The article it led to is settled as a reject: the listed id need not be asked again.
    crawler, _ = make_extension(tmp_path)
    send_redirected_to_article(crawler)
    moved = short_article()
    moved.article_id = MOVED_TO
    send_dropped(crawler, moved, Rejected("body_too_short", "9 characters"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert sorted((r["article_id"], r["reason"]) for r in read_rejects(tmp_path)) == [
        ("188231024103100001", "redirected_to_article"),
        (MOVED_TO, "body_too_short"),
    ]


def test_a_redirect_to_an_article_never_stored_is_not_rejected(tmp_path):
    crawler, _ = make_extension(tmp_path)
    send_redirected_to_article(crawler)
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert read_rejects(tmp_path) == []  # the next run asks for the listed URL again
    assert list(dataset.rejects_dir(tmp_path).glob("*.parquet")) == []  # not even an empty file
    assert not crawler.stats.get_value("newsscraper/rejects/redirected_to_article")


def test_an_errback_error_is_a_parse_error_row_under_its_requests_url(tmp_path):
    # Scrapy hands spider_error the download's Failure, not a response, when an errback raised.
    crawler, extension = make_extension(tmp_path)
    download = Failure(TimeoutError("took longer than 30 seconds"))
    download.request = Request(URL)
    send_spider_error(crawler, KeyError("article_id"), download)
    extension.flush()
    [row] = read_rejects(tmp_path)
    assert (row["url"], row["reason"], row["detail"]) == (
        URL,
        "parse_error",
        "KeyError: 'article_id'",
    )


def test_an_error_of_the_crawl_itself_is_no_page_reject(tmp_path):
    # A spider whose start() raised: no page, no URL, nothing to reject (the run exits 1).
    crawler, extension = make_extension(tmp_path)
    send_spider_error(crawler, OSError("runs/part-x.parquet: not a Parquet file"), None)
    extension.flush()
    assert read_rejects(tmp_path) == []


def test_rows_are_committed_every_batch_and_at_close(tmp_path):
    crawler, _ = make_extension(tmp_path, PARQUET_BATCH_ITEMS=2)
    for n in range(5):
        item = Article(article_id=f"18823102410310000{n}", url=URL, title=None)
        send_dropped(crawler, item, Rejected("missing_title", "title is empty or absent"))
    files = sorted(p.name for p in dataset.rejects_dir(tmp_path).iterdir())
    assert files == ["part-run-rejects-0.parquet", "part-run-rejects-1.parquet"]
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    rows = read_rejects(tmp_path)
    assert [r["article_id"] for r in rows] == [f"18823102410310000{n}" for n in range(5)]
    assert {r["scraped_at"] for r in rows} == {NOW}  # unstamped items take the clock's time


def test_rejects_are_written_in_the_crawls_parquet_compression(tmp_path):
    crawler, _ = make_extension(tmp_path, PARQUET_COMPRESSION="snappy")
    send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    (path,) = dataset.list_part_files(tmp_path, dataset.REJECTS)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_a_failed_write_keeps_the_rows_and_is_not_counted_as_a_reject_reason(tmp_path, monkeypatch):
    crawler, extension = make_extension(tmp_path, PARQUET_BATCH_ITEMS=1)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset_write, "commit_rejects", disk_full)
    send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    assert len(extension.rows) == 1  # kept for the next try
    assert crawler.stats.get_value("newsscraper/rejects_write_failed") == 1
    # Run records count every stat under `newsscraper/rejects/` as a reject reason.
    reasons = {key for key in crawler.stats.get_stats() if key.startswith("newsscraper/rejects/")}
    assert reasons == {"newsscraper/rejects/body_too_short"}


def test_a_failed_write_is_one_line_naming_the_folder_and_the_error_not_a_traceback(
    tmp_path, monkeypatch, caplog
):
    crawler, _ = make_extension(tmp_path, PARQUET_BATCH_ITEMS=1)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset_write, "commit_rejects", disk_full)
    with caplog.at_level("ERROR", logger="newsscraper.rejects"):
        send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    (record,) = caplog.records
    assert record.exc_info is None
    assert record.getMessage() == (
        f"could not write 1 rejects rows under {tmp_path / 'rejects'}: "
        "[Errno 28] No space left on device; kept to try again"
    )


def test_rows_a_failed_write_at_close_leaves_unwritten_stop_the_run_as_a_disk_fault(
    tmp_path, monkeypatch
):
    # Counted in the run record, they would be rejects without rows, and its watermark would
    # move past their pages: no later run would ask for them again.
    crawler, _ = make_extension(tmp_path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset_write, "commit_rejects", disk_full)
    send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    assert finish_reason_of(crawler.stats, "finished") == "finished"  # not written yet
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert finish_reason_of(crawler.stats, "finished") == DISK_ERROR_REASON
    assert str(tmp_path / "rejects") in crawler.stats.get_value(DISK_ERROR_STAT)


def test_a_failed_write_at_close_after_the_articles_disk_fault_keeps_that_fault_named(
    tmp_path, monkeypatch
):
    # The fault that stopped the crawl (a part file of `articles/` not written) is the one the
    # run's problems name first (README.md, exit 4): the rejects' failing after does not hide it.
    crawler, _ = make_extension(tmp_path)
    sink_fault = f"{tmp_path}: [Errno 28] No space left on device"
    crawler.stats.set_value(DISK_ERROR_STAT, sink_fault)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset_write, "commit_rejects", disk_full)
    send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert crawler.stats.get_value(DISK_ERROR_STAT) == sink_fault
    assert finish_reason_of(crawler.stats, "finished") == DISK_ERROR_REASON


def test_rows_a_failed_write_kept_and_a_later_write_committed_are_no_disk_fault(
    tmp_path, monkeypatch
):
    # A disk that was full for a moment: the rows wait in the buffer and land at the close.
    crawler, _ = make_extension(tmp_path, PARQUET_BATCH_ITEMS=1)
    commit = dataset_write.commit_rejects

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset_write, "commit_rejects", disk_full)
    send_dropped(crawler, short_article(), Rejected("body_too_short", "body has 9 characters"))
    monkeypatch.setattr(dataset_write, "commit_rejects", commit)
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")

    assert [row["article_id"] for row in read_rejects(tmp_path)] == ["188231024103100001"]
    assert crawler.stats.get_value(DISK_ERROR_STAT) is None
    assert finish_reason_of(crawler.stats, "finished") == "finished"


def test_a_file_in_place_whose_folder_could_not_be_synced_is_not_written_again(
    tmp_path, monkeypatch
):
    # The file was renamed into rejects/ and only the folder's fsync failed, once: its rows are
    # stored. Kept and tried again under the same name, every later write of the run would
    # fail ("already stored") and the run would end as a disk fault with no record.
    crawler, _ = make_extension(tmp_path, PARQUET_BATCH_ITEMS=1)
    fsync_dir = dataset_write._fsync_dir
    failures = []

    def fsync_fails_once(path):
        if path == dataset.rejects_dir(tmp_path) and not failures:
            failures.append(path)
            raise OSError(5, "Input/output error", str(path))
        fsync_dir(path)

    monkeypatch.setattr(dataset_write, "_fsync_dir", fsync_fails_once)
    for n in range(3):
        item = Article(article_id=f"18823102410310000{n}", url=URL, title=None)
        send_dropped(crawler, item, Rejected("missing_title", "title is empty or absent"))
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")

    assert failures
    ids = [row["article_id"] for row in read_rejects(tmp_path)]
    assert ids == [f"18823102410310000{n}" for n in range(3)]
    assert crawler.stats.get_value(DISK_ERROR_STAT) is None
    assert finish_reason_of(crawler.stats, "finished") == "finished"


# A real crawl in a child process (one Twisted reactor per process): one item straight from
# `start()`, through a pipeline that raises, with the extension as settings.py enables it.
PIPELINE_ERROR_CRAWL = textwrap.dedent(
    """
    import datetime as dt, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    class ItemSpider(scrapy.Spider):
        name = "item"

        async def start(self):
            yield {"article_id": "188231024103100001", "url": sys.argv[2], "title": "Tiêu đề",
                   "scraped_at": dt.datetime(2023, 10, 24, 3, 59, tzinfo=dt.UTC)}

    class Broken:
        def process_item(self, item):
            raise OverflowError("date value out of range")

    settings = get_project_settings()
    settings.set("OUTPUT_DIR", sys.argv[1])
    settings.set("RUN_ID", "run-rejects")
    settings.set("ITEM_PIPELINES", {"__main__.Broken": 100})
    settings.set("EXTENSIONS", {"newsscraper.rejects.RejectsExtension": 0})
    settings.set("LOG_LEVEL", "CRITICAL")
    process = CrawlerProcess(settings)
    process.crawl(ItemSpider)
    process.start()
    """
)


def test_an_item_a_pipeline_raised_on_is_kept_as_a_pipeline_error(tmp_path):
    # Scrapy logs such an item and drops it; without this row it would be lost without a trace.
    subprocess.run(
        [sys.executable, "-c", PIPELINE_ERROR_CRAWL, str(tmp_path), URL], check=True, timeout=60
    )
    [row] = read_rejects(tmp_path)
    assert (row["article_id"], row["url"], row["reason"], row["run_id"]) == (
        "188231024103100001",
        URL,
        "pipeline_error",
        "run-rejects",
    )
    assert row["detail"] == "OverflowError: date value out of range"
    assert json.loads(row["raw"])["title"] == "Tiêu đề"
    assert row["scraped_at"] == dt.datetime(2023, 10, 24, 3, 59, tzinfo=UTC)


def test_an_item_holding_a_lone_surrogate_is_written_with_it_escaped(tmp_path):
    # UTF-8 cannot hold "\ud800": unescaped, the whole part file of rejects would fail to write.
    crawler, ext = make_extension(tmp_path)
    item = short_article()
    item.title = "MoMo \ud800"
    crawler.signals.send_catch_log(
        signals.item_error, item=item, response=None, spider=None, failure=Failure(ValueError("x"))
    )
    send_dropped(crawler, short_article(), Rejected("body_too_short", "9 characters"))
    ext.flush()

    pipeline_error, too_short = read_rejects(tmp_path)
    assert json.loads(pipeline_error["raw"])["title"] == "MoMo \ud800"  # the same text
    assert (pipeline_error["reason"], too_short["reason"]) == ("pipeline_error", "body_too_short")
