"""The spider's callbacks against the saved section page and a fragment cut from it."""

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.statscollectors import MemoryStatsCollector as StatsCollector
from scrapy.utils.test import get_crawler

from newsscraper import settings as project_settings
from newsscraper.items import Article
from newsscraper.spiders.cafef import CafefSpider

FIXTURES = Path(__file__).parent.parent / "fixtures" / "pages"
SECTION_PAGE = (FIXTURES / "section_thi-truong-chung-khoan.html").read_bytes()
ARTICLE_PAGE = FIXTURES / "article_18826030622484142.html"
BASE = "http://127.0.0.1:8123"


def make_spider(tmp_path, settings=None, **args) -> CafefSpider:
    """A spider whose crawl has started, with the project's settings and `settings` over them."""
    merged = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    merged |= {"CAFEF_BASE_URL": BASE, "OUTPUT_DIR": str(tmp_path / "out")} | (settings or {})
    crawler = get_crawler(CafefSpider, merged)
    crawler.spider = CafefSpider.from_crawler(crawler, **args)
    crawler.stats = StatsCollector(crawler)
    first = asyncio.run(anext(crawler.spider.start()))  # the walk is made when the crawl starts
    assert first.meta["listing_page"] == 1
    return crawler.spider


def response(url: str, body: bytes, **meta) -> HtmlResponse:
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=body, encoding="utf-8", request=request)


def listing_ids_in_page() -> list[str]:
    """The stream and focus ids, read from the page with plain regular expressions."""
    text = SECTION_PAGE.decode("utf-8")
    stream = re.findall(r'class="tlitem box-category-item" data-id="(\d+)"', text)
    focus_block = text[text.index('class="list-focus-main"') : text.index('id="loadMostViewTop"')]
    focus = re.findall(r'<h[23][^>]*>\s*<a[^>]+href="/[a-z0-9-]+-(\d{17,18})\.chn"', focus_block)
    return focus + [i for i in stream if i not in focus]


def test_section_page_yields_its_articles_on_the_crawl_host_then_page_two(tmp_path):
    spider = make_spider(tmp_path, section="thi-truong-chung-khoan")
    requests = list(
        spider.parse(response(f"{BASE}/thi-truong-chung-khoan.chn", SECTION_PAGE, listing_page=1))
    )
    articles = [r for r in requests if r.callback == spider.parse_article]
    listings = [r for r in requests if r.callback == spider.parse]
    assert [r.meta["article_id"] for r in articles] == listing_ids_in_page()
    assert len(articles) == 24  # 3 focus + 21 stream items, none of the most-read box
    assert all(r.url.startswith(f"{BASE}/") and r.url.endswith(".chn") for r in articles)
    assert [r.url for r in listings] == [f"{BASE}/timelinelist/18831/2.chn"]
    assert listings[0].meta == {"cafef_page": "timeline", "listing_page": 2}


def test_most_read_box_links_are_not_followed(tmp_path):
    text = SECTION_PAGE.decode("utf-8")
    most_read = text[text.index('id="loadMostViewTop"') : text.index('class="listchungkhoannew')]
    most_read_ids = set(re.findall(r"-(\d{17,18})\.chn", most_read)) - set(listing_ids_in_page())
    assert most_read_ids, "the saved page has a most-read box with other articles"
    spider = make_spider(tmp_path, section="thi-truong-chung-khoan")
    requested = {
        r.meta.get("article_id")
        for r in spider.parse(
            response(f"{BASE}/thi-truong-chung-khoan.chn", SECTION_PAGE, listing_page=1)
        )
    }
    assert not requested & most_read_ids


def test_fragment_yields_its_items_and_the_next_fragment(tmp_path):
    text = SECTION_PAGE.decode("utf-8")
    start = text.index('<div class="tlitem box-category-item" data-id="188260306173916865"')
    end = text.index('<div class="tlitem box-category-item" data-id="188260306142432485"')
    fragment = text[start:end].encode("utf-8")
    spider = make_spider(tmp_path)
    url = f"{BASE}/timelinelist/18836/2.chn"
    requests = list(spider.parse(response(url, fragment, listing_page=2)))
    assert [r.meta.get("article_id") for r in requests[:-1]] == [
        "188260306173916865",
        "188260306154928257",
        "188260306150906266",
    ]
    assert requests[-1].url == f"{BASE}/timelinelist/18836/3.chn"


def test_off_site_and_javascript_links_are_never_requested(tmp_path):
    spider = make_spider(tmp_path)
    assert spider.rebase("https://cafef.vn/a-188260306173916865.chn") == (
        f"{BASE}/a-188260306173916865.chn"
    )
    assert spider.rebase("https://www.cafef.vn/a-188260306173916865.chn") == (
        f"{BASE}/a-188260306173916865.chn"
    )
    assert spider.rebase("https://m.cafef.vn/a-188260306173916865.chn") == (
        f"{BASE}/a-188260306173916865.chn"
    )
    assert spider.rebase("https://example.com/a-188260306173916865.chn") is None
    assert spider.rebase("javascript:void(0)") is None
    # The crawl host's own path under another scheme is not moved onto http(s).
    assert spider.rebase("ftp://cafef.vn/a-188260306173916865.chn") is None


def test_article_callback_returns_the_article_of_the_crawled_section(tmp_path):
    spider = make_spider(tmp_path)
    url = f"{BASE}/{ARTICLE_PAGE.stem}.chn"
    item = spider.parse_article(response(url, ARTICLE_PAGE.read_bytes(), cafef_page="article"))
    assert isinstance(item, Article)
    assert item.article_id == "18826030622484142"
    assert item.section == "doanh-nghiep"
    assert item.url.startswith("https://cafef.vn/")


def rejected_pages(spider) -> list[dict]:
    """What the spider sends as page_rejected from now on."""
    from newsscraper.rejects import page_rejected

    sent = []

    def record(url, reason, detail, stored_as=None):
        sent.append({"url": url, "reason": reason, "detail": detail})
        if stored_as is not None:
            sent[-1]["stored_as"] = stored_as

    spider.crawler.signals.connect(record, signal=page_rejected, weak=False)
    return sent


def redirected_response(url: str, body: bytes, *redirects: str) -> HtmlResponse:
    request = Request(url, meta={"cafef_page": "article", "redirect_urls": list(redirects)})
    return HtmlResponse(url, body=body, encoding="utf-8", request=request)


