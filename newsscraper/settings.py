"""Every setting of newsscraper in one place.

Deployments differ by `-s NAME=value`, environment or CLI flags, never by editing this file.
The defaults are for the live site: polite, one request at a time.
"""

import os

from newsscraper import __version__

BOT_NAME = "newsscraper"
SPIDER_MODULES = ["newsscraper.spiders"]
NEWSPIDER_MODULE = "newsscraper.spiders"

# --- Where to crawl and where to write -------------------------------------------------------
# The whole crawl goes to this host (tests and the local replica point it at 127.0.0.1);
# stored URLs stay the canonical https://cafef.vn/... ones.
CAFEF_BASE_URL = os.environ.get("CAFEF_BASE_URL", "https://cafef.vn")
OUTPUT_DIR = os.environ.get("NEWSSCRAPER_OUTPUT_DIR", "output")
# Listing pages a run walks at most when `-a max_pages` is not given.
CAFEF_MAX_PAGES = 20

# --- Parquet sink ----------------------------------------------------------------------------
PARQUET_BATCH_ITEMS = 500  # commit a part file every N articles …
PARQUET_BATCH_SECONDS = 60  # … or every N seconds, whichever comes first, and at close
PARQUET_COMPRESSION = "zstd"

# --- Data quality ----------------------------------------------------------------------------
VALIDATE_MIN_BODY_CHARS = 200
VALIDATE_MAX_TITLE_CHARS = 500
VALIDATE_MAX_FUTURE_HOURS = 24
NEAR_DUPLICATE_MAX_DISTANCE = 3  # Hamming distance between 64-bit simhashes
NEWSSCRAPER_NOW = None  # fixed ISO instant with offset, for reproducible runs; None = the clock
RUN_ID = None  # None = generated, unique per process

ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.stamp.StampPipeline": 200,
    "pipelines.validate.ValidatePipeline": 300,
    "pipelines.dedupe.DedupePipeline": 400,
    "pipelines.parquet.ParquetSinkPipeline": 500,
}

EXTENSIONS = {
    # Scrapy's own, its limits (CLOSESPIDER_*) seen by a retry waiting: newsscraper.stop.
    "scrapy.extensions.closespider.CloseSpider": None,
    "newsscraper.stop.CloseSpiderLimits": 0,
    "newsscraper.rejects.RejectsExtension": 100,
    "newsscraper.runs.RunRecordExtension": 200,
}

# --- Politeness (the live site rate-limits per IP) ------------------------------------------
# Who runs the crawler: a URL or e-mail address the site can reach (environment variable).
# Lower case: no setting, as nothing reads it once USER_AGENT is built (-s refuses it).
_contact = os.environ.get("NEWSSCRAPER_CONTACT", "")
USER_AGENT = f"newsscraper/{__version__} (news archiver; " + (
    f"+{_contact})" if _contact else "no contact given)"
)
ROBOTSTXT_OBEY = True
# Groups chosen by our product token only, as RFC 9309 (2.2.1) asks.
ROBOTSTXT_PARSER = "newsscraper.robotstxt_groups.ProductTokenRobotParser"
# Seconds a robots.txt a run got is read by the next runs of OUTPUT_DIR instead of asking again
# (a shorter Cache-Control max-age of its own wins); 0: every run asks. RFC 9309 (2.4) asks for
# a day at most, the largest value taken.
ROBOTSTXT_MAX_AGE = 24 * 3600
# One request in the downloader at a time, not only one on the wire: a request let through
# before a rest began (a Retry-After, a soft block) would otherwise wait in the download slot
# and go out during the rest, and on SIGTERM, one per DOWNLOAD_DELAY, before the crawl ends.
CONCURRENT_REQUESTS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 3
DOWNLOAD_DELAY_JITTER = 0.5  # ±50% of DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 3
AUTOTHROTTLE_MAX_DELAY = 60
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A page given up is said once, by the spider (its tries, why, what comes of it): Scrapy's own
# "Gave up retrying" ERROR would say it a second time on stderr.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"

HTTPCACHE_ENABLED = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's HTTP server that runs the Python code sent to it, with its token written under
# $HOME (left there by a killed run): an unattended crawl has no use for it.
REMOTE_CONTROL_ENABLED = False
REDIRECT_MAX_TIMES = 5

LOG_LEVEL = "INFO"
# `scrapy crawl` logs in the machine's time, its offset named: the run ids, run records and the
# end of a rest that its lines speak of are UTC (`newsscraper cron` logs in UTC, named as such).
LOG_DATEFORMAT = "%Y-%m-%d %H:%M:%S %z"
# A dropped or failed item is named in the log, not printed whole (rejects/ keeps it).
LOG_FORMATTER = "newsscraper.logformatter.ArticleLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"

# --- Retries, back-off, soft blocks ----------------------------------------------------------
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each time
RETRY_BACKOFF_MAX = 120.0
RETRY_AFTER_MAX = 600.0  # never wait longer than this for a Retry-After
SOFT_BLOCK_BACKOFF_BASE = 30.0
SOFT_BLOCK_STOP_AFTER = 5  # soft-block pages or 429s in a row that stop the run (exit code 3)
# Failed fetches in a row (5xx, timeouts, connection errors, bodies cut short), on more than one
# page, that stop the run (exit code 7): retrying every page of a site that is down only loads it.
SITE_FAILING_STOP_AFTER = 10
# An article page that fails after every retry is asked for again by the next runs; one that
# has failed in every run for this long is rejected (`failed_repeatedly`). See pending.py.
ARTICLE_GIVE_UP_AFTER_HOURS = 24.0

DOWNLOADER_MIDDLEWARES = {
    "newsscraper.middlewares.CrawlHostOnlyMiddleware": 40,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsscraper.robotstxt.StrictRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsscraper.middlewares.PoliteRetryMiddleware": 550,
    # Numbered above the retry middleware, so it sees each response first (after decompression).
    "newsscraper.middlewares.Utf8ResponseMiddleware": 585,
    # Numbered above Scrapy's HttpCompressionMiddleware (590): sees each body still compressed.
    "newsscraper.compressed.CompressedBodyMiddleware": 595,
    # Numbered above Scrapy's RedirectMiddleware (600): sees each redirect before it.
    "newsscraper.middlewares.UnfollowedRedirectMiddleware": 605,
    # Scrapy's, in its place, without failing a page that refreshes to `javascript:`.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newsscraper.middlewares.NowhereMetaRefreshMiddleware": 580,
}

COMMANDS_MODULE = "newsscraper.scrapy_commands"
