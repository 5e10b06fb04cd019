"""ParquetSinkPipeline: batching by count and age, close flush, History marks, disk faults."""

from __future__ import annotations

import datetime as dt
import errno
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsscraper import dataset, dataset_read, dataset_write
from newsscraper.history import History
from newsscraper.items import Article
from newsscraper.rejects import Rejected
from newsscraper.stop import DISK_ERROR_STAT
from pipelines.dedupe import dedupe_item
from pipelines.parquet import ParquetSinkPipeline, batch_is_due

UTC = dt.UTC
PROJECT_ROOT = Path(__file__).resolve().parents[2]
RUN_ID = "20260308T020000Z-test0001"


def article(n: int, section: str = "doanh-nghiep", day: int = 7) -> Article:
    return Article(
        article_id=f"1882603070000000{n:02d}",
        url=f"https://cafef.vn/bai-{n}-1882603070000000{n:02d}.chn",
        section=section,
        category="Doanh nghiệp",
        title=f"Bài số {n}: doanh nghiệp niêm yết",
        body="Nội dung bài viết về doanh nghiệp.",
        published_at=dt.datetime(2026, 3, day, 3, 0, tzinfo=UTC),
        published_date=dt.date(2026, 3, day),
        tags=["doanh nghiệp"],
        content_sha256=f"{n:064x}",
        simhash=n * 1_000_003,
        scraped_at=dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC),
        run_id=RUN_ID,
    )


class FakeMonotonic:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sink(tmp_path):
    crawler = get_crawler(
        settings_dict={
            "OUTPUT_DIR": str(tmp_path),
            "RUN_ID": RUN_ID,
            "PARQUET_BATCH_ITEMS": 3,
            "PARQUET_BATCH_SECONDS": 60,
        }
    )
    pipeline = ParquetSinkPipeline.from_crawler(crawler)
    pipeline.monotonic = FakeMonotonic()
    pipeline.crawler = crawler
    return pipeline


def stored_ids(output_dir) -> list[str]:
    return sorted(
        dataset_read.read_articles(output_dir, columns=["article_id"])["article_id"].to_pylist()
    )


def names(output_dir) -> list[str]:
    return [p.relative_to(output_dir).as_posix() for p in dataset.list_part_files(output_dir)]


def stat(pipeline, event):
    return pipeline.crawler.stats.get_value(f"newsscraper/parquet/{event}")


def test_batch_is_due_when_full_or_old_and_never_when_empty():
    assert not batch_is_due(0, 999.0, 500, 60)
    assert not batch_is_due(499, 59.9, 500, 60)
    assert batch_is_due(500, 0.0, 500, 60)
    assert batch_is_due(1, 60.0, 500, 60)


def test_commits_every_n_items_then_the_rest_at_close(sink, tmp_path):
    history = History.of(sink.crawler)
    items = [article(n) for n in range(1, 8)]
    for item in items[:3]:
        assert sink.process_item(item) is item
    assert names(tmp_path) == [
        f"articles/section=doanh-nghiep/published_date=2026-03-07/part-{RUN_ID}-1.parquet"
    ]
    assert history.is_stored(items[0].article_id)
    for item in items[3:]:
        sink.process_item(item)
    assert len(names(tmp_path)) == 2
    assert not history.is_stored(items[6].article_id)  # buffered, not on disk yet

    sink.close_spider()
    assert names(tmp_path)[-1].endswith(f"part-{RUN_ID}-3.parquet")
    assert stored_ids(tmp_path) == sorted(i.article_id for i in items)
    assert all(history.is_stored(i.article_id) for i in items)
    assert stat(sink, "rows_written") == 7
    assert stat(sink, "files_committed") == 3


def test_one_batch_writes_one_file_per_partition(sink, tmp_path):
    for item in [article(1), article(2, section="thi-truong-chung-khoan"), article(3, day=6)]:
        sink.process_item(item)
    assert names(tmp_path) == [
        f"articles/section=doanh-nghiep/published_date=2026-03-06/part-{RUN_ID}-1.parquet",
        f"articles/section=doanh-nghiep/published_date=2026-03-07/part-{RUN_ID}-1.parquet",
        f"articles/section=thi-truong-chung-khoan/published_date=2026-03-07/part-{RUN_ID}-1.parquet",
    ]
    assert stat(sink, "files_committed") == 3


