"""When the spider stops paging: incremental rule, watermark, windows, empty fragments."""

import dataclasses
import datetime as dt

import pytest

from newsscraper.crawl_args import CrawlArguments
from newsscraper.listing_walk import (
    BROKE_OFF,
    CAUGHT_UP,
    END_OF_LISTING,
    LISTING_UNREADABLE,
    MAX_PAGES,
    REACHED_SINCE,
    STUCK,
    Decision,
    ListingWalk,
)
from newsscraper.pages.section import ListingEntry

VN = dt.timezone(dt.timedelta(hours=7))


def entry(n: int, day: int = 7, hour: int = 10) -> ListingEntry:
    return ListingEntry(
        article_id=f"1882603{n:011d}",
        url=f"https://cafef.vn/bai-{n}-1882603{n:011d}.chn",
        title=f"Bài {n}",
        listed_at=dt.datetime(2026, 3, day, hour, n % 60, tzinfo=VN),
        kind="stream",
    )


def walk(stored=(), watermark=None, **args) -> ListingWalk:
    arguments = CrawlArguments.parse(args, default_max_pages=20)
    stored_ids = {entry(n).article_id for n in stored}
    return ListingWalk(args=arguments, is_stored=stored_ids.__contains__, watermark=watermark)


def ids(decision) -> list[str]:
    return [e.article_id for e in decision.to_fetch]


MARK = dt.datetime(2026, 3, 7, 12, 0, tzinfo=VN)  # at or after every listed entry


def at_mark(n: int) -> ListingEntry:
    """Entry `n` listed in the watermark's minute: the story the watermark was taken from."""
    return dataclasses.replace(entry(n), listed_at=MARK)


def test_nothing_new_costs_one_listing_page():
    w = walk(stored=range(1, 11), watermark=MARK)
    decision = w.visit(1, [at_mark(1), *(entry(n) for n in range(2, 11))])
    assert decision.to_fetch == []
    assert decision.next_page is None
    assert decision.stop_reason == CAUGHT_UP


def test_a_page_past_the_watermark_without_its_story_is_confirmed_by_the_next():
    # Page 1 is all seen and older than the watermark, but nothing of the watermark's minute
    # is listed on it (taken off, or old stories moved up came down to its bottom above it):
    # one more page past the watermark says the walk joined up with the runs before.
    w = walk(stored=range(1, 21), watermark=MARK)
    assert w.visit(1, [entry(n) for n in range(1, 11)]).next_page == 2
    assert w.visit(2, [entry(n) for n in range(11, 21)]).stop_reason == CAUGHT_UP


def test_new_articles_are_fetched_and_stored_ones_skipped():
    w = walk(stored=range(4, 11), watermark=MARK)
    first = w.visit(1, [entry(n) for n in range(1, 11)])
    assert ids(first) == [entry(n).article_id for n in (1, 2, 3)]
    assert first.next_page == 2
    second = w.visit(2, [entry(n) for n in range(4, 11)])
    assert second.next_page is None and second.stop_reason == CAUGHT_UP


def test_a_stored_article_does_not_hide_the_new_ones_after_it_on_its_page():
    # A story stored by an earlier run (pinned, or listed again) can come before new ones.
    w = walk(stored=(1, 3), watermark=MARK)
    decision = w.visit(1, [entry(n) for n in range(1, 6)])
    assert ids(decision) == [entry(n).article_id for n in (2, 4, 5)]


def test_stop_after_seen_pages_waits_for_that_many_seen_pages():
    w = walk(stored=range(1, 31), watermark=MARK, stop_after_seen_pages="2")
    assert w.visit(1, [at_mark(1), *(entry(n) for n in range(2, 11))]).next_page == 2
    assert w.visit(2, [entry(n) for n in range(11, 21)]).stop_reason == CAUGHT_UP


def test_stop_after_seen_pages_counts_seen_pages_in_a_row_only():
    w = walk(stored=[*range(1, 11), *range(21, 31)], watermark=MARK, stop_after_seen_pages="2")
    assert w.visit(1, [entry(n) for n in range(1, 11)]).next_page == 2
    assert w.visit(2, [entry(n) for n in range(11, 21)]).next_page == 3
    third = w.visit(3, [entry(n) for n in range(21, 31)])
    assert third.next_page == 4, "one seen page since the page with unseen articles"


def test_max_pages_stops_an_empty_dataset():
    w = walk(max_pages="2")
    assert w.visit(1, [entry(n) for n in range(1, 11)]).next_page == 2
    decision = w.visit(2, [entry(n) for n in range(11, 21)])
    assert len(decision.to_fetch) == 10
    assert decision.stop_reason == MAX_PAGES


