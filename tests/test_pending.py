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
    assert pending.failed(ID, URL, now=T0 + dt.timedelta(hours=24)) is True
    assert len(pending) == 1, "due, but still pending until the caller gives it up"
    assert pending.give_up(ID) == PendingArticle(URL, T0)
    assert len(pending) == 0 and pending.give_up(ID) is None


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