def test_article_redirected_off_the_articles_is_rejected_and_to_another_one_parsed(tmp_path):
    spider = make_spider(tmp_path)
    rejected = rejected_pages(spider)
    stats = spider.crawler.stats
    asked = f"{BASE}/bai-da-xoa-18826030622484142.chn"
    section = f"{BASE}/doanh-nghiep.chn"

    assert spider.parse_article(redirected_response(section, SECTION_PAGE, asked)) is None
    assert rejected == [
        {
            "url": asked,  # its id is the reject's article_id: later runs skip it
            "reason": "redirected_away",
            "detail": f"redirected to {section}, not an article",
        }
    ]
    assert stats.get_value("newsscraper/spider/articles_parsed") is None
    assert stats.get_value("newsscraper/spider/article_failed") is None

    # A slug change: the page it lands on is the article.
    new_slug = f"{BASE}/ten-moi-18826030622484142.chn"
    item = spider.parse_article(redirected_response(new_slug, ARTICLE_PAGE.read_bytes(), asked))
    assert isinstance(item, Article)
    assert item.article_id == "18826030622484142"
    assert len(rejected) == 1
    assert stats.get_value("newsscraper/spider/articles_parsed") == 1


def test_article_redirected_to_another_id_is_rejected_naming_the_article_stored(tmp_path):
    # The reject waits for that article's row (RejectsExtension): it is how the row is found.
    spider = make_spider(tmp_path)
    rejected = rejected_pages(spider)
    asked = f"{BASE}/bai-cu-18826030600000001.chn"
    landed = f"{BASE}/bai-moi-18826030622484142.chn"
    response = redirected_response(landed, ARTICLE_PAGE.read_bytes(), asked)
    response.request.meta["article_id"] = "18826030600000001"

    item = spider.parse_article(response)

    assert item.article_id == "18826030622484142"
    assert rejected == [
        {
            "url": asked,
            "reason": "redirected_to_article",
            "detail": f"redirected to {landed}: stored as article 18826030622484142",
            "stored_as": "18826030622484142",
        }
    ]


def test_a_page_gone_after_a_redirect_is_rejected_under_the_url_the_listing_gave(tmp_path):
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    spider = make_spider(tmp_path)
    rejected = rejected_pages(spider)
    asked = f"{BASE}/bai-cu-18826030622484142.chn"
    gone = redirected_response(f"{BASE}/bai-moi-18826030699999999.chn", b"", asked)
    gone.status = 404
    failure = Failure(HttpError(gone))
    failure.request = gone.request

    spider.article_failed(failure)

    assert [(r["url"], r["reason"]) for r in rejected] == [(asked, "http_404")]


def test_a_failed_article_is_pending_under_its_cafef_url_whatever_host_it_was_crawled_on(
    tmp_path,
):
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    # The next run may crawl another host (cafef.vn itself, www.cafef.vn): it moves the URL
    # onto its own.
    spider = make_spider(tmp_path)
    spider.crawler.engine = SimpleNamespace(running=True)
    failure = Failure(IgnoreRequest("503"))
    listed = f"{BASE}/bai-moi-18826030699999999.chn?x=1"
    failure.request = Request(listed, meta={"article_id": "18826030699999999"})

    spider.article_failed(failure)

    pending = spider.pending.articles["18826030699999999"]
    assert pending.url == "https://cafef.vn/bai-moi-18826030699999999.chn"


def write_pending_record(output_dir, pending: dict) -> dt.datetime:
    """runs/part-r1.parquet: a run of the section that failed (exit 7) at 02:00 UTC on
    2026-03-06 leaving `pending` to fetch; that instant."""
    from newsscraper.dataset import runs_dir
    from newsscraper.dataset_write import commit_part_file
    from newsscraper.schema import RUNS_SCHEMA

    at = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
    run = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "r1", "section": "doanh-nghiep", "mode": "incremental", "started_at": at,
        "finished_at": at, "exit_code": 7, "pending_articles": json.dumps(pending),
    }  # fmt: skip
    table = pa.Table.from_pylist([run], schema=RUNS_SCHEMA)
    commit_part_file(table, runs_dir(output_dir) / "part-r1.parquet", output_dir)
    return at


PENDING_IDS = ("188260306000000001", "188260306000000002")


def two_pending_the_second_rejected_since(output_dir, reason: str) -> dict:
    """The newest run record lists PENDING_IDS as pending (returned: its `pending_articles`); the
    second has been rejected since, for `reason`."""
    from newsscraper.dataset_write import commit_rejects

    since = "2026-03-06T01:00:00+00:00"
    pending = {
        i: {"url": f"https://cafef.vn/bai-{i}.chn", "first_failed_at": since} for i in PENDING_IDS
    }
    at = write_pending_record(output_dir, pending)
    reject = {"article_id": PENDING_IDS[1], "reason": reason, "scraped_at": at, "run_id": "r0"}
    commit_rejects(output_dir, [reject], "r0", 1)
    return pending


def test_pending_articles_are_asked_for_once_page_1_has_answered(tmp_path):
    ids = PENDING_IDS
    # The second has been rejected since (a reject row: it is not asked for any more).
    pending = two_pending_the_second_rejected_since(tmp_path / "out", "http_404")

    spider = make_spider(tmp_path)  # the same output folder
    assert spider.pending.to_record() == {ids[0]: pending[ids[0]]}, "the rejected one is not"
    requests = list(
        spider.parse(response(f"{BASE}/doanh-nghiep.chn", SECTION_PAGE, listing_page=1))
    )
    assert requests[0].url == f"{BASE}/bai-{ids[0]}.chn"
    assert requests[0].priority > max(r.priority for r in requests[1:]), "asked for first"
    assert ids[1] not in " ".join(r.url for r in requests)
    assert list(spider.pending.articles) == [ids[0]]
    assert ids[0] in spider.walk.requested, "the walk will not ask again"
    # Page 1 read again (a backfill walks on from its search's hit): asked for only once.
    again = list(spider.parse(response(f"{BASE}/doanh-nghiep.chn", SECTION_PAGE, listing_page=1)))
    assert ids[0] not in " ".join(r.url for r in again)


def test_a_backfill_does_not_ask_for_a_pending_page_newsscraper_rejected_since(tmp_path):
    # A backfill judges its window's rejects again as it lists them; a page left pending by an
    # earlier run and rejected since is no more pending for it than for an incremental run.
    pending = two_pending_the_second_rejected_since(tmp_path / "out", "missing_title")
    spider = make_spider(tmp_path, until="2026-03-07")
    assert spider.pending.to_record() == {PENDING_IDS[0]: pending[PENDING_IDS[0]]}


CASES_URL = f"{BASE}/thoi-diem-nang-hang-18826030622484142.chn"


PENDING_ID = "188260306000000001"
PENDING_URL = f"{BASE}/bai-{PENDING_ID}.chn"
FIRST_FAILED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # long enough ago to be given up


def spider_with_a_pending_page(tmp_path):
    """A spider in a crawl under way, with PENDING_ID pending since FIRST_FAILED, and the list
    of the pages it rejects."""
    spider = make_spider(tmp_path)
    spider.crawler.engine = SimpleNamespace(running=True)
    rejected = rejected_pages(spider)
    spider.pending.failed(PENDING_ID, PENDING_URL, now=FIRST_FAILED)
    return spider, rejected