def test_a_hole_above_the_watermark_keeps_the_walk_going():
    # Articles 1-10 are stored (page 1), 11-20 were never stored (a killed run), 21-30 are
    # stored and at or below the watermark of the last finished run (entry 30's time, the
    # newest of them).
    stored = [*range(1, 11), *range(21, 31)]
    mark = entry(30, day=5).listed_at
    w = walk(stored=stored, watermark=mark)
    page1 = [entry(n, day=7) for n in range(1, 11)]
    page2 = [entry(n, day=6) for n in range(11, 21)]
    page3 = [entry(n, day=5) for n in range(21, 31)]
    first = w.visit(1, page1)
    assert first.to_fetch == [] and first.next_page == 2, "all seen, but above the watermark"
    second = w.visit(2, page2)
    assert len(second.to_fetch) == 10 and second.next_page == 3
    third = w.visit(3, page3)
    assert third.stop_reason == CAUGHT_UP
    assert w.covered_to_watermark()


def test_an_old_pick_in_the_focus_block_does_not_reach_the_watermark():
    # Page 1's focus block can pin a story older than the watermark: only the stream reaching
    # it joins up with what the last finished run stored.
    w = walk(stored=[*range(1, 11), 99], watermark=entry(21, day=5).listed_at)
    pick = dataclasses.replace(entry(99, day=4), kind="focus")
    first = w.visit(1, [pick, *(entry(n, day=7) for n in range(1, 11))])
    assert first.next_page == 2, "all seen, but the stream is still above the watermark"
    assert not w.covered_to_watermark()


def test_the_same_article_listed_twice_is_fetched_once():
    w = walk()
    w.visit(1, [entry(1), entry(2)])
    assert ids(w.visit(2, [entry(2), entry(3)])) == [entry(3).article_id]


def test_an_empty_fragment_is_asked_again_before_it_ends_the_walk():
    w = walk()
    w.visit(1, [entry(1)])
    again = w.visit(2, [])
    assert again.next_page == 2, "first empty fragment: ask once more"
    assert w.visit(2, [entry(2)]).next_page == 3
    w.visit(3, [])
    end = w.visit(3, [])
    assert end.next_page is None and end.stop_reason == END_OF_LISTING


def test_page_1_is_no_fragment_empty_it_ends_the_walk_and_picks_alone_are_not_empty():
    # Only the fragments below page 1 come back empty in a live listing and are asked again.
    assert walk().visit(1, []) == Decision([], None, END_OF_LISTING)
    pick = dataclasses.replace(entry(1), kind="focus")
    assert walk().visit(1, [pick]) == Decision([pick], 2)


def test_a_listing_that_ends_below_the_watermark_is_its_end_not_a_break():
    # Page 1 comes down past the watermark with new articles on it; page 2 is empty twice.
    w = walk(stored=range(1, 6), watermark=entry(5, day=5).listed_at)
    first = w.visit(1, [entry(n, day=5) for n in range(1, 11)])
    assert len(first.to_fetch) == 5 and first.next_page == 2
    assert w.visit(2, []).next_page == 2
    assert w.visit(2, []).stop_reason == END_OF_LISTING
    assert w.covered_to_watermark()


def test_backfill_window_fetches_only_inside_and_stops_at_since():
    w = walk(since="2026-03-05", until="2026-03-06")
    newer = w.visit(1, [entry(1, day=7), entry(2, day=7)])
    assert newer.to_fetch == [] and newer.next_page == 2, "newer than until: skip, keep paging"
    inside = w.visit(2, [entry(3, day=6), entry(4, day=5)])
    assert len(inside.to_fetch) == 2 and inside.next_page == 3
    last = w.visit(3, [entry(5, day=5), entry(6, day=4), entry(7, day=4, hour=9)])
    assert ids(last) == [entry(5).article_id]
    assert last.stop_reason == REACHED_SINCE


def test_a_page_that_crosses_until_fetches_the_entries_inside_the_window():
    w = walk(since="2026-03-05", until="2026-03-06")
    page = w.visit(1, [entry(1, day=7), entry(2, day=6), entry(3, day=6)])
    assert ids(page) == [entry(2).article_id, entry(3).article_id]
    assert page.next_page == 2


def test_an_old_focus_item_does_not_end_the_backfill_window():
    # Page 1's focus block shows editors' picks, older than much of the stream below them.
    pick = dataclasses.replace(entry(1, day=2), kind="focus")
    w = walk(since="2026-03-05")
    first = w.visit(1, [pick, entry(2, day=7), entry(3, day=6)])
    assert ids(first) == [entry(2).article_id, entry(3).article_id]
    assert first.next_page == 2, "the stream has not reached since yet"
    last = w.visit(2, [entry(4, day=5), entry(5, day=4), entry(6, day=4, hour=9)])
    assert ids(last) == [entry(4).article_id]
    assert last.stop_reason == REACHED_SINCE


def test_one_old_stream_entry_does_not_end_the_backfill_window():
    # An old story moved back to the top of the stream keeps its old time: the stories of the
    # window below it, on this page and the next, are still to come.
    w = walk(since="2026-03-05")
    first = w.visit(1, [entry(1, day=1), entry(2, day=7), entry(3, day=6)])
    assert ids(first) == [entry(2).article_id, entry(3).article_id]
    assert first.next_page == 2 and first.stop_reason is None
    # The last entry of a page alone older than since: the next page says where the stream is.
    second = w.visit(2, [entry(4, day=6), entry(5, day=5), entry(6, day=4)])
    assert ids(second) == [entry(4).article_id, entry(5).article_id]
    assert second.next_page == 3
    last = w.visit(3, [entry(7, day=4), entry(8, day=4)])
    assert last.to_fetch == [] and last.stop_reason == REACHED_SINCE


