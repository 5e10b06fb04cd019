"""One row per article_id across the whole dataset; copies of a body are kept but marked.

- An article_id already stored, or already accepted earlier in this crawl, is dropped
  (`DuplicateArticle`, logged at DEBUG: re-seeing a stored article is the normal case of an
  incremental crawl, not a problem).
- A body with the same content_sha256 under another id (a syndicated copy), or a simhash
  within NEAR_DUPLICATE_MAX_DISTANCE bits of one, keeps its row with `duplicate_of` set to the
  article_id stored first.
"""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from newsscraper import settings as project_settings
from newsscraper.history import History


class DuplicateArticle(DropItem):
    """The article_id is already stored or taken in this crawl: not a reject, just seen."""

    reason = "duplicate_id"

    def __init__(self, article_id: str):
        super().__init__(f"duplicate_id: article {article_id} is already stored", log_level="DEBUG")
        self.article_id = article_id


def dedupe_item(item, history: History, max_distance: int):
    """`item` with duplicate_of set (None when its body is new); raises `DuplicateArticle`.

    Reads `history` only: recording the accepted item is the caller's step.
    """
    adapter = ItemAdapter(item)
    article_id = adapter["article_id"]
    if history.is_stored(article_id) or history.is_pending(article_id):
        raise DuplicateArticle(article_id)
    adapter["duplicate_of"] = history.content_duplicate_of(
        adapter.get("content_sha256"), adapter.get("simhash"), max_distance
    )
    return item


class DedupePipeline:
    def __init__(self, history, max_distance: int, stats):
        # A History, or a function giving it on first use: the crawl reads the dataset when it
        # starts, where a file it cannot read stops it with one line (`dataset_unreadable`),
        # not while Scrapy builds its pipelines, where it would fail with a traceback.
        self._history = history
        self.max_distance = max_distance
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            lambda: History.of(crawler),
            crawler.settings.getint(
                "NEAR_DUPLICATE_MAX_DISTANCE", project_settings.NEAR_DUPLICATE_MAX_DISTANCE
            ),
            crawler.stats,
        )

    @property
    def history(self) -> History:
        if callable(self._history):
            self._history = self._history()
        return self._history

    def process_item(self, item):
        try:
            item = dedupe_item(item, self.history, self.max_distance)
        except DuplicateArticle:
            self.stats.inc_value("newsscraper/dedupe/duplicate_id")
            raise
        adapter = ItemAdapter(item)
        original = adapter.get("duplicate_of")
        if original is not None:
            # An exact copy of any earlier body, whichever article `duplicate_of` names (the
            # earliest of the near ones may be another).
            same_body = self.history.content_duplicate_of(adapter.get("content_sha256"), None, 0)
            event = "near_duplicate" if same_body is None else "content_duplicate"
            self.stats.inc_value(f"newsscraper/dedupe/{event}")
        self.history.add_pending(adapter)
        return item