def test_another_articles_page_at_an_article_url_is_pending_then_given_up_naming_it(tmp_path):
    # A cache's mix-up: the page's id, canonical link and og:url name 18826030622484142.
    spider, rejected = spider_with_a_pending_page(tmp_path)
    wrong_copy = response(PENDING_URL, ARTICLE_PAGE.read_bytes(), article_id=PENDING_ID)
    assert spider.parse_article(wrong_copy) is None
    assert rejected == [] and spider.pending.articles[PENDING_ID].first_failed_at == FIRST_FAILED
    # Given up as a page failing since its first failure, once another article page came.
    spider.parse_article(response(CASES_URL, ARTICLE_PAGE.read_bytes()))
    assert [(r["url"], r["reason"]) for r in rejected] == [(PENDING_URL, "failed_repeatedly")]
    assert rejected[0]["detail"].endswith("served the page of article 18826030622484142")


def test_a_pending_article_is_not_given_up_in_a_run_whose_listing_failed(tmp_path):
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    spider, rejected = spider_with_a_pending_page(tmp_path)
    spider.listing_failed(Failure(IgnoreRequest("timeline page 2: 503 after every retry")))
    failure = Failure(IgnoreRequest("503"))
    failure.request = Request(PENDING_URL, meta={"article_id": PENDING_ID})
    spider.article_failed(failure)
    spider.parse_article(response(CASES_URL, ARTICLE_PAGE.read_bytes()))
    assert rejected == [] and len(spider.pending) == 1


def test_a_retry_given_up_on_soft_blocks_or_a_stop_never_gives_up_a_pending_article(tmp_path):
    from scrapy.exceptions import IgnoreRequest
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    from newsscraper.softblock import SOFT_BLOCKED_META

    spider, rejected = spider_with_a_pending_page(tmp_path)  # a crawl under way, not stopping
    url = PENDING_URL
    request = Request(url, meta={"article_id": PENDING_ID, SOFT_BLOCKED_META: True})
    failure = Failure(IgnoreRequest("soft-blocked page, retries used up"))
    failure.request = request

    spider.article_failed(failure)

    assert rejected == [] and len(spider.pending) == 1
    del request.meta[SOFT_BLOCKED_META]  # a failure of the page itself: failing since January
    spider.article_failed(failure)
    assert rejected == [], "no article page came in this run yet: the site may be down"
    article = response(CASES_URL, ARTICLE_PAGE.read_bytes(), article_id="18826030622484142")
    spider.parse_article(article)  # the site serves article pages: now it is given up
    assert [r["reason"] for r in rejected] == ["failed_repeatedly"] and len(spider.pending) == 0
    spider.pending.failed(PENDING_ID, url, now=FIRST_FAILED)
    spider.crawler.engine.running = False  # SIGTERM: the retry was given up by the stop
    spider.article_failed(failure)
    assert len(rejected) == 1 and len(spider.pending) == 1
    # A page that is gone for good is no longer pending: a reject instead.
    not_found = Failure(HttpError(HtmlResponse(url, status=404, request=request)))
    not_found.request = request
    spider.article_failed(not_found)
    assert rejected[-1]["reason"] == "http_404" and len(spider.pending) == 0


def test_bad_arguments_stop_the_spider_before_any_request(tmp_path):
    with pytest.raises(ValueError, match="valid sections"):
        make_spider(tmp_path, section="nope")


def test_failed_pages_are_logged_with_their_url_and_http_status(tmp_path, caplog):
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    spider = make_spider(tmp_path)
    spider.crawler.engine = SimpleNamespace(running=True)
    rejected = rejected_pages(spider)

    def http(url, status, **meta):
        request = Request(url, meta=meta)
        failure = Failure(HttpError(HtmlResponse(url, status=status, request=request)))
        failure.request = request
        return failure

    listing = f"{BASE}/timelinelist/18836/2.chn"
    spider.listing_failed(http(listing, 503, retry_times=4))
    article = f"{BASE}/bai-188260306000000001.chn"
    spider.article_failed(http(article, 502, article_id="188260306000000001", retry_times=4))
    gone = f"{BASE}/bai-188260306000000002.chn"
    spider.article_failed(http(gone, 404, article_id="188260306000000002"))
    blocked = failed_request(f"{BASE}/bai-188260306000000003.chn", "188260306000000003")
    blocked.value.args = (f"soft-blocked page, retries used up: {blocked.request.url}",)
    spider.article_failed(blocked)

    # Each page given up is said in one line, with its tries, its URL once, and what comes of it.
    assert f"listing page {listing} failed after 5 tries, paging stops here: HTTP 503" in (
        caplog.text
    )
    # The run record's problem says why in the same words (`health`).
    assert spider.walk.failed_because == "failed after 5 tries, paging stops here: HTTP 503"
    assert (
        f"article {article} not fetched after 5 tries: HTTP 502; pending, the next run asks "
        "for it first"
    ) in caplog.text
    assert (
        f"article {blocked.request.url} not fetched: soft-blocked page, retries used up; "
        "pending, the next run asks for it first"
    ) in caplog.text
    assert [(r["url"], r["reason"], r["detail"]) for r in rejected] == [
        (gone, "http_404", "HTTP 404")
    ]


def test_a_page_whose_connection_closed_before_its_content_length_says_so():
    # Scrapy's ResponseDataLossError carries no message: the log line said `not fetched: `.
    from scrapy.exceptions import ResponseDataLossError
    from twisted.python.failure import Failure

    from newsscraper.spiders.cafef import failure_text

    failure = Failure(ResponseDataLossError())
    failure.request = Request(f"{BASE}/bai-188260306000000001.chn")
    assert failure_text(failure) == (
        "the connection closed before the whole page came (shorter than its Content-Length)"
    )


def test_a_page_whose_connection_was_lost_says_so_in_words_not_twisted_objects():
    # Scrapy raises its DownloadFailedError from Twisted's ResponseNeverReceived, whose words
    # are the list of Failure objects it wraps.
    from scrapy.exceptions import DownloadFailedError
    from twisted.internet.error import ConnectionLost
    from twisted.python.failure import Failure
    from twisted.web._newclient import ResponseNeverReceived

    from newsscraper.spiders.cafef import failure_text

    lost = ResponseNeverReceived([Failure(ConnectionLost())])
    try:
        raise DownloadFailedError(str(lost)) from lost
    except DownloadFailedError:
        failure = Failure()
    failure.request = Request(f"{BASE}/timelinelist/18836/2.chn")
    assert failure_text(failure) == "Connection to the other side was lost in a non-clean fashion."


