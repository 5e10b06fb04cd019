"""crawl_plan: which rejected pages a crawl asks for again, and which it does not."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pyarrow as pa

from newsscraper.crawl_plan import no_longer_in_future, not_asked_again, pending_at_start
from newsscraper.items import Article
from newsscraper.rejects import reject_row
from pipelines.validate import ValidationRules

UTC = dt.UTC
NOW = dt.datetime(2023, 10, 24, 4, 0, tzinfo=UTC)


def test_a_backfill_asks_again_for_what_newsscraper_rejected_not_for_what_the_site_said_gone():
    at = [dt.datetime(2026, 3, 7, h, tzinfo=UTC) for h in range(4)]
    rejects = pa.table(
        {
            "article_id": ["1", "2", "3", "4", "4", "5", "5", None, "6", "6", "7", "7"],
            "reason": [
                "http_404",
                "pipeline_error",
                "redirected_away",
                "parse_error",  # then gone: the newest says so
                "http_410",
                "http_404",  # gone once, then an article that failed a rule of ours
                "missing_title",
                "parse_error",
                # Rows not in the order of their times (a compacted file read after a newer one)
                "http_404",  # the newest: gone
                "missing_title",
                "missing_title",  # the newest: ours
                "http_410",
            ],
            "scraped_at": [
                *(at[0], at[0], at[0], at[1], at[2], at[1], at[3], at[0]),
                *(at[3], at[1], at[3], at[1]),
            ],
        }
    )
    assert not_asked_again(rejects, backfill=False) == {"1", "2", "3", "4", "5", "6", "7"}
    assert not_asked_again(rejects, backfill=True) == {"1", "3", "4", "6"}


def future_item(article_id: str, days: int) -> Article:
    """An item published `days` after NOW, at https://cafef.vn/a-<article_id>.chn."""
    return Article(
        article_id=article_id,
        url=f"https://cafef.vn/a-{article_id}.chn",
        section="doanh-nghiep",
        title="MoMo bác bỏ tin đồn",
        published_at=NOW + dt.timedelta(days=days),
    )


def test_a_future_reject_is_due_again_once_the_clock_has_caught_up_with_it():
    soon = future_item("1", 2)
    far = future_item("2", 900)
    short = dataclasses.replace(future_item("3", 0), url="https://cafef.vn/c-3.chn", body="ngắn")
    rows = [reject_row(item, "published_in_future", "", NOW, "r") for item in (soon, far)]
    rows.append(reject_row(short, "body_too_short", "", NOW, "r"))
    rejects = pa.Table.from_pylist(rows).select(
        ["article_id", "url", "reason", "raw", "scraped_at"]
    )

    assert no_longer_in_future(rejects, NOW, ValidationRules(), "doanh-nghiep") == {}
    later = NOW + dt.timedelta(days=1, minutes=1)
    assert no_longer_in_future(rejects, later, ValidationRules(), "doanh-nghiep") == {
        "1": "https://cafef.vn/a-1.chn"
    }


def test_a_future_reject_rejected_again_since_is_judged_by_its_newest_reject():
    later = NOW + dt.timedelta(days=3)
    gone = future_item("1", 2)
    moved = future_item("2", 2)
    rows = [reject_row(item, "published_in_future", "", NOW, "r1") for item in (gone, moved)]
    # Asked again once the clock caught up: one page is gone, the other still too far ahead.
    rows.append(reject_row(gone, "http_404", "HTTP 404", later, "r2"))
    ahead = dataclasses.replace(moved, published_at=later + dt.timedelta(days=30))
    rows.append(reject_row(ahead, "published_in_future", "", later, "r2"))
    rejects = pa.Table.from_pylist(rows)

    assert no_longer_in_future(rejects, later, ValidationRules(), "doanh-nghiep") == {}


