"""Run records: how far down the listing the next run walks."""

from __future__ import annotations

import datetime as dt

from newsscraper.runs import summary, watermark_to_reach

UTC = dt.UTC


def at(hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, 7, hour, tzinfo=UTC)


def record(watermark, walked_down_to=None, section="doanh-nghiep") -> dict:
    return {"section": section, "watermark": watermark, "walked_down_to": walked_down_to}


def test_the_run_after_the_first_walks_down_to_where_the_first_walk_stopped():
    assert watermark_to_reach([], "doanh-nghiep") is None
    assert watermark_to_reach([record(None, at(1))], "doanh-nghiep") is None
    assert watermark_to_reach([record(at(9), at(2))], "doanh-nghiep") == at(2)
    assert watermark_to_reach([record(at(9), at(2))], "bat-dong-san") is None


def test_then_down_to_the_watermark_before_the_newest():
    runs = [record(at(10), at(8)), record(at(9), at(2))]
    assert watermark_to_reach(runs, "doanh-nghiep") == at(9)
    failed = record(at(2), at(5))  # walked part of the way, carried the mark it had to reach
    assert watermark_to_reach([failed, record(at(9), at(2))], "doanh-nghiep") == at(2)


def test_a_single_record_older_than_version_3_is_walked_down_to_its_watermark():
    # Version 2 records carry no walked_down_to: the watermark they set is still covered, and
    # a machine that was off for days catches up on it past max_pages.
    old = {"section": "doanh-nghiep", "watermark": at(9)}
    assert watermark_to_reach([old], "doanh-nghiep") == at(9)


def test_the_summary_line_names_the_section_of_the_run():
    # Two sections' crontab lines append their summaries to one log.
    run = {
        "run_id": "20260307T060000Z-88205488",
        "section": "bat-dong-san",
        "new_rows": 2,
        "duplicates": 0,
        "rejects": 1,
        "listing_pages": 3,
        "stop_reason": "caught_up",
        "finish_reason": "finished",
        "exit_code": 7,
        "problems": ["1 article page(s) failed after every retry"],
    }
    assert summary(run) == (
        "run 20260307T060000Z-88205488 (bat-dong-san): 2 new rows, 0 duplicates, 1 rejects, "
        "3 listing pages, stopped: caught_up; exit 7\n"
        "  problem: 1 article page(s) failed after every retry"
    )