def test_pages_that_can_never_be_articles_are_permanent_failures():
    from scrapy.exceptions import DownloadCancelledError
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    from newsscraper.spiders.cafef import permanent_failure

    def http(status):
        request = Request(f"{BASE}/a-188260306173916865.chn")
        return Failure(HttpError(HtmlResponse(request.url, status=status, request=request)))

    assert permanent_failure(http(404)) == "http_404"
    assert permanent_failure(http(410)) == "http_410"
    assert permanent_failure(http(500)) is None, "a server error may mend: ask again next run"
    too_large = DownloadCancelledError(
        "Received 9000000 bytes which is larger than download max size"
    )
    assert permanent_failure(Failure(too_large)) == "response_too_large"
    # A download cancelled for another reason (a Twisted CancelledError, the crawl closing)
    # may still come: asked again, not rejected.
    assert permanent_failure(Failure(DownloadCancelledError(""))) is None
    assert permanent_failure(Failure(TimeoutError("timed out"))) is None


def test_a_compressed_page_that_inflates_past_download_maxsize_is_too_large():
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    from newsscraper.spiders.cafef import permanent_failure

    url = f"{BASE}/a-188260306173916865.chn"

    def dropped(message):
        failure = Failure(IgnoreRequest(message))
        failure.request = Request(url)
        return failure

    # What Scrapy's HttpCompressionMiddleware raises for a gzip, deflate, br or zstd body that
    # inflates past DOWNLOAD_MAXSIZE.
    inflated = dropped(
        f"Ignored response <200 {url}> because its body (52711 B compressed, 8401056 B "
        "decompressed so far) exceeded DOWNLOAD_MAXSIZE (8388608 B) during decompression."
    )
    assert permanent_failure(inflated) == "response_too_large"
    assert permanent_failure(dropped("the crawl is stopping")) is None


def test_a_redirect_off_the_site_is_gone_unless_it_was_a_soft_block():
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    from newsscraper.redirects import OffCrawlHost
    from newsscraper.softblock import SOFT_BLOCKED_META
    from newsscraper.spiders.cafef import permanent_failure

    def dropped(**meta):
        listed = f"{BASE}/a-188260306173916865.chn"
        request = Request("http://example.invalid/x", meta={"redirect_urls": [listed], **meta})
        failure = Failure(OffCrawlHost("offsite"))
        failure.request = request
        return failure

    assert permanent_failure(dropped()) == "redirected_away"
    # Dropped after more than REDIRECT_MAX_TIMES hops, off the article paths: asked again.
    looped = Failure(IgnoreRequest("max redirections reached"))
    looped.request = Request(
        f"{BASE}/hop", meta={"redirect_urls": [f"{BASE}/a-188260306173916865.chn"]}
    )
    assert permanent_failure(looped) is None
    # A captcha on another host, given up on soft blocks: the page may still come.
    assert permanent_failure(dropped(**{SOFT_BLOCKED_META: True})) is None


def test_an_article_sent_to_its_own_path_on_the_sites_other_host_is_pending_not_gone(
    tmp_path, caplog
):
    # Never followed (asked for here again, it would redirect there again: crawl_host), and
    # not a story gone elsewhere: the site sends its pages to another of its hosts.
    from twisted.python.failure import Failure

    from newsscraper.redirects import OffCrawlHost

    spider = make_spider(tmp_path)
    spider.crawler.engine = SimpleNamespace(running=True)
    rejected = rejected_pages(spider)
    path = "/a-188260306173916865.chn"
    mobile = f"https://m.cafef.vn{path}"
    failure = Failure(OffCrawlHost(f"redirected to {mobile}, off the crawl host: not followed"))
    failure.request = Request(
        mobile, meta={"article_id": "188260306173916865", "redirect_urls": [f"{BASE}{path}"]}
    )
    spider.article_failed(failure)
    assert rejected == []
    assert list(spider.pending.articles) == ["188260306173916865"]
    assert (
        f"article {BASE}{path} not fetched: redirected to {mobile}, off the crawl host: not "
        "followed; to crawl that host, set CAFEF_BASE_URL=https://m.cafef.vn; pending, the "
        "next run asks for it first"
    ) in caplog.text


def test_a_redirect_to_an_address_that_is_not_http_is_gone_and_named():
    from scrapy.http import HtmlResponse
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    from newsscraper.spiders.cafef import failure_text, permanent_failure

    def answered(status, **headers):
        listed = f"{BASE}/a-188260306173916865.chn"
        response = HtmlResponse(listed, status=status, headers=headers, body=b"")
        failure = Failure(HttpError(response, "Ignoring non-200 response"))
        failure.request = Request(listed)
        return failure

    ftp = answered(302, Location="ftp://files.example.invalid/story.pdf")
    assert permanent_failure(ftp) == "redirected_away"
    assert failure_text(ftp) == (
        "HTTP 302 to ftp://files.example.invalid/story.pdf: not an http(s) address, not followed"
    )
    # A 3xx without a Location (or a 5xx) may mend: asked for again.
    assert permanent_failure(answered(302)) is None
    assert failure_text(answered(302)) == "HTTP 302"
    assert permanent_failure(answered(503)) is None


def test_an_empty_fragment_is_asked_for_once_more_then_ends_the_walk(tmp_path):
    spider = make_spider(tmp_path)
    url = f"{BASE}/timelinelist/18836/3.chn"
    first = list(spider.parse(response(url, b"", listing_page=3)))
    assert [(r.url, r.meta["listing_page"]) for r in first] == [(url, 3)]
    assert list(spider.parse(response(url, b"", listing_page=3))) == []
    assert spider.walk.stop_reason == "end_of_listing"


@pytest.mark.parametrize("args", [{"since": "2020-01-01"}, {"until": "2020-01-01"}])
def test_a_timeline_page_answered_with_page_1_is_the_end_of_the_listing(tmp_path, args):
    # Past the end, some sites answer with page 1 (or redirect to it): a whole page, where
    # the site's fragments have no <html>. Read as the next page, the walk never ends.
    spider = make_spider(tmp_path, section="thi-truong-chung-khoan", **args)
    queue = [asyncio.run(anext(spider.start()))]
    asked = []
    while queue and len(asked) < 30:
        request = queue.pop(0)
        asked.append(request.meta["listing_page"])
        answer = response(request.url, SECTION_PAGE, **request.meta)
        made = request.callback(answer, **request.cb_kwargs)
        queue += [r for r in made if r.callback != spider.parse_article]
    assert (asked[-2:], spider.walk.stop_reason) == ([2, 2], "end_of_listing")


def test_the_section_page_zone_id_wins_over_the_table(tmp_path):
    # The saved page is zone 18831; crawled as doanh-nghiep (18836 in our table), the
    # timeline requests follow what the page says.
    spider = make_spider(tmp_path)
    requests = list(
        spider.parse(response(f"{BASE}/doanh-nghiep.chn", SECTION_PAGE, listing_page=1))
    )
    assert requests[-1].url == f"{BASE}/timelinelist/18831/2.chn"


