"""`scrapy crawl cafef`: one section of cafef.vn, newest first, incremental by default.

Requests and link following only: what a page says is read by `newsscraper.pages`, when to
stop paging is decided by `newsscraper.listing_walk`, what to ask for is read from the dataset
when the crawl starts by `newsscraper.crawl_plan`.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
import scrapy
from scrapy.exceptions import (
    CloseSpider,
    DownloadCancelledError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError

from newsscraper.context import RunContext
from newsscraper.crawl_args import CrawlArguments
from newsscraper.crawl_host import another_host_advice
from newsscraper.crawl_plan import plan_crawl
from newsscraper.dataset_read import unreadable
from newsscraper.error_messages import error_message
from newsscraper.health import DATASET_UNREADABLE
from newsscraper.listing_walk import (
    CRAWL_DELAY_TOO_LONG,
    FORBIDDEN_BY_ROBOTS,
    LISTING_FAILED,
    LISTING_UNREADABLE,
    ROBOTS_TXT_UNAVAILABLE,
    STALLED_PAGES,
    STUCK,
    ListingWalk,
)
from newsscraper.page_search import FirstPageSearch
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.links import article_id_from_url, canonical_article_url, is_site_link
from newsscraper.pages.section import ListingEntry, ListingLayoutChanged, SectionPage
from newsscraper.pending import FAILED_REPEATEDLY, PendingArticles
from newsscraper.redirects import (
    REDIRECTED_AWAY,
    REDIRECTED_TO_ARTICLE,
    OffCrawlHost,
    redirected_away,
    requested_url,
    unfollowed_redirect,
)
from newsscraper.rejects import GONE_STATUSES, page_rejected
from newsscraper.robotstxt import CrawlDelayTooLong, RobotsTxtForbidden, RobotsTxtUnavailable
from newsscraper.sections import section_path, timeline_path
from newsscraper.setting_checks import run_id_refused, setting_problems
from newsscraper.softblock import was_soft_blocked
from newsscraper.stop import is_stopping

logger = logging.getLogger(__name__)


class CafefSpider(scrapy.Spider):
    name = "cafef"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler, kwargs)
        return spider

    def configure(self, crawler, arguments: dict) -> None:
        settings = crawler.settings
        problems = setting_problems(settings)
        if problems:
            raise ValueError("; ".join(problems))
        # Days back (`-a since=-1`) count from the run's own clock, the one its rows get.
        self.args = CrawlArguments.parse(
            arguments,
            default_max_pages=settings.getint("CAFEF_MAX_PAGES"),
            now=RunContext.of(crawler).started_at,
        )
        self.base = urlsplit(settings.get("CAFEF_BASE_URL").rstrip("/"))
        # The crawl host only: CrawlHostOnlyMiddleware drops anything else, redirects too
        # (Scrapy's offsite middleware lets the spider's dont_filter requests through).
        self.allowed_domains = [self.base.hostname]
        refused = run_id_refused(settings)
        if refused:
            raise ValueError(refused)
        self.zone_id = self.args.zone_id  # confirmed (or corrected) by the section page
        self.walk: ListingWalk | None = None  # made when the crawl starts
        # What earlier runs could not fetch: read when the crawl starts (until then, None, and
        # the run record carries the last record's list forward).
        self.pending: PendingArticles | None = None
        # Article pages of this run counted in `article_failed`: one given up later in the run
        # is a reject, no longer a failure to report.
        self.failed_here: set[str] = set()

    # --- URLs ---------------------------------------------------------------------------------

    def crawl_url(self, path: str) -> str:
        """`path` on the host being crawled (cafef.vn, or the replica in tests)."""
        return urlunsplit((self.base.scheme, self.base.netloc, path, "", ""))

    def rebase(self, url: str) -> str | None:
        """A cafef.vn article link moved onto the crawl host; None for links off the site."""
        parts = urlsplit(url)
        if not is_site_link(parts, self.base.hostname):
            return None
        return self.crawl_url(parts.path)

    # --- Listing pages -------------------------------------------------------------------------

    async def start(self):
        try:
            self.prepare()
        except (OSError, pa.ArrowException) as error:
            # One line naming the fault, where Scrapy would log its traceback twice over.
            logger.error("%s", unreadable(self.crawler.settings.get("OUTPUT_DIR"), error))
            raise CloseSpider(DATASET_UNREADABLE) from None
        if self.args.until is not None:
            # A backfill: find the first page that reaches back to `until` without walking
            # every newer page.
            self.search = FirstPageSearch(until=self.args.until)
            self.search_hit = None
            self.search_focus: list[ListingEntry] = []
            yield self.listing_request(1, callback=self.parse_probe)
        else:
            yield self.listing_request(1)

    def prepare(self) -> None:
        """The walk and the pending pages, from what the dataset holds (`crawl_plan`)."""
        self.walk, self.pending = plan_crawl(self.crawler, self.args)
        output_dir = self.crawler.settings.get("OUTPUT_DIR")
        # The run id the summary line and the run record end with: grep finds a run's start.
        logger.info(
            "run %s: crawling section %s (zone %d) on %s into %s; watermark %s; "
            "%d article page(s) pending",
            RunContext.of(self.crawler).run_id,
            self.args.section,
            self.args.zone_id,
            self.crawl_url(""),
            output_dir,
            self.walk.watermark,
            len(self.pending),
        )
        if self.args.is_backfill:  # days back (`-a since=-1`) as the dates they came to
            logger.info(
                "backfill window (Vietnam dates): since %s, until %s",
                self.args.since or "the end of the listing",
                self.args.until or "the newest",
            )

    def listing_request(self, page: int, callback=None) -> scrapy.Request:
        if page == 1:
            url, kind = self.crawl_url(section_path(self.args.section)), "section"
        else:
            url, kind = self.crawl_url(timeline_path(self.zone_id, page)), "timeline"
        return scrapy.Request(
            url,
            callback=callback or self.parse,
            errback=self.listing_failed,
            meta={"cafef_page": kind, "listing_page": page},
            # A listing URL can be asked twice in one run (an empty fragment is asked again).
            dont_filter=True,
        )

    def listing_entries(self, response) -> list[ListingEntry]:
        self.crawler.stats.inc_value("newsscraper/spider/listing_pages")
        try:
            page = SectionPage(response)
            if response.meta.get("listing_page", 1) > 1 and not page.is_fragment:
                # A timeline fragment asked for, a whole page (page 1) answered, or redirected
                # to: what some sites send past the end. Its stories are not the next page's:
                # the end of the listing, as an empty fragment is (asked for once more).
                logger.info(
                    "listing page %s answered with the whole page %s: taken as the end",
                    requested_url(response.request),
                    response.url,
                )
                self.crawler.stats.inc_value("newsscraper/spider/listing_page_not_a_fragment")
                return []
            if response.meta.get("listing_page") == 1:
                zone_id = page.zone_id()
                if zone_id is not None and zone_id != self.zone_id:
                    # The section page says where its timeline lives; trust it over our table.
                    logger.warning("section %s now has zone id %d", self.args.section, zone_id)
                    self.zone_id = zone_id
            entries = page.entries()
            if not any(entry.kind == "stream" for entry in entries):
                unread = page.unread_article_links()
                if unread:
                    raise ListingLayoutChanged(
                        "the listing's entries could not be read though its stream links to "
                        f"{unread} articles: its layout probably changed"
                    )
            return entries
        except Exception:
            # Raised on: a parse_error reject under the page's URL (RejectsExtension), and the
            # walk ends here with a reason the run's health reads, not as if it had finished.
            if self.walk is not None:
                self.walk.listing_failed(LISTING_UNREADABLE, response.url)
            raise

    def parse(
        self,
        response,
        focus: list[ListingEntry] | None = None,
        entries: list[ListingEntry] | None = None,
    ):
        """`focus`: page 1's focus entries, for a walk that starts on a later page; `entries`:
        the page's own, when the backfill search has read them already (one page, counted once)."""
        if self.walk is None:
            # A listing page looked at with `scrapy parse`: its articles, no walk to go on with.
            for entry in self.listing_entries(response):
                request = self.article_request(entry.url, entry.article_id)
                if request is not None:
                    yield request
            return
        number = response.meta["listing_page"]
        if number == 1:
            yield from self.pending_requests()
        if entries is None:
            entries = self.listing_entries(response)
        decision = self.walk.visit(number, [*(focus or []), *entries], response.url)
        for entry in decision.to_fetch:
            request = self.article_request(entry.url, entry.article_id)
            if request is not None:
                yield request
        if decision.next_page is not None:
            yield self.listing_request(decision.next_page)
        elif decision.stop_reason == STUCK:
            logger.warning(
                "stopped paging at listing page %s: %d pages in a row came no further down the "
                "stream (%s)",
                response.url,
                self.walk.pages_without_progress,
                STUCK,
            )
        else:
            logger.info("stopped paging at listing page %d: %s", number, decision.stop_reason)

    def parse_probe(self, response):
        page = response.meta["listing_page"]
        entries = self.listing_entries(response)
        if page == 1:
            yield from self.pending_requests()
            # Editors' picks: page 1's focus block only, in no stream page the walk will see.
            self.search_focus = [entry for entry in entries if entry.kind == "focus"]
        self.search.record(page, entries)
        if self.search.above_stalled:
            # The site answers past the end with pages the search cannot place (page 1's items,
            # one page again): where the window starts is not known. The walk starts on page 1,
            # as a backfill without `until` does, and comes down through the window; its own
            # STALLED_PAGES bound ends it past the end.
            logger.warning(
                "backfill: listing page %s ends %d probes in a row that came no further down "
                "the stream: walking the listing from page 1",
                response.url,
                STALLED_PAGES,
            )
            yield self.listing_request(1)
            return
        if self.search.above == page:
            self.search_hit = (response, entries)
        probe = self.search.next_probe()
        if probe is not None:
            yield self.listing_request(probe, callback=self.parse_probe)
            return
        found = self.search.found
        saved = self.search.requests_saved
        self.crawler.stats.set_value("newsscraper/spider/backfill_requests_saved", saved)
        # Walking every newer page reads pages 1 to `found`: as many requests as that page's
        # number. The search may take more when the page is near the top.
        against_walking = found - self.search.probes
        logger.info(
            "backfill: page %d is the first to reach %s%s; found with %d requests, %d %s than "
            "walking every newer page",
            found,
            self.args.until,
            " (it is past the end of the listing: nothing listed is that old)"
            if self.search.above_is_empty
            else "",
            self.search.probes,
            abs(against_walking),
            "fewer" if against_walking >= 0 else "more",
        )
        # The walk starts on the found page, with page 1's picks when that is below page 1
        # (the window decides which are fetched): from the search's response, unless the page
        # before was read after it (the listing may have moved in between: read it again).
        focus = self.search_focus if found > 1 else None
        if self.search.above_is_empty:
            # Past the end, read empty twice: the walk takes it as the end without asking a
            # third time. Read after the page before, it is the end; read before it, stories
            # published in between may have pushed the listing's oldest (the window's) onto
            # it, and it is read once more below.
            self.walk.empty_retried.add(found)
        if not self.search.found_is_current:
            self.crawler.stats.inc_value("newsscraper/spider/backfill_found_page_read_again")
            yield self.listing_request(found).replace(cb_kwargs={"focus": focus})
            return
        hit, hit_entries = self.search_hit
        yield from self.parse(hit, focus=focus, entries=hit_entries)

    def listing_failed(self, failure):
        self.crawler.stats.inc_value("newsscraper/spider/listing_failed")
        if failure.check(RobotsTxtUnavailable):
            reason = ROBOTS_TXT_UNAVAILABLE
        elif failure.check(RobotsTxtForbidden):
            reason = FORBIDDEN_BY_ROBOTS
        elif failure.check(CrawlDelayTooLong):
            reason = CRAWL_DELAY_TOO_LONG
        else:
            reason = LISTING_FAILED
        request = getattr(failure, "request", None)
        # The page as asked for, on the crawl host, not where a redirect sent it (a login page).
        url = requested_url(request) if request is not None else None
        why = listing_failure(failure)
        self.walk.listing_failed(reason, url, why)  # the run record's problem says it too
        logger.error("listing page %s %s", url or "?", why)

    def article_request(self, listed_url: str, article_id: str) -> scrapy.Request | None:
        url = self.rebase(listed_url)
        if url is None:
            self.crawler.stats.inc_value("newsscraper/spider/offsite_link")
            return None
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"cafef_page": "article", "article_id": article_id},
            # The walk asks for each article once. Without the duplicate filter, a redirect
            # back to the same URL runs into REDIRECT_MAX_TIMES and is counted as a failure
            # instead of vanishing; CrawlHostOnlyMiddleware keeps redirects on the host.
            dont_filter=True,
        )

    # --- Article pages -------------------------------------------------------------------------

    def pending_requests(self):
        """The article pages earlier runs could not fetch, asked for once the site has answered
        the first listing page (a site that is down gets no requests for them, and no give-up),
        and only once: the walk counts them as requested."""
        for article_id, entry in list(self.pending.articles.items()):
            if self.walk.is_stored(article_id):  # stored or rejected since (a backfill, say)
                self.pending.drop(article_id)
                continue
            if article_id in self.walk.requested:  # page 1 again: a backfill's search hit
                continue
            self.walk.requested.add(article_id)
            request = self.article_request(entry.url, article_id)
            if request is not None:
                yield request.replace(priority=1)  # before the listing's own articles

    def parse_article(self, response):
        page = ArticlePage(response)
        served, named = article_id_from_url(response.url), page.named_article_id()
        if self.pending is not None and served and named and named != served:
            # Another article's page at this article's address (a cache's or a proxy's mix-up):
            # not this article, nor one to store under its id. Pending, as a failed fetch: the
            # next runs ask for it again, and its first failure still counts for giving up.
            self.not_fetched(response.request, f"served the page of article {named}")
            return None
        if self.pending is not None:  # None: a page read outside a crawl (`scrapy parse`)
            self.pending.drop(response.meta.get("article_id"))
        if redirected_away(response.request):
            # Deleted or moved off the site: a reject under the URL the listing gave, so later
            # runs do not ask again. Neither a failed nor a parsed article.
            url = requested_url(response.request)
            logger.info("article %s redirected to %s: rejected", url, response.url)
            self.reject(url, REDIRECTED_AWAY, f"redirected to {response.url}, not an article")
            return None
        self.crawler.stats.inc_value("newsscraper/spider/articles_parsed")
        self.give_up_due()  # the site serves article pages in this run
        item = page.to_item(section=self.args.section)
        listed_id, own_id = response.meta.get("article_id"), item.article_id
        if listed_id and own_id and own_id != listed_id and response.meta.get("redirect_urls"):
            # A story moved to another id: its row is stored under that id. The listed id is
            # recorded too, so later runs neither ask for it again nor page on past it.
            self.reject(
                requested_url(response.request),
                REDIRECTED_TO_ARTICLE,
                f"redirected to {response.url}: stored as article {own_id}",
                stored_as=own_id,
            )
        return item

    def article_failed(self, failure):
        article_id = failure.request.meta.get("article_id")
        # The URL the listing gave, whatever it was redirected to: its id is the reject's.
        listed_url = requested_url(failure.request)
        reason, detail = permanent_failure(failure), failure_text(failure)
        if reason is not None:
            # It will never give an article: a reject, so later runs do not ask again.
            self.pending.drop(article_id)
            self.reject(listed_url, reason, detail)
            return
        if failure.check(OffCrawlHost):
            # Sent to its own path on another host of the site's (`crawl_host`): the site's
            # address moving, which this crawl cannot follow. Pending; where to crawl now.
            detail += another_host_advice(failure.request)
        self.not_fetched(failure.request, detail)

    def not_fetched(self, request, detail: str) -> None:
        """The article page of `request` did not come (`detail` says why): pending, the next
        runs ask for it again, until it comes or is given up."""
        article_id = request.meta.get("article_id")
        listed_url = requested_url(request)
        due = self.pending.failed(
            article_id,
            canonical_article_url(listed_url) or listed_url,
            now=RunContext.of(self.crawler).clock(),
            # Not the article's fault: the crawl is closing, or the site throttles us (soft
            # blocks while no other article page came in this run).
            own=not (is_stopping(self.crawler) or self.throttled(request)),
            listed_url=listed_url,
            error=detail,
        )
        if due:
            self.give_up_due()
            if article_id not in self.pending.articles:
                return  # given up: a failed_repeatedly reject now, not a failure to report
        self.failed_here.add(article_id)
        self.crawler.stats.inc_value("newsscraper/spider/article_failed")
        logger.warning(
            "article %s not fetched%s: %s; pending, the next run asks for it first",
            listed_url,
            after_tries(request),
            detail,
        )

    def throttled(self, request) -> bool:
        """True when `request` was given up on soft blocks while the site gave this run no
        article page: the site throttling the crawl. A page blocked while others come is the
        page's own failure, and can be given up like any other."""
        parsed = self.crawler.stats.get_value("newsscraper/spider/articles_parsed")
        return was_soft_blocked(request) and not parsed

    def give_up_due(self) -> None:
        """Reject the pending pages due for it, once this run shows the site works: another
        article page came, and no listing page failed. Until then they stay pending."""
        stats = self.crawler.stats
        if self.pending is None:  # a page read outside a crawl: nothing pending to give up
            return
        if stats.get_value("newsscraper/spider/articles_parsed") and not stats.get_value(
            "newsscraper/spider/listing_failed"
        ):
            counted = [
                article_id for article_id in self.pending.due if article_id in self.failed_here
            ]
            for listed_url, detail in self.pending.give_up_due():
                # No incremental run asks for it again: the one line that says an article of
                # the section is not stored, where every earlier run said it would come.
                logger.warning(
                    "article %s given up (%s, in rejects/): %s; a backfill of its day asks "
                    "for it again",
                    listed_url,
                    FAILED_REPEATEDLY,
                    detail,
                )
                self.reject(listed_url, FAILED_REPEATEDLY, detail)
            for article_id in counted:  # failed earlier in this run, given up now
                if article_id not in self.pending.articles:
                    self.failed_here.discard(article_id)
                    stats.inc_value("newsscraper/spider/article_failed", -1)

    def reject(self, url: str, reason: str, detail: str, stored_as: str | None = None) -> None:
        """Record a page that gives no article; `stored_as`: the id of the article it
        redirected to, whose row its reject must not be committed before (`RejectsExtension`)."""
        self.crawler.signals.send_catch_log(
            page_rejected, url=url, reason=reason, detail=detail, stored_as=stored_as
        )


