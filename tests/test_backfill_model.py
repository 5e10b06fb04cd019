"""Backfills (`-a since=…`, `-a until=…`) over a generated listing, against a model.

The listing holds still while the backfill pages through it: stories newest first in pages of
one size, a minute's stories in any order, at most one old story moved back up near the top
(its old time kept), and editors' picks in page 1's focus block. The backfill is driven as
`CafefSpider.parse_probe` and `parse` drive `FirstPageSearch` and `ListingWalk` (the sequence
lives in the spider's callbacks, so `backfill` below repeats it call for call), and what the
README promises of a backfill is checked: every story of the window not stored yet fetched
once, nothing else, the documented stop reason, and the listing pages it costs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st
from page_bottom import page_bottom
from past_the_end import answers, past_the_end

from newsscraper.crawl_args import CrawlArguments
from newsscraper.listing_walk import (
    END_OF_LISTING,
    REACHED_SINCE,
    STALLED_PAGES,
    STUCK,
    ListingWalk,
)
from newsscraper.page_search import FirstPageSearch
from newsscraper.pages.dates import vietnam_date
from newsscraper.pages.section import ListingEntry

VN = dt.timezone(dt.timedelta(hours=7))
# Vietnam midnight, 17:00 UTC: minute 0 of the model opens 2026-03-07 in Vietnam.
MIDNIGHT = dt.datetime(2026, 3, 7, 0, 0, tzinfo=VN)
DAY = 24 * 60


def minute(n: int) -> dt.datetime:
    return MIDNIGHT + dt.timedelta(minutes=n)


def day_of(n: int) -> dt.date:
    return vietnam_date(minute(n))


@dataclass
class Site:
    """The section's listing, newest first (story ids and their listing minutes), its pages,
    and page 1's focus block."""

    order: list[int]
    minutes: dict[int, int]
    page_size: int
    moved: int | None = None  # an old story moved back up, its old minute kept
    picks: list[int] = field(default_factory=list)  # page 1's focus block
    asked: list[int] = field(default_factory=list)  # the listing pages asked for, in order
    # Stories published at the top before each listing request (the listing moving down).
    arrivals: list[int] = field(default_factory=list)
    published: list[int] = field(default_factory=list)  # those before each request, in order
    answer: str = "empty"  # what a page past the end shows (`past_the_end`)

    def pages(self) -> int:
        return -(-len(self.order) // self.page_size)

    def stream(self, number: int) -> list[int]:
        start = (number - 1) * self.page_size
        return self.order[start : start + self.page_size]

    def page(self, number: int) -> list[ListingEntry]:
        assert len(self.asked) <= 4 * (self.pages() + 2) + 10, self.asked  # no endless paging
        self.published.append(self.arrivals.pop(0) if self.arrivals else 0)
        for _ in range(self.published[-1]):
            story = max(self.minutes, default=0) + 1
            self.minutes[story] = max((self.minutes[i] for i in self.order), default=0) + 1
            self.order.insert(0, story)
        self.asked.append(number)
        focus = [self.entry(i, "focus") for i in self.picks] if number == 1 else []
        stream = self.stream(number)
        if number > self.pages():
            stream = past_the_end(self.answer, self.order, self.page_size)
        return focus + [self.entry(i, "stream") for i in stream]

    def entry(self, story: int, kind: str) -> ListingEntry:
        return ListingEntry(
            article_id=str(story),
            url=f"https://cafef.vn/bai-{story}.chn",
            title=f"Bài {story}",
            listed_at=minute(self.minutes[story]),
            kind=kind,
        )

    def top_day(self, number: int, leaving_out: int | None = None) -> dt.date:
        """The oldest day page `number`'s main list holds (what `page_search.reaches` reads),
        but for story `leaving_out`; past the end, the day after every story's."""
        days = [day_of(self.minutes[i]) for i in self.stream(number) if i != leaving_out]
        return min(days) if days else dt.date.max if number <= self.pages() else dt.date.min

    def page_of(self, story: int | None) -> int | None:
        return None if story is None else self.order.index(story) // self.page_size + 1

    def bottom(self, number: int) -> int | None:
        """How far down page `number` goes, as the README defines it (`page_bottom`)."""
        return page_bottom([self.minutes[i] for i in self.stream(number)])

    def bottom_day(self, number: int) -> dt.date | None:
        bottom = self.bottom(number)
        return None if bottom is None else day_of(bottom)


def in_window(day: dt.date, args: CrawlArguments) -> bool:
    return (args.since is None or day >= args.since) and (args.until is None or day <= args.until)


def backfill(site: Site, args: CrawlArguments, stored: set[str], watermark) -> tuple:
    """The backfill as the spider runs it: `start` then `parse_probe` (with `until`), `parse`
    for each page walked. Returns the walk, the ids fetched in order, and the search."""
    walk = ListingWalk(
        args=args,
        is_stored=stored.__contains__,
        watermark=watermark,
        latest_credible=minute(10 * DAY),
    )
    fetched: list[str] = []
    walk.visits = []  # the pages the walk was shown, in order

    def parse(page, focus=None, entries=None):
        while page is not None:
            walk.visits.append(page)
            if entries is None:
                entries = site.page(page)
            decision = walk.visit(page, [*(focus or []), *entries])
            fetched.extend(e.article_id for e in decision.to_fetch)
            page, focus, entries = decision.next_page, None, None

    if args.until is None:
        parse(1)
        return walk, fetched, None
    search = FirstPageSearch(until=args.until)
    search_focus, hit, probe = [], None, 1
    while probe is not None:
        entries = site.page(probe)
        if probe == 1:
            search_focus = [e for e in entries if e.kind == "focus"]
        search.record(probe, entries)
        if search.above_stalled:  # the spider walks from page 1 (`CafefSpider.parse_probe`)
            parse(1)
            return walk, fetched, search
        if search.above == probe:
            hit = entries
        probe = search.next_probe()
    found = search.found
    focus = search_focus if found > 1 else None
    if search.above_is_empty:
        walk.empty_retried.add(found)
    if not search.found_is_current:
        parse(found, focus=focus)
        return walk, fetched, search
    parse(found, focus=focus, entries=hit)
    return walk, fetched, search


@st.composite
def listings(draw) -> Site:
    size = draw(st.integers(0, 30))
    # Gaps in minutes: ties, a few minutes, hours, a day and more; "midnight" goes down to
    # the Vietnam midnight (17:00 UTC) just before, "eve" to the minute before it.
    gaps = draw(
        st.lists(
            st.sampled_from([0, 0, 0, 1, 7, 90, 600, DAY, 3 * DAY, "midnight", "eve"]),
            min_size=size,
            max_size=size,
        )
    )
    minutes, at = {}, draw(st.sampled_from([0, 1, 300, DAY - 1, 2 * DAY + 17]))
    for story, gap in enumerate(gaps, 1):
        if gap == "midnight":
            at = (at - 1) // DAY * DAY
        elif gap == "eve":
            at = (at - 1) // DAY * DAY - 1
        else:
            at -= gap
        minutes[story] = at
    rnd = draw(st.randoms(use_true_random=False))
    # The site orders a minute's stories any way.
    order = sorted(minutes, key=lambda s: (-minutes[s], rnd.random()))
    site = Site(order, minutes, page_size=draw(st.integers(2, 5)), answer=draw(answers))
    if len(order) >= 3 and draw(st.booleans()):
        # One old story moved back up near the top, its old minute kept. Not the listing's
        # last: a last page of that story alone would be a bottom (its only entry's).
        place = draw(st.integers(1, len(order) - 2))
        story = order.pop(place)
        order.insert(draw(st.integers(0, min(place - 1, 2 * site.page_size))), story)
        site.moved = story
    for _ in range(draw(st.integers(0, 3))):
        # An editor's pick: a story of the stream, or one listed nowhere else, days old.
        if order and draw(st.booleans()):
            site.picks.append(draw(st.sampled_from(order)))
        else:
            story = 1000 + len(site.picks)
            minutes[story] = draw(st.integers(-8 * DAY, 2 * DAY))
            site.picks.append(story)
    return site


@st.composite
def windows(draw, site: Site) -> CrawlArguments:
    days = [day_of(m) for m in site.minutes.values()] or [day_of(0)]
    low, high = min(days) - dt.timedelta(days=2), max(days) + dt.timedelta(days=2)
    span = (high - low).days
    kind = draw(st.sampled_from(["since", "until", "both", "one day"]))
    since = low + dt.timedelta(days=draw(st.integers(0, span)))
    until = low + dt.timedelta(days=draw(st.integers(0, span)))
    if kind == "one day":
        until = since
    elif kind == "both":
        since, until = min(since, until), max(since, until)
    raw = {}
    if kind != "until":
        raw["since"] = since.isoformat()
    if kind != "since":
        raw["until"] = until.isoformat()
    return CrawlArguments.parse(raw, default_max_pages=20)


@given(data=st.data())
def test_a_backfill_fetches_its_window_once_and_walks_only_the_pages_it_needs(data):
    site = data.draw(listings())
    args = data.draw(windows(site))
    everything = sorted(str(i) for i in site.minutes)
    stored = set(data.draw(st.lists(st.sampled_from(everything or ["0"]), unique=True)))
    genuine = [m for i, m in site.minutes.items() if i in site.order and i != site.moved]
    watermark = minute(data.draw(st.sampled_from(genuine))) if genuine else None
    if data.draw(st.booleans()):
        watermark = None  # no incremental run has recorded one yet

    walk, fetched, search = backfill(site, args, stored, watermark)

    # Every story listed in the window (the main list's, and page 1's picks: the window
    # decides which are fetched) not stored yet, once; nothing else.
    listed = set(site.order) | set(site.picks)
    window = {str(i) for i in listed if in_window(day_of(site.minutes[i]), args)}
    expected = window - stored

    # Where the walk starts: page 1, or with `until` the first page whose main list holds a
    # story listed on or before it (past the end: the page after the last).
    pages = site.pages()
    start = 1
    # Past the end, the items of page 1 or of the last page again: the search's probes there
    # can stall, and the backfill walks the listing from page 1 (README, "Backfills").
    again = site.answer in ("page 1", "last page") and pages > 0
    stalled = search is not None and search.above_stalled
    assert again or not stalled, site.asked
    if args.until is not None and not stalled:
        reaching = (n for n in range(1, pages + 1) if site.top_day(n) <= args.until)
        start = next(reaching, pages + 1)
        if start == site.page_of(site.moved) and search.found > start:
            # README, "Backfills": an old story moved back up the list, above the window's
            # pages, is read only on a page the search probes. Not probed, the walk starts on
            # the window's first page, and that story is not fetched (incremental runs fetch
            # it at the top of the list), unless it is also one of page 1's picks, which the
            # walk reads with page 1 or is given when it starts below it.
            start = next(
                n for n in range(1, pages + 2) if site.top_day(n, site.moved) <= args.until
            )
            if site.moved not in site.picks:
                expected.discard(str(site.moved))
    # Where it stops: the first page from there whose bottom is older than `since`, or the end
    # of the listing (an empty page, asked for twice but when the search read it twice).
    stop = next(
        (
            n
            for n in range(start, pages + 1)
            if args.since is not None and site.bottom_day(n) < args.since
        ),
        None,
    )
    assert sorted(fetched) == sorted(expected)
    last = max(pages, 1 if site.picks else 0)  # page 1 holds picks even with no stream
    if stop is not None:
        visits, reason = list(range(start, stop + 1)), REACHED_SINCE
    elif start > last:
        visits, reason = [start], END_OF_LISTING
    elif again:
        # Items walked again past the end: the third such page in a row ends the walk, stuck.
        # Page 1's items, the first time, can be a page that comes down (one page more): newer
        # than the watermark after a page that came down to it, "a page the walk had not come
        # down to"; or, for a walk that started below page 1, "stories not walked yet of the
        # minute the page before came down to" (README, "The watermark").
        lowest = min(minute(site.bottom(n)) for n in range(start, pages + 1))
        top = minute(site.bottom(1))
        more = site.answer == "page 1" and (
            (watermark is not None and lowest <= watermark < top) or (start > 1 and top == lowest)
        )
        visits, reason = [*range(start, last + 1 + STALLED_PAGES + more)], STUCK
    else:
        visits, reason = [*range(start, last + 1), last + 1, last + 1], END_OF_LISTING
    assert (walk.visits, walk.stop_reason) == (visits, reason)
    if search is None:
        assert site.asked == visits
        return
    probes, rest = site.asked[: search.probes], site.asked[search.probes :]
    if stalled:
        # Galloping past the end, the STALLED_PAGES-th probe there that came no further down
        # (the first, the last page's items, can come further down than the probe before).
        assert rest == visits
        assert len(probes) <= pages.bit_length() + STALLED_PAGES + 1, probes
        return
    assert search.found == start
    # The found page is read again when the search read it before the page above it (past
    # the end too); the walk starts on the search's own response otherwise.
    assert rest == (visits[1:] if search.found_is_current else visits)
    # "About 2·log2 of its depth": galloping to twice the page, bisecting back; an empty
    # page asked for twice.
    assert len(probes) <= 2 * start.bit_length() + len(search.empty_retried), (probes, start)


def test_an_old_story_moved_up_onto_a_page_the_search_skips_is_not_fetched():
    """The documented limit the model allows: pages 1, 2, 4, 8 are probed, and the story
    of 6 March moved up onto page 3 is on none of them."""
    minutes = {i: 0 for i in range(1, 13)} | {i: -DAY for i in range(13, 17)}
    order = [1, 2, 3, 4, 13, *range(5, 13), 14, 15, 16]
    site = Site(order=order, minutes=minutes, page_size=2, moved=13)
    args = CrawlArguments.parse({"until": "2026-03-06"}, default_max_pages=20)
    walk, fetched, search = backfill(site, args, set(), None)
    assert (site.asked, search.found) == ([1, 2, 4, 8, 6, 7, 8, 9, 9], 7)
    assert (fetched, walk.stop_reason) == (["14", "15", "16"], END_OF_LISTING)


@given(data=st.data())
def test_stories_published_while_a_backfill_pages_leave_no_story_of_its_window_unfetched(data):
    """New stories push every entry down the pages between two listing requests: the
    search's found page read again, and the walk's pages, still hold the window."""
    site = data.draw(listings())
    args = data.draw(windows(site))
    site.arrivals = data.draw(st.lists(st.sampled_from([0, 0, 1, 2, 5]), max_size=12))
    before = {i: m for i, m in site.minutes.items() if i != site.moved}
    stored = set(data.draw(st.lists(st.sampled_from(sorted(map(str, before)) or ["0"]))))

    walk, fetched, _ = backfill(site, args, stored, None)

    listed = set(site.order) | set(site.picks)
    window = {str(i) for i in listed if in_window(day_of(site.minutes[i]), args)}
    missed = {str(i) for i in before if in_window(day_of(before[i]), args)} - stored - {*fetched}
    # Once each, nothing stored or outside the window.
    assert (len(fetched), set(fetched) - (window - stored)) == (len(set(fetched)), set())
    if walk.stop_reason == STUCK:
        if site.answer not in ("page 1", "last page"):
            # README, "Backfills": STALLED_PAGES pages in a row that came no further down, what
            # stories published while it pages do only when there are pages of them between
            # its requests (more than a page in all: the site's page holds about 20).
            assert sum(site.published[1:]) > (STALLED_PAGES - 2) * site.page_size
        # "Were it to happen, the same backfill run again fetches the rest."
        site.arrivals, site.asked = [], []
        _, rest, _ = backfill(site, args, stored | {*fetched}, None)
        assert (missed - {*rest}, {*rest} & {*fetched}) == (set(), set())
        return
    # None of the window listed when it started missed (but the old story moved up: see the
    # test above).
    assert missed == set()
    assert walk.stop_reason in (END_OF_LISTING, REACHED_SINCE)