def test_a_zone_id_change_is_logged_only_when_the_section_page_names_another(tmp_path, caplog):
    caplog.set_level("WARNING", logger="newsscraper.spiders.cafef")
    spider = make_spider(tmp_path, section="thi-truong-chung-khoan")  # 18831, as the page says
    list(spider.parse(response(f"{BASE}/thi-truong-chung-khoan.chn", SECTION_PAGE, listing_page=1)))
    assert "zone id" not in caplog.text
    spider = make_spider(tmp_path / "other")  # doanh-nghiep: 18836 in the table
    list(spider.parse(response(f"{BASE}/doanh-nghiep.chn", SECTION_PAGE, listing_page=1)))
    assert "section doanh-nghiep now has zone id 18831" in caplog.text


def test_a_backfill_counts_the_page_its_search_found_once(tmp_path):
    # Page 1 reaches until at once: the search's one request is the page the walk reads.
    spider = make_spider(tmp_path, section="thi-truong-chung-khoan", until="2026-03-07")
    page_1 = response(f"{BASE}/thi-truong-chung-khoan.chn", SECTION_PAGE, listing_page=1)
    requests = list(spider.parse_probe(page_1))
    assert len([r for r in requests if r.callback == spider.parse_article]) == 24
    assert spider.crawler.stats.get_value("newsscraper/spider/listing_pages") == 1


VN = dt.timezone(dt.timedelta(hours=7))
PICK_ID = "188260301080000001"  # page 1's editor's pick, of 1 March


def day_listing(page: int) -> list:
    """Pages 1 to 5 of a listing of two stories a day, page p of 20 - p March; page 1 also
    holds an editor's pick of 1 March in its focus block."""
    from newsscraper.pages.section import ListingEntry

    def entry(article_id: str, at: dt.datetime, kind: str) -> ListingEntry:
        return ListingEntry(article_id, f"{BASE}/bai-{article_id}.chn", "", at, kind)

    if page > 5:
        return []
    day = 20 - page
    entries = [
        entry(
            f"1882603{day:02d}{hour:02d}000001",
            dt.datetime(2026, 3, day, hour, tzinfo=VN),
            "stream",
        )
        for hour in (10, 9)
    ]
    if page == 1:
        entries.insert(0, entry(PICK_ID, dt.datetime(2026, 3, 1, 8, tzinfo=VN), "focus"))
    return entries


def answer_from_day_listing(spider, listing=day_listing) -> None:
    spider.listing_entries = lambda response: listing(response.meta["listing_page"])


def backfill_crawl(spider, *queue, listing=day_listing) -> tuple[list[int], list[str]]:
    """The listing pages (in order) and the article ids a backfill asks for, from its first
    request on (or from the listing requests in `queue`), each listing page answered from
    `listing`."""
    answer_from_day_listing(spider, listing)
    queue = list(queue) or [spider.listing_request(1, callback=spider.parse_probe)]
    pages, articles = [], []
    while queue:
        request = queue.pop(0)
        pages.append(request.meta["listing_page"])
        answer = response(request.url, b"", **request.meta)
        for made in request.callback(answer, **request.cb_kwargs):
            if made.callback == spider.parse_article:
                articles.append(made.meta["article_id"])
            else:
                queue.append(made)
    return pages, articles


def test_a_backfill_whose_found_page_is_read_again_keeps_page_1s_picks_inside_the_window(
    tmp_path,
):
    # 1 and 2 are newer than until, 4 reaches it, then 3 does not: page 4 was read before the
    # page above it and is read again, where the walk starts with page 1's picks.
    spider = make_spider(tmp_path, until="2026-03-16")
    pages, articles = backfill_crawl(spider)
    assert pages == [1, 2, 4, 3, 4, 5, 6, 6]
    # Four probes for page 4: none saved against walking pages 1 to 4.
    assert spider.crawler.stats.get_value("newsscraper/spider/backfill_requests_saved") == 0
    assert articles == [PICK_ID] + [e.article_id for p in (4, 5) for e in day_listing(p)]


def test_a_backfill_reads_its_page_past_the_end_again_when_the_page_above_was_read_after_it(
    tmp_path,
):
    # 14 stories, two a page, the last of 4 March. The search reads page 8 empty twice; a story
    # published then pushes the one of 4 March onto page 8, and page 7, read after, does not
    # reach until. Page 8 is read again: taken as the end, the story would never be fetched.
    from newsscraper.pages.section import ListingEntry

    def story(n: int, day: int) -> ListingEntry:
        at = dt.datetime(2026, 3, day, 12, tzinfo=VN)
        return ListingEntry(f"1882603{n:011d}", f"{BASE}/bai-{n}.chn", "", at, "stream")

    stories = [story(n, 10) for n in range(13)] + [story(13, 4)]
    asked = []

    def moving(page: int) -> list:
        asked.append(page)
        entries = stories[(page - 1) * 2 : page * 2]
        if asked == [1, 2, 4, 8, 8]:
            stories.insert(0, story(14, 11))
        return entries

    spider = make_spider(tmp_path, until="2026-03-05")
    pages, articles = backfill_crawl(spider, listing=moving)
    assert (pages, articles) == ([1, 2, 4, 8, 8, 6, 7, 8, 9, 9], [story(13, 4).article_id])


UNDATED_ID = "188260319000000009"  # page 1's story listed by its day alone: no listing time


def page_1_past_the_end(page: int) -> list:
    """`day_listing` with a story without a listing time on page 1, whose stream items (that
    story too) answer the pages past the end up to page 40."""
    from newsscraper.pages.section import ListingEntry

    undated = ListingEntry(UNDATED_ID, f"{BASE}/bai-{UNDATED_ID}.chn", "", None, "stream")
    if page == 1:
        return [*day_listing(1), undated]
    if page > 5 and page <= 40:
        return [e for e in page_1_past_the_end(1) if e.kind == "stream"]
    return day_listing(page)


def test_a_backfill_stuck_on_page_1s_items_past_the_end_names_the_page_it_stopped_at(
    tmp_path, caplog
):
    caplog.set_level("WARNING", logger="newsscraper.spiders.cafef")
    spider = make_spider(tmp_path, since="2026-03-01")
    first = spider.listing_request(1)
    pages, _ = backfill_crawl(spider, first, listing=page_1_past_the_end)
    stop_url = f"{BASE}/timelinelist/18836/8.chn"  # the third page past the end
    assert (pages, spider.walk.stop_url) == ([1, 2, 3, 4, 5, 6, 7, 8], stop_url)
    assert f"stopped paging at listing page {stop_url}: 3 pages in a row" in caplog.text


def test_an_until_backfill_whose_search_stalls_past_the_end_walks_from_page_1(tmp_path, caplog):
    # Past page 5 the site answers with page 1's items: probes 8, 16 and 32 come no further
    # down, and where the window starts is not known. Walked from page 1, the window (page 5)
    # is fetched, and the walk stops stuck on the third page past the end; taken as the
    # search's end, page 32 would have ended the backfill with nothing of its window read.
    caplog.set_level("WARNING", logger="newsscraper.spiders.cafef")
    spider = make_spider(tmp_path, until="2026-03-15")
    pages, articles = backfill_crawl(spider, listing=page_1_past_the_end)
    assert pages == [1, 2, 4, 8, 16, 32, 1, 2, 3, 4, 5, 6, 7, 8]
    assert {e.article_id for e in day_listing(5)} <= set(articles)
    assert spider.walk.stop_reason == "stuck_above_watermark"
    stalled = f"{BASE}/timelinelist/18836/32.chn"
    assert f"backfill: listing page {stalled} ends 3 probes in a row" in caplog.text
    assert "walking the listing from page 1" in caplog.text


