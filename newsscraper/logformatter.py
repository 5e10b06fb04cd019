"""Log lines about items that name the article instead of printing it whole.

Scrapy's own formatter writes a dropped item's every field, body included, into the log (a few
KB per reject, and into the stderr a crontab line appends to). A rejected article is kept whole
in `rejects/`; the log only needs to say which one and why.
"""

from __future__ import annotations

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
