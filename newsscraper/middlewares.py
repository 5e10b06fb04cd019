"""The downloader middlewares under the dotted paths a user's Scrapy settings may name them by
(`newsscraper.middlewares.PoliteRetryMiddleware`, ...): the one module whose paths settings
may name, kept working whichever module holds each. The project's own settings name their
homes: the polite retries in `newsscraper/retries.py`, the charset a response is read in in
`newsscraper/charsets.py`, where the crawl may go in `newsscraper/crawl_host.py`.
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