def test_window_uses_the_vietnam_date_of_the_listing_time():
    # 2026-03-05 23:30 UTC is 2026-03-06 06:30 in Vietnam: inside a window of the 6th.
    late = ListingEntry(
        article_id="188260306063000001",
        url="https://cafef.vn/x-188260306063000001.chn",
        title="x",
        listed_at=dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC),
        kind="stream",
    )
    w = walk(since="2026-03-06", until="2026-03-06")
    assert ids(w.visit(1, [late])) == [late.article_id]


def test_without_a_watermark_a_killed_first_run_is_completed_up_to_max_pages():
    # The killed first run stored page 1; no run finished, so there is no watermark.
    w = walk(stored=range(1, 11), max_pages="3")
    assert w.visit(1, [entry(n) for n in range(1, 11)]).next_page == 2
    second = w.visit(2, [entry(n) for n in range(11, 21)])
    assert len(second.to_fetch) == 10 and second.next_page == 3
    assert w.visit(3, [entry(n) for n in range(21, 31)]).stop_reason == MAX_PAGES
    assert w.covered_to_watermark(), "the first finished run sets the watermark"


def test_a_listing_that_breaks_off_above_the_watermark_does_not_move_it():
    # Page 2 comes back empty twice: taken as the end of the listing, but the stored articles
    # of the last finished run (at the watermark, further down) were never reached.
    w = walk(stored=range(21, 31), watermark=entry(21, day=5).listed_at)
    assert len(w.visit(1, [entry(n, day=7) for n in range(1, 11)]).to_fetch) == 10
    assert w.visit(2, []).next_page == 2
    end = w.visit(2, [])
    assert end.stop_reason == BROKE_OFF
    assert not w.covered_to_watermark(), "pages between page 2 and the watermark were skipped"


def test_the_walk_names_the_page_it_stopped_at_only_when_it_stopped_at_one():
    """DATA_FORMAT.md, runs.stop_url: for broke_off_above_watermark the page that came empty
    twice; null when the walk stopped where it meant to (caught_up, max_pages, ...)."""
    page_2 = "https://cafef.vn/timelinelist/18836/2.chn"
    w = walk(stored=range(21, 31), watermark=entry(21, day=5).listed_at)
    w.visit(1, [entry(n, day=7) for n in range(1, 11)], "https://cafef.vn/doanh-nghiep.chn")
    assert w.stop_url is None
    w.visit(2, [], page_2)
    assert (w.visit(2, [], page_2).stop_reason, w.stop_url) == (BROKE_OFF, page_2)
    done = walk(max_pages="1")
    decision = done.visit(1, [entry(n) for n in range(1, 11)], page_2)
    assert (decision.stop_reason, done.stop_url) == (MAX_PAGES, None)
    done.listing_failed("robots_txt_unavailable", page_2)  # no page: robots.txt
    assert done.stop_url is None
    done.listing_failed("listing_failed", page_2)
    assert done.stop_url == page_2
    # stuck_above_watermark: the last page walked.
    page_21 = "https://cafef.vn/timelinelist/18836/21.chn"
    stuck = walk(watermark=minutes_ago(500).listed_at)
    for page in range(1, 22):
        decision = stuck.visit(page, listing_page(1), page_21 if page == 21 else page_2)
    assert (decision.stop_reason, stuck.stop_url) == (STUCK, page_21)


def test_an_incremental_listing_that_ends_before_any_listing_time_broke_off():
    # No entry had a time, so nothing shows the watermark was reached: not the end of a
    # backfill's window that is older than the listing, but a listing that broke off.
    w = walk(watermark=MARK)
    w.visit(1, [dataclasses.replace(entry(n), listed_at=None) for n in range(1, 11)])
    w.visit(2, [])
    assert w.visit(2, []).stop_reason == BROKE_OFF


def test_the_next_watermark_is_the_newest_time_listed_on_any_page():
    w = walk()
    w.visit(1, [entry(1, hour=9), entry(2, hour=11), entry(3, hour=10)])
    w.visit(2, [entry(4, hour=8)])
    assert w.newest_listed == entry(2, hour=11).listed_at
    assert w.oldest_listed == entry(4, hour=8).listed_at


