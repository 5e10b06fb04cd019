import datetime as dt

import pytest
from scrapy.settings import Settings

from newsscraper.context import RunContext


def test_a_fixed_clock_with_an_offset_runs_in_utc_and_names_the_run_by_it():
    ctx = RunContext.from_settings(Settings({"NEWSSCRAPER_NOW": "2026-03-08T06:30:00+07:00"}))
    assert ctx.clock() == ctx.started_at == dt.datetime(2026, 3, 7, 23, 30, tzinfo=dt.UTC)
    assert ctx.started_at.utcoffset() == dt.timedelta(0)
    assert ctx.run_id.startswith("20260307T233000Z-")


def test_a_fixed_clock_without_an_offset_is_refused():
    with pytest.raises(ValueError, match="needs a time zone offset"):
        RunContext.from_settings(Settings({"NEWSSCRAPER_NOW": "2026-03-08T06:30:00"}))


def test_a_crawl_has_one_run_id_and_start_whoever_asks():
    # The rows, the rejects and the run record of a crawl all name the same run.
    from scrapy.utils.test import get_crawler

    crawler = get_crawler()
    first = RunContext.of(crawler)
    assert RunContext.of(crawler) is first
    assert RunContext.of(get_crawler()).run_id != first.run_id


def test_without_a_fixed_clock_a_run_is_named_and_timed_by_the_utc_now():
    # Rows, rejects and run records give UTC instants; the run id names the UTC second.
    before = dt.datetime.now(dt.UTC)
    ctx = RunContext.from_settings(Settings())
    assert before <= ctx.started_at <= ctx.clock() <= dt.datetime.now(dt.UTC)
    assert ctx.started_at.utcoffset() == dt.timedelta(0)
    assert ctx.run_id.startswith(f"{ctx.started_at:%Y%m%dT%H%M%SZ}-")


def test_an_empty_fixed_clock_is_no_fixed_clock():
    # `-s NEWSSCRAPER_NOW=` (a crontab line's variable left blank): the setting checks take it
    # as unset, and so does the clock.
    before = dt.datetime.now(dt.UTC)
    ctx = RunContext.from_settings(Settings({"NEWSSCRAPER_NOW": ""}))
    assert before <= ctx.started_at <= ctx.clock() <= dt.datetime.now(dt.UTC)
