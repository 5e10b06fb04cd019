"""Rejected articles and pages that failed to parse are kept, not lost: `OUTPUT_DIR/rejects/`.

A pipeline rejects an item by raising `Rejected(reason, detail)`; `RejectsExtension` turns
every such drop, every exception a spider callback raised on a page, and every other exception
a pipeline raised on an item (`pipeline_error`, a fault of newsscraper: the item is kept in
`raw` instead of being lost), into one row of REJECTS_SCHEMA, buffered and committed as part
files (every PARQUET_BATCH_ITEMS rows and at close). Other drops (a duplicate id, say) are not
rejects and are not written.

A page sent with `stored_as` (a listed URL that redirected to another article, stored under that
article's id) is held back until that article is committed or rejected in this run: a crawl
never asks again for a rejected id, so its reject on disk before the row it points to would
leave that article lost to a crash or a full disk in between. One still unsettled at close is
not written (the next run asks for the listed URL again).

Rows a write failed on are kept for the next flush; when the last one, at close, fails too, the
crawl counts as stopped by a disk fault (`disk_error`, exit 4, no run record), as when the
articles' sink fails: the watermark stays, and the next run rejects those pages again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem

from newsscraper import dataset, dataset_write
from newsscraper import settings as project_settings
from newsscraper.context import RunContext
from newsscraper.history import History
from newsscraper.pages.links import article_id_from_url, canonical_article_url
from newsscraper.redirects import REDIRECTED_AWAY, REDIRECTED_TO_ARTICLE
from newsscraper.stop import DISK_ERROR_STAT, disk_error_of

logger = logging.getLogger(__name__)

PARSE_ERROR = "parse_error"
PIPELINE_ERROR = "pipeline_error"
# The HTTP statuses that say a page is gone; its reject reason is `http_<status>`.
GONE_STATUSES = (404, 410)
# What the site itself said of a page: gone, or moved to another article (stored under its
# own id). Every other reason is a verdict of newsscraper's: its rules, parsing and limits.
SITE_SAID_GONE = frozenset(
    {*(f"http_{status}" for status in GONE_STATUSES), REDIRECTED_AWAY, REDIRECTED_TO_ARTICLE}
)


class Rejected(DropItem):
    """An item that fails a data-quality rule: a short machine `reason`, a human `detail`."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


def item_as_json(item) -> str:
    """The item's fields as a JSON object, datetimes in ISO 8601, text unescaped."""
    return json.dumps(ItemAdapter(item).asdict(), ensure_ascii=False, default=_json_default)


def reject_row(item, reason: str, detail: str, now: dt.datetime, run_id: str) -> dict:
    """One rejects row for an item; `now` stands in when the item was not stamped yet."""
    adapter = ItemAdapter(item)
    return {
        "article_id": adapter.get("article_id"),
        "url": adapter.get("url"),
        "reason": reason,
        "detail": detail,
        "raw": item_as_json(item),
        "scraped_at": adapter.get("scraped_at") or now,
        "run_id": run_id,
    }


