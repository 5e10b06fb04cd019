import dataclasses
import datetime as dt

import pytest

from newsscraper.page_search import FirstPageSearch
from newsscraper.pages.section import ListingEntry

VN = dt.timezone(dt.timedelta(hours=7))
PAGE_SIZE = 20


def listing(total_days: int, page: int) -> list[ListingEntry]:
    """A listing of one item per hour going back `total_days` from 2026-03-31 23:00."""
    newest = dt.datetime(2026, 3, 31, 23, 0, tzinfo=VN)
    entries = []
    for i in range((page - 1) * PAGE_SIZE, min(page * PAGE_SIZE, total_days * 24)):
        entries.append(
            ListingEntry(
                article_id=f"1882603{i:011d}",
                url=f"https://cafef.vn/x-1882603{i:011d}.chn",
                title="x",
                listed_at=newest - dt.timedelta(hours=i),
                kind="stream",
            )
        )
    return entries


def search(until: dt.date, total_days: int = 400) -> FirstPageSearch:
    s = FirstPageSearch(until=until)
    while (page := s.next_probe()) is not None:
        s.record(page, listing(total_days, page))
    return s


def first_page_by_walking(until: dt.date, total_days: int = 400) -> int:
    page = 1
    while True:
        entries = listing(total_days, page)
        if not entries or min(e.listed_at for e in entries).date() <= until:
            return page
        page += 1


@pytest.mark.parametrize(
    "until",
    [dt.date(2026, 3, 31), dt.date(2026, 3, 30), dt.date(2026, 1, 15), dt.date(2025, 3, 1)],
)
def test_finds_the_same_page_as_walking(until):
    s = search(until)
    assert s.found == first_page_by_walking(until)


def test_a_year_back_costs_a_few_requests_not_hundreds():
    until = dt.date(2025, 4, 1)
    s = search(until)
    walked = first_page_by_walking(until)
    assert walked > 400
    assert s.probes <= 2 * walked.bit_length() + 1
    assert s.found == walked
    assert s.requests_saved > 0.9 * walked  # nearly every page of the walk is skipped


@pytest.mark.parametrize(
    "until",
    [dt.date(2026, 3, 31), dt.date(2026, 3, 29), dt.date(2026, 1, 15), dt.date(2025, 3, 1)],
)
def test_the_requests_saved_are_the_pages_a_walk_reads_less_the_probes_never_below_0(until):
    s = search(until)
    assert s.requests_saved == max(0, first_page_by_walking(until) - s.probes)


def test_past_the_end_of_the_archive_is_the_last_page_plus_one():
    s = search(dt.date(2020, 1, 1), total_days=10)
    assert s.found == 10 * 24 // PAGE_SIZE + 1
    assert s.above_is_empty  # the log says nothing listed is that old
    assert not search(dt.date(2026, 3, 25), total_days=10).above_is_empty


def test_an_old_pick_in_page_1_focus_block_does_not_make_page_1_the_first():
    until = dt.date(2026, 3, 20)
    old_pick = ListingEntry(
        article_id="188260301080000001",
        url="https://cafef.vn/x-188260301080000001.chn",
        title="x",
        listed_at=dt.datetime(2026, 3, 1, 8, 0, tzinfo=VN),
        kind="focus",
    )
    s = FirstPageSearch(until=until)
    s.record(1, [old_pick, *listing(400, 1)])
    while (page := s.next_probe()) is not None:
        s.record(page, listing(400, page))
    assert s.found == first_page_by_walking(until) > 1


def probed(until: dt.date) -> tuple[FirstPageSearch, list[int]]:
    s = FirstPageSearch(until=until)
    pages = []
    while (page := s.next_probe()) is not None:
        pages.append(page)
        s.record(page, listing(400, page))
    return s, pages


def test_a_found_page_read_before_the_page_above_it_is_not_current():
    # Articles published between the two reads push entries down: those of the window that
    # were on page 7 when page 8 was read can be on page 8 when page 7 is read.
    s, pages = probed(dt.date(2026, 3, 25))
    assert pages == [1, 2, 4, 8, 6, 7]
    assert s.found == 8
    assert not s.found_is_current