def test_an_old_batch_is_committed_on_the_next_item(sink, tmp_path):
    sink.process_item(article(1))
    sink.monotonic.now += 59
    sink.process_item(article(2))
    assert names(tmp_path) == []
    sink.monotonic.now += 1  # the first row has now waited 60 s
    sink.process_item(article(3, day=6))
    assert stored_ids(tmp_path) == [article(n).article_id for n in (1, 2, 3)]


def test_the_timer_commits_a_batch_of_a_quiet_crawl(sink, tmp_path):
    sink.process_item(article(1))
    sink.flush_if_due()
    assert names(tmp_path) == []
    sink.monotonic.now += 60
    sink.flush_if_due()  # what the periodic timer calls: no new item needed
    assert stored_ids(tmp_path) == [article(1).article_id]


def test_a_batch_is_as_old_as_its_first_row_however_often_rows_come(sink, tmp_path):
    # A row every 40 s: the batch is due 60 s after its first row, not 60 s after the last.
    sink.process_item(article(1))
    sink.monotonic.now += 40
    sink.process_item(article(2))
    sink.monotonic.now += 20
    sink.flush_if_due()
    assert stored_ids(tmp_path) == [article(n).article_id for n in (1, 2)]


def test_rows_are_written_whole_with_the_declared_schema(sink, tmp_path):
    item = article(1)
    sink.process_item(item)
    sink.close_spider()
    (path,) = dataset.list_part_files(tmp_path)
    assert pq.read_schema(path).metadata[b"newsscraper.schema_version"] == b"8"
    (row,) = dataset_read.read_articles(tmp_path).to_pylist()
    expected = dict(vars(item))
    assert row == expected


def test_an_item_without_a_partition_is_dropped_with_a_reason(sink, tmp_path):
    item = article(1)
    item.published_date = None
    with pytest.raises(Rejected, match="published_date") as caught:
        sink.process_item(item)
    assert caught.value.reason == "unpartitionable"
    assert stat(sink, "unpartitionable") == 1


@pytest.mark.parametrize("section", [None, "", "Doanh nghiệp", "../escaped"])
def test_an_item_without_a_section_to_store_it_under_is_a_reject_not_a_silent_drop(
    sink, tmp_path, section
):
    """Found by the property tests of the whole chain: a Rejected, written to `rejects/`."""
    item = article(1)
    item.section = section
    with pytest.raises(Rejected) as caught:
        sink.process_item(item)
    assert (caught.value.reason, "section" in caught.value.detail) == ("unpartitionable", True)
    sink.close_spider()
    assert names(tmp_path) == []