def test_a_listing_time_ahead_of_the_clock_moves_no_watermark():
    # A CMS typo, 2062 for 2026: as the watermark it would stand for decades, and every run
    # after it would walk down to the watermark before, further each day.
    w = walk()
    w.latest_credible = dt.datetime(2026, 3, 8, 12, 0, tzinfo=VN)  # the crawl's clock
    typo = dataclasses.replace(entry(1), listed_at=dt.datetime(2062, 3, 7, 11, 0, tzinfo=VN))
    ahead = dataclasses.replace(entry(2), listed_at=w.latest_credible)
    w.visit(1, [typo, entry(3, hour=11), entry(4, hour=9)])
    assert w.newest_listed == entry(3, hour=11).listed_at
    w.visit(2, [ahead, entry(5, hour=8), entry(6, hour=7)])
    assert w.newest_listed == w.latest_credible, "at the clock: it counts"
    assert w.oldest_listed == entry(5, hour=8).listed_at


def test_without_a_watermark_a_walk_that_did_not_stop_by_itself_covers_nothing():
    # The crawl ended before the walk decided to stop (a listing page that raised, a listing
    # page that failed): the first coverage is still to come.
    w = walk()
    w.visit(1, [entry(n) for n in range(1, 11)])
    assert not w.covered_to_watermark()
    w.listing_failed()
    assert not w.covered_to_watermark()
    w.listing_failed(LISTING_UNREADABLE)
    assert not w.covered_to_watermark()


def minutes_ago(n: int) -> ListingEntry:
    """Stream entry n, listed n minutes before MARK: the higher n, the further down."""
    return ListingEntry(
        article_id=f"1882603{n:011d}",
        url=f"https://cafef.vn/bai-{n}-1882603{n:011d}.chn",
        title=f"Bài {n}",
        listed_at=MARK - dt.timedelta(minutes=n),
        kind="stream",
    )


def listing_page(page: int) -> list[ListingEntry]:
    return [minutes_ago(n) for n in range(10 * (page - 1) + 1, 10 * page + 1)]


def test_a_gap_deeper_than_max_pages_is_walked_down_to_the_watermark():
    # Off for a while: 25 pages came out since the last finished run (default max_pages 20).
    stored = range(251, 261)
    w = walk(stored=stored, watermark=minutes_ago(251).listed_at)
    for page in range(1, 26):
        decision = w.visit(page, listing_page(page))
        assert len(decision.to_fetch) == 10 and decision.next_page == page + 1, page
    assert w.visit(26, listing_page(26)).stop_reason == CAUGHT_UP
    assert w.covered_to_watermark()


def test_without_a_watermark_a_listing_still_coming_down_stops_at_the_default_max_pages():
    # A first run has no watermark to catch up to: its times coming down page after page do
    # not take it past max_pages to the end of the listing.
    w = walk()
    for page in range(1, 20):
        assert w.visit(page, listing_page(page)).next_page == page + 1
    assert w.visit(20, listing_page(20)).stop_reason == MAX_PAGES


def test_a_max_pages_argument_is_a_hard_limit_even_when_catching_up():
    w = walk(watermark=minutes_ago(251).listed_at, max_pages="3")
    for page in (1, 2):
        assert w.visit(page, listing_page(page)).next_page == page + 1
    assert w.visit(3, listing_page(3)).stop_reason == MAX_PAGES
    assert not w.covered_to_watermark()


def test_catching_up_stops_at_max_pages_stuck_when_the_listing_gets_no_further_down():
    # A listing that serves the same page for every number, or lists no times: past the
    # default max_pages nothing shows the walk is coming nearer the watermark. That is not a
    # walk that went as far as it was asked to: every run would stop there, 20 pages deep.
    # Two such pages in a row: one alone can be stories pushed down by those published while
    # the run paged (the next test).
    w = walk(watermark=minutes_ago(500).listed_at)
    for page in range(1, 22):
        decision = w.visit(page, listing_page(min(page, 19)))
    assert decision.stop_reason == STUCK
    assert not w.covered_to_watermark()
    untimed = walk(watermark=minutes_ago(500).listed_at)
    no_times = [dataclasses.replace(e, listed_at=None) for e in listing_page(1)]
    for page in range(1, 22):
        decision = untimed.visit(page, no_times)
    assert decision.stop_reason == STUCK
    # Without a watermark (the first run) the default max_pages is where the walk ends.
    first = walk()
    for page in range(1, 21):
        decision = first.visit(page, no_times)
    assert decision.stop_reason == MAX_PAGES


def test_a_page_pushed_down_by_stories_published_while_the_run_pages_is_not_stuck():
    # Past the default max_pages, stories published while the run paged pushed what it walked
    # on page 20 down onto page 21, which shows it all again; page 22 comes further down, and
    # the walk goes on towards the watermark.
    w = walk(watermark=minutes_ago(500).listed_at)
    for page in range(1, 21):
        w.visit(page, listing_page(page))
    assert w.visit(21, listing_page(20)).next_page == 22
    decision = w.visit(22, listing_page(21))
    assert (decision.stop_reason, decision.next_page) == (None, 23)
    assert ids(decision) == [e.article_id for e in listing_page(21)]


def test_a_walk_past_the_watermark_ends_at_the_default_max_pages_not_stuck():
    # Unseen articles below the watermark on every page: the walk went as far as it was asked.
    w = walk(watermark=MARK)
    for page in range(1, 21):
        decision = w.visit(page, listing_page(page))
    assert decision.stop_reason == MAX_PAGES
    assert w.covered_to_watermark()