def test_a_backfill_asks_for_the_pending_pages_once_page_1_has_answered(tmp_path):
    spider = make_spider(tmp_path, until="2026-03-16")
    spider.pending.failed(PENDING_ID, PENDING_URL, now=FIRST_FAILED)
    answer_from_day_listing(spider)
    page_1 = spider.listing_request(1, callback=spider.parse_probe)
    first = list(spider.parse_probe(response(page_1.url, b"", **page_1.meta)))
    assert [r.meta.get("article_id") for r in first] == [PENDING_ID, None]
    assert first[0].priority > first[1].priority
    # Asked for once: the walk asks for the window's articles only.
    assert backfill_crawl(spider, first[1])[1] == [PICK_ID] + [
        e.article_id for p in (4, 5) for e in day_listing(p)
    ]


def test_the_first_listing_request_is_the_section_page(tmp_path):
    # Only the section page has the focus picks and the zone id; the timeline starts at 2.
    settings = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    settings |= {"CAFEF_BASE_URL": BASE, "OUTPUT_DIR": str(tmp_path / "out")}
    crawler = get_crawler(CafefSpider, settings)
    spider = CafefSpider.from_crawler(crawler, section="bat-dong-san")
    crawler.stats = StatsCollector(crawler)
    first = asyncio.run(anext(spider.start()))
    assert first.url == f"{BASE}/bat-dong-san.chn"
    assert spider.listing_request(2).url == f"{BASE}/timelinelist/18835/2.chn"


def test_a_blank_section_page_is_a_soft_block_where_a_blank_fragment_is_the_end(tmp_path):
    # A section page always lists stories: one that comes blank is the site throttling us.
    from newsscraper.softblock import is_soft_block

    spider = make_spider(tmp_path)
    for page, blocked in ((1, True), (2, False)):
        request = spider.listing_request(page)
        blank = HtmlResponse(request.url, body=b"", encoding="utf-8", request=request)
        assert is_soft_block(request, blank) is blocked


def test_a_listing_page_is_asked_for_again_past_the_duplicate_filter(tmp_path):
    # An empty fragment is asked for a second time; filtered, it would end the walk.
    spider = make_spider(tmp_path)
    assert spider.listing_request(1).dont_filter and spider.listing_request(3).dont_filter


def test_a_section_page_without_a_zone_id_keeps_the_tables(tmp_path):
    page = SECTION_PAGE.replace(b'id="hdZoneId" value="18831"', b'id="hdZoneId" value=""')
    spider = make_spider(tmp_path)
    requests = list(spider.parse(response(f"{BASE}/doanh-nghiep.chn", page, listing_page=1)))
    assert requests[-1].url == f"{BASE}/timelinelist/18836/2.chn"


def test_a_spider_started_some_other_way_refuses_bad_settings_and_a_used_run_id(tmp_path):
    from newsscraper.dataset import runs_dir
    from newsscraper.dataset_write import commit_part_file
    from newsscraper.schema import RUNS_SCHEMA

    settings = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    settings |= {"CAFEF_BASE_URL": BASE, "OUTPUT_DIR": str(tmp_path / "out")}
    with pytest.raises(ValueError, match="CAFEF_MAX_PAGES must be a whole number"):
        CafefSpider.from_crawler(get_crawler(CafefSpider, settings | {"CAFEF_MAX_PAGES": "0"}))
    at = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
    run = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "r1", "section": "doanh-nghiep", "mode": "incremental", "started_at": at,
        "finished_at": at, "exit_code": 0,
    }  # fmt: skip
    table = pa.Table.from_pylist([run], schema=RUNS_SCHEMA)
    commit_part_file(table, runs_dir(tmp_path / "out") / "part-r1.parquet", tmp_path / "out")
    with pytest.raises(ValueError, match="RUN_ID 'r1' is already used"):
        CafefSpider.from_crawler(get_crawler(CafefSpider, settings | {"RUN_ID": "r1"}))


def test_a_listed_link_off_the_site_is_counted_and_never_requested(tmp_path):
    spider = make_spider(tmp_path)
    assert spider.article_request("https://example.com/a-188260306173916865.chn", "1") is None
    assert spider.crawler.stats.get_value("newsscraper/spider/offsite_link") == 1


def test_a_listing_page_that_failed_ends_the_walk_with_its_reason(tmp_path):
    from twisted.python.failure import Failure

    from newsscraper.robotstxt import RobotsTxtForbidden

    spider = make_spider(tmp_path)
    spider.listing_failed(Failure(RobotsTxtForbidden("forbidden by robots.txt")))
    assert spider.walk.stop_reason == "forbidden_by_robots"


def test_a_listing_page_redirected_off_the_site_fails_at_its_own_url_naming_where(tmp_path, caplog):
    # A captive portal's or a proxy's login page: nothing of the site came (exit 7).
    from twisted.python.failure import Failure

    from newsscraper.redirects import OffCrawlHost

    section, login = f"{BASE}/doanh-nghiep.chn", "https://login.example.net/?next=%2F"
    failure = Failure(OffCrawlHost(f"off the crawl host: {login}"))
    failure.request = Request(login, meta={"redirect_urls": [section]})
    spider = make_spider(tmp_path)
    spider.listing_failed(failure)
    assert (spider.walk.stop_reason, spider.walk.stop_url) == ("listing_failed", section)
    said = f"failed, paging stops here: redirected to {login}, off the crawl host: not followed"
    # a login page's host is no site to crawl: no CAFEF_BASE_URL to set
    assert f"listing page {section} {said}\n" in caplog.text
    assert spider.walk.failed_because == said  # the run's problem says it as the log does


def test_a_listing_page_whose_reading_raises_ends_the_walk_as_unreadable(tmp_path, monkeypatch):
    from newsscraper.pages.section import SectionPage

    def raises(self):
        raise ValueError("a layout never seen")

    monkeypatch.setattr(SectionPage, "entries", raises)
    spider = make_spider(tmp_path)
    with pytest.raises(ValueError, match="a layout never seen"):  # the parse_error reject's
        list(spider.parse(response(f"{BASE}/doanh-nghiep.chn", SECTION_PAGE, listing_page=1)))
    assert spider.walk.stop_reason == "listing_unreadable"