def test_a_disk_fault_stops_writing_keeps_earlier_files_and_cleans_staging(
    sink, tmp_path, monkeypatch
):
    closed = []
    sink.on_disk_error = lambda: closed.append(True)
    for n in (1, 2, 3):
        sink.process_item(article(n))
    committed = {p: p.read_bytes() for p in dataset.list_part_files(tmp_path)}
    assert len(committed) == 1

    def disk_full(table, where, **kwargs):
        where.write(b"PAR1 partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dataset_write.pq, "write_table", disk_full)
    for n in (4, 5):
        sink.process_item(article(n))
    sink.monotonic.now += 60
    sink.process_item(article(6))  # the batch is due: its commit fails

    assert closed == [True]
    reported = sink.crawler.stats.get_value(DISK_ERROR_STAT)
    assert "No space left on device" in reported and f"part-{RUN_ID}-2.parquet" in reported
    assert reported.startswith(f"{tmp_path}: ")  # the OUTPUT_DIR to free, then the error
    assert stat(sink, "rows_lost") == 3
    assert {p: p.read_bytes() for p in dataset.list_part_files(tmp_path)} == committed
    assert dataset.staging_files(tmp_path) == []
    assert not History.of(sink.crawler).is_stored(article(4).article_id)
    with pytest.raises(DropItem, match="cannot be written") as dropped:
        sink.process_item(article(7))
    # The fault was said once, as an ERROR: each article after it is named in the log only,
    # not in a WARNING line each on stderr.
    assert dropped.value.log_level == "INFO"
    sink.close_spider()  # no second attempt, no second close request
    assert closed == [True]
    assert stat(sink, "rows_lost") == 4


def test_rows_in_place_whose_folder_could_not_be_synced_count_as_stored_though_the_run_stops(
    sink, tmp_path, monkeypatch
):
    # The file reached its partition folder, only the folder's fsync failed: readers see its
    # rows and the next run counts them as stored. The disk misbehaved, so the crawl still
    # stops, but these rows are written, not lost.
    closed = []
    sink.on_disk_error = lambda: closed.append(True)
    fsync_dir = dataset_write._fsync_dir
    day7 = dataset.article_partition_dir(tmp_path, "doanh-nghiep", dt.date(2026, 3, 7))

    def day7_fsync_fails(path):
        if path == day7:
            raise OSError(errno.EIO, "Input/output error", str(path))
        fsync_dir(path)

    monkeypatch.setattr(dataset_write, "_fsync_dir", day7_fsync_fails)
    for item in [article(1, day=6), article(2), article(3, day=8)]:
        sink.process_item(item)

    assert closed == [True]
    assert "cannot sync the folder of" in sink.crawler.stats.get_value(DISK_ERROR_STAT)
    assert stored_ids(tmp_path) == sorted([article(1).article_id, article(2).article_id])
    history = History.of(sink.crawler)
    assert history.is_stored(article(2).article_id)
    assert not history.is_stored(article(3).article_id)
    assert stat(sink, "rows_written") == 2
    assert stat(sink, "files_committed") == 2
    assert stat(sink, "rows_lost") == 1


def copy_of(n: int, original: Article, day: int) -> Article:
    item = article(n, day=day)
    item.duplicate_of = original.article_id
    return item


def test_a_copy_is_committed_after_the_row_it_names_in_another_partition(sink, tmp_path):
    original = article(2, day=8)
    for item in [article(1), original]:
        sink.process_item(item)
    assert names(tmp_path) == []
    # The copy's partition (03-07) comes first in the buffer: committed with it, it would be
    # on disk before its original (03-08).
    sink.process_item(copy_of(3, original, day=7))
    assert History.of(sink.crawler).is_stored(original.article_id)
    assert stored_ids(tmp_path) == [article(n).article_id for n in (1, 2)]
    sink.close_spider()
    assert stored_ids(tmp_path) == [article(n).article_id for n in (1, 2, 3)]


def test_a_copy_of_a_row_committed_in_an_earlier_batch_splits_no_batch(sink, tmp_path):
    original = article(2, day=8)
    sink.process_item(original)
    sink.flush()
    # Its original is on disk already: the copy goes into the batch's file of its partition.
    for item in [article(4), copy_of(5, original, day=7)]:
        sink.process_item(item)
    sink.close_spider()
    assert names(tmp_path) == [
        f"articles/section=doanh-nghiep/published_date=2026-03-07/part-{RUN_ID}-2.parquet",
        f"articles/section=doanh-nghiep/published_date=2026-03-08/part-{RUN_ID}-1.parquet",
    ]


def test_a_disk_fault_never_leaves_a_copy_naming_a_row_that_was_not_stored(
    sink, tmp_path, monkeypatch
):
    sink.on_disk_error = lambda: None
    real_commit = dataset_write.commit_part_file

    def march_8_disk_full(table, path, *args, **kwargs):
        if "published_date=2026-03-08" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_commit(table, path, *args, **kwargs)

    monkeypatch.setattr(dataset_write, "commit_part_file", march_8_disk_full)
    original = article(2, day=8)
    for item in [article(1), original]:
        sink.process_item(item)
    with pytest.raises(DropItem, match="cannot be written"):
        sink.process_item(copy_of(3, original, day=7))  # its original's file failed
    sink.close_spider()
    rows = dataset_read.read_articles(tmp_path, columns=["article_id", "duplicate_of"]).to_pylist()
    stored = {row["article_id"] for row in rows}
    assert original.article_id not in stored
    assert [row for row in rows if row["duplicate_of"] is not None] == []
    # 03-07's file of the failed batch is stored: only the original and its copy are lost.
    assert (stat(sink, "rows_written"), stat(sink, "rows_lost")) == (1, 2)


# A real crawl in a child process (one Twisted reactor per process): items straight from
# `start()`, no network. It stays open, quiet, until a part file is committed or for
# `close_after` seconds, so the periodic timer can act, then counts the part files and closes
# the spider.
CRAWL_SCRIPT = textwrap.dedent(
    """
    import datetime as dt, json, os, signal, sys, time
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.exceptions import DontCloseSpider
    from scrapy.utils.asyncio import call_later
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.project import get_project_settings

    output_dir, batch_seconds, close_after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    by_signal = sys.argv[4] == "sigterm"
    seen = {}

    class ItemsSpider(scrapy.Spider):
        name = "items"

        async def start(self):
            for n in (1, 2):
                yield {
                    "article_id": f"18826030700000000{n}", "url": f"https://cafef.vn/b-{n}.chn",
                    "section": "doanh-nghiep", "title": "Tiêu đề", "body": "Nội dung",
                    "published_at": dt.datetime(2026, 3, 7, 3, tzinfo=dt.UTC),
                    "published_date": dt.date(2026, 3, 7),
                    "scraped_at": dt.datetime(2026, 3, 8, tzinfo=dt.UTC), "run_id": "r1",
                }

    def look_then_close():
        articles = os.path.join(output_dir, "articles")
        seen["files_before_close"] = sum(len(f) for _, _, f in os.walk(articles))
        if by_signal:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill` or a service manager would
        else:
            deferred_from_coro(crawler.engine.close_spider_async(reason="finished"))

    def look_when_due(started):
        # As soon as the timer committed a file: however late a busy machine started the items.
        articles = os.path.join(output_dir, "articles")
        if any(f for _, _, f in os.walk(articles)) or time.monotonic() - started >= close_after:
            look_then_close()
        else:
            call_later(0.05, look_when_due, started)

    def idle(spider):
        if "files_before_close" not in seen:
            raise DontCloseSpider  # stay open, quiet, until look_then_close has looked

    def opened(spider):
        look_when_due(time.monotonic())

    settings = get_project_settings()
    settings.set("OUTPUT_DIR", output_dir)
    settings.set("RUN_ID", "r1")
    settings.set("PARQUET_BATCH_SECONDS", batch_seconds)
    settings.set("ITEM_PIPELINES", {"pipelines.parquet.ParquetSinkPipeline": 500})
    settings.set("EXTENSIONS", {})
    settings.set("LOG_LEVEL", "ERROR")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ItemsSpider)
    crawler.signals.connect(idle, signal=signals.spider_idle)
    crawler.signals.connect(opened, signal=signals.spider_opened)
    process.crawl(crawler)
    process.start()
    from newsscraper.scrapy_commands.crawl import exit_code_of
    print(json.dumps({
        "finish_reason": crawler.stats.get_value("finish_reason"),
        "disk_error": crawler.stats.get_value("newsscraper/parquet/disk_error"),
        "rows_written": crawler.stats.get_value("newsscraper/parquet/rows_written"),
        "stop_requested": crawler.stats.get_value("newsscraper/stop/requested"),
        "exit_code": exit_code_of(crawler),
        **seen,
    }))
    """
)


def run_crawl(output_dir: Path, batch_seconds: float, close_after: float, stop: str = "close"):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CRAWL_SCRIPT,
            str(output_dir),
            str(batch_seconds),
            str(close_after),
            stop,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_a_quiet_crawl_is_flushed_by_the_timer(tmp_path):
    result, _ = run_crawl(tmp_path, batch_seconds=0.2, close_after=30)
    assert result["files_before_close"] == 1  # committed by the timer, not by the close
    assert result["finish_reason"] == "finished"
    assert result["rows_written"] == 2
    assert stored_ids(tmp_path) == ["188260307000000001", "188260307000000002"]


def test_a_disk_fault_closes_the_crawl_with_reason_disk_error(tmp_path):
    (tmp_path / dataset.STAGING).write_text("a file where the staging folder should be")
    result, stderr = run_crawl(tmp_path, batch_seconds=0.3, close_after=5)
    assert result["finish_reason"] == "disk_error"
    # The sink itself stops the crawl at the fault (module doc), not the close that ends it here.
    assert result["stop_requested"] == "disk_error"
    assert "part-r1-1.parquet" in result["disk_error"]
    assert result["exit_code"] != 0
    assert "ERROR" in stderr and "Disk fault writing the dataset" in stderr
    assert names(tmp_path) == []


def test_a_disk_fault_in_the_final_flush_still_fails_the_crawl(tmp_path):
    (tmp_path / dataset.STAGING).write_text("a file where the staging folder should be")
    result, _ = run_crawl(tmp_path, batch_seconds=600, close_after=0.5)
    assert result["files_before_close"] == 0  # both rows still buffered when the close began
    assert "part-r1-1.parquet" in result["disk_error"]
    assert result["finish_reason"] == "disk_error"
    assert result["exit_code"] != 0


def test_sigterm_shuts_down_gracefully_and_commits_the_buffer(tmp_path):
    result, _ = run_crawl(tmp_path, batch_seconds=600, close_after=0.5, stop="sigterm")
    assert result["files_before_close"] == 0  # nothing was due before the signal
    assert result["finish_reason"] == "shutdown"
    assert result["rows_written"] == 2
    assert stored_ids(tmp_path) == ["188260307000000001", "188260307000000002"]


def test_a_row_arrow_cannot_hold_raises_for_its_item_alone(sink, tmp_path):
    bad = article(2)
    bad.title = "Bài \ud800"  # no UTF-8 for a lone surrogate
    sink.process_item(article(1))
    with pytest.raises(UnicodeEncodeError):
        sink.process_item(bad)  # Scrapy makes it a pipeline_error reject
    sink.process_item(article(3))
    sink.close_spider()
    assert stored_ids(tmp_path) == [article(1).article_id, article(3).article_id]


def test_an_item_the_sink_refuses_is_no_original_for_a_later_copy(sink, tmp_path):
    history = History.of(sink.crawler)
    bad = article(2)
    bad.title = "Bài \ud800"  # no UTF-8 for a lone surrogate: a pipeline_error reject
    dedupe_item(bad, history, 3)
    history.add_pending(ItemAdapter(bad))
    with pytest.raises(UnicodeEncodeError):
        sink.process_item(bad)
    copy = article(3)
    copy.content_sha256, copy.simhash = bad.content_sha256, bad.simhash
    dedupe_item(copy, history, 3)
    assert copy.duplicate_of is None, "article 2 is not stored: the copy is the original"
    history.add_pending(ItemAdapter(copy))
    sink.process_item(copy)
    sink.close_spider()
    assert stored_ids(tmp_path) == [copy.article_id]
    assert not history.is_pending(bad.article_id)
    assert history.content_duplicate_of(bad.content_sha256, bad.simhash, 3) == copy.article_id


# Unset: a settings module of one's own without it, whose crawl's other files are zstd.
@pytest.mark.parametrize(
    ("given", "codec"), [({"PARQUET_COMPRESSION": "snappy"}, "SNAPPY"), ({}, "ZSTD")]
)
def test_part_files_are_compressed_with_parquet_compression(tmp_path, given, codec):
    # README: PARQUET_COMPRESSION (zstd by default) is the codec of every part file.
    crawler = get_crawler(
        settings_dict={"OUTPUT_DIR": str(tmp_path), "RUN_ID": RUN_ID, "PARQUET_BATCH_ITEMS": 1}
        | given
    )
    pipeline = ParquetSinkPipeline.from_crawler(crawler)
    pipeline.process_item(article(1))
    (path,) = dataset.list_part_files(tmp_path)
    metadata = pq.ParquetFile(path).metadata.row_group(0)
    codecs = {metadata.column(i).compression for i in range(metadata.num_columns)}
    assert codecs == {codec}
    assert stored_ids(tmp_path) == [article(1).article_id]


def test_a_settings_module_without_the_batch_settings_batches_as_settings_py_does(tmp_path):
    # Unset, as PARQUET_COMPRESSION above: 500 items or 60 seconds, not a part file an item.
    crawler = get_crawler(settings_dict={"OUTPUT_DIR": str(tmp_path), "RUN_ID": RUN_ID})
    pipeline = ParquetSinkPipeline.from_crawler(crawler)
    pipeline.process_item(article(1))
    pipeline.process_item(article(2))
    assert dataset.list_part_files(tmp_path) == []
    pipeline.close_spider()
    assert len(dataset.list_part_files(tmp_path)) == 1
    assert stored_ids(tmp_path) == [article(1).article_id, article(2).article_id]


class FakeLoopingCall:
    def __init__(self, function):
        self.function, self.started, self.running = function, [], False

    def start(self, interval, now=True):
        self.started.append((interval, now))
        self.running = True

    def stop(self):
        self.running = False


@pytest.mark.parametrize(("batch_seconds", "interval"), [(60, 6.0), (5, 0.5), (0.5, 0.1)])
def test_the_timer_looks_every_tenth_of_the_batch_age_at_least_every_tenth_second(
    sink, monkeypatch, batch_seconds, interval
):
    # A quiet batch is committed at most 10% late (module doc), with a tenth of a second floor.
    monkeypatch.setattr("pipelines.parquet.create_looping_call", FakeLoopingCall)
    sink.batch_seconds = batch_seconds
    sink.open_spider()
    assert sink.timer.function == sink.flush_if_due
    assert sink.timer.started == [(pytest.approx(interval), False)]
    sink.close_spider()
    assert not sink.timer.running