def test_a_backfill_starting_below_page_1_walks_max_pages_from_there():
    # The search for `until` found page 5: `-a max_pages=2` walks pages 5 and 6, not page 5 alone.
    w = walk(until="2026-03-06", max_pages=2)
    first = w.visit(5, [entry(1, day=6), entry(2, day=6)])
    assert len(first.to_fetch) == 2 and first.next_page == 6
    second = w.visit(6, [entry(3, day=5), entry(4, day=5)])
    assert len(second.to_fetch) == 2
    assert second.stop_reason == MAX_PAGES


@pytest.mark.parametrize("found", [2, 5])
def test_a_first_page_below_page_1_that_comes_empty_with_page_1_picks_is_asked_again(found):
    # A backfill's walk starts on the page the search found, with page 1's picks: an empty
    # fragment there is asked for again like any other, the picks taken at once.
    w = walk(since="2026-03-05", until="2026-03-06")
    pick = dataclasses.replace(entry(1, day=6), kind="focus")
    first = w.visit(found, [pick])
    assert ids(first) == [pick.article_id]
    assert first.next_page == found, "first empty fragment: ask once more"
    again = w.visit(found, [entry(2, day=6)])
    assert ids(again) == [entry(2).article_id] and again.next_page == found + 1


def test_a_backfill_window_older_than_the_whole_listing_ends_it_without_breaking_off():
    # The search found the listing's end before `until`: the walk starts there, with page 1's
    # picks only, and meets no stream entry above the watermark or below it.
    w = walk(watermark=MARK, since="2026-01-01", until="2026-01-31")
    pick = dataclasses.replace(entry(1), kind="focus")
    assert w.visit(9, [pick]).next_page == 9
    end = w.visit(9, [])
    assert end.next_page is None and end.stop_reason == END_OF_LISTING


def test_a_backfill_whose_listing_ends_above_the_watermark_broke_off():
    w = walk(watermark=dt.datetime(2026, 3, 5, 12, 0, tzinfo=VN), until="2026-03-07")
    w.visit(1, [entry(1), entry(2)])
    w.visit(2, [])
    assert w.visit(2, []).stop_reason == BROKE_OFF


@pytest.mark.parametrize(("args", "last"), [({"since": "2026-03-01"}, 6), ({}, 21)])
def test_a_site_serving_page_1s_items_past_the_end_stops_the_walk_stuck(args, last):
    # Pages 1-3 are the listing; past them the site serves page 1's items as a fragment, again
    # and again. A backfill meets neither `since` nor an empty page there: it stops on the
    # third page in a row that came no further down. An incremental run catching up on its
    # watermark stops at the default max_pages and one page more.
    w = walk(watermark=minutes_ago(500).listed_at, **args)
    visited, page = [], 1
    while page is not None and len(visited) < 100:
        visited.append(page)
        page = w.visit(page, listing_page(page if page <= 3 else 1), f"p{page}").next_page
    assert (visited, w.stop_reason, w.stop_url) == (list(range(1, last + 1)), STUCK, f"p{last}")


def test_two_pages_pushed_down_by_stories_published_while_a_backfill_pages_are_not_stuck():
    w = walk(since="2026-03-01")
    for page, served in ((1, 1), (2, 2), (3, 2), (4, 2), (5, 3)):
        decision = w.visit(page, listing_page(served))
    assert (decision.stop_reason, decision.next_page) == (None, 6)


def test_an_old_story_moved_back_to_the_top_of_the_stream_does_not_reach_the_watermark():
    # The site moved an old story back to the top of the stream, its time as it was. Page 1
    # is all stored (a run that was killed, or stopped by max_pages, after it), the new
    # stories under it were never stored: the walk goes on down to the watermark.
    old = minutes_ago(900)
    w = walk(stored=[900, *range(1, 10)], watermark=minutes_ago(251).listed_at)
    first = w.visit(1, [old, *listing_page(1)[:9]])
    assert first.to_fetch == [] and first.next_page == 2, "all seen, but above the watermark"
    assert not w.covered_to_watermark()
    second = w.visit(2, listing_page(2))
    assert len(second.to_fetch) == 10 and second.next_page == 3
    # How far down the walk came: the oldest time two entries of page 2 reach.
    assert w.oldest_listed == minutes_ago(19).listed_at


def test_an_old_story_at_the_top_of_the_stream_does_not_hold_up_a_catch_up():
    # Off for a while, with an old story moved back to the top: the pages under it still come
    # down towards the watermark, so the walk goes on past the default max_pages.
    w = ListingWalk(
        args=CrawlArguments.parse({}, default_max_pages=2),  # CAFEF_MAX_PAGES=2
        is_stored=set().__contains__,
        watermark=minutes_ago(251).listed_at,
    )
    assert w.visit(1, [minutes_ago(900), *listing_page(1)]).next_page == 2
    decision = w.visit(2, listing_page(2))
    assert decision.next_page == 3 and decision.stop_reason is None