def storable(value):
    """`value`, a text Arrow can write as UTF-8: a lone surrogate (which UTF-8 cannot hold; an
    item whose row could not be written can carry one) as its escape `\\udXXX`, in `raw` the
    JSON escape that reads back as the same character. Anything else unchanged."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


def error_detail(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def parse_error_row(url: str | None, error: BaseException, now: dt.datetime, run_id: str) -> dict:
    """One rejects row for a page whose callback raised `error`."""
    return page_row(url, PARSE_ERROR, error_detail(error), now, run_id)


def page_row(url: str | None, reason: str, detail: str, now: dt.datetime, run_id: str) -> dict:
    """One rejects row for a page that gave no item (the id is read from its URL). An article
    page is recorded under its cafef.vn URL, whatever host CAFEF_BASE_URL sent the crawl to."""
    return {
        "article_id": article_id_from_url(url),
        "url": canonical_article_url(url) or url,
        "reason": reason,
        "detail": detail,
        "raw": None,
        "scraped_at": now,
        "run_id": run_id,
    }


# Sent (url=, reason=, detail=, stored_as=) for a page that can never give an article, e.g. one
# larger than DOWNLOAD_MAXSIZE or one the site says is gone: recorded so it is not asked for again.
page_rejected = object()


class RejectsExtension:
    def __init__(self, crawler, output_dir, batch_items: int, compression: str):
        self.crawler = crawler
        self.context = RunContext.of(crawler)
        self.output_dir = output_dir
        self.batch_items = max(1, batch_items)
        self.compression = compression
        self.rows: list[dict] = []
        self.held: list[tuple[dict, str]] = []  # (row, article_id it waits for), see the doc
        self.rejected_ids: set[str] = set()
        self.seq = 0

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        ext = cls(
            crawler,
            settings.get("OUTPUT_DIR"),
            settings.getint("PARQUET_BATCH_ITEMS", project_settings.PARQUET_BATCH_ITEMS),
            dataset_write.compression_of(settings),
        )
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_error, signal=signals.spider_error)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.page_rejected, signal=page_rejected)
        return ext

    def page_rejected(self, url: str, reason: str, detail: str, stored_as: str | None = None):
        row = page_row(url, reason, detail, self.context.clock(), self.context.run_id)
        self._add(row, waits_for=stored_as)

    def item_dropped(self, item, exception):
        if not isinstance(exception, Rejected):
            return
        now, run_id = self.context.clock(), self.context.run_id
        self._add(reject_row(item, exception.reason, exception.detail, now, run_id))

    def item_error(self, item, failure):
        # A pipeline raised something other than DropItem: Scrapy logs it and drops the item.
        # Kept here, the article is not asked for again and waits in `raw` for a fixed release.
        now, run_id = self.context.clock(), self.context.run_id
        self._add(reject_row(item, PIPELINE_ERROR, error_detail(failure.value), now, run_id))

    def spider_error(self, failure, response):
        # `response` is a Failure when an errback raised; its request may still say the URL.
        request = getattr(response, "request", None)
        url = getattr(response, "url", None) or getattr(request, "url", None)
        if url is None:
            return  # not a page's error but the crawl's own (its start): logged, exit code 1
        self._add(parse_error_row(url, failure.value, self.context.clock(), self.context.run_id))

    def spider_closed(self):
        self.flush(last=True)
        for row, article_id in self.held:
            logger.warning(
                "%s not rejected: article %s it redirected to was not stored; the next run asks "
                "for it again",
                row["url"],
                article_id,
            )
            self.crawler.stats.inc_value(f"newsscraper/rejects/{row['reason']}", -1)
        self.held = []

    def _add(self, row: dict, waits_for: str | None = None) -> None:
        """Buffer `row`, or hold it until article `waits_for` is settled (see the doc)."""
        self.crawler.stats.inc_value(f"newsscraper/rejects/{row['reason']}")
        row = {name: storable(value) for name, value in row.items()}
        if waits_for is not None:
            self.held.append((row, waits_for))
            return
        self.rows.append(row)
        if row["article_id"] is not None:
            self.rejected_ids.add(row["article_id"])
        if len(self.rows) >= self.batch_items:
            self.flush()

    def _release_settled(self) -> None:
        """Move the held rows whose article is now committed or rejected into the buffer."""
        if not self.held:
            return
        history = History.of(self.crawler)
        waiting = []
        for row, article_id in self.held:
            if history.is_stored(article_id) or article_id in self.rejected_ids:
                self.rows.append(row)
            else:
                waiting.append((row, article_id))
        self.held = waiting

    def flush(self, last: bool = False) -> None:
        """Commit the buffered rows as one part file; on a disk error keep them for the next try,
        or, at the `last` (the close), stop the run as a disk fault."""
        self._release_settled()
        if not self.rows:
            return
        try:
            dataset_write.commit_rejects(
                self.output_dir,
                self.rows,
                self.context.run_id,
                self.seq,
                compression=self.compression,
            )
        except OSError as error:
            folder = dataset.rejects_dir(self.output_dir)
            if getattr(error, "committed", False):
                # The file is in place, only its folder's fsync failed: its rows are stored,
                # and written again under the same name they would fail as "already stored".
                logger.warning("rejects rows written under %s, but %s", folder, error)
                self.seq += 1
                self.rows = []
                return
            # A full or read-only disk, which the run's own lines and exit code 4 report: one
            # line naming it, not a traceback in the mail a crontab line sends.
            logger.error(
                "could not write %d rejects rows under %s: %s; %s",
                len(self.rows),
                folder,
                error,
                "the run stops as a disk fault, its watermark kept"
                if last
                else "kept to try again",
            )
            # Not under `newsscraper/rejects/`: every stat there is a reject reason (run records).
            self.crawler.stats.inc_value("newsscraper/rejects_write_failed")
            if last and not disk_error_of(self.crawler.stats):
                # Rows lost with the run: its record would count them and move the watermark
                # past their pages, which no later run would ask for again.
                self.crawler.stats.set_value(DISK_ERROR_STAT, f"{folder}: {error}")
            return
        self.seq += 1
        self.rows = []
