import datetime as dt
import re
import time

import pytest
from scrapy.settings import Settings

from newsscraper.context import RunContext, new_run_id


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


def test_a_run_id_setting_names_the_run_and_the_clock_still_times_it():
    # RUN_ID and NEWSSCRAPER_NOW together make a run reproducible (README, settings).
    settings = Settings({"RUN_ID": "replay-1", "NEWSSCRAPER_NOW": "2026-03-08T06:30:00+07:00"})
    ctx = RunContext.from_settings(settings)
    assert ctx.run_id == "replay-1"
    assert ctx.started_at == dt.datetime(2026, 3, 7, 23, 30, tzinfo=dt.UTC)


def test_a_run_id_is_the_utc_second_then_eight_random_hex_digits():
    # Crontab lines of several sections start in the same second: the hex keeps them apart.
    now = dt.datetime(2026, 3, 7, 23, 30, 5, tzinfo=dt.UTC)
    run_ids = {new_run_id(now) for _ in range(200)}
    assert len(run_ids) == 200
    for run_id in run_ids:
        assert re.fullmatch(r"20260307T233005Z-[0-9a-f]{8}", run_id), run_id


def test_the_clock_gives_utc_on_a_machine_in_another_zone(monkeypatch):
    # A run started in Vietnam at 06:30 is named by 23:30Z the day before, as its `Z` says,
    # whether the system clock or NEWSSCRAPER_NOW times it.
    monkeypatch.setenv("TZ", "Asia/Ho_Chi_Minh")
    time.tzset()
    try:
        before = dt.datetime.now(dt.UTC)
        ctx = RunContext.from_settings(Settings())
        assert ctx.started_at.utcoffset() == dt.timedelta(0)
        assert before <= ctx.started_at <= dt.datetime.now(dt.UTC)
        assert ctx.run_id.startswith(f"{ctx.started_at:%Y%m%dT%H%M%SZ}-")
        assert ctx.run_id[:15] in {
            f"{before:%Y%m%dT%H%M%S}",
            f"{before + dt.timedelta(seconds=1):%Y%m%dT%H%M%S}",
        }
        fixed = RunContext.from_settings(Settings({"NEWSSCRAPER_NOW": "2026-03-08T06:30:00+07:00"}))
        assert fixed.started_at.utcoffset() == dt.timedelta(0)
        assert fixed.run_id.startswith("20260307T233000Z-")
    finally:
        monkeypatch.undo()
        time.tzset()