def test_an_old_story_moved_back_at_the_bottom_of_a_page_does_not_reach_the_watermark():
    # The old story moved back to the top of the stream came down to the bottom of page 1 as
    # new stories came in above it, its old time still on it. Page 1 is all stored (a run that
    # was killed after it), the stories on page 2 never were: the walk goes on down to the
    # watermark, and how far down it came is not that old time.
    old = minutes_ago(900)
    w = walk(stored=[900, *range(1, 10)], watermark=minutes_ago(251).listed_at)
    first = w.visit(1, [*listing_page(1)[:9], old])
    assert first.to_fetch == [] and first.next_page == 2, "all seen, but above the watermark"
    assert not w.covered_to_watermark()
    assert w.oldest_listed == minutes_ago(9).listed_at
    second = w.visit(2, listing_page(2))
    assert len(second.to_fetch) == 10 and second.next_page == 3


def test_old_stories_moved_back_up_as_many_as_the_new_ones_under_them_do_not_reach_it():
    # README: the longest run of a page's times that never goes up is kept while it holds
    # half the page or more. Five old stories moved back to the top, five new ones under them.
    old = [minutes_ago(n) for n in range(900, 905)]
    w = walk(stored=[*range(900, 905), *range(1, 6)], watermark=minutes_ago(251).listed_at)
    first = w.visit(1, [*old, *listing_page(1)[:5]])
    assert first.to_fetch == [] and first.next_page == 2, "all seen, but above the watermark"
    assert w.oldest_listed == minutes_ago(4).listed_at and not w.reached_watermark


def test_old_stories_at_the_bottom_of_a_page_do_not_end_a_catch_up_at_the_default_max_pages():
    # Two old stories moved back up came down together to the bottom of page 1: page 2, newer
    # than the watermark, shows the walk had not come down to it, and it goes on down to it.
    w = ListingWalk(
        args=CrawlArguments.parse({}, default_max_pages=2),  # CAFEF_MAX_PAGES=2
        is_stored=set().__contains__,
        watermark=minutes_ago(251).listed_at,
    )
    assert w.visit(1, [*listing_page(1)[:3], minutes_ago(900), minutes_ago(901)]).next_page == 2
    decision = w.visit(2, [minutes_ago(n) for n in range(4, 9)])
    assert decision.next_page == 3 and decision.stop_reason is None
    assert w.oldest_listed == minutes_ago(7).listed_at


def test_of_two_runs_of_a_page_as_long_the_walk_came_down_as_far_as_the_newer_bottom():
    # Old stories 900 and 901 moved back to the top, 902 down to the bottom: the runs that
    # never go up, 900-901-902 and 1-2-902, are as long; the one that came down least far
    # says how far down the page goes.
    w = walk()
    w.visit(1, [minutes_ago(n) for n in (900, 901, 1, 2, 902)])
    assert w.oldest_listed == minutes_ago(2).listed_at


def test_a_page_mostly_out_of_order_is_as_far_down_as_its_two_oldest_times():
    # Its longest run of times that never goes up (entries 1, 2) holds less than half of it.
    w = walk()
    w.visit(1, [minutes_ago(n) for n in (5, 4, 3, 1, 2)])
    assert w.oldest_listed == minutes_ago(4).listed_at


def test_a_page_of_one_timed_stream_entry_is_as_far_down_as_it():
    w = walk(watermark=minutes_ago(5).listed_at)
    w.visit(1, [minutes_ago(1)])
    assert w.oldest_listed == minutes_ago(1).listed_at and not w.reached_watermark
    w.visit(2, [minutes_ago(6)])
    assert w.oldest_listed == minutes_ago(6).listed_at and w.reached_watermark


def test_a_listing_that_ends_on_a_page_of_one_story_was_walked_down_to_the_one_above_it():
    # The next run's last page holds that story under others once new stories come in: its
    # bottom, the one above it, is where that run's walk comes down to at the listing's end.
    w = walk()
    w.visit(1, [minutes_ago(n) for n in (1, 2, 3)])
    w.visit(2, [minutes_ago(4)])
    assert w.visit(3, []).next_page == 3
    assert w.visit(3, []).stop_reason == END_OF_LISTING
    assert w.oldest_listed == minutes_ago(4).listed_at
    assert w.walked_down_to == minutes_ago(3).listed_at

    after = walk(stored=range(1, 5), watermark=w.walked_down_to)
    after.visit(1, [minutes_ago(n) for n in (0, 1, 2)])
    after.visit(2, [minutes_ago(3), minutes_ago(4)])
    after.visit(3, [])
    assert after.visit(3, []).stop_reason == END_OF_LISTING and after.covered_to_watermark()


def test_a_focus_pick_is_not_one_of_the_last_two_stories_the_listing_ends_with():
    # The section page's picks are not in the stream: the next run's last page holds the
    # stream's stories only, down to the one story this listing ends with.
    w = walk()
    pick = dataclasses.replace(minutes_ago(0), kind="focus")
    w.visit(1, [pick, minutes_ago(1)])
    w.visit(2, [])
    assert w.visit(2, []).stop_reason == END_OF_LISTING
    assert w.walked_down_to == minutes_ago(1).listed_at


