"""Five of the downloader middlewares, under the dotted paths Scrapy settings name them by
(`newsscraper.middlewares.PoliteRetryMiddleware`, ...): the project's own settings, and so a
user's settings that set one of these keys (to `None`, or another order), keep naming the same
entry whichever module holds each class. Their homes: the polite retries in
`newsscraper/retries.py`, the charset a response is read in in `newsscraper/charsets.py`,
where the crawl may go in `newsscraper/crawl_host.py`.
"""

from newsscraper.charsets import Utf8ResponseMiddleware
from newsscraper.crawl_host import (
    CrawlHostOnlyMiddleware,
    NowhereMetaRefreshMiddleware,
    UnfollowedRedirectMiddleware,
)
from newsscraper.retries import PoliteRetryMiddleware

__all__ = [
    "CrawlHostOnlyMiddleware",
    "NowhereMetaRefreshMiddleware",
    "PoliteRetryMiddleware",
    "UnfollowedRedirectMiddleware",
    "Utf8ResponseMiddleware",
]
