"""Successive incremental runs over a listing that changes between them, against a model.

Each run starts from the run records the runs before it wrote (`runs.watermark_to_reach`), walks
the listing as it stands then, stores what it was told to fetch and writes its record as
`RunRecordExtension` does (`next_watermark`, `walked_down_to`, `stop_reason`). What the
README and DATA_FORMAT.md promise of those runs is checked over every generated history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st
from page_bottom import page_bottom
from past_the_end import answers, past_the_end

from newsscraper.crawl_args import CrawlArguments
from newsscraper.listing_walk import BROKE_OFF, STALLED_PAGES, STUCK, ListingWalk
from newsscraper.page_search import FirstPageSearch
from newsscraper.pages.section import ListingEntry
from newsscraper.runs import RunRecordExtension, watermark_to_reach

VN = dt.timezone(dt.timedelta(hours=7))
SECTION = "doanh-nghiep"
START = dt.datetime(2026, 3, 7, 8, 0, tzinfo=VN)


def minute(n: int) -> dt.datetime:
    return START + dt.timedelta(minutes=n)


@dataclass
class Site:
    """The section's listing, newest first: story ids, each with its listing minute."""

    order: list[int]
    minutes: dict[int, int]
    page_size: int
    # Stories moved back to the top with their old time: listed out of order.
    moved: set[int] = field(default_factory=set)
    answer: str = "empty"  # what a page past the end shows (`past_the_end`)

    def pages(self) -> int:
        return -(-len(self.order) // self.page_size)

    def page(self, number: int) -> list[ListingEntry]:
        start = (number - 1) * self.page_size
        stream = self.order[start : start + self.page_size]
        if number > self.pages():
            stream = past_the_end(self.answer, self.order, self.page_size)
        return [self.entry(i) for i in stream]

    def entry(self, story: int) -> ListingEntry:
        return ListingEntry(
            article_id=str(story),
            url=f"https://cafef.vn/bai-{story}.chn",
            title=f"Bài {story}",
            listed_at=minute(self.minutes[story]),
            kind="stream",
        )

    def bottom(self, number: int) -> int | None:
        """How far down the page goes, as the docs define it (`page_bottom`)."""
        return page_bottom(
            [self.minutes[i] for i in self.order[(number - 1) * self.page_size :][: self.page_size]]
        )


@dataclass
class Runs:
    """What the runs have done so far: stored ids and their records, newest first."""

    stored: set[str] = field(default_factory=set)
    records: list[dict] = field(default_factory=list)
    reached: list[dt.datetime] = field(default_factory=list)  # each run's watermark to reach
    last_reached: dt.datetime | None = None

    def check_whole_listing(self, site: Site) -> None:
        """The last record's stop reason is not one of a broken listing's (`site` is whole).

        But for what the docs' rule cannot tell from a listing broken off, as the listing then
        does end before the watermark: every story listed at or under it taken off, or but
        one out of order, moved back to the top (one entry alone is no bottom:
        listing_walk.page_bottom)."""
        reason = self.records[0]["stop_reason"]
        if reason == BROKE_OFF and self.last_reached is not None:
            under = [i for i in site.order if minute(site.minutes[i]) <= self.last_reached]
            if set(under) <= site.moved:
                return
        if (
            site.answer in ("page 1", "last page")
            and self.records[0]["listing_pages"] > site.pages()
        ):
            # Items walked again past the end: "the same page again", stuck (README).
            assert reason != BROKE_OFF, self.records[0]
            return
        assert reason not in (BROKE_OFF, STUCK), self.records[0]

    def run(
        self,
        site: Site,
        args: CrawlArguments,
        killed_after: int | None = None,
        before_page: dict[int, Callable[[], None]] | None = None,
        clock: dt.datetime | None = None,
    ) -> dict:
        """One run over `site` as it stands: the record it writes (None when killed).
        `before_page`: what happens to the site just before the walk reads that page; `clock`:
        the run's clock (by default, the newest story's minute ever listed: a clock does not go
        back when the top story is taken off)."""
        clock = clock or minute(max(site.minutes.values(), default=0))
        watermark = self.last_reached = watermark_to_reach(self.records, SECTION, clock)
        if watermark is not None:
            self.reached.append(watermark)
        walk = ListingWalk(
            args=args,
            is_stored=self.stored.__contains__,
            watermark=watermark,
            latest_credible=clock,
        )
        page, visits, fetched = 1, 0, []
        if args.until is not None:
            # A backfill with `until` starts on the first page that reaches it (page_search).
            search = FirstPageSearch(until=args.until)
            while (probe := search.next_probe()) is not None:
                # The search ends: past the end, an empty page or STALLED_PAGES stalled probes.
                assert search.probes <= 4 * (site.pages() + 2).bit_length() + STALLED_PAGES
                search.record(probe, site.page(probe))
            # Probes that stalled past the end: the walk starts on page 1 (`parse_probe`).
            page = 1 if search.above_stalled else search.found
            if search.above_is_empty:
                walk.empty_retried.add(page)
        while page is not None:
            if killed_after is not None and visits == killed_after:
                break
            visits += 1
            (before_page or {}).get(page, lambda: None)()
            # The walk ends within the listing: its pages, and an empty one asked for twice
            # (and once more, filled by a story published while it pages); past the end, items
            # walked again, STALLED_PAGES of them.
            again = (STALLED_PAGES - 1) * (site.answer in ("page 1", "last page"))
            assert visits <= max(site.pages(), args.max_pages or 0) + 3 + again, visits
            decision = walk.visit(page, site.page(page))
            asked = [e.article_id for e in decision.to_fetch]
            already = [i for i in asked if i in self.stored or i in fetched]
            assert already == [], f"page {page} asks for stored stories"
            fetched += asked
            page = decision.next_page
        if killed_after is not None and page is not None:
            # Killed: what it fetched may be stored, no record is written.
            self.stored.update(fetched[: killed_after % (len(fetched) + 1)])
            return None
        self.stored.update(fetched)
        stats = SimpleNamespace(get_value=lambda key, default=0: default)
        record = {
            "run_id": f"run-{len(self.records) + 1}",
            "section": SECTION,
            "mode": "backfill" if args.is_backfill else "incremental",
            "run_number": len(self.records) + 1,
            "stop_reason": walk.stop_reason,
            "listing_pages": visits,
            "watermark": RunRecordExtension.next_watermark(
                SimpleNamespace(stats=stats), walk, args, "finished"
            ),
            "walked_down_to": walk.walked_down_to,
            "pending_articles": {},
        }
        self.records.insert(0, record)
        return record


@st.composite
def listings(draw) -> Site:
    size = draw(st.integers(0, 24))
    gaps = draw(st.lists(st.sampled_from([0, 0, 1, 2, 5]), min_size=size, max_size=size))
    minutes, at = {}, 1000
    for story, gap in enumerate(gaps, 1):
        at -= gap
        minutes[story] = at
    rnd = draw(st.randoms(use_true_random=False))
    # The site orders a minute's stories any way.
    order = sorted(minutes, key=lambda s: (-minutes[s], rnd.random()))
    return Site(order, minutes, page_size=draw(st.integers(2, 5)), answer=draw(answers))


events = st.one_of(
    st.tuples(st.just("publish"), st.integers(1, 6), st.sampled_from([0, 0, 1, 3])),
    st.tuples(st.just("move"), st.integers(0, 40), st.just(0)),
    st.tuples(st.just("remove"), st.integers(0, 40), st.just(0)),
    st.tuples(st.just("killed"), st.integers(0, 4), st.just(0)),
    st.tuples(st.just("run"), st.just(0), st.just(0)),
    # A run given `-a max_pages=N`: a hard limit, which can stop it above the watermark.
    st.tuples(st.just("limited"), st.integers(1, 3), st.just(0)),
    # A run while a story is published in the newest minute (0), or the one after (1).
    st.tuples(st.just("run_publishing"), st.integers(2, 5), st.sampled_from([0, 0, 1])),
    # A backfill (`BACKFILLS`), the top story taken off while it pages (1) or not (0).
    st.tuples(st.just("backfill"), st.integers(0, 3), st.integers(0, 1)),
)
# Windows over the model's two days, 7 and 8 March (minute 960 is Vietnam midnight).
BACKFILLS = (
    {"until": "2026-03-07"},
    {"since": "2026-03-08"},
    {"since": "2026-03-07", "until": "2026-03-07"},
    {"since": "2026-03-08", "until": "2026-03-08"},
)


def once(action: Callable[[], None]) -> Callable[[], None]:
    """`action`, done the first time only (a page asked for again does not repeat it)."""
    done = []
    return lambda: done or done.append(action())


def top_taken_off_at_second_page(site: Site) -> Callable[[], None]:
    """What happens to `site` before each page a walk reads: the top story is taken off before
    the second."""
    read = []

    def before_page() -> None:
        read.append(None)
        if len(read) == 2 and len(site.order) > 1:
            site.order.pop(0)

    return before_page


def publish(site: Site, count: int, later: int, rnd) -> None:
    """`count` new stories at the top, `later` minutes after the newest ever listed (0: in
    its minute, placed among its stories any way; never before it, which is a story listed
    late with an earlier time, a backfill's to store)."""
    at = max(site.minutes.values(), default=1000) + later
    block = 0
    while block < len(site.order) and site.minutes[site.order[block]] == at:
        block += 1
    for _ in range(count):
        story = max(site.minutes, default=0) + 1
        site.minutes[story] = at
        site.order.insert(rnd.randint(0, block), story)
        block += 1


@given(
    site=listings(),
    history=st.lists(events, max_size=12),
    default_max_pages=st.integers(1, 6),
    stop_after=st.integers(1, 2),
    rnd=st.randoms(use_true_random=False),
)
def test_successive_runs_over_a_changing_listing_keep_what_the_docs_promise(
    site, history, default_max_pages, stop_after, rnd
):
    args = CrawlArguments.parse(
        {"stop_after_seen_pages": str(stop_after)}, default_max_pages=default_max_pages
    )
    runs = Runs()
    moved_since_first_record = set()
    for kind, number, later in history:
        if kind == "publish":
            publish(site, number, later, rnd)
        elif kind == "move" and site.order and not site.moved:
            # One story out of order at most: a page's bottom is the oldest time two of its
            # entries reach, which one old story moved back to the top does not change, two
            # on one page do (listing_walk.page_bottom).
            story = site.order.pop(number % len(site.order))
            site.order.insert(0, story)
            site.moved.add(story)
            if any(r["watermark"] for r in runs.records):  # not a backfill's record alone
                moved_since_first_record.add(story)
        elif kind == "remove" and len(site.order) > 1:
            site.order.pop(number % len(site.order))
        elif kind == "killed":
            runs.run(site, args, killed_after=number)
        elif kind == "run":
            runs.run(site, args)
        elif kind == "limited":
            raw = {"stop_after_seen_pages": str(stop_after), "max_pages": str(number)}
            runs.run(site, CrawlArguments.parse(raw, default_max_pages=default_max_pages))
        elif kind == "run_publishing":
            # A story published while the run pages, before it reads page `number` (once).
            runs.run(site, args, before_page={number: once(partial(publish, site, 1, later, rnd))})
        elif kind == "backfill":
            window = CrawlArguments.parse(BACKFILLS[number], default_max_pages=default_max_pages)
            during = dict.fromkeys(range(site.pages() + 3), top_taken_off_at_second_page(site))
            runs.run(site, window, before_page=during if later else None)
        if kind in ("run", "limited", "run_publishing"):
            runs.check_whole_listing(site)

    # Quiet runs: the listing holds still.
    for _ in range(3):
        runs.run(site, args)
        runs.check_whole_listing(site)

    # The watermark a run walks down to never moves back, nor the section's (the largest
    # recorded). A run's own can be older than the newest: the top story taken off, its walk
    # tops at the next.
    assert runs.reached == sorted(runs.reached)

    # Nothing listed is lost, but the documented exception: the first run to record a
    # watermark walks to max_pages, not the whole archive ("On an empty dataset a run stops at
    # max_pages"): what is listed under where it stopped is a backfill's.
    first = next((r for r in reversed(runs.records) if r["watermark"] is not None), None)
    archive = minute(-1) if first is None else first["walked_down_to"]
    lost = [
        story
        for story in site.order
        if str(story) not in runs.stored
        and not (minute(site.minutes[story]) < archive and story not in moved_since_first_record)
    ]
    assert lost == []

    # Caught up and quiet: the last run walks down to the first page whose bottom is older
    # than the newest watermark (page 1, or one more when page 1 comes down exactly to it),
    # and one more when nothing of the watermark's minute is listed down to there (its story
    # taken off), then `stop_after_seen_pages` pages in all past the watermark; or to the
    # listing's end.
    last = runs.records[0]
    # The watermark it walked down to: the newest, but after the top story was taken off,
    # when the runs since recorded the next one, until a newer story is listed.
    newest = runs.last_reached or minute(-1)
    reached = next((n for n in range(1, site.pages() + 1) if minute(site.bottom(n)) < newest), None)
    if not site.order:
        expected = 1
    elif reached is None:
        expected = site.pages() + 2
    else:
        above = site.order[: reached * site.page_size]
        joined = reached + (not any(minute(site.minutes[i]) == newest for i in above))
        # Past the watermark, max_pages stops it too (it gives way only while catching up).
        stop = min(joined + stop_after - 1, max(default_max_pages, reached))
        expected = stop if stop <= site.pages() else site.pages() + 2
    if site.order and expected > site.pages() and site.answer in ("page 1", "last page"):
        # Past the end, items walked again: what an all-seen page past the watermark or
        # max_pages stops, or the same page again, stuck (README, "The watermark").
        assert last["stop_reason"] in ("caught_up", "max_pages", STUCK), last
        return
    assert last["listing_pages"] == expected, (last, reached)


def recorded_at_899(stored: set[str]) -> Runs:
    """Runs with `stored`, after the first record (at minute 870, walked down to 860) and two
    of the watermark at minute 899 (walked down to 870): the next runs walk down to 899."""
    runs = Runs(stored=stored)
    for n, mark, walked in ((1, 870, 860), (2, 899, 870), (3, 899, 870)):
        runs.records.insert(
            0,
            {
                "run_id": f"run-{n}",
                "section": SECTION,
                "run_number": n,
                "watermark": minute(mark),
                "walked_down_to": minute(walked),
                "pending_articles": {},
            },
        )
    return runs


def test_a_story_taken_off_above_a_page_boundary_while_a_run_pages_is_fetched_by_the_next():
    # Stories 1-9 published since the runs that recorded the watermark at minute 900 (a
    # minute apart, newest first); the old ones under it are stored. While the run pages, a
    # story of page 1 is taken off: story 7, first of page 3, moves up to page 2's bottom
    # after page 2 was read, and is in none of the pages the run reads.
    minutes = {s: 1000 - s for s in range(1, 10)} | {s: 900 - s for s in range(10, 22)}
    site = Site(order=sorted(minutes), minutes=minutes, page_size=3)
    args = CrawlArguments.parse({}, default_max_pages=20)
    runs = recorded_at_899({str(s) for s in range(10, 22)})
    runs.run(site, args, before_page={3: lambda: site.order.remove(1)})
    assert "7" not in runs.stored  # the shift the next run's walk is there for
    runs.run(site, args)
    assert {str(s) for s in site.order} <= runs.stored


def test_a_watermark_from_a_clock_ahead_does_not_stop_the_runs_walking_the_last_range_again():
    # A story dated hours ahead (minute 1100) tops the listing; a run whose clock was a day
    # ahead takes it as its watermark. The clock set right, stories come in under it: a
    # run pages through them while one of page 1 is taken off, and story 7 (first of page 3)
    # moves up past the page it had read. The runs after it walk that range once more.
    minutes = {0: 1100} | {s: 900 - s for s in range(10, 22)}
    site = Site(order=sorted(minutes), minutes=minutes, page_size=3)
    args = CrawlArguments.parse({}, default_max_pages=20)
    runs = recorded_at_899({str(s) for s in range(10, 22)})
    runs.run(site, args, clock=minute(2500))
    assert runs.records[0]["watermark"] == minute(1100)
    for story in range(9, 0, -1):
        minutes[story] = 1000 - story
        site.order.insert(1, story)
    runs.run(site, args, clock=minute(1001), before_page={3: lambda: site.order.remove(1)})
    assert "6" not in runs.stored
    runs.run(site, args, clock=minute(1002))
    assert {str(s) for s in site.order} <= runs.stored


def killed_then_moved_up(killed: range, moved: tuple[int, int], at: int) -> tuple[Site, Runs]:
    """Stories 1-15 published since the runs that recorded the watermark at minute 899 (old
    stories 20-31, stored, under them); a run killed part-way stored `killed` and wrote no
    record; then the old stories `moved` are moved back up, in that order, to place `at` of the
    listing, their old times kept. Five stories a page."""
    minutes = {s: 1000 - s for s in range(1, 16)} | {s: 900 - s for s in range(20, 32)}
    site = Site(order=sorted(minutes), minutes=minutes, page_size=5)
    runs = recorded_at_899({str(s) for s in range(20, 32)})
    runs.stored |= {str(s) for s in killed}  # the killed run's, which wrote no record
    for story in reversed(moved):
        site.order.remove(story)
        site.order.insert(at, story)
    return site, runs


def test_two_old_stories_moved_to_the_top_after_a_killed_run_do_not_stop_the_next_above_its_hole():
    # Stories 1-15 published since the runs that recorded the watermark at minute 899; a run
    # killed part-way stored page 1's (1-5) and no more. Then two old stories (21, 22, stored
    # long ago) are moved back up to the top with their old times: page 1 is 21, 22, 1-3,
    # all stored, its two oldest times under the watermark, yet stories 6-15 under it are not.
    site, runs = killed_then_moved_up(killed=range(1, 6), moved=(21, 22), at=0)
    args = CrawlArguments.parse({}, default_max_pages=20)
    runs.run(site, args)
    runs.run(site, args)
    assert {str(s) for s in site.order} <= runs.stored


def test_two_old_stories_at_the_bottom_of_a_page_do_not_stop_the_walk_above_a_hole():
    # As above, but the two old stories moved up came down together, with new stories 1-3
    # published above them, to the bottom of page 1, where they are in order: page 1 looks as
    # far down as them. Page 2 (stories 4-8, stored by the killed run) is all seen, but newer
    # than the watermark: the walk had not come down to it, and the hole under it (9-15) is.
    site, runs = killed_then_moved_up(killed=range(4, 9), moved=(20, 21), at=3)
    args = CrawlArguments.parse({}, default_max_pages=20)
    assert site.order[:5] == [1, 2, 3, 20, 21]
    runs.run(site, args)
    runs.run(site, args)
    assert {str(s) for s in site.order} <= runs.stored


def test_a_story_listed_again_at_the_end_of_the_listing_is_not_a_listing_broken_off():
    # Stories 1-5 published since the runs that recorded the watermark at minute 899, over
    # old stories 10 and 11; the site lists story 4 twice, its second listing at the very
    # bottom of the last page, with its own (newer) time: out of order there. The listing
    # ends under the watermark all the same: the run covered it, and moves the watermark.
    minutes = {s: 1000 - s for s in range(1, 6)} | {10: 890, 11: 889}
    site = Site(order=[1, 2, 3, 4, 5, 10, 11, 4], minutes=minutes, page_size=3)
    args = CrawlArguments.parse({}, default_max_pages=20)
    runs = recorded_at_899({"10", "11"})
    runs.run(site, args)
    runs.check_whole_listing(site)
    assert runs.records[0]["watermark"] == minute(999)
    # The walk came down to the listing's last stories, not to the story listed again.
    assert runs.records[0]["walked_down_to"] == minute(890)
    assert {str(s) for s in site.order} <= runs.stored


def test_two_old_stories_at_the_bottom_of_an_all_seen_page_do_not_stop_the_walk_above_a_hole():
    # As above, but the killed run stored pages 1 and 2 of its listing (stories 1-8): page 1,
    # new stories 1-3 over the two old ones moved up, is all seen, and its bottom is older
    # than the watermark. Nothing of the watermark's minute is on it: the walk looks at the
    # page under it, which is newer than the watermark, and goes on down to the hole (9-15).
    site, runs = killed_then_moved_up(killed=range(1, 9), moved=(20, 21), at=3)
    args = CrawlArguments.parse({}, default_max_pages=20)
    assert site.order[:5] == [1, 2, 3, 20, 21]
    runs.run(site, args)
    assert {str(s) for s in site.order} <= runs.stored


def test_a_story_shifted_while_the_second_run_walks_the_first_runs_tail_is_fetched_later():
    # The first run stops at max_pages (page 3) inside minute 990, which goes on on page 4;
    # the second walks down to there ("more stories of the watermark's minute … are
    # fetched") while a story of page 1 is taken off: story 7, first of page 5, moves up to
    # page 4's bottom after page 4 was read. The runs after it walk that range once more.
    minutes = dict(enumerate((1000, 999, 998, 997, 990, 990, 990, 980, 970), start=1))
    site = Site(order=sorted(minutes), minutes=minutes, page_size=2)
    args = CrawlArguments.parse({}, default_max_pages=3)
    runs = Runs()
    runs.run(site, args)
    assert runs.records[0]["walked_down_to"] == minute(990)
    minutes |= {20: 1001, 21: 1002}
    site.order[:0] = [21, 20]
    runs.run(site, args, before_page={5: lambda: site.order.remove(21)})
    assert "7" not in runs.stored  # the shift the next run's walk is there for
    runs.run(site, args)
    assert {str(s) for s in site.order if minutes[s] >= 990} <= runs.stored


def test_a_clock_set_back_under_every_incremental_watermark_walks_down_to_the_backfills():
    # The first run stops at max_pages (page 3) at minute 993; a backfill of 7 March, run
    # then, walks from the window's first page to the listing's end and records the watermark
    # it was to walk to, 993. The clock set back to minute 995, the first record's (1000) is
    # later than it, the backfill's alone counts: the runs walk down to 993, not to where the
    # backfill's walk ended (every story of the section listed above the window's).
    minutes = {s: 1000 - s for s in range(50)}
    site = Site(order=sorted(minutes), minutes=minutes, page_size=3)
    args = CrawlArguments.parse({}, default_max_pages=3)
    runs = Runs()
    runs.run(site, args)
    runs.run(site, CrawlArguments.parse({"until": "2026-03-07"}, default_max_pages=3))
    assert [r["watermark"] for r in runs.records] == [minute(993), minute(1000)]
    runs.run(site, args, clock=minute(995))
    runs.run(site, args, clock=minute(996))
    assert runs.reached[-2:] == [minute(993), minute(993)]
    assert [r["listing_pages"] for r in runs.records[:2]] == [4, 4]