def after_tries(request) -> str:
    """` after N tries` for a page that was retried, else nothing."""
    tries = (request.meta.get("retry_times", 0) if request is not None else 0) + 1
    return f" after {tries} tries" if tries > 1 else ""


def listing_failure(failure) -> str:
    """Why a listing page failed, as the log line and the run record's problem say it after
    the page's URL: `failed after 5 tries, paging stops here: HTTP 503`, a redirect off the
    crawl host with the advice to set CAFEF_BASE_URL when it is the site's address moving."""
    request = getattr(failure, "request", None)
    said = failure_text(failure)
    if failure.check(OffCrawlHost) and request is not None:
        said += another_host_advice(request)  # the site's address moved: where it is now
    return f"failed{after_tries(request)}, paging stops here: {said}"


def failure_text(failure) -> str:
    """What went wrong, for a person: an HTTP error's status, not Scrapy's bare "Ignoring
    non-200 response"; the page's URL, which the line saying it names, not again."""
    if failure.check(HttpError):
        response = failure.value.response
        location = unfollowed_redirect(response)
        if location is not None:
            return f"HTTP {response.status} to {location}: not an http(s) address, not followed"
        return f"HTTP {response.status}"
    request = getattr(failure, "request", None)
    if failure.check(OffCrawlHost) and request is not None and request.meta.get("redirect_urls"):
        return f"redirected to {request.url}, off the crawl host: not followed"
    if failure.check(ResponseDataLossError):  # it carries no message of its own
        return "the connection closed before the whole page came (shorter than its Content-Length)"
    message = error_message(failure.value)
    if request is not None:
        for url in {request.url, requested_url(request)}:
            message = message.removesuffix(f": {url}").replace(f"Getting {url} took", "took")
    return message


