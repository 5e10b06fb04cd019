"""Stop a crawl from inside it (a full disk, a site that keeps soft-blocking us)."""

from __future__ import annotations

import logging

from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)


def stop_crawl(crawler, reason: str) -> None:
    """Ask the engine to close the spider with `reason`, unless it is closing already.

    Scheduled, not awaited: the close waits for what is in flight, the caller among it.
    """
    engine = crawler.engine
    if engine is None or engine.spider is None:
        return
    deferred = deferred_from_coro(engine.close_spider_async(reason=reason))
    deferred.addErrback(lambda failure: logger.error("closing the spider failed: %s", failure))