def test_future_rejects_not_due_again_do_not_hide_those_after_them():
    # Each reject is judged on its own: one gone since, one of another section and one whose
    # raw cannot be read are passed over, and the ones after them are still asked for again.
    later = NOW + dt.timedelta(days=3)
    gone, unreadable, due = (future_item(article_id, 2) for article_id in ("1", "3", "4"))
    other = dataclasses.replace(future_item("2", 2), section="bat-dong-san")
    at_limit = future_item("5", 4)  # exactly max_future after the clock: due again
    rows = [
        reject_row(item, "published_in_future", "", NOW, "r1")
        for item in (gone, other, unreadable, due, at_limit)
    ]
    rows[2]["raw"] = "{"
    rows.append(reject_row(gone, "http_404", "HTTP 404", later, "r2"))
    rejects = pa.Table.from_pylist(rows)

    assert no_longer_in_future(rejects, later, ValidationRules(), "doanh-nghiep") == {
        "4": "https://cafef.vn/a-4.chn",
        "5": "https://cafef.vn/a-5.chn",
    }


def test_future_rejects_that_cannot_be_judged_are_not_due_again():
    # Rows another tool wrote again, or a page without a URL to ask: none can be asked for, and
    # none stops the reading of those after it.
    later = NOW + dt.timedelta(days=3)
    items = [future_item(str(n), 2) for n in range(1, 8)]
    rows = [reject_row(item, "published_in_future", "", NOW, "r1") for item in items]
    rows[0]["url"] = None
    rows[1]["raw"] = None
    rows[2]["raw"] = json.dumps(
        {k: v for k, v in json.loads(rows[2]["raw"]).items() if k != "published_at"}
    )
    naive = json.loads(rows[3]["raw"]) | {"published_at": "2023-10-26T04:00:00"}
    rows[3]["raw"] = json.dumps(naive)
    rows[4]["article_id"] = None
    rows[5]["raw"] = "[" * 100_000  # nested deeper than Python's stack
    rejects = pa.Table.from_pylist(rows)

    assert no_longer_in_future(rejects, later, ValidationRules(), "doanh-nghiep") == {
        "7": "https://cafef.vn/a-7.chn"
    }


def test_a_future_reject_is_due_again_only_for_a_crawl_of_its_own_section():
    soon = future_item("1", 2)
    rejects = pa.Table.from_pylist([reject_row(soon, "published_in_future", "", NOW, "r")])
    later = NOW + dt.timedelta(days=3)

    assert no_longer_in_future(rejects, later, ValidationRules(), "bat-dong-san") == {}
    assert no_longer_in_future(rejects, later, ValidationRules(), "doanh-nghiep") == {
        "1": "https://cafef.vn/a-1.chn"
    }


def test_a_future_reject_rejected_again_at_the_same_instant_is_not_due_again():
    # Both runs under one fixed clock (NEWSSCRAPER_NOW): the other reject still wins.
    later = NOW + dt.timedelta(days=3)
    gone = future_item("1", 2)
    rows = [
        reject_row(gone, "http_404", "HTTP 404", later, "r2"),
        reject_row(gone, "published_in_future", "", later, "r1"),
    ]
    rejects = pa.Table.from_pylist(rows)

    assert no_longer_in_future(rejects, later, ValidationRules(), "doanh-nghiep") == {}


def test_a_future_reject_rejected_as_still_ahead_at_the_same_instant_is_not_due_again():
    # Both runs under one fixed clock: the later row, the page now dated further ahead, wins.
    later = NOW + dt.timedelta(days=3)
    soon = future_item("1", 2)
    ahead = dataclasses.replace(soon, published_at=later + dt.timedelta(days=30))
    rows = [
        reject_row(soon, "published_in_future", "", later, "r1"),
        reject_row(ahead, "published_in_future", "", later, "r2"),
    ]

    assert (
        no_longer_in_future(pa.Table.from_pylist(rows), later, ValidationRules(), "doanh-nghiep")
        == {}
    )


def test_pages_stored_or_rejected_since_the_newest_record_are_not_pending_from_the_start():
    # A killed run stored one pending page and rejected another (http_404) before it was
    # killed: the newest record still lists both. A run whose section page then never comes
    # asks for nothing, and its record must not list them as still to fetch.
    since = "2026-03-07T01:00:00+00:00"
    record = {
        i: {"url": f"https://cafef.vn/bai-{i}.chn", "first_failed_at": since}
        for i in ("1", "2", "3")
    }
    pending = pending_at_start(
        record, dt.timedelta(hours=24), is_stored=lambda i: i == "1", rejected={"2"}
    )
    assert pending.to_record() == {"3": record["3"]}