def test_a_walk_that_stops_above_the_listings_end_was_walked_down_to_its_oldest_bottom():
    w = walk(max_pages=2)
    w.visit(1, [minutes_ago(n) for n in (1, 2, 3)])
    assert w.visit(2, [minutes_ago(4)]).stop_reason == MAX_PAGES
    assert w.walked_down_to == w.oldest_listed == minutes_ago(4).listed_at


def test_a_page_whose_bottom_is_at_the_watermark_costs_one_more_page():
    # Listing times are minutes: a page of stored articles coming down to the watermark (its
    # two oldest times: the bottom) can have more of that minute on the next page. The walk
    # reaches the watermark on the page whose bottom is older.
    w = walk(stored=range(1, 21), watermark=minutes_ago(9).listed_at)
    first = w.visit(1, listing_page(1))
    assert first.next_page == 2 and not w.covered_to_watermark()
    assert w.visit(2, listing_page(2)).stop_reason == CAUGHT_UP
    assert w.covered_to_watermark()


def at_minute(n: int, minutes: int) -> ListingEntry:
    """Stream entry n, listed `minutes` before MARK (several entries can share a minute)."""
    return dataclasses.replace(minutes_ago(n), listed_at=MARK - dt.timedelta(minutes=minutes))


def tie_pages(old_at_bottom: bool) -> tuple[list[ListingEntry], list[ListingEntry]]:
    """Page 1 ending at minute 10, the watermark's, page 2 opening with entry 99 of that same
    minute; with `old_at_bottom`, page 1 ends with one entry at minute 10 and an old story
    moved back up (its old time kept) under it, else with two entries at minute 10."""
    if old_at_bottom:
        page1 = [*listing_page(1)[:8], at_minute(10, 10), at_minute(900, 900)]
    else:
        page1 = [*listing_page(1)[:8], at_minute(9, 10), at_minute(10, 10)]
    page2 = [at_minute(99, 10), *(minutes_ago(n) for n in range(11, 20))]
    return page1, page2


@pytest.mark.parametrize("old_at_bottom", [False, True], ids=["two_of_the_minute", "old_story"])
def test_a_story_of_the_watermarks_minute_first_on_the_next_page_is_fetched(old_at_bottom):
    # Page 1 is all stored and comes down to the watermark's minute; entry 99, never stored,
    # was listed in that minute under them (published in it after the run that set the
    # watermark, or past where the first run stopped when it is that run's walked_down_to):
    # the site orders a minute's stories any way, and the page boundary fell before it.
    page1, page2 = tie_pages(old_at_bottom)
    stored = [*range(1, 31), 900]
    w = walk(stored=stored, watermark=MARK - dt.timedelta(minutes=10))
    first = w.visit(1, page1)
    assert first.to_fetch == [] and first.next_page == 2, "the minute goes on past the page"
    second = w.visit(2, page2)
    assert ids(second) == [minutes_ago(99).article_id]
    assert second.next_page == 3, "a page with an unseen article is no seen page"
    assert w.visit(3, listing_page(3)).stop_reason == CAUGHT_UP
    assert w.covered_to_watermark()


def test_a_max_pages_argument_that_ends_the_walk_at_the_watermarks_minute_moves_no_watermark():
    # The walk stopped on the page whose bottom is the watermark's minute: more of that minute
    # can be on the next page, unwalked, so the run did not join up with the last one.
    page1, _ = tie_pages(old_at_bottom=False)
    w = walk(watermark=MARK - dt.timedelta(minutes=10), max_pages="1")
    assert w.visit(1, page1).stop_reason == MAX_PAGES
    assert not w.covered_to_watermark()


def test_the_default_max_pages_at_the_watermarks_minute_walks_one_more_page():
    # A catch-up whose last page by the default max_pages comes down to the watermark's minute
    # goes on to the next page, where the rest of that minute is.
    page1, page2 = tie_pages(old_at_bottom=False)
    w = ListingWalk(
        args=CrawlArguments.parse({}, default_max_pages=1),  # CAFEF_MAX_PAGES=1
        is_stored=set().__contains__,
        watermark=MARK - dt.timedelta(minutes=10),
    )
    assert w.visit(1, page1).next_page == 2
    second = w.visit(2, page2)
    assert minutes_ago(99).article_id in ids(second)
    assert second.stop_reason == MAX_PAGES and w.covered_to_watermark()


def test_a_listing_that_gets_no_further_down_than_the_watermarks_minute_is_stuck():
    # Past the default max_pages, the same page served again: the walk came to the
    # watermark's minute, not past it, and the rest of that minute was never listed.
    page1, _ = tie_pages(old_at_bottom=False)
    w = ListingWalk(
        args=CrawlArguments.parse({}, default_max_pages=1),
        is_stored=set().__contains__,
        watermark=MARK - dt.timedelta(minutes=10),
    )
    assert w.visit(1, page1).next_page == 2
    assert w.visit(2, page1).next_page == 3
    assert w.visit(3, page1).stop_reason == STUCK
    assert not w.covered_to_watermark()