def test_a_listing_page_whose_stream_items_were_renamed_ends_the_walk_as_unreadable(tmp_path):
    # Its focus block still gives entries: the stream alone tells a layout change.
    from newsscraper.pages.section import ListingLayoutChanged

    renamed = SECTION_PAGE.replace(b'class="tlitem box-category-item"', b'class="story-item"')
    spider = make_spider(tmp_path, section="thi-truong-chung-khoan")
    page_1 = response(f"{BASE}/thi-truong-chung-khoan.chn", renamed, listing_page=1)
    with pytest.raises(ListingLayoutChanged, match="links to 21 articles"):
        list(spider.parse(page_1))
    assert spider.walk.stop_reason == "listing_unreadable"


def test_a_listing_page_the_section_page_cannot_even_be_made_of_ends_the_walk_too(
    tmp_path, monkeypatch
):
    # Whatever a layout never seen makes raise, and wherever in the reading of the page.
    from newsscraper.pages.section import SectionPage

    def raises(self, response):
        raise AttributeError("'NoneType' object has no attribute 'get'")

    monkeypatch.setattr(SectionPage, "__init__", raises)
    spider = make_spider(tmp_path)
    with pytest.raises(AttributeError):
        list(spider.parse(response(f"{BASE}/doanh-nghiep.chn", SECTION_PAGE, listing_page=1)))
    assert spider.walk.stop_reason == "listing_unreadable"


def test_pages_the_site_or_its_robots_txt_will_never_give_are_permanent_failures():
    from twisted.python.failure import Failure

    from newsscraper.redirects import OffCrawlHost
    from newsscraper.robotstxt import RobotsTxtForbidden
    from newsscraper.softblock import SOFT_BLOCKED_META
    from newsscraper.spiders.cafef import failure_text, permanent_failure

    asked = f"{BASE}/a-188260306173916865.chn"

    def dropped(url, *redirects, **meta):
        failure = Failure(OffCrawlHost("dropped"))
        failure.request = Request(url, meta={"redirect_urls": list(redirects), **meta})
        return failure

    forbidden = Failure(RobotsTxtForbidden("forbidden by robots.txt"))
    forbidden.request = Request(asked)
    assert permanent_failure(forbidden) == "forbidden_by_robots"
    assert permanent_failure(dropped("https://example.com/", asked)) == "redirected_away"
    # Sent off the site by a soft block, or dropped with no redirect: asked for again.
    sent_off = dropped("https://example.com/", asked, **{SOFT_BLOCKED_META: True})
    assert permanent_failure(sent_off) is None
    assert permanent_failure(dropped(asked)) is None
    assert failure_text(Failure(TimeoutError("timed out after 30 s"))) == "timed out after 30 s"


def failed_request(url: str, article_id: str, **meta):
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    failure = Failure(IgnoreRequest("503 after every retry"))
    failure.request = Request(url, meta={"article_id": article_id, **meta})
    return failure


def test_a_page_soft_blocked_before_any_article_came_is_not_given_up_when_one_comes(tmp_path):
    from newsscraper.softblock import SOFT_BLOCKED_META

    # Soft blocks while the run had no article page yet are the site throttling the crawl:
    # an article page coming afterwards does not make that failure the page's own.
    spider, rejected = spider_with_a_pending_page(tmp_path)
    blocked = {SOFT_BLOCKED_META: True}
    spider.article_failed(failed_request(PENDING_URL, PENDING_ID, **blocked))
    spider.parse_article(response(CASES_URL, ARTICLE_PAGE.read_bytes()))
    assert rejected == [] and len(spider.pending) == 1, "the site throttled the run"
    # Blocked while other pages come: the page's own failure, given up.
    spider.article_failed(failed_request(PENDING_URL, PENDING_ID, **blocked))
    assert [r["reason"] for r in rejected] == ["failed_repeatedly"] and len(spider.pending) == 0


def test_a_pending_page_is_given_up_the_settings_hours_after_its_first_failure(tmp_path):
    output_dir = tmp_path / "out"
    pending = {PENDING_ID: {"url": PENDING_URL, "first_failed_at": "2026-03-06T01:00:00+00:00"}}
    write_pending_record(output_dir, pending)

    # 30 hours after the first failure (2026-03-06 01:00 UTC) it is given up, not before.
    for now, given_up in (
        ("2026-03-07T06:59:00+00:00", False),
        ("2026-03-07T07:00:00+00:00", True),
    ):
        settings = {"ARTICLE_GIVE_UP_AFTER_HOURS": 30, "NEWSSCRAPER_NOW": now}
        spider = make_spider(tmp_path, settings=settings)
        spider.crawler.engine = SimpleNamespace(running=True)
        rejected = rejected_pages(spider)
        spider.parse_article(response(CASES_URL, ARTICLE_PAGE.read_bytes()))  # the site works
        spider.article_failed(failed_request(PENDING_URL, PENDING_ID))
        assert [r["reason"] for r in rejected] == (["failed_repeatedly"] if given_up else [])
        assert len(spider.pending) == (0 if given_up else 1)


def test_a_pending_article_given_up_is_said_in_the_log(tmp_path, caplog):
    spider, rejected = spider_with_a_pending_page(tmp_path)
    spider.article_failed(failed_request(PENDING_URL, PENDING_ID))
    assert "given up" not in caplog.text
    spider.parse_article(response(CASES_URL, ARTICLE_PAGE.read_bytes()))
    assert [r["reason"] for r in rejected] == ["failed_repeatedly"]
    (record,) = [r for r in caplog.records if "given up" in r.getMessage()]
    assert record.levelname == "WARNING"
    assert record.getMessage() == (
        f"article {PENDING_URL} given up (failed_repeatedly, in rejects/): {rejected[0]['detail']}"
        "; a backfill of its day asks for it again"
    )


def test_a_page_due_to_be_given_up_counts_as_failed_until_it_is(tmp_path):
    spider, rejected = spider_with_a_pending_page(tmp_path)
    stats = spider.crawler.stats
    spider.article_failed(failed_request(PENDING_URL, PENDING_ID))
    # No other article page yet: still pending, and a failure of this run (exit 7).
    assert rejected == [] and len(spider.pending) == 1
    assert stats.get_value("newsscraper/spider/article_failed") == 1
    spider.parse_article(response(CASES_URL, ARTICLE_PAGE.read_bytes()))
    # Given up now: a reject, no longer a failure to report.
    assert [r["reason"] for r in rejected] == ["failed_repeatedly"] and len(spider.pending) == 0
    assert stats.get_value("newsscraper/spider/article_failed") == 0
    # Due and given up at once, once article pages come: never counted as failed.
    spider.pending.failed("188260306000000002", PENDING_URL, now=FIRST_FAILED)
    spider.article_failed(failed_request(PENDING_URL, "188260306000000002"))
    assert len(rejected) == 2 and stats.get_value("newsscraper/spider/article_failed") == 0


