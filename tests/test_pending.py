"""PendingArticles: what a run could not fetch, carried to the next runs until given up."""

import datetime as dt

from newsscraper.pending import PendingArticle, PendingArticles

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
URL = "https://cafef.vn/bai-188260307010000001.chn"
ID = "188260307010000001"


def test_a_failure_stays_pending_until_it_has_lasted_the_give_up_time():
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24))
    assert pending.failed(ID, URL, now=T0) is False
    assert pending.articles == {ID: PendingArticle(URL, T0)}
    # Failing again does not restart the clock.
    assert pending.failed(ID, URL, now=T0 + dt.timedelta(hours=23, minutes=59)) is False
    assert pending.articles[ID].first_failed_at == T0
    assert pending.failed(ID, URL, now=T0 + dt.timedelta(hours=24), error="HTTP 500") is True
    assert len(pending) == 1, "due, but pending until the run shows the site works"
    assert pending.give_up_due() == [
        (URL, "failed after every retry in every run since 2026-03-07T01:00:00+00:00: HTTP 500")
    ]
    assert len(pending) == 0 and pending.give_up_due() == []


def test_a_first_failure_noted_by_a_clock_ahead_counts_from_the_first_failure_after_it():
    # A clock a year ahead noted the first failure, then was corrected: counted from the date
    # it noted, the page would be asked for by every run for a year instead of a day.
    ahead = T0 + dt.timedelta(days=365)
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24))
    pending.failed(ID, URL, now=ahead)
    again = PendingArticles.from_record(pending.to_record(), give_up_after=pending.give_up_after)
    assert again.failed(ID, URL, now=T0) is False
    assert again.articles == {ID: PendingArticle(URL, T0)}
    assert again.failed(ID, URL, now=T0 + dt.timedelta(hours=23)) is False
    assert again.failed(ID, URL, now=T0 + dt.timedelta(hours=24)) is True


def test_adding_a_page_already_pending_keeps_its_first_failure():
    # A reject asked for again every run (published in the future) that fails to come: the
    # clock towards giving it up runs from its first failure, not from each run's start.
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24))
    pending.failed(ID, URL, now=T0)
    pending.add(ID, URL, now=T0 + dt.timedelta(hours=12))
    assert pending.articles == {ID: PendingArticle(URL, T0)}


def test_adding_a_page_makes_it_pending_from_now():
    # A reject whose publication time has come (published_in_future): the runs from this one
    # on ask for it, and it is given up like any page failing from now on.
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24))
    pending.add(ID, URL, now=T0)
    assert pending.articles == {ID: PendingArticle(URL, T0)}
    assert pending.to_record() == {ID: {"url": URL, "first_failed_at": T0.isoformat()}}


def test_a_failure_that_is_not_the_pages_own_never_makes_it_due():
    # A soft block, or a crawl that is stopping: it stays pending, however old.
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24))
    pending.failed(ID, URL, now=T0)
    assert pending.failed(ID, URL, now=T0 + dt.timedelta(days=3), own=False) is False
    assert pending.give_up_due() == [] and len(pending) == 1


def test_a_due_page_fetched_before_the_give_up_is_not_given_up():
    pending = PendingArticles(give_up_after=dt.timedelta(hours=1))
    pending.failed(ID, URL, now=T0)
    assert pending.failed(ID, URL, now=T0 + dt.timedelta(hours=2)) is True
    pending.drop(ID)  # a retry came through after all
    assert pending.give_up_due() == []


def test_a_fetched_article_is_no_longer_pending():
    pending = PendingArticles(give_up_after=dt.timedelta(hours=1))
    pending.failed(ID, URL, now=T0)
    pending.drop(ID)
    pending.drop("an id that was never pending")
    assert len(pending) == 0


def test_the_list_goes_through_a_run_record_and_back():
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24))
    pending.failed(ID, URL, now=T0)
    pending.failed("188260307020000002", URL.replace("01000001", "02000002"), now=T0)
    record = pending.to_record()
    assert record[ID] == {"url": URL, "first_failed_at": "2026-03-07T01:00:00+00:00"}
    again = PendingArticles.from_record(record, give_up_after=dt.timedelta(hours=24))
    assert again == pending
    assert len(PendingArticles.from_record(None, give_up_after=dt.timedelta(hours=1))) == 0


def test_a_rejected_page_a_backfill_asks_for_again_and_that_fails_stays_rejected_not_pending():
    # Given up (failed_repeatedly), then asked for again by a backfill, where it fails once
    # more: no incremental run asks for a rejected page, so pending it would be lost to them;
    # its reject stands and the next backfill asks again.
    pending = PendingArticles(give_up_after=dt.timedelta(hours=24), rejected=frozenset({ID}))
    assert pending.failed(ID, URL, now=T0) is False
    assert pending.to_record() == {}
    # One the run record still lists as pending (a backfill rejected it since) is dropped.
    record = {ID: {"url": URL, "first_failed_at": T0.isoformat()}}
    listed = PendingArticles.from_record(record, give_up_after=dt.timedelta(hours=24))
    listed.rejected = frozenset({ID})
    assert listed.failed(ID, URL, now=T0 + dt.timedelta(days=2)) is False
    assert listed.to_record() == {} and listed.give_up_due() == []