def test_a_found_page_read_after_the_page_above_it_is_current():
    s, pages = probed(dt.date(2026, 3, 26))
    assert pages == [1, 2, 4, 8, 6, 7]
    assert s.found == 7
    assert s.found_is_current
    assert probed(dt.date(2026, 3, 31))[0].found_is_current  # page 1, nothing above it


def test_an_empty_page_in_the_middle_is_read_again_before_it_counts_as_past_the_end():
    until = dt.date(2026, 3, 25)  # page 8 is the first to reach it
    s = FirstPageSearch(until=until)
    pages = []
    while (page := s.next_probe()) is not None:
        pages.append(page)
        s.record(page, [] if pages.count(8) == 1 and page == 8 else listing(400, page))
    assert pages == [1, 2, 4, 8, 8, 6, 7]
    assert s.found == 8
    s = FirstPageSearch(until=until)
    for page in (1, 2, 4):
        s.record(page, listing(400, page))
    s.record(8, [])
    assert s.next_probe() == 8
    s.record(8, [])
    assert s.next_probe() == 6, "empty twice: taken as past the end"


def test_the_first_timeline_page_coming_empty_is_read_again_too():
    # Page 2, the first fragment after the section page: taken as past the end, the search
    # would stop there and the walk read every page from 2 down to the window.
    s = FirstPageSearch(until=dt.date(2026, 3, 25))
    pages = []
    while (page := s.next_probe()) is not None:
        pages.append(page)
        s.record(page, [] if pages == [1, 2] else listing(400, page))
    assert pages == [1, 2, 2, 4, 8, 6, 7]
    assert s.found == 8


def test_an_empty_page_1_is_the_end_without_asking_for_it_again():
    # Page 1 is the section page itself, not a fragment the site may serve empty mid-listing:
    # nothing in its stream is nothing listed, and the walk takes it as the end too.
    s = FirstPageSearch(until=dt.date(2026, 3, 25))
    s.record(1, [])
    assert s.next_probe() is None
    assert (s.found, s.above_is_empty, s.probes) == (1, True, 1)


def untimed(entries: list[ListingEntry]) -> list[ListingEntry]:
    return [dataclasses.replace(e, listed_at=None) for e in entries]


def test_a_stream_item_without_a_time_is_left_out_of_the_page_it_is_on():
    until = dt.date(2026, 3, 25)  # page 8 is the first to reach it, page 7 does not
    s = FirstPageSearch(until=until)
    while (page := s.next_probe()) is not None:
        entries = listing(400, page)
        s.record(page, [*untimed(entries[:1]), *entries[1:]])
    assert s.found == 8


def test_a_page_whose_stream_items_have_no_time_is_not_skipped():
    # Nothing says it is newer than the window: skipped, its articles of the window would be
    # lost; the walk starts there and reads a few pages more at worst.
    s = FirstPageSearch(until=dt.date(2026, 3, 25))
    pages = []
    while (page := s.next_probe()) is not None:
        pages.append(page)
        s.record(page, untimed(listing(400, page)) if page == 4 else listing(400, page))
    assert pages == [1, 2, 4, 3]
    assert s.found == 4


def test_a_site_serving_page_1_past_the_end_ends_the_galloping_there():
    # The listing ends on page 12; every page past it is page 1's items again, which never
    # reach `until`: the probes would double for ever. Three in a row that come no further
    # down than the one before each end the search, with no page found.
    s = FirstPageSearch(until=dt.date(2025, 1, 1))
    pages = []
    while (page := s.next_probe()) is not None and len(pages) < 100:
        pages.append(page)
        s.record(page, listing(10, page) or listing(10, 1))
    assert pages == [1, 2, 4, 8, 16, 32, 64]
    assert (s.above_stalled, s.done) == (True, False)


def test_probes_as_old_as_the_one_before_but_with_new_stories_are_not_past_the_end():
    # A batch listed in one minute fills pages 1-20: probes 2, 4, 8 and 16 come no further down
    # in time than the one before, yet each shows stories none before did: the listing goes on.
    until, batch = dt.date(2026, 1, 15), dt.datetime(2026, 3, 31, 23, 0, tzinfo=VN)
    s = FirstPageSearch(until=until)
    while (page := s.next_probe()) is not None:
        entries = listing(400, page)
        if page <= 20:
            entries = [dataclasses.replace(e, listed_at=batch) for e in entries]
        s.record(page, entries)
    assert (s.found, s.above_stalled) == (first_page_by_walking(until), False)