def test_every_pending_page_is_asked_for_whatever_comes_before_it(tmp_path):
    spider = make_spider(tmp_path)
    spider.walk.is_stored = lambda article_id: article_id == "188260306000000001"
    now = dt.datetime(2026, 3, 6, tzinfo=dt.UTC)
    for n in (1, 2, 3):
        spider.pending.add(
            f"18826030600000000{n}", f"https://cafef.vn/bai-18826030600000000{n}.chn", now
        )
    spider.walk.requested.add("188260306000000002")  # asked for already in this run
    asked = [r.meta["article_id"] for r in spider.pending_requests()]
    assert asked == ["188260306000000003"]
    assert list(spider.pending.articles) == ["188260306000000002", "188260306000000003"]


def test_a_pending_page_that_came_is_no_longer_pending(tmp_path):
    spider = make_spider(tmp_path)
    now = dt.datetime(2026, 3, 6, tzinfo=dt.UTC)
    spider.pending.add("18826030622484142", CASES_URL, now)
    spider.parse_article(
        response(CASES_URL, ARTICLE_PAGE.read_bytes(), article_id="18826030622484142")
    )
    assert len(spider.pending) == 0


def test_a_future_reject_the_clock_has_caught_up_with_is_pending_from_the_start(tmp_path):
    # The listing may have moved it below the watermark: asked for with the pending pages.
    from newsscraper.dataset_write import commit_rejects

    at = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
    raw = {"section": "doanh-nghiep", "published_at": "2026-03-06T09:00:00+00:00"}
    rejects = [
        {
            "article_id": f"18826030600000000{n}",
            "url": f"https://cafef.vn/bai-18826030600000000{n}.chn",
            "reason": "published_in_future",
            "raw": json.dumps(raw),
            "scraped_at": at,
            "run_id": "r0",
        }
        for n in (1, 2)
    ]
    commit_rejects(tmp_path / "out", rejects, "r0", 1)
    spider = make_spider(tmp_path)
    assert list(spider.pending.articles) == ["188260306000000001", "188260306000000002"]
    assert not spider.walk.is_stored("188260306000000001"), "no longer a reject to skip"


def test_a_future_reject_is_due_again_within_the_settings_hours_ahead_of_the_clock(tmp_path):
    # Validation takes a page up to VALIDATE_MAX_FUTURE_HOURS ahead: one that far is asked for.
    from newsscraper.dataset_write import commit_rejects

    at = dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
    raw = {"section": "doanh-nghiep", "published_at": "2026-03-09T02:00:00+00:00"}
    reject = {"article_id": PENDING_ID, "url": f"https://cafef.vn/bai-{PENDING_ID}.chn"}
    reject |= {"reason": "published_in_future", "raw": json.dumps(raw), "scraped_at": at}
    commit_rejects(tmp_path / "out", [{**reject, "run_id": "r0"}], "r0", 1)

    # Two days ahead of the clock: within 72 hours, not within 48 hours less a minute.
    for hours, due in ((72, True), (47.99, False)):
        settings = {"VALIDATE_MAX_FUTURE_HOURS": hours, "NEWSSCRAPER_NOW": "2026-03-07T02:00Z"}
        spider = make_spider(tmp_path, settings=settings)
        assert list(spider.pending.articles) == ([PENDING_ID] if due else [])


def test_each_future_reject_is_judged_by_its_own_item_across_many_rejects_files(
    tmp_path, monkeypatch
):
    # The items are read apart from the other columns, a slice of files at a time: each must
    # line up with its own reject, among rejects of other reasons and of a stored article.
    from newsscraper import dataset_read, dataset_write

    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 2)
    out, at = tmp_path / "out", dt.datetime(2026, 3, 6, 2, 0, tzinfo=dt.UTC)
    caught_up = {"section": "doanh-nghiep", "published_at": "2026-03-06T09:00:00+00:00"}
    verdicts = [
        ("body_too_short", caught_up),
        ("published_in_future", {**caught_up, "published_at": "2099-01-01T00:00:00+00:00"}),
        ("published_in_future", caught_up),
        ("http_404", None),
        ("published_in_future", caught_up),  # stored since, by a backfill
        ("published_in_future", {**caught_up, "section": "bat-dong-san"}),
        ("missing_title", caught_up),
    ]
    for n, (reason, raw) in enumerate(verdicts, start=1):
        row = {"article_id": f"18826030600000000{n}", "reason": reason, "scraped_at": at}
        row |= {"url": f"https://cafef.vn/bai-{row['article_id']}.chn", "run_id": f"r{n}"}
        row["raw"] = None if raw is None else json.dumps(raw)
        dataset_write.commit_rejects(out, [row], f"r{n}", 1)
    stored = Article(
        article_id="188260306000000005",
        url="https://cafef.vn/bai-188260306000000005.chn",
        section="doanh-nghiep",
        title="MoMo bác bỏ tin đồn",
        body="Đoạn một.",
        published_at=dt.datetime(2026, 3, 6, 9, 0, tzinfo=dt.UTC),
        published_date=dt.date(2026, 3, 6),
        scraped_at=at,
        run_id="b1",
    )
    dataset_write.commit_articles(out, [stored], "b1", 1)
    spider = make_spider(tmp_path)
    assert list(spider.pending.articles) == ["188260306000000003"]
    assert [n for n in range(1, 8) if spider.walk.is_stored(f"18826030600000000{n}")] == [
        1,
        2,
        4,
        5,
        6,
        7,
    ]


def test_a_backfill_up_to_days_back_logs_the_date_it_came_to_and_no_since(tmp_path, caplog):
    # 17:30 UTC on the 7th is the 8th in Vietnam: `until=-1` is the 7th.
    caplog.set_level("INFO")
    settings = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    settings |= {
        "CAFEF_BASE_URL": BASE,
        "OUTPUT_DIR": str(tmp_path / "out"),
        "NEWSSCRAPER_NOW": "2026-03-07T17:30:00+00:00",
    }
    crawler = get_crawler(CafefSpider, settings)
    crawler.spider = spider = CafefSpider.from_crawler(crawler, until="-1")
    crawler.stats = StatsCollector(crawler)
    asyncio.run(anext(spider.start()))
    assert [r.getMessage() for r in caplog.records if "backfill window" in r.getMessage()] == [
        "backfill window (Vietnam dates): since the end of the listing, until 2026-03-07"
    ]


def test_the_first_line_of_a_crawl_names_its_run_id_and_dataset(tmp_path, caplog):
    caplog.set_level("INFO")
    settings = {name: value for name, value in vars(project_settings).items() if name.isupper()}
    settings |= {"CAFEF_BASE_URL": BASE, "OUTPUT_DIR": str(tmp_path / "out"), "RUN_ID": "nightly-1"}
    crawler = get_crawler(CafefSpider, settings)
    crawler.spider = spider = CafefSpider.from_crawler(crawler)
    crawler.stats = StatsCollector(crawler)
    asyncio.run(anext(spider.start()))
    (opening,) = [r.getMessage() for r in caplog.records if "crawling section" in r.getMessage()]
    assert opening.startswith(
        f"run nightly-1: crawling section doanh-nghiep (zone 18836) on {BASE} "
        f"into {tmp_path / 'out'}; "
    )
