"""A model of cron's runs over a live section: between crawls into one OUTPUT_DIR, incremental
or a backfill (the daily `-a since=-1`, or a window of days), hypothesis draws what happens to
the site (stories published, some in the watermark's minute, one listed late under the
watermark, an old story moved back to the top, a soft block, a run killed mid-crawl) and every
fault the replica serves on an article or listing page (`replica/faults.py`): for a while
(retried, then stored as rendered), all the run (pending, asked for again), harmless (stored as
rendered, junk links never requested) or for good (a reject with its reason, never asked for
again by an incremental run), and a listing page taking a new layout (its entries renamed) for
a run or a few, then fixed; every run is checked against what README.md and DATA_FORMAT.md
promise.

Each example is several real crawls: one is drawn in CI, on top of the five written out, and
400 with `HYPOTHESIS_PROFILE=explore`.

The first two written out fail, each on its own, when a run:
- no longer asks for the pending pages of the last one (`FAILED_THEN_GONE`: a story failing two
  runs in a row lies under what the last run walks, two pages below its watermark);
- moves the watermark though its listing failed (`KILLED`: a listing page failing two runs in a
  row, the last run would walk down to page 1 only, above the stories under it);
- asks again for articles stored before it (a walk that no longer knows what is stored);
- keeps a page the site says is gone (404, 410) pending rather than rejecting it.
They do not show a dedupe pipeline that lets a stored id through (the walk never asks for one,
which every run is checked for), nor a part file written in place rather than under
`.staging/` (a kill here does not land inside a write): `tests/test_fault_points_properties.py`
kills and fails every file operation of a crawl's writes.
The third (`SEVERAL_FAULTS`) fails when a page larger than `DOWNLOAD_MAXSIZE` or one
redirected off the site is left pending rather than rejected. The fourth (`LATE_REPAIRED`)
fails when a backfill moves the watermark, or leaves the stories of the last page of its window.

A run exits 7 on a listing it walked to its end when it reads as broken off above the watermark
(`Runs.broke_off_at_the_end`): only when the listing's last story is newer than the watermark
the run walked down to, every story at or under it taken off or moved back up the list
(README, "The watermark"). `OLDEST_MOVED_UP` is such a listing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from replica_checks import (
    MODEL_COLUMNS,
    assert_complete_part_files,
    crawl_stats,
    reject_reasons,
    stored_ids,
)

from newsscraper import exitcodes
from newsscraper.dataset_read import read_articles, read_rejects
from newsscraper.listing_walk import BROKE_OFF
from newsscraper.runs import read_runs
from newsscraper.settings import SOFT_BLOCK_STOP_AFTER
from replica import ReplicaSite, SyntheticArticle, faults, serve
from replica.articles import VIETNAM
from replica.crawl import PROJECT_ROOT, crawl_command, crawl_env, run_crawl
from replica.response import Response
from replica.site import FOCUS_SIZE

pytestmark = pytest.mark.slow

# Each example is several crawls: a fiftieth of the examples (one in CI, 400 under explore).
EXAMPLES = max(1, settings.default.max_examples // 50)

SECTION_PAGE = "/doanh-nghiep.chn"
TIMELINE_2 = "/timelinelist/18836/2.chn"
PAGE_SIZE = 8
DOWNLOAD_MAXSIZE = 400_000  # the replica's pages are about 115 kB
RETRY_TIMES = 2  # a page failing 3 times in a run is given up for the run, pending
# Politeness off ("Crawling the replica"), a short timeout so a held page times out, and
# small batches so a kill lands between committed part files.
SETTINGS = {
    "RETRY_TIMES": RETRY_TIMES,
    "DOWNLOAD_TIMEOUT": 2,
    "CONCURRENT_REQUESTS": 4,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "PARQUET_BATCH_ITEMS": 3,
    "DOWNLOAD_MAXSIZE": DOWNLOAD_MAXSIZE,
    # The runs' clock follows the stories (`Runs.now`), hours a step: a page pending over
    # several steps is asked for again, not given up (README, "Pending pages").
    "ARTICLE_GIVE_UP_AFTER_HOURS": 10_000,
}
ARTICLE_DELAY = 0.1  # seconds per article page in a run that is killed, so the kill lands mid-run

# Faults that pass: scripted at most RETRY_TIMES times in a row, the page then comes (README,
# "Choices worth knowing": a body cut short, with or without a Content-Length, or a gzip stream
# that stops or is named twice, is "retried, never read as the page"; so are a 206 no range was
# asked for, a page under a Content-Length shorter than it, a zstd body followed by stray bytes
# and one no such stream as its Content-Encoding names; a 304 to a request not conditional is
# "retried as a failed fetch").
PROXY_ANSWERS = {
    "partial_content": faults.partial_content(),
    "not_modified": faults.not_modified(),
    "short_length": faults.short_length(),
    "zstd_stray": faults.zstd_stray(),
    "encoding_named_plain": faults.encoding_named_plain(),
}
TRANSIENT = PROXY_ANSWERS | {
    "503_retry_after": faults.status(503, retry_after=1),
    "429_retry_after": faults.status(429, retry_after=1),
    "500": faults.status(500),
    "reset": faults.reset(),
    "timeout": faults.delay(3),
    "truncated": faults.truncated(),
    "cut_copy": faults.cut_copy(),
    "cut_without_length": faults.cut_without_length(),
    "truncated_gzip": faults.truncated_gzip(),
    "gzip_named_twice": faults.gzip_named_twice(),
    "soft_block": faults.soft_block(),
    # "A 206 whose Content-Range says it holds the whole page is judged as a 200 [...] a
    # rate-limit or captcha page sent so is a soft block, backed off and asked for again."
    "soft_block_206": faults.whole_range(faults.soft_block()),
}
OFF_SITE = "https://example.invalid/captcha"
LOGIN = "https://login.example.invalid/?next=%2Fdoanh-nghiep.chn"  # no article's address
# On an article page only: "a meta refresh off the site" and "an HTTP redirect to another site
# at an address that is no article" (a login page) are soft blocks, "asked for again"; a
# redirect to the very URL, followed, then the page.
ARTICLE_TRANSIENT = {
    "meta_refresh_off_site": faults.meta_refresh(OFF_SITE),
    "login_redirect": faults.redirect(LOGIN),
    "redirect_loop": faults.redirect_loop(),
}
# On a listing page only: "An empty timeline fragment is asked for once more before it is taken
# as the end of the list" (so scripted once, see `Runs.change`); "A fragment without items that
# says something (a "Too many requests" line ...) is a soft block, not the end."
LISTING_TRANSIENT = {"empty": faults.empty(), "soft_block_bare": faults.soft_block(bare=True)}
SOFT_BLOCKING = {"429_retry_after", "soft_block", "soft_block_206", "soft_block_bare"}
SOFT_BLOCKING |= {"meta_refresh_off_site", "login_redirect"}  # on an article page

# Faults that last the whole run: the page fails after every retry (exit 7), and comes later.
# README: "still cut after every retry, an article page is pending and a listing page has
# failed (exit 7)"; a 304 "still one after every retry, the page fails with `HTTP 304`".
PERSISTENT = PROXY_ANSWERS | {
    "503": faults.status(503),
    "reset": faults.reset(),
    "truncated": faults.truncated(),
}
# An article page: a soft block every time, a meta refresh or an HTTP redirect to a login page
# off the site (pending, "asked for again"); "more than five
# redirects" ("A page that failed for a reason that may pass"); a gzip stream or a body cut
# every time (README's "Exit codes", 7: "article pages, still failed after every retry").
ARTICLE_PERSISTENT = {
    "meta_refresh_off_site": faults.meta_refresh(OFF_SITE),
    "login_redirect": faults.redirect(LOGIN),
    "redirect_loop": faults.redirect_loop(),
    "truncated_gzip": faults.truncated_gzip(),
    "cut_without_length": faults.cut_without_length(),
}
# A listing page: "a listing page fails at once on a 404 or another answer that is not
# retried, and on a redirect to another host, never followed" (exit 7); it is a page of the
# listing, not a story, so nothing is rejected.
LISTING_PERSISTENT = {
    "404": faults.status(404),
    "410": faults.status(410),
    "login_redirect": faults.redirect(LOGIN),
}

# Faults a page may carry all the run and still be stored as the site rendered it (README,
# "Choices worth knowing": a page read in UTF-8 whatever its header says; "A page with all of
# its content whose closing tags are missing (malformed HTML) is whole"; invalid JSON-LD falls
# back to the markup), or a listing whose junk links are never requested.
ARTICLE_HARMLESS = {
    "malformed_html": faults.malformed_html(),
    "bad_json_ld": faults.bad_json_ld(),
    "wrong_charset": faults.wrong_charset(),
}
LISTING_HARMLESS = {"junk_items": faults.junk_items()}
# A new layout of a listing page: its stream links to articles, its entries' class renamed.
# README ("Exit codes", 5): "a listing page's stream ... links to articles of the site but gives
# no entry": the walk stops there "at once, without retries", the page a `parse_error` reject
# under its URL (stop reason `listing_unreadable`), no watermark moved; once the site is fixed,
# the next run walks on ("If exit 7 keeps coming": a layout change, "exit 5, not exit 7").
RENAMED = faults.renamed_entries()
LAYOUT_CHANGED = "listing_unreadable"

# The site saying a story is gone, for good: rejected with this reason, never asked for again
# (README, "Choices worth knowing"; DATA_FORMAT.md, "Rejects"). `to_article`: a 301 to another
# new story's page, stored under its own id, the listed id a `redirected_to_article` reject.
GONE = {
    "404": (faults.status(404), "http_404"),
    "410": (faults.status(410), "http_410"),
    "to_section": (faults.redirect(SECTION_PAGE, code=301), "redirected_away"),
    "off_site": (faults.redirect_offsite(), "redirected_away"),
    "oversized": (faults.oversized(DOWNLOAD_MAXSIZE + 100_000), "response_too_large"),
    "to_article": (None, "redirected_to_article"),
}
# The reasons of a site that gave no article: a backfill does not ask for these rejects again
# (DATA_FORMAT.md, "Rejects"); for any other, it asks again for those of its window.
SITE_GAVE_NONE = {"http_404", "http_410", "redirected_away", "redirected_to_article"}


class ChangingSite(ReplicaSite):
    """The replica, its article pages held `article_delay` seconds (0 but in a killed run)."""

    article_delay = 0.0

    def respond(self, method: str, target: str) -> Response:
        response = super().respond(method, target)
        if not target.startswith(("/doanh-nghiep", "/timelinelist", "/robots.txt")):
            response.delay += self.article_delay
        return response


@dataclass
class Step:
    """What happens to the site before one run, and how the run goes."""

    publish: int = 0
    in_watermark_minute: list[tuple[int, bool]] = field(default_factory=list)  # (second, under)
    move_back: float | None = None  # which story (as a fraction of the listing) comes back up
    page_faults: list[tuple[str, str, int]] = field(default_factory=list)  # (page, fault, times)
    harmless: list[tuple[str, str]] = field(default_factory=list)  # (page, fault) all the run
    # (page, fault) failing all the run. Pages: "new" (the last story put up), "oldest_new"
    # (the oldest of those published), "section", "timeline", "pending" (an article page that
    # failed all the last run and is not stored yet).
    fail_for_run: tuple[str, str] | None = None
    gone: str | None = None  # a new story's page is gone for good, this way (`GONE`)
    soft_block_every: int | None = None
    kill_after: int | None = None  # SIGKILL once this many article pages were asked for
    # A story the site lists late, dated as an older stored one (as a fraction of those under
    # the watermark): under the watermark, where incremental runs never walk.
    late: float | None = None
    # The run is a backfill: `-a since=-1` ("yesterday"), or a window of the days the stories
    # span, `-a since=… -a until=…` (the first and last day, as fractions of those days).
    backfill: tuple[str, float, float] | None = None
    # A listing page ("section", "timeline") takes a new layout (`RENAMED`) from this run, for
    # this many runs in a row, then the site is fixed; it holds no other fault meanwhile.
    renamed: tuple[str, int] | None = None


@st.composite
def steps(draw) -> Step:
    step = Step(
        # Now and then more than a page: a story failing among them lies under what the runs
        # after the next walk again, where only its pending entry has it asked for.
        publish=draw(st.integers(0, 4) | st.sampled_from([PAGE_SIZE + 2, 2 * PAGE_SIZE])),
        in_watermark_minute=draw(
            st.lists(st.tuples(st.integers(0, 59), st.booleans()), max_size=3)
        ),
        move_back=draw(st.none() | st.floats(0.1, 1.0)),
    )
    articles = st.sampled_from(["new", "old"])
    listings = st.sampled_from(["section", "timeline"])
    times = st.integers(1, RETRY_TIMES)
    step.page_faults = draw(
        st.lists(
            st.tuples(articles, st.sampled_from(sorted(TRANSIENT | ARTICLE_TRANSIENT)), times)
            | st.tuples(listings, st.sampled_from(sorted(TRANSIENT | LISTING_TRANSIENT)), times),
            max_size=3,
        )
    )
    step.harmless = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["new", "oldest_new"]), st.sampled_from(sorted(ARTICLE_HARMLESS))
            )
            | st.tuples(listings, st.sampled_from(sorted(LISTING_HARMLESS))),
            max_size=2,
        )
    )
    step.fail_for_run = draw(
        st.none()
        | st.tuples(
            st.sampled_from(["new", "oldest_new", "pending"]),
            st.sampled_from(sorted(PERSISTENT | ARTICLE_PERSISTENT)),
        )
        | st.tuples(listings, st.sampled_from(sorted(PERSISTENT | LISTING_PERSISTENT)))
    )
    step.gone = draw(st.none() | st.sampled_from(sorted(GONE)))
    step.soft_block_every = draw(st.none() | st.integers(3, 7))
    step.kill_after = draw(st.none() | st.integers(1, 12))
    step.late = draw(st.none() | st.floats(0.0, 1.0))
    step.backfill = draw(
        st.none()
        | st.tuples(
            st.sampled_from(["yesterday", "window"]), st.floats(0.0, 1.0), st.floats(0.0, 1.0)
        )
    )
    step.renamed = draw(st.none() | st.tuples(listings, st.integers(1, 3)))
    return step


class Runs:
    """The site, its server and the dataset the runs share, and what the test knows of them."""

    def __init__(self, site: ChangingSite, handle, output_dir: Path) -> None:
        self.site = site
        self.handle = handle
        self.output_dir = output_dir
        self.gone: dict[str, tuple[faults.Fault, str]] = {}  # path -> (fault, reason), for good
        self.moved_to: dict[str, str] = {}  # a gone path -> the article path it redirects to
        self.killed = 0
        self.pending: set[str] = set()  # article pages that failed all the last run, not stored
        self.late: set[str] = set()  # article_ids of the stories listed late under the watermark
        self.moved: set[str] = set()  # article_ids of the old stories moved back to the top
        self.now = max(a.published_at for a in site.articles)  # the runs' clock (NEWSSCRAPER_NOW)
        self.renamed: tuple[str, int] | None = None  # (listing path, runs left) with `RENAMED`
        self.unreadable: set[str] = set()  # the listing paths that were ever `RENAMED`

    # --- the site between runs -------------------------------------------------------------
    def change(self, step: Step) -> tuple[set[str], bool]:
        """Apply `step` to the site; the paths failing all the run, and whether the soft
        block is on."""
        site = self.site
        if step.renamed is not None and self.renamed is None:
            page, runs = step.renamed
            self.renamed = (SECTION_PAGE if page == "section" else TIMELINE_2, runs)
        published = list(site.publish(step.publish)) if step.publish else []
        new = list(published)
        newest = max(a.published_at for a in site.articles)
        minute = newest.replace(second=0, microsecond=0)
        for second, under in step.in_watermark_minute:
            moment = minute + dt.timedelta(seconds=second)
            new.append(site.publish_at(moment, under_its_minute=under))
        if step.move_back is not None:
            listing = site.articles
            moved = listing[min(len(listing) - 1, int(step.move_back * len(listing)))]
            site.move_to_top(moved.serial)
            self.moved.add(moved.article_id)
        if step.late is not None:
            self.publish_late(step.late)
        failing: set[str] = set()

        def path_of(page: str) -> str | None:
            if page == "section":
                return SECTION_PAGE
            if page == "timeline":
                return TIMELINE_2
            if page == "old":
                return site.articles[len(site.articles) // 2].path
            if page == "oldest_new":
                return min(published, key=lambda a: a.published_at).path if published else None
            if page == "pending":
                return min(self.pending) if self.pending else None
            return new[-1].path if new else None

        renamed = self.renamed_path()
        for page, name in step.harmless:
            path = path_of(page)
            if path is not None and path not in self.gone and path != renamed:
                site.script(path, [(ARTICLE_HARMLESS | LISTING_HARMLESS)[name]], repeat=True)
        soft_blocks = 0  # soft-block pages scripted for the run, at most
        for page, name, times in step.page_faults:
            path = path_of(page)
            if name == "empty":
                if page != "timeline":
                    continue  # README speaks of an empty timeline fragment only
                times = 1  # twice in a row, it is the end of the listing
            if path is not None and path not in self.gone and path != renamed:
                table = ARTICLE_TRANSIENT if _is_article(path) else LISTING_TRANSIENT
                site.script(path, [(TRANSIENT | table)[name]] * times)
                soft_blocks += times if _is_soft_block(name, path) else 0
        if step.fail_for_run is not None:
            page, name = step.fail_for_run
            path = path_of(page)
            if path is not None and path not in self.gone and path != renamed:
                table = ARTICLE_PERSISTENT if _is_article(path) else LISTING_PERSISTENT
                site.script(path, [(PERSISTENT | table)[name]], repeat=True)
                failing.add(path)
                soft_blocks += RETRY_TIMES + 1 if _is_soft_block(name, path) else 0
        if step.gone is not None and new and new[0].path not in failing:
            self.go(new[0], step.gone, [a for a in published if a.path not in failing])
        for path, (fault, _) in self.gone.items():
            site.script(path, [fault], repeat=True)
        if renamed is not None:
            site.script(renamed, [RENAMED], repeat=True)
            self.unreadable.add(renamed)
        site.soft_block_every(step.soft_block_every)
        # README, "Exit codes" 3: soft blocks "`SOFT_BLOCK_STOP_AFTER` in a row on more than
        # one page" stop the run: the scripted ones can come in a row when there are 5 or more.
        return failing, step.soft_block_every is not None or soft_blocks >= SOFT_BLOCK_STOP_AFTER

    def publish_late(self, at: float) -> None:
        """A story listed now with the time of a stored one under the watermark (README, "The
        watermark": "A story the site lists late with an earlier time")."""
        mark = self.watermark()
        if mark is None:
            return
        stored = set(stored_ids(self.output_dir))
        under = [
            a
            for a in self.site.articles
            if a.article_id in stored
            and a.article_id not in self.moved
            and a.published_at < mark - dt.timedelta(minutes=1)
        ]
        if under:
            older = under[min(len(under) - 1, int(at * len(under)))]
            self.late.add(self.site.publish_at(older.published_at).article_id)

    def window(self, step: Step) -> tuple[dict[str, str], dt.date, dt.date | None]:
        """A backfill step's spider arguments, and the Vietnam dates they come to."""
        kind, first, last = step.backfill
        if kind == "yesterday":  # by the clock of the run about to start
            since = self.next_now().astimezone(VIETNAM).date() - dt.timedelta(days=1)
            return {"since": "-1"}, since, None
        days = sorted({a.published_at.astimezone(VIETNAM).date() for a in self.site.articles})
        since, until = sorted(days[min(len(days) - 1, int(f * len(days)))] for f in (first, last))
        return {"since": since.isoformat(), "until": until.isoformat()}, since, until

    def go(self, article: SyntheticArticle, how: str, others: list[SyntheticArticle]) -> None:
        """`article`'s page is gone for good, the way `how` names."""
        fault, reason = GONE[how]
        if how == "to_article":
            others = [a for a in others if a is not article and a.path not in self.gone]
            if not others:
                return
            target = others[0]
            fault = faults.redirect(target.path, code=301)
            self.moved_to[article.path] = target.path
        self.gone[article.path] = (fault, reason)

    def renamed_path(self) -> str | None:
        """The listing page with a new layout in the coming run, if any."""
        return self.renamed[0] if self.renamed is not None else None

    def settle(self) -> None:
        """After a run: every fault scripted for it is over (a new layout counts one run down,
        and is fixed after its last); the gone pages stay gone."""
        if self.renamed is not None:
            path, runs = self.renamed
            self.renamed = (path, runs - 1) if runs > 1 else None
        self.site.clear_scripts()
        self.site.soft_block_off()
        self.site.article_delay = 0.0
        for path, (fault, _) in self.gone.items():
            self.site.script(path, [fault], repeat=True)

    # --- runs ------------------------------------------------------------------------------
    def next_now(self) -> dt.datetime:
        """The next run's clock: a few minutes past the newest story, ahead of the last run's."""
        newest = max(a.published_at for a in self.site.articles).replace(second=0)
        return max(self.now + dt.timedelta(minutes=10), newest + dt.timedelta(minutes=2))

    def tick(self) -> dict[str, str]:
        """The settings of the next run, on its clock (`next_now`)."""
        self.now = self.next_now()
        return _settings() | {"NEWSSCRAPER_NOW": self.now.isoformat()}

    def run(self, args: dict[str, str] | None = None) -> int:
        since = len(self.handle.requests)
        result = run_crawl(self.handle.base_url, self.output_dir, args, settings=self.tick())
        self.last_log = result.stderr
        self.last_requests = self.handle.requests[since:]
        # Nothing left the replica (a junk link, a redirect or meta refresh off the site):
        # every request the crawler made reached it.
        sent = crawl_stats(result.stderr).get("downloader/request_count", 0)
        assert sent <= len(self.last_requests), "the crawler made requests the replica never saw"
        return result.returncode

    def run_killed(self, after: int, args: dict[str, str] | None = None) -> int | None:
        """Start a run, SIGKILL it once `after` article pages were asked for; None when killed,
        else the exit code of a run that ended first."""
        self.site.article_delay = ARTICLE_DELAY
        since = len(self.handle.requests)
        with tempfile.TemporaryFile("w+") as log:
            process = subprocess.Popen(
                crawl_command(self.handle.base_url, self.output_dir, args, settings=self.tick()),
                cwd=PROJECT_ROOT,
                env=crawl_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 60
                while process.poll() is None and time.monotonic() < deadline:
                    asked = [r for r in self.handle.requests[since:] if _is_article(r.path)]
                    if len(asked) >= after:
                        break
                    time.sleep(0.01)
                if process.poll() is not None:
                    log.seek(0)
                    self.last_log = log.read()
                    self.last_requests = self.handle.requests[since:]
                    return process.returncode
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        self.last_requests = self.handle.requests[since:]
        self.killed += 1
        return None

    # --- checks ----------------------------------------------------------------------------
    def check_stored(self) -> dict[str, dict]:
        """One row per article_id, each as the replica rendered its story; no gone page."""
        assert_complete_part_files(self.output_dir)
        rows = read_articles(self.output_dir, columns=MODEL_COLUMNS).to_pylist()
        twice = [i for i, n in Counter(r["article_id"] for r in rows).items() if n > 1]
        assert not twice, f"stored more than once: {twice}"
        model = {a.article_id: a for a in self.site.articles}
        for row in rows:
            article = model.get(row["article_id"])
            assert article is not None, f"stored an article the site never listed: {row}"
            assert row == article.expected_fields(), f"article {row['article_id']} stored wrong"
            assert article.path not in self.gone, f"stored a gone page: {article.path}"
        return {row["article_id"]: row for row in rows}

    def check_rejects(self) -> None:
        """Rejects hold only the gone pages, each with the reason its status gives, and the
        listing pages of a new layout, each a `parse_error` under its URL."""
        unreadable = {(self.handle.url(path), "parse_error") for path in self.unreadable}
        for row in read_rejects(self.output_dir).to_pylist():
            if row["article_id"] is None:
                assert (row["url"], row["reason"]) in unreadable, f"rejected a listing: {row}"
        gone = {_article_id(path): reason for path, (_, reason) in self.gone.items()}
        reasons = _article_rejects(self.output_dir)
        assert set(reasons) <= set(gone), f"rejected pages that could be stored: {reasons}"
        for article_id, reason in reasons.items():
            assert reason == gone[article_id], (article_id, reason)

    def check_pending(self, failing: set[str]) -> None:
        """An article page that failed all the run is pending in its run record."""
        failed = {_article_id(p) for p in failing if _is_article(p) and self.asked_for({p})}
        failed -= set(stored_ids(self.output_dir))
        if failed:
            pending = self.recorded_pending()
            assert failed <= pending, (failed, pending)

    def newest_record(self) -> dict | None:
        return max(read_runs(self.output_dir), key=lambda run: run["run_number"], default=None)

    def recorded_pending(self) -> set[str]:
        """The article_ids pending in the newest run record."""
        newest = self.newest_record()
        pending = newest["pending_articles"] if newest else []
        return set(json.loads(pending) if isinstance(pending, str) else pending)

    def watermark(self) -> dt.datetime | None:
        """DATA_FORMAT.md: "the section's current watermark is the largest value in its
        records"."""
        marks = [run["watermark"] for run in read_runs(self.output_dir)]
        return max((m for m in marks if m is not None), default=None)

    def in_window(self, since: dt.date, until: dt.date | None) -> set[str]:
        """The article_ids of the stories the site lists from `since` to `until` (Vietnam)."""
        return {
            a.article_id
            for a in self.site.articles
            if since <= a.published_at.astimezone(VIETNAM).date() <= (until or dt.date.max)
        }

    def check_backfill(
        self,
        window: tuple[dt.date, dt.date | None],
        code: int | None,
        watermark: dt.datetime | None,
        pending: set[str],
        reasons: dict[str | None, str],
    ) -> None:
        """README ("Backfills"): a backfill "moves no watermark"; it asks for the window's
        articles and the pending pages ("the next runs ask for it first"), nothing else; one
        that exited 0 "stores the window's articles not stored yet" (a page the site says is
        gone: its reject), and "asks again for the rejected articles of its window, but for
        those the site said are gone". With `until`, an old story moved back up the list sits
        above the window's pages: "on a page the search skips, the backfill does not fetch
        it"."""
        assert self.watermark() == watermark, "a backfill moved the watermark"
        since, until = window
        inside = self.in_window(since, until)
        asked = self.asked_articles()
        outside = asked - inside - pending
        assert not outside, f"a backfill of {window} asked for {sorted(outside)}"
        if code is None:
            return
        record = self.newest_record()
        assert record["mode"] == "backfill", record
        assert (record["since"], record["until"]) == (since, until), record
        if code != exitcodes.OK:
            return
        if until is not None:
            inside -= self.moved
        gone = {_article_id(path) for path in self.gone}
        kept = set(stored_ids(self.output_dir)) | (set(reject_reasons(self.output_dir)) & gone)
        missing = sorted(inside - kept)
        assert not missing, f"a backfill of {window} left out {missing}\n{self.last_log[-4000:]}"
        again = {i for i in inside & set(reasons) if reasons[i] not in SITE_GAVE_NONE}
        assert again <= asked, f"a backfill of {window} left rejects: {sorted(again - asked)}"

    def check_layout_change(self, code: int | None, watermark: dt.datetime | None) -> None:
        """README ("Exit codes", 5): a listing page whose stream "links to articles of the site
        but gives no entry (its items renamed, say)" stops the walk there, "at once, without
        retries" (the pages below it not walked, no soft block counted), a `parse_error`
        reject under the page's URL whose "`detail` says how many articles the stream links
        to", stop reason `listing_unreadable`; and a walk cut short moves no watermark ("The
        watermark": "whose listing failed")."""
        path = self.renamed_path()
        assert self.watermark() == watermark, "a walk that met a new layout moved the watermark"
        assert [r.status for r in self.last_requests if r.path == path] == [200], path
        below = _listing_number(path) + 1
        walked = [r.path for r in self.last_requests if not _is_article(r.path) and r.path != path]
        assert all(_listing_number(p) < below for p in walked if p != "/robots.txt"), walked
        if code is None:
            return
        record = self.newest_record()
        assert record["stop_reason"] == LAYOUT_CHANGED, record
        assert record["soft_blocks"] == 0, record
        rows = [
            row
            for row in read_rejects(self.output_dir).to_pylist()
            if row["run_id"] == record["run_id"] and row["article_id"] is None
        ]
        assert [(row["url"], row["reason"]) for row in rows] == [
            (self.handle.url(path), "parse_error")
        ], rows
        said = re.search(r"its stream links to (\d+) articles", rows[0]["detail"])
        assert said, rows[0]["detail"]
        assert int(said[1]) == len(self.stream_of(path)), rows[0]["detail"]

    def stream_of(self, path: str) -> set[str]:
        """The article_ids of the stories a listing page's stream shows (README: the section
        page's three newest in its focus block, outside the stream; then a page's worth)."""
        listing = self.site.listing()
        start = 3 + (_listing_number(path) - 1) * PAGE_SIZE
        return {a.article_id for a in listing[start : start + PAGE_SIZE]}

    def broke_off_at_the_end(self, watermark: dt.datetime | None) -> bool:
        """Whether the last run's walk read the end of the listing as a listing broken off
        above the watermark, and README ("The watermark") says it must: "One whose last story
        is at or under the watermark ends there (a story listed twice counts where it is first
        listed)"; a listing whose stories at or under it were all taken off or moved back up
        the list (keeping their old times) does not, and reads as broken off. Then the run
        moved no watermark, its record holds the one it was to walk down to, and it stopped at
        the page past the listing's last."""
        record = self.newest_record()
        if record is None or record["stop_reason"] != BROKE_OFF:
            return False
        stream = self.site.listing()[FOCUS_SIZE:]
        last = list({a.article_id: a for a in stream}.values())[-1].published_at
        assert last.replace(second=0) > record["watermark"], (last, record)
        assert self.watermark() == watermark, "a listing broken off moved the watermark"
        past_the_end = -(-len(stream) // PAGE_SIZE) + 1
        assert record["stop_url"] == self.handle.url(f"/timelinelist/18836/{past_the_end}.chn")
        return True

    def note_pending(self, failing: set[str], finished: bool) -> None:
        """After a run: the article pages that failed all of it and are not stored (a killed
        run records none)."""
        stored = set(stored_ids(self.output_dir))
        self.pending = {
            p
            for p in (failing | self.pending if finished else self.pending)
            if _is_article(p) and _article_id(p) not in stored and p not in self.gone
        }

    def check_not_asked_again(self, stored: set[str], rejected: set[str]) -> None:
        """README ("Incremental by default", "Pending pages"): an article stored before the run
        is never requested again, nor a page rejected before it (a gone one, say)."""
        asked = self.asked_articles()
        listed = {a.article_id for a in self.site.articles}
        assert asked <= listed, f"asked for pages the site never listed: {sorted(asked - listed)}"
        assert not asked & stored, f"asked again for stored articles: {sorted(asked & stored)}"
        assert not asked & rejected, f"asked again for rejected pages: {sorted(asked & rejected)}"

    def asked_articles(self) -> set[str]:
        """The article_ids of the article pages the last run asked for. A listed URL is asked
        for until it is rejected: one that redirects to another story (its reject lost to a
        kill) leads there once more, which is not the walk asking for that story."""
        asked = {
            _article_id(r.path.split("?", 1)[0]) for r in self.last_requests if _is_article(r.path)
        }
        for moved, target in self.moved_to.items():
            if self.asked_for({moved}):
                asked.discard(_article_id(target))
        return asked

    def asked_for(self, paths: set[str]) -> bool:
        return any(r.path.split("?", 1)[0] in paths for r in self.last_requests)


def _settings() -> dict[str, str]:
    return {k: str(v) for k, v in SETTINGS.items()}


def _is_article(path: str) -> bool:
    return not path.startswith(("/doanh-nghiep", "/timelinelist", "/robots.txt"))


def _listing_number(path: str) -> int:
    """A listing page's number: 1 the section page, n `/timelinelist/<zone>/<n>.chn`."""
    return 1 if path == SECTION_PAGE else int(path.rsplit("/", 1)[1].removesuffix(".chn"))


def _article_rejects(output_dir: Path) -> dict[str, str]:
    """article_id -> reason of every reject of an article page (a listing page has no id)."""
    return {i: reason for i, reason in reject_reasons(output_dir).items() if i is not None}


def _soft_blocks_scripted(step: Step) -> bool:
    """Whether any page of the run may answer with a soft block."""
    names = {name for _, name, _ in step.page_faults}
    if step.fail_for_run is not None and step.fail_for_run[0] not in ("section", "timeline"):
        names.add(step.fail_for_run[1])
    return step.soft_block_every is not None or bool(names & SOFT_BLOCKING)


def _is_soft_block(name: str, path: str) -> bool:
    """Whether the fault `name` on `path` is a soft block: a redirect to a login page off the
    site is one on an article page, a listing page failing at once on it."""
    return name in SOFT_BLOCKING and (_is_article(path) or name not in LISTING_PERSISTENT)


def _article_id(path: str) -> str:
    return path.rsplit("-", 1)[1].removesuffix(".chn")


def reachable(site: ReplicaSite, gone: dict[str, int]) -> list[SyntheticArticle]:
    return [a for a in site.articles if a.path not in gone]


def verify(output_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "newsscraper", "verify", "--output-dir", str(output_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


# Two pages of new stories, the oldest failing a whole run (pending), another gone, stories in
# the watermark's minute and an old one moved back up; then the pending page failing a second
# run, with a soft block and transient faults. The last run walks down to the watermark of the
# first (README, "The watermark"), two pages above the pending story: only its pending entry has
# it asked for.
FAILED_THEN_GONE = [
    Step(
        publish=2 * PAGE_SIZE,
        in_watermark_minute=[(30, True), (5, False)],
        move_back=0.9,
        fail_for_run=("oldest_new", "503"),
        gone="410",
    ),
    Step(
        publish=3,
        page_faults=[("new", "timeout", 1), ("timeline", "500", 2)],
        fail_for_run=("pending", "reset"),
        soft_block_every=5,
    ),
]
# A run killed mid-crawl over new stories; then more than a page of them while a listing page
# fails for two runs: neither moves the watermark, so the last run walks down past them all.
KILLED = [
    Step(publish=4, kill_after=3),
    Step(
        publish=PAGE_SIZE + 2,
        in_watermark_minute=[(0, True)],
        fail_for_run=("timeline", "reset"),
        gone="404",
    ),
    Step(fail_for_run=("timeline", "503")),
]


# The faults of a page gone bad, all at once: more than a page of new stories, the newest sent
# off the site by a meta refresh twice, an empty fragment once, junk links on the section page,
# the oldest in a redirect loop all the run (pending), another moved to a third story's URL;
# then the section page cut without a Content-Length twice, a gzip stream cut on the timeline
# and on the pending page all the run, a malformed page and an oversized one; then a timeline
# page answering 404 all the run, a page with broken JSON-LD and one redirected off the site.
SEVERAL_FAULTS = [
    Step(
        publish=PAGE_SIZE + 2,
        page_faults=[("new", "meta_refresh_off_site", 2), ("timeline", "empty", 1)],
        harmless=[("section", "junk_items")],
        fail_for_run=("oldest_new", "redirect_loop"),
        gone="to_article",
    ),
    Step(
        publish=3,
        page_faults=[("section", "cut_without_length", 2), ("timeline", "truncated_gzip", 1)],
        harmless=[("new", "malformed_html")],
        fail_for_run=("pending", "truncated_gzip"),
        gone="oversized",
    ),
    Step(
        publish=2,
        harmless=[("new", "bad_json_ld")],
        fail_for_run=("timeline", "404"),
        gone="off_site",
    ),
]

# Stories listed late under the watermark, which the incremental run after them leaves, and a
# page too large (rejected); then the daily backfill of yesterday and today, over another late
# story and a page failing once, stores both; then a backfill of every day the stories span,
# over an old story moved back up and new ones, asks for the oversized page again and no more.
LATE_REPAIRED = [
    Step(publish=3, late=0.3, gone="oversized"),
    Step(late=0.9, page_faults=[("old", "503_retry_after", 1)], backfill=("yesterday", 0, 0)),
    Step(publish=5, move_back=0.5, late=0.55, backfill=("window", 0.5, 1.0)),
]

# The two oldest stories of a listing the first run walked to its end moved back up, one a run:
# the runs walk down to the first run's `walked_down_to`, the later of those two, and the
# listing's last story is then newer than it. The second run reads the listing as broken off.
OLDEST_MOVED_UP = [Step(move_back=0.9), Step(move_back=0.99999)]

# The newest story's page sent to a login page off the site all of one run (a captive portal):
# the story is pending, not rejected, and the next run asks for it first and stores it.
LOGIN_ALL_RUN = [Step(publish=3, fail_for_run=("new", "login_redirect")), Step(publish=1)]


@settings(max_examples=EXAMPLES)
@example(articles=20, seed=1, plan=FAILED_THEN_GONE)
@example(articles=25, seed=2, plan=KILLED)
@example(articles=16, seed=3, plan=SEVERAL_FAULTS)
@example(articles=20, seed=0, plan=LATE_REPAIRED)
@example(articles=12, seed=0, plan=OLDEST_MOVED_UP)
@example(articles=12, seed=1, plan=LOGIN_ALL_RUN)
@given(
    articles=st.integers(12, 30),
    seed=st.integers(0, 3),
    plan=st.lists(steps(), min_size=1, max_size=3),
)
def test_runs_over_a_changing_site_store_every_story_once_and_as_the_site_shows_it(
    articles, seed, plan
):
    """README ("Incremental by default", "The watermark", "Pending pages") and DATA_FORMAT.md
    ("One row per `article_id` across the whole `articles` dataset, all runs together"):

    - after every run, no article_id is stored twice, and every row holds the fields the site
      rendered for that story (article_id, url, title, body, published_at, …);
    - a run's exit code is README's "Exit codes": 0 after a healthy run (faults the retries
      got past, pages the site says are gone: rejects, not failures); 7 when a page it asked
      for still failed after every retry, or when its listing read as broken off above the
      watermark (`Runs.broke_off_at_the_end`); 5 when a listing page it read had a new layout
      (`check_layout_change`); with a soft block on, 3 when it kept coming;
    - a run killed mid-crawl leaves a dataset every reader can read, and "the next run
      continues": nothing is lost or doubled;
    - an article page that failed all the run is pending in its run record (DATA_FORMAT.md,
      `pending_articles`), and "the next runs ask for it first", so after a final run
      with no fault, every story the site lists is stored exactly once, rejects hold only the
      pages the site said are gone (`http_404`, `http_410`), and `newsscraper verify` finds
      no problem.
    """
    with tempfile.TemporaryDirectory() as tmp:
        site = ChangingSite(articles=articles, seed=seed, page_size=PAGE_SIZE)
        with serve(site) as handle:
            runs = Runs(site, handle, Path(tmp) / "output")
            code = runs.run()
            assert code == exitcodes.OK, runs.last_log[-4000:]
            runs.check_stored()
            for step in plan:
                stored_before = set(stored_ids(runs.output_dir))
                reasons = reject_reasons(runs.output_dir)
                rejected_before = set(reasons)
                pending_before = runs.recorded_pending()
                watermark_before = runs.watermark()
                failing, soft_blocked = runs.change(step)
                args, window = None, None
                if step.backfill is not None:
                    args, *window = runs.window(step)
                    # README: it asks again for the rejects of its window, but for those the
                    # site said are gone.
                    rejected_before -= {
                        i
                        for i in runs.in_window(*window) & rejected_before
                        if reasons[i] not in SITE_GAVE_NONE
                    }
                if step.kill_after is not None:
                    code = runs.run_killed(step.kill_after, args)
                else:
                    code = runs.run(args)
                # A new layout: exit 5, unless a page failed too (exit 7 comes first).
                renamed = runs.renamed_path()
                met_layout = renamed is not None and runs.asked_for({renamed})
                if code is not None:
                    if runs.asked_for(failing):
                        expected = {exitcodes.SITE_ERRORS}
                    elif met_layout:
                        expected = {exitcodes.UNHEALTHY}
                    else:
                        expected = {exitcodes.OK}
                    if soft_blocked:
                        expected |= {exitcodes.SOFT_BLOCKED, exitcodes.SITE_ERRORS}
                    if runs.broke_off_at_the_end(watermark_before):
                        expected |= {exitcodes.SITE_ERRORS}
                    assert code in expected, (step, code, runs.last_log[-4000:])
                    runs.check_pending(failing)
                runs.check_not_asked_again(stored_before, rejected_before)
                if met_layout and not _soft_blocks_scripted(step):
                    runs.check_layout_change(code, watermark_before)
                runs.note_pending(failing, finished=code is not None)
                runs.settle()
                runs.check_stored()
                runs.check_rejects()
                if window is not None:
                    runs.check_backfill(
                        tuple(window), code, watermark_before, pending_before, reasons
                    )

            stored_before = set(stored_ids(runs.output_dir))
            rejected_before = set(reject_reasons(runs.output_dir))
            watermark_before = runs.watermark()
            code = runs.run()
            broke_off = runs.broke_off_at_the_end(watermark_before)
            expected = exitcodes.SITE_ERRORS if broke_off else exitcodes.OK
            assert code == expected, runs.last_log[-4000:]
            runs.check_not_asked_again(stored_before, rejected_before)
            stored = runs.check_stored()
            runs.check_rejects()
            # README ("The watermark"): "no incremental run stores" a story listed late under
            # the watermark; the backfills stored those of their windows (checked above).
            expected = {a.article_id for a in reachable(site, runs.gone)}
            expected -= runs.late - set(stored)
            missing = sorted(expected - set(stored))
            assert not missing, f"never stored: {missing}\n{runs.last_log[-4000:]}"
            assert set(stored) == expected
            assert set(_article_rejects(runs.output_dir)) == {
                _article_id(p)
                for p in runs.gone
                if _article_id(p) in {a.article_id for a in site.articles}
            }
            checked = verify(runs.output_dir)
            assert checked.returncode == 0, checked.stdout + checked.stderr
