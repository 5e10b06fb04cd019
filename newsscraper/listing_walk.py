"""When to stop paging through a section's listing, and which entries to fetch.

Pure bookkeeping, no requests: the spider shows it each listing page and does what it says.

Incremental rule: a run stops after `stop_after_seen_pages` listing pages in a row with no
unseen article, but only once it has reached the *watermark* it is given: the one before the
newest that finished runs recorded (after the first, how far its walk went:
`runs.watermark_to_reach`), so the range the last of them covered is walked once more, from a
fresh listing. Everything listed before the watermark's minute is stored (or pending: see
pending.py); above it a killed or cut-short run may have left a hole, or the listing moved
while the last run paged through it, so the walk does not stop there even when a page is all
seen, nor at the default `max_pages` while the listing's times show it still moving down
towards the watermark (a machine that was off for days has more than `max_pages` pages to catch
up on; a `max_pages` given as an argument is a hard limit). Listing times are minutes, several
stories can share one, and the site orders them any way: a story listed in the watermark's own
minute (published in it after the run that set the watermark, or past the page where the first
run stopped) can open the page under one whose bottom is that minute. So the watermark is
reached on the first page whose bottom is older than it: a page coming down exactly to it costs
one more page. Only a run that reached the watermark moves it: the end of the listing before it
(an empty fragment, twice) is a listing that broke off, not coverage, unless a page had come
down to the watermark's minute or the listing's last story is at or under it (nothing is listed
under it). With no watermark yet (no run has recorded one), the walk goes on to `max_pages`: a
first run that was killed is completed by the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from newsscraper.crawl_args import CrawlArguments
from newsscraper.pages.dates import vietnam_date
from newsscraper.pages.section import ListingEntry

END_OF_LISTING = "end_of_listing"
CAUGHT_UP = "caught_up"
MAX_PAGES = "max_pages"
REACHED_SINCE = "reached_since"
LISTING_FAILED = "listing_failed"  # a listing page failed after every retry
FORBIDDEN_BY_ROBOTS = "forbidden_by_robots"  # the site's robots.txt forbids a listing page
ROBOTS_TXT_UNAVAILABLE = "robots_txt_unavailable"  # the site's robots.txt could not be fetched
# The site's robots.txt asks for a Crawl-delay longer than RETRY_AFTER_MAX: nothing is crawled.
CRAWL_DELAY_TOO_LONG = "crawl_delay_too_long"
# The listing ended (an empty page, twice) before the watermark: pages were left unwalked.
BROKE_OFF = "broke_off_above_watermark"
# The default max_pages came with the listing's times no nearer the watermark (entries without
# times, or the same page served again): pages were left unwalked, and the walk cannot tell. A
# backfill stops so too after STALLED_PAGES pages in a row that came no further down.
STUCK = "stuck_above_watermark"
# Pages in a row that come no further down the stream (`_came_down`) after which a backfill
# stops, stuck: a site (or a cache, or a proxy) that answers every page past the end with page
# 1's items, or any one page again and again, would have it page on for ever. Stories published
# while a walk pages push what it walked down onto the next page, which then comes no further:
# a page of them or more (about 20 stories on cafef.vn) published between two of its requests,
# seconds apart, makes one such page, and three in a row take more than a page of them between
# a few requests (tests/test_backfill_model.py). The section publishes a few stories an hour:
# no burst of publishing fills that, and a site serving one page again costs three requests.
STALLED_PAGES = 3
# Reading a listing page raised (its layout changed, or a fault of newsscraper): a parse_error
# reject under its URL; the pages below were not walked.
LISTING_UNREADABLE = "listing_unreadable"
# The reasons that stop the walk at one listing page: the run record names it (`stop_url`).
# The end of the listing above the watermark is one too: the page that came empty twice.
STOPPED_AT_A_PAGE = (LISTING_FAILED, FORBIDDEN_BY_ROBOTS, LISTING_UNREADABLE, STUCK, BROKE_OFF)


@dataclass(frozen=True)
class Decision:
    to_fetch: list[ListingEntry]
    next_page: int | None  # None: stop
    stop_reason: str | None = None


def page_bottom(entries: list[ListingEntry]) -> dt.datetime | None:
    """How far down the stream a listing page goes: the oldest time two of its stream entries
    in listing order reach (the bottom of the page, but for one entry out of order there), or
    the time of its only one; None when no stream entry has a time.

    Focus items can be pinned older stories, and a stream entry can be out of order too: an
    old story moved back to the top of the stream (updated) keeps its old time there, and
    comes down the pages with it as new stories come in above it, to the bottom of each in
    turn. Taken as how far the walk went, that entry would have the walk stop on page 1 as if
    it had come down to the watermark, past the new stories on the pages under it, and move
    the watermark over them. Several can be moved up at once: so the times out of order are
    left out first (`_in_order`, while they are no more than those left), then of those left one
    entry alone does not say where the bottom is (one moved story at the bottom of the page
    is in order there)."""
    listed = [e.listed_at for e in entries if e.kind == "stream" and e.listed_at is not None]
    times = _in_order(listed)
    if 2 * len(times) < len(listed):
        # Most of the page out of order is no stream with a few moved stories in it: its two
        # oldest times, whatever their place.
        times = sorted(listed, reverse=True)
    return times[-2] if len(times) > 1 else (times[0] if times else None)


def _in_order(times: list[dt.datetime]) -> list[dt.datetime]:
    """The longest run of `times` (in listing order) that never goes up, newest first: the
    stream, without the entries out of order in it (old stories moved back up, a story listed
    again lower down with a newer time). Of several as long, the one whose second-to-last
    time (`page_bottom`) is the newest: the bottom that says the walk came down least far."""
    if not times:
        return []
    # best[i]: (length, second-to-last time or the time itself) of the best run ending at i.
    best: list[tuple[int, dt.datetime]] = []
    before: list[int | None] = []
    for i, time in enumerate(times):
        choice, previous = (1, time), None
        for j in range(i):
            if times[j] >= time and (best[j][0] + 1, times[j]) > choice:
                choice, previous = (best[j][0] + 1, times[j]), j
        best.append(choice)
        before.append(previous)
    end = max(range(len(times)), key=lambda i: best[i])
    run = []
    while end is not None:
        run.append(times[end])
        end = before[end]
    return run[::-1]


@dataclass
class ListingWalk:
    args: CrawlArguments
    # True for an article_id not to fetch: stored, or rejected and not asked for again (crawl_plan).
    is_stored: Callable[[str], bool]
    watermark: dt.datetime | None = None
    stats: object | None = None
    # Listing times after this (the crawl's clock) move no watermark. A story dated hours ahead
    # (scheduled, or a typo in the hour) stays at the top of the listing while the stories
    # published until then come in under it: as the watermark, it would have the runs after
    # it take them as stored and stop above them (after a run that failed or was killed
    # part-way, say). A typo such as 2062 for 2026 would stand for decades. None: every time
    # counts.
    latest_credible: dt.datetime | None = None
    requested: set[str] = field(default_factory=set)
    newest_listed: dt.datetime | None = None  # the top of this run: the next watermark
    oldest_listed: dt.datetime | None = None  # how far down the stream this run has come
    # The times of the last two timed stream entries walked, in listing order, each story at its
    # first listing only: at the end of the listing, the bottom the next run's last page comes
    # down to (`walked_down_to`).
    last_two_listed: list[dt.datetime] = field(default_factory=list)
    # A page's bottom came down to the watermark (at or before it): the listing ending under
    # it is its end.
    came_to_watermark: bool = False
    # A page's bottom is older than the watermark: nothing of the watermark's minute is listed
    # under it, and an all-seen page from there on is caught up.
    reached_watermark: bool = False
    # Pages whose bottom is older than the watermark, counted since the walk last turned out to
    # be above it (a page newer than the watermark under one that came down to it: `_came_down`).
    pages_past_watermark: int = 0
    # An entry listed in the watermark's own minute was walked: the story the watermark was
    # taken from, newest of the range a finished run walked, in the listing where it was.
    met_watermark_minute: bool = False
    # Where the walk started: page 1, or in a backfill with `until` the first page that reaches
    # it (`page_search`); `max_pages` counts the pages walked from there.
    first_page: int | None = None
    seen_pages_in_a_row: int = 0
    # The stream entries walked so far: a page of them all again is the same page served again.
    walked_ids: set[str] = field(default_factory=set)
    # Pages in a row that came no further down the stream: in an incremental run past the
    # default `max_pages` only, in a backfill from its first page (`STALLED_PAGES`).
    pages_without_progress: int = 0
    empty_retried: set[int] = field(default_factory=set)
    stop_reason: str | None = None
    # The URL of the listing page the walk stopped at, for a reason in STOPPED_AT_A_PAGE.
    stop_url: str | None = None
    # Why the listing page at `stop_url` failed, as the spider's log line says it after the
    # URL (`failed after 5 tries, paging stops here: HTTP 503`): the run's problem says it.
    failed_because: str | None = None

    def visit(self, page: int, entries: list[ListingEntry], url: str | None = None) -> Decision:
        """What to do after listing page number `page` (at `url`, named when the walk stops
        there) showed `entries`."""
        if self.first_page is None:
            self.first_page = page
        to_fetch: list[ListingEntry] = []
        bottom = page_bottom(entries)
        self.last_two_listed = (self.last_two_listed + self._first_listings(entries))[-2:]
        older_than_since = self._past_since(bottom)
        stream_ids = {e.article_id for e in entries if e.kind == "stream"}
        if self.watermark is not None and any(e.listed_at == self.watermark for e in entries):
            # Page 1's focus block included: it holds the section's newest stories, the one the
            # watermark was taken from among them while nothing newer came.
            self.met_watermark_minute = True
        moved_down = self._came_down(bottom, fresh=not stream_ids <= self.walked_ids)
        self.walked_ids |= stream_ids
        for entry in entries:
            if entry.listed_at is not None and (
                (self.newest_listed is None or entry.listed_at > self.newest_listed)
                and (self.latest_credible is None or entry.listed_at <= self.latest_credible)
            ):
                self.newest_listed = entry.listed_at
            window = self._window_position(entry)
            if window == "before":
                continue
            if window == "after":
                self._inc("outside_window")
                continue
            if self.is_stored(entry.article_id):
                self._inc("already_stored")
                continue
            if entry.article_id in self.requested:
                continue
            self.requested.add(entry.article_id)
            to_fetch.append(entry)

        # Page 1's picks come with the first page a backfill walks below page 1: they are taken
        # above, and say nothing of whether that page is empty.
        if not entries or (page > 1 and not any(e.kind == "stream" for e in entries)):
            if page not in self.empty_retried and page > 1:
                # An empty fragment in the middle of a live listing happens; ask once more
                # before taking it as the end.
                self.empty_retried.add(page)
                self._inc("empty_page_retried")
                return Decision(to_fetch, page)
            # A backfill whose window is older than anything listed starts past the end (the
            # search found it) and meets no stream entry: the end, not a listing broken off.
            past_the_end = self.args.is_backfill and self.oldest_listed is None
            last = self.last_two_listed[-1] if self.last_two_listed else None
            if self.watermark is not None and last is not None and last <= self.watermark:
                # The listing's last story is at or under the watermark: nothing is listed
                # under it, though its page came down no further (its oldest story taken off).
                self.came_to_watermark = True
            if self.watermark is not None and not self.came_to_watermark and not past_the_end:
                return self._stop(to_fetch, BROKE_OFF, url)
            return self._stop(to_fetch, END_OF_LISTING)
        if older_than_since:
            return self._stop(to_fetch, REACHED_SINCE)
        if self.args.is_backfill:
            # A backfill has no max_pages by default, nor a watermark to reach: it ends at
            # `since` or the end of the listing, which a site serving one page again and again
            # never shows it.
            self.pages_without_progress = 0 if moved_down else self.pages_without_progress + 1
            if self.pages_without_progress >= STALLED_PAGES:
                return self._stop(to_fetch, STUCK, url)
        else:
            if not to_fetch and self._joined_up():
                self.seen_pages_in_a_row += 1
            else:
                self.seen_pages_in_a_row = 0
            if self.seen_pages_in_a_row >= self.args.stop_after_seen_pages:
                return self._stop(to_fetch, CAUGHT_UP)
        if self.args.max_pages is not None and page - self.first_page + 1 >= self.args.max_pages:
            if not self.args.is_backfill:  # a backfill's are counted from its first page
                self.pages_without_progress = 0 if moved_down else self.pages_without_progress + 1
            short = self._short_of_watermark()
            if short and (moved_down or self.pages_without_progress == 1):
                # Past the default max_pages, towards the watermark, while the listing's times
                # come further down the stream than any before, or as far with stories not
                # walked yet (a listing without times, or one that serves the same page again,
                # gets no further). One page that came no further is given the next: stories
                # published while the run paged push what it walked down onto the next page,
                # which then shows it all again.
                self._inc("catch_up_pages")
            elif short:
                # The listing's times stopped coming down, which a listing whose layout
                # changed does on every run.
                return self._stop(to_fetch, STUCK, url)
            else:
                return self._stop(to_fetch, MAX_PAGES)
        return Decision(to_fetch, page + 1)

    def _first_listings(self, entries: list[ListingEntry]) -> list[dt.datetime]:
        """The times of the page's timed stream entries not walked before, in listing order.

        A story the site lists twice keeps its time at its second listing, lower down, where
        it is out of order: at the very end of the listing, taken as the listing's last story,
        it would say the listing ends above the watermark (a listing broken off, every run)
        and that the walk came down no further than it (`walked_down_to`)."""
        walked, times = set(self.walked_ids), []
        for entry in entries:
            if entry.kind != "stream" or entry.listed_at is None:
                continue
            if entry.article_id not in walked:
                times.append(entry.listed_at)
            walked.add(entry.article_id)
        return times

    def _joined_up(self) -> bool:
        """True when the walk has joined up with what the runs before it stored: it reached
        the watermark (`reached_watermark`), and either walked the story the watermark was
        taken from (an entry listed in its minute, this page or one above), or a second page
        in a row came down past it.

        Old stories moved back up together with their old times can come down, in order, to
        the bottom of a page above the watermark's story, new stories above them: the page
        looks past the watermark. When a run killed part-way stored that page's new stories,
        it is all seen, and taken as caught up the walk would stop there, above the stories
        the killed run never fetched (the page under it, newer than the watermark, is what
        shows it: `_came_down`). The watermark's story is listed where the stream crosses
        the watermark: a page holding it, or a second page past it, is the stream."""
        return self.reached_watermark and (
            self.met_watermark_minute or self.pages_past_watermark > 1
        )

    def _came_down(self, bottom: dt.datetime | None, fresh: bool) -> bool:
        """Note how far down the stream this page goes, by its `bottom` (`page_bottom`); True
        when that is further down than any page before, or as far down with stream entries
        not walked before (`fresh`): a minute can hold more stories than a page, and the pages
        under the first of them come down no further, yet they are new pages, not the same
        one served again.

        A bottom at the watermark does not reach it: listing times are minutes, and more
        stories of the watermark's minute, one never stored among them, can open the next page
        (the site orders a minute's stories any way). Only a bottom older than the watermark
        says nothing listed under it is of that minute."""
        if bottom is None:
            return False
        if self.watermark is not None and bottom > self.watermark and self.came_to_watermark:
            # A page under one that came down to the watermark is newer than it: that page's
            # bottom was stories out of order (old ones moved up that came down together to
            # it), not the stream. The walk has come down to here, and goes on.
            self.came_to_watermark = self.reached_watermark = False
            self.pages_past_watermark = 0
            self.oldest_listed = bottom
            return True
        if self.watermark is not None and bottom <= self.watermark:
            self.came_to_watermark = True
        if self.watermark is not None and bottom < self.watermark:
            self.reached_watermark = True
            self.pages_past_watermark += 1
        if self.oldest_listed is None or bottom < self.oldest_listed:
            self.oldest_listed = bottom
            return True
        return fresh and bottom == self.oldest_listed

    @property
    def walked_down_to(self) -> dt.datetime | None:
        """How far down the listing the walk came, for the run record: the oldest bottom of
        its pages (`oldest_listed`). At the end of the listing, the last page can hold a
        single story, its bottom that story's time; once new stories move it down with
        another above it, the last page's bottom is that other's: the walk of the next run,
        down to this, would never come down to it, and take the listing's end for a listing
        broken off. So there it is the later of the last two stories listed (each at its first
        listing), which the last page of any later listing comes down to."""
        if self.stop_reason == END_OF_LISTING and len(self.last_two_listed) == 2:
            # The walk came to the end: every story down to these is walked. Not before the
            # bottom of the last page with times, but for a story listed again at its end,
            # out of order there (`_first_listings`), which that bottom can be.
            return max(self.last_two_listed)
        return self.oldest_listed

    def _past_since(self, bottom: dt.datetime | None) -> bool:
        """True when this page's `bottom` (`page_bottom`) is older than `since`.

        An editor's pick in the focus block can be days old, and so can one stream entry (see
        `page_bottom`). Either, taken as the stream reaching back past `since`, would end a
        backfill above the stories of its window listed below it."""
        if self.args.since is None or bottom is None:
            return False
        return vietnam_date(bottom) < self.args.since

    def listing_failed(
        self, reason: str = LISTING_FAILED, url: str | None = None, why: str | None = None
    ) -> None:
        """A listing page (at `url`) could not be fetched (after every retry, or robots.txt
        forbids it or could not be fetched) or read: the walk ends there; `why`, said after
        the page's URL, is noted for the run's problem (`failed_because`)."""
        self._end(reason, url)
        self.failed_because = why

    def _short_of_watermark(self) -> bool:
        """True when the walk has a watermark to reach, has not reached it, and pages under the
        default `max_pages` (one given as an argument is a hard limit): past it, the walk goes
        on while the listing comes down, and is stuck when it stops coming down."""
        return (
            self.watermark is not None
            and not self.reached_watermark
            and not self.args.max_pages_given
        )

    def covered_to_watermark(self) -> bool:
        """True when this run joined up with what earlier finished runs stored."""
        if self.watermark is None:
            # No run has finished yet: what this one walked is the first coverage.
            return self.stop_reason in (MAX_PAGES, END_OF_LISTING, REACHED_SINCE, CAUGHT_UP)
        # A listing that ends (or a run that stops) above the watermark left what lies between
        # unvisited: the watermark stays, and the next run walks down to it again. One that
        # stops on a page at the watermark's minute (a `max_pages` given) left the rest of that
        # minute unvisited; one that ends under that page left nothing.
        if self.stop_reason == END_OF_LISTING:
            return self.came_to_watermark
        return self.reached_watermark

    def _window_position(self, entry: ListingEntry) -> str:
        if entry.listed_at is None:
            return "inside"
        day = vietnam_date(entry.listed_at)
        if self.args.since is not None and day < self.args.since:
            return "before"
        if self.args.until is not None and day > self.args.until:
            return "after"
        return "inside"

    def _stop(self, to_fetch: list[ListingEntry], reason: str, url: str | None = None) -> Decision:
        self._end(reason, url)
        return Decision(to_fetch, None, reason)

    def _end(self, reason: str, url: str | None) -> None:
        """The walk stops for `reason`; at the page `url` when the reason names one."""
        self.stop_reason = reason
        self.stop_url = url if reason in STOPPED_AT_A_PAGE else None

    def _inc(self, event: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newsscraper/spider/{event}")
