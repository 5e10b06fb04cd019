"""The last pipeline: batches accepted articles into atomic Parquet part files.

A batch is committed every PARQUET_BATCH_ITEMS items or PARQUET_BATCH_SECONDS seconds,
whichever comes first (checked on each item and by a timer, so a quiet crawl still flushes), and
at close, including a graceful SIGTERM / Ctrl-C shutdown. Each batch becomes one
`part-<run_id>-<seq>.parquet` per partition (`newsscraper.dataset_write.commit_articles`);
after each file is in place its rows are marked committed in the crawl history, so an article is
only ever "seen" once it is on disk.

A copy (`duplicate_of` set) whose original is still buffered for another partition first has the
buffer committed: the partitions of a batch are files written one after the other, and a crash
or a full disk between them must not leave a copy stored that names a row which is not (the
original, crawled again, would then be marked a copy of its copy, and `duplicate_of IS NULL`
would drop the story). A copy in its original's partition goes into the same file.

Each row is first made into a one-row table of the file schema: a value Arrow cannot hold (a
fault of ours upstream) raises out of `process_item`, so that item becomes a `pipeline_error`
reject instead of failing the whole batch at commit. An item refused here, for that or any other
reason, is taken out of the crawl history again: a later copy of its body must not name it, as
it is not stored.

A disk fault (read-only or full OUTPUT_DIR) stops the crawl: logged at ERROR with the path and
the error, stat `newsscraper/parquet/disk_error`, spider closed with reason `disk_error`. Files
committed before stay as they are; the rows not written are dropped with a reason and are
crawled again next run, since the history never marked them. A file renamed into place whose
folder's fsync then failed is stored all the same (readers see it): its rows count as written
and are marked in the history, and the crawl stops as for any other disk fault.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.utils.asyncio import create_looping_call

from newsscraper import dataset, dataset_write
from newsscraper import settings as project_settings
from newsscraper.context import RunContext
from newsscraper.history import History
from newsscraper.rejects import Rejected
from newsscraper.stop import DISK_ERROR_REASON, DISK_ERROR_STAT, stop_crawl

logger = logging.getLogger(__name__)

STAT_PREFIX = "newsscraper/parquet"
UNPARTITIONABLE = "unpartitionable"

MarkCommitted = Callable[[list[Mapping]], None]


def batch_is_due(
    buffered: int, oldest_age_seconds: float, batch_items: int, batch_seconds: float
) -> bool:
    """A non-empty buffer is committed when it is full or its oldest row has waited enough."""
    return buffered > 0 and (buffered >= batch_items or oldest_age_seconds >= batch_seconds)


def buffered_row(item) -> dict:
    """The item as a row of the articles dataset; ValueError if it cannot be partitioned."""
    row = dataset_write.item_to_row(item)
    row["section"], row["published_date"] = dataset.partition_of(row)
    return row


class ParquetSinkPipeline:
    def __init__(
        self,
        output_dir: str | Path,
        run_id: str,
        mark_committed: MarkCommitted,
        discard_pending: Callable[[str | None], None] = lambda article_id: None,
        *,
        batch_items: int = project_settings.PARQUET_BATCH_ITEMS,
        batch_seconds: float = project_settings.PARQUET_BATCH_SECONDS,
        compression: str = project_settings.PARQUET_COMPRESSION,
        stats=None,
        on_disk_error: Callable[[], None] = lambda: None,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.output_dir = Path(output_dir)
        self.run_id = run_id
        self.mark_committed = mark_committed
        self.discard_pending = discard_pending
        self.batch_items = batch_items
        self.batch_seconds = batch_seconds
        self.compression = compression
        self.stats = stats
        self.on_disk_error = on_disk_error
        self.monotonic = monotonic
        self.rows: list[dict] = []
        self.partitions: dict[str, tuple] = {}  # article_id -> partition, of the buffered rows
        self.oldest_at = 0.0
        self.seq = 0
        self.batch_rows_committed = 0
        self.disk_error: OSError | None = None
        self.timer = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        pipeline = cls(
            settings.get("OUTPUT_DIR"),
            RunContext.of(crawler).run_id,
            # Looked up on first use, as the dedupe pipeline does: the dataset is read when the
            # crawl starts, not while Scrapy builds its pipelines.
            lambda rows: History.of(crawler).mark_committed(rows),
            lambda article_id: History.of(crawler).discard_pending(article_id),
            batch_items=settings.getint(
                "PARQUET_BATCH_ITEMS", project_settings.PARQUET_BATCH_ITEMS
            ),
            batch_seconds=settings.getfloat(
                "PARQUET_BATCH_SECONDS", project_settings.PARQUET_BATCH_SECONDS
            ),
            compression=dataset_write.compression_of(settings),
            stats=crawler.stats,
            on_disk_error=lambda: stop_crawl(crawler, DISK_ERROR_REASON),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self.timer = create_looping_call(self.flush_if_due)
        # A tenth of the batch age: a quiet batch is committed at most 10% late.
        self.timer.start(max(0.1, self.batch_seconds / 10), now=False)

    def process_item(self, item):
        try:
            return self._buffer(item)
        except Exception:
            self.discard_pending(ItemAdapter(item).get("article_id"))  # see the module doc
            raise

    def _buffer(self, item):
        if self.disk_error is None:
            try:
                row = buffered_row(item)
            except ValueError as error:
                self._inc(UNPARTITIONABLE)
                # A reject with its reason, kept in `rejects/`: not a drop nothing records.
                raise Rejected(UNPARTITIONABLE, f"cannot be stored: {error}") from None
            dataset_write.items_to_table([row])  # raises here, for this item alone (module doc)
            partition = (row["section"], row["published_date"])
            if self.partitions.get(row.get("duplicate_of"), partition) != partition:
                self.flush()  # the original goes to disk before its copy (see the module doc)
        if self.disk_error is not None:
            self._inc("rows_lost")
            # The fault was said once, as an ERROR; the articles after it are named in the
            # log only (INFO), not in a WARNING each on stderr.
            raise DropItem(
                f"not stored: the dataset cannot be written ({self.disk_error})", log_level="INFO"
            )
        if not self.rows:
            self.oldest_at = self.monotonic()
        self.rows.append(row)
        self.partitions[row["article_id"]] = partition
        self.flush_if_due()
        return item

    def flush_if_due(self) -> None:
        age = self.monotonic() - self.oldest_at
        if batch_is_due(len(self.rows), age, self.batch_items, self.batch_seconds):
            self.flush()

    def close_spider(self) -> None:
        if self.timer is not None and self.timer.running:
            self.timer.stop()
        self.flush()

    def spider_closed(self, reason: str) -> None:
        # A fault in the final flush comes after the engine chose its reason ("finished",
        # "shutdown"); the crawl still failed, and `finish_reason` drives the exit code.
        if self.disk_error is not None and reason != DISK_ERROR_REASON and self.stats is not None:
            self.stats.set_value("finish_reason", DISK_ERROR_REASON)

    def flush(self) -> None:
        """Commit the buffered rows; on a disk fault, stop the crawl (see the module doc)."""
        if not self.rows:  # after a disk fault too: the rows not written were dropped
            return
        rows, self.rows = self.rows, []
        self.partitions = {}
        self.seq += 1
        self.batch_rows_committed = 0
        try:
            dataset_write.commit_articles(
                self.output_dir,
                rows,
                self.run_id,
                self.seq,
                compression=self.compression,
                on_commit=self._committed,
            )
        except OSError as error:
            self._fail(error, rows)

    def _committed(self, rows: list[Mapping], path: Path) -> None:
        self.mark_committed(list(rows))
        self.batch_rows_committed += len(rows)
        self._inc("rows_written", len(rows))
        self._inc("files_committed")
        logger.debug("committed %d rows to %s", len(rows), path)

    def _fail(self, error: OSError, rows: list[dict]) -> None:
        self.disk_error = error
        lost = len(rows) - self.batch_rows_committed
        logger.error(
            # The error names the part file (`PartFileWriteError`).
            "Disk fault writing the dataset: %s (OUTPUT_DIR %s). Stopping the crawl; "
            "files committed before are intact%s, %d row(s) of this batch and the articles "
            "still coming in will be crawled again.",
            error,
            self.output_dir,
            # Only the folder's fsync failed: the file is in place, its rows counted as written.
            " and so is this one" if getattr(error, "committed", False) else "",
            lost,
        )
        if self.stats is not None:
            self.stats.set_value(DISK_ERROR_STAT, f"{self.output_dir}: {error}")
        # Partitions of this batch in place before or at the fault were counted by `_committed`.
        self._inc("rows_lost", lost)
        self.on_disk_error()

    def _inc(self, event: str, count: int = 1) -> None:
        if self.stats is not None and count:
            self.stats.inc_value(f"{STAT_PREFIX}/{event}", count)
