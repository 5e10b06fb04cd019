"""Log lines about items that name the article instead of printing it whole.

Scrapy's own formatter writes a dropped item's every field, body included, into the log (a few
KB per reject, and into the stderr a crontab line appends to). A rejected article is kept whole
in `rejects/`; the log only needs to say which one and why.

Likewise a robots.txt that could not be fetched (the site down, the network off) is one line
naming the error, as any other page that failed is, not the 60-line traceback of Scrapy's
downloader that its robots.txt middleware attaches, run after run, to the crontab's stderr.
"""

from __future__ import annotations

import logging

from itemadapter import ItemAdapter
from scrapy.logformatter import LogFormatter


def _named(item) -> str:
    adapter = ItemAdapter(item)
    return f"article {adapter.get('article_id')} <{adapter.get('url')}>"


class ArticleLogFormatter(LogFormatter):
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


ROBOTS_TXT_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class RobotsTxtErrorWithoutTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("Error downloading"):
            record.exc_info = record.exc_text = None
        return True


class QuietRobotsTxtErrors:
    """Extension: installs the filter above on the robots.txt middleware's logger, once."""

    @classmethod
    def from_crawler(cls, crawler):
        robots_logger = logging.getLogger(ROBOTS_TXT_LOGGER)
        if not any(isinstance(f, RobotsTxtErrorWithoutTraceback) for f in robots_logger.filters):
            robots_logger.addFilter(RobotsTxtErrorWithoutTraceback())
        return cls()
