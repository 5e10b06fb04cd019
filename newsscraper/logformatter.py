"""Log lines that name the page instead of printing it whole, or a traceback.

Scrapy's own formatter writes a dropped item's every field, body included, into the log (a few
KB per reject, and into the stderr a crontab line appends to). A rejected article is kept whole
in `rejects/`; the log only needs to say which one and why.

A listing page whose layout changed (`ListingLayoutChanged`) is raised in the spider's callback,
so that Scrapy's spider_error signal keeps it in `rejects/` as parse_error. Scrapy logs every
such raise with its traceback, which in a cron log reads like a crash of newsscraper: this one
is a change of the site, said in one ERROR line naming the page. Any other raise is a fault of
newsscraper and keeps its traceback.

Scrapy's advice, on a page whose connection closed before its Content-Length, to set
DOWNLOAD_FAIL_ON_DATALOSS = False is left out: that would store half an article.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.logformatter import LogFormatter

from newsscraper.pages.section import ListingLayoutChanged

# The logger Scrapy says a spider's raise with (`Scraper.handle_spider_error`).
SPIDER_ERROR_LOGGER = "scrapy.core.scraper"
# The logger of Scrapy's download handler, which says once a run "Got data loss in URL. If you
# want to process broken responses set the setting DOWNLOAD_FAIL_ON_DATALOSS = False".
DOWNLOAD_HANDLER_LOGGER = "scrapy.core.downloader.handlers.http11"


def without_data_loss_advice(record: logging.LogRecord) -> bool:
    """A logging filter: Scrapy's advice to store pages cut short is left out. Such a page is
    retried and stays pending (the spider's line says so); stored, it would be half an article."""
    return not str(record.msg).startswith("Got data loss in ")


def _named(item) -> str:
    adapter = ItemAdapter(item)
    return f"article {adapter.get('article_id')} <{adapter.get('url')}>"


def without_layout_change_traceback(record: logging.LogRecord) -> bool:
    """A logging filter: a listing page whose layout changed is logged without a traceback."""
    if record.exc_info and isinstance(record.exc_info[1], ListingLayoutChanged):
        record.exc_info = record.exc_text = None
    return True


class ArticleLogFormatter(LogFormatter):
    @classmethod
    def from_crawler(cls, crawler):
        # Once per process: `addFilter` adds the same filter once.
        logging.getLogger(SPIDER_ERROR_LOGGER).addFilter(without_layout_change_traceback)
        logging.getLogger(DOWNLOAD_HANDLER_LOGGER).addFilter(without_data_loss_advice)
        return super().from_crawler(crawler)

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped %(item)s: %(exception)s"
        entry["args"] = {"item": _named(item), "exception": exception}
        return entry

    def item_error(self, item, exception, response, spider):
        entry = super().item_error(item, exception, response, spider)
        entry["msg"] = "Error processing %(item)s"
        entry["args"] = {"item": _named(item)}
        return entry

    def spider_error(self, failure, request, response, spider):
        entry = super().spider_error(failure, request, response, spider)
        if failure.check(ListingLayoutChanged):
            entry["msg"] = (
                "listing page %(url)s: %(error)s. A change of the site, not a fault of "
                "newsscraper: kept in rejects as parse_error, paging stops here"
            )
            entry["args"] = {
                "url": getattr(response, "url", None) or request.url,
                "error": failure.value,
            }
        return entry