def test_a_listing_that_ends_after_a_page_at_the_watermarks_minute_ends_there():
    # Nothing is listed under that page: the listing's end, not one that broke off above the
    # watermark (a first run that walked to the end sets this walk's watermark to its bottom).
    page1, _ = tie_pages(old_at_bottom=False)
    w = walk(stored=range(1, 11), watermark=MARK - dt.timedelta(minutes=10))
    assert w.visit(1, page1).next_page == 2
    assert w.visit(2, []).next_page == 2
    assert w.visit(2, []).stop_reason == END_OF_LISTING
    assert w.covered_to_watermark()


def test_a_backfill_fetches_a_story_of_the_since_day_first_on_the_next_page():
    # `since` and `until` are days, both in the window: a page whose bottom is on the since day
    # does not end the walk, however many of that day's stories the next page opens with.
    w = walk(since="2026-03-05", until="2026-03-06")
    first = w.visit(1, [entry(1, day=6), entry(2, day=5), entry(3, day=5)])
    assert len(first.to_fetch) == 3 and first.next_page == 2
    last = w.visit(2, [entry(4, day=5), entry(5, day=4), entry(6, day=4, hour=9)])
    assert ids(last) == [entry(4).article_id] and last.stop_reason == REACHED_SINCE


def test_old_picks_in_the_focus_block_are_not_how_far_down_the_stream_the_walk_came():
    # The focus block pins several older stories: two of them older than the watermark are
    # still no bottom of the stream, which on page 1 is far above it.
    w = walk(stored=[*range(1, 11), 98, 99], watermark=entry(21, day=5).listed_at)
    picks = [dataclasses.replace(entry(n, day=4), kind="focus") for n in (98, 99)]
    first = w.visit(1, [*picks, *(entry(n, day=7) for n in range(1, 11))])
    assert first.next_page == 2, "all seen, but the stream is still above the watermark"
    assert not w.covered_to_watermark()
    assert w.oldest_listed == entry(2, day=7).listed_at


def in_minute(n: int, when: dt.datetime) -> ListingEntry:
    return dataclasses.replace(entry(n), listed_at=when)


def test_more_stories_of_one_minute_than_a_page_are_caught_up_on_past_the_default_max_pages():
    # Three stories of the watermark's minute, two a page: the second page comes down no
    # further than the first, yet it is a new page, not the same one served again.
    arguments = CrawlArguments.parse({}, default_max_pages=1)
    stored = {entry(1).article_id, entry(2).article_id}
    w = ListingWalk(args=arguments, is_stored=stored.__contains__, watermark=MARK)
    assert w.visit(1, [in_minute(1, MARK), in_minute(2, MARK)]).next_page == 2
    second = w.visit(2, [in_minute(3, MARK)])
    assert (ids(second), second.next_page) == ([entry(3).article_id], 3)
    assert w.visit(3, []).next_page == 3
    assert w.visit(3, []).stop_reason == END_OF_LISTING
    assert w.covered_to_watermark()


def test_the_same_page_again_at_the_default_max_pages_is_still_stuck():
    arguments = CrawlArguments.parse({}, default_max_pages=1)
    w = ListingWalk(args=arguments, is_stored=lambda _: True, watermark=MARK)
    page = [in_minute(1, MARK), in_minute(2, MARK)]
    assert w.visit(1, page).next_page == 2
    assert w.visit(2, page).next_page == 3
    assert w.visit(3, page).stop_reason == STUCK


def test_a_listing_whose_last_story_is_at_the_watermark_ends_there_when_its_page_does_not():
    # The run before stopped on the listing's last page, coming down to the second oldest
    # story (minute 11:59); that story was taken off since.
    before = dt.datetime(2026, 3, 7, 11, 59, tzinfo=VN)
    w = walk(stored=(1, 3), watermark=before)
    assert w.visit(1, [in_minute(1, MARK), in_minute(3, before)]).next_page == 2
    assert w.visit(2, []).next_page == 2
    assert w.visit(2, []).stop_reason == END_OF_LISTING
    assert w.covered_to_watermark()


def test_a_listing_that_ends_after_a_page_down_to_the_watermarks_minute_ends_there():
    """README: the end of the listing before the watermark is a listing that broke off
    "unless a page had come down to the watermark's minute": so it is even when the last
    story listed is of a later minute (the site orders a page's stories any way)."""
    watermark = MARK - dt.timedelta(minutes=10)
    page1 = [*listing_page(1)[:7], at_minute(8, 10), at_minute(9, 10), at_minute(10, 9)]
    w = walk(stored=range(1, 11), watermark=watermark)
    assert w.visit(1, page1).next_page == 2
    assert w.visit(2, []).next_page == 2
    assert w.visit(2, []).stop_reason == END_OF_LISTING
    assert w.covered_to_watermark()