def permanent_failure(failure) -> str | None:
    """The reject reason of a failure that retrying cannot mend, else None."""
    if failure.check(HttpError) and failure.value.response.status in GONE_STATUSES:
        return f"http_{failure.value.response.status}"
    if failure.check(HttpError) and unfollowed_redirect(failure.value.response) is not None:
        return REDIRECTED_AWAY  # to an ftp:, javascript: ... address: never an article here
    if failure.check(DownloadCancelledError) and "max size" in failure.getErrorMessage():
        return "response_too_large"
    if failure.check(IgnoreRequest) and "exceeded DOWNLOAD_MAXSIZE" in failure.getErrorMessage():
        # A compressed body that inflates past it (Scrapy's HttpCompressionMiddleware drops
        # it while decompressing): as large a page as one sent plain, whatever its encoding.
        return "response_too_large"
    if failure.check(RobotsTxtForbidden):
        # Never asked of the site: the site does not want it crawled, nothing is failing.
        return FORBIDDEN_BY_ROBOTS
    # To another site: the crawl-host middleware never follows it. A chain dropped for having
    # too many redirects, or a stop, is a failure the next runs ask again.
    dropped = failure.check(OffCrawlHost)
    if dropped and redirected_away(failure.request) and not was_soft_blocked(failure.request):
        return REDIRECTED_AWAY
    return None
