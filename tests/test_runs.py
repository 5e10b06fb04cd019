"""Run records: how far down the listing the next run walks."""

from __future__ import annotations

import datetime as dt
import errno
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from newsscraper import (
    __version__,
    dataset,
    dataset_read,
    dataset_write,
    exitcodes,
    rests,
    runs,
    runs_read,
)
from newsscraper.context import RunContext
from newsscraper.crawl_args import CrawlArguments
from newsscraper.items import Article
from newsscraper.pending import PendingArticles
from newsscraper.rejects import RejectsExtension
from newsscraper.run_summary import RUN_SUMMARY_STAT, summary
from newsscraper.runs import (
    RunRecordExtension,
    last_pending,
    read_runs,
    watermark_to_reach,
)
from newsscraper.stop import DISK_ERROR_STAT

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
    runs = [record(at(11), at(9)), record(at(10), at(2)), record(at(9), at(2))]
    assert watermark_to_reach(runs, "doanh-nghiep") == at(10)
    failed = record(at(2), at(5))  # walked part of the way, carried the mark it had to reach
    assert watermark_to_reach([failed, record(at(9), at(2))], "doanh-nghiep") == at(2)


def test_the_first_walks_end_is_walked_down_to_by_two_runs_after_it():
    # The first run stopped at max_pages at(2), maybe inside that hour: the run after it, the
    # only one to walk its stories under where the first stopped, recorded at(10) or, nothing
    # new, at(9). The next walks down to at(2) once more, whatever that run found.
    first = record(at(9), at(2))
    for second in (record(at(10), at(2)), record(at(9), at(2))):
        assert watermark_to_reach([second, first], "doanh-nghiep") == at(2)
        # A run stopped, or a backfill, records the mark it was to reach: it walked nothing
        # twice.
        stopped = record(at(2), at(5))
        assert watermark_to_reach([stopped, second, first], "doanh-nghiep") == at(2)
        third = record(at(11), at(2))
        assert watermark_to_reach([third, stopped, second, first], "doanh-nghiep") > at(2)


def test_runs_that_found_nothing_new_keep_the_walk_down_to_their_shared_watermark():
    # A quiet night: every run after the first records the same watermark.
    runs = [record(at(9), at(8)), record(at(9), at(8)), record(at(9), at(2))]
    assert watermark_to_reach(runs, "doanh-nghiep") == at(9)
    other = record(at(11), at(10), section="bat-dong-san")
    assert watermark_to_reach([other, *runs], "doanh-nghiep") == at(9)


def test_once_a_run_walked_the_range_below_the_newest_watermark_again_the_walk_stops_there():
    # A catch-up set at(9) over the range down to at(2); the run after it walked that range
    # again and found nothing newer: the runs of the quiet night after it read page 1 only.
    settled = [record(at(2), at(1)), record(at(2), at(1)), record(at(1), at(0))]
    caught_up = [record(at(9), at(2)), *settled]
    assert watermark_to_reach(caught_up, "doanh-nghiep") == at(2)
    walked_again = record(at(9), at(2))
    assert watermark_to_reach([walked_again, *caught_up], "doanh-nghiep") == at(9)
    # A run that failed carried the mark it had to reach: the range is still to walk again.
    failed = record(at(2), at(5))
    assert watermark_to_reach([failed, *caught_up], "doanh-nghiep") == at(2)


def test_a_run_stopped_after_the_first_changes_no_later_runs_walk():
    # The first run set at(9) and walked down to at(2); a run stopped before it finished
    # records the mark it was to reach, at(2), older than at(9): every run after it walks down
    # as far as it would without that record.
    first, stopped = record(at(9), at(2)), record(at(2), at(5))
    for after in ([], [record(at(9), at(2))], [record(at(10), at(2))]):
        with_it = watermark_to_reach([*after, stopped, first], "doanh-nghiep")
        assert with_it == watermark_to_reach([*after, first], "doanh-nghiep")


def test_a_watermark_later_than_the_clock_is_not_the_newest_one():
    # A run whose clock was a day ahead recorded a story dated ahead (at(23)). The clock set
    # right (at(11)), the run after it recorded at(10): the next one walks down to at(9) once
    # more, not to at(10) as if a run had walked the range under at(10) again.
    runs = [record(at(10), at(8)), record(at(23), at(9)), record(at(9), at(8)), record(at(9))]
    assert watermark_to_reach(runs, "doanh-nghiep") == at(10)
    assert watermark_to_reach(runs, "doanh-nghiep", now=at(11)) == at(9)
    assert watermark_to_reach(runs, "doanh-nghiep", now=at(23)) == at(10)


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
        "run 20260307T060000Z-88205488 (bat-dong-san): 2 new rows, 0 duplicates, 1 reject, "
        "3 listing pages, stopped: caught_up; exit 7\n"
        "  problem: 1 article page(s) failed after every retry"
    )
    # A crawl stopped from inside is said to have stopped for that, not for its cut-short walk.
    rested = {**run, "stop_reason": "listing_failed", "finish_reason": "retry_after_too_long"}
    assert "listing pages, stopped: retry_after_too_long; exit 7" in summary(rested)
    no_walk = {**run, "stop_reason": None, "finish_reason": "shutdown"}
    assert "stopped: shutdown; exit 7" in summary(no_walk)
    # A crawl that finished with no reason from its walk says it finished, never "None".
    finished = {**run, "stop_reason": None, "finish_reason": "finished"}
    assert "listing pages, stopped: finished; exit 7" in summary(finished)
    # A record without a finish reason (the column is nullable) says why its walk stopped.
    unknown = {**run, "finish_reason": None}
    assert "listing pages, stopped: caught_up; exit 7" in summary(unknown)
    one_each = {**run, "new_rows": 1, "duplicates": 1, "rejects": 0, "listing_pages": 1}
    assert summary(one_each).startswith(
        "run 20260307T060000Z-88205488 (bat-dong-san): 1 new row, 1 duplicate, 0 rejects, "
        "1 listing page, stopped"
    )


def write_records(output_dir, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsscraper.dataset import runs_dir
    from newsscraper.schema import RUNS_SCHEMA

    runs_dir(output_dir).mkdir(parents=True)
    table = pa.Table.from_pylist(rows, schema=RUNS_SCHEMA)
    pq.write_table(table, runs_dir(output_dir) / "part-all.parquet")


def many_records(seed: int, count: int, end: dt.datetime) -> list[dict]:
    """Run records of two sections over 120 days before `end`, denser near it, with gaps of
    days, repeated watermarks, unhealthy runs, backfills and drops in fill rates."""
    import json
    import random

    rng = random.Random(seed)
    quiet = dt.timedelta(days=seed % 2)  # odd seeds: nothing new in the last 24 hours
    rows = []
    for n in range(count):
        finished = end - quiet - dt.timedelta(days=120 * rng.random() ** 2, minutes=1)
        mark = rng.choice([None, end - dt.timedelta(days=rng.randrange(20) + seed % 3)])
        rows.append(
            {
                "run_id": f"run-{n:04d}",
                "section": rng.choice(["doanh-nghiep", "doanh-nghiep", "bat-dong-san"]),
                "mode": rng.choice(["incremental"] * 5 + ["backfill"]),
                "started_at": finished - dt.timedelta(minutes=2),
                "finished_at": finished,
                "exit_code": rng.choice([0, 0, 0, 5, 7]),
                "new_rows": rng.choice([0, 1, 3, 12, 40, 80]),
                "articles_fetched": 3,
                "fill_rates": json.dumps({"author": rng.choice([0.9, 0.95, 0.1])}),
                "rejects_by_reason": "{}",
                "pending_articles": json.dumps(
                    {f"1882603{n:011d}": {"url": "u", "first_failed_at": finished.isoformat()}}
                ),
                "watermark": mark,
                "walked_down_to": None if mark is None else mark - dt.timedelta(hours=5),
            }
        )
    # Numbered in the order written: by the clock, but with a clock set back now and then (a
    # pair written the other way round). Seeds 0, 3, 6, …: records older than version 5, none
    # numbered; seeds 1, 4, 7, …: the oldest hundred older than it.
    if seed % 3:
        by_clock = sorted(rows, key=lambda row: row["finished_at"])
        numbers = list(range(1, count + 1))
        for _ in range(count // 10):
            i, j = rng.randrange(count), rng.randrange(count)
            numbers[i], numbers[j] = numbers[j], numbers[i]
        for row, number in zip(by_clock, numbers, strict=True):
            row["run_number"] = None if seed % 3 == 1 and number <= 100 else number
    return rows


def test_a_crawl_reads_few_run_records_and_decides_as_if_it_read_them_all(tmp_path):
    from newsscraper import health
    from newsscraper.runs import closing_runs, last_pending, read_runs, runs_to_start_from

    end = dt.datetime(2026, 11, 28, 12, tzinfo=UTC)
    for seed in range(12):
        output_dir = tmp_path / str(seed)
        write_records(output_dir, many_records(seed, 300, end))
        every = read_runs(output_dir)
        for section in ("doanh-nghiep", "bat-dong-san", "chung-khoan"):
            own = [run for run in every if run["section"] == section]
            start = runs_to_start_from(output_dir, section)
            # The newest, and the newest two holding each of the two latest watermarks.
            marks = sorted({run["watermark"] for run in own if run["watermark"]}, reverse=True)
            holding = [[run for run in own if run["watermark"] == mark][:2] for mark in marks[:2]]
            expected = {run["run_id"] for run in own[:1] + [run for two in holding for run in two]}
            # The first record, and the oldest two that walked down past its walk's end (a
            # backfill's: past its watermark).
            recorded = [run for run in own if run["watermark"]]
            if recorded:
                first = recorded[-1]
                tail = first["watermark" if first["mode"] == "backfill" else "walked_down_to"]
                later = [r for r in recorded[:-1] if r["watermark"] > tail]
                expected |= {run["run_id"] for run in [first, *later[-2:]]}
            assert {run["run_id"] for run in start} == expected
            assert watermark_to_reach(start, section) == watermark_to_reach(every, section)
            assert last_pending(start, section) == last_pending(every, section)
            # A clock behind the newest watermarks: what it reads gives what all of them give.
            if len(marks) > 1:
                now = marks[1]
                start = runs_to_start_from(output_dir, section, now)
                reach = watermark_to_reach(start, section, now)
                assert reach == watermark_to_reach(every, section, now)
                assert reach is not None and reach <= now
            judged, _ = closing_runs(output_dir, section, end)
            # Those finished inside the health check's window, the one finished last before
            # it, and the newest written; newest written first.
            oldest = health.oldest_looked_at(end)
            before = [run for run in own if run["finished_at"] < oldest]
            last_before = max(before, key=lambda run: run["finished_at"]) if before else None
            wanted = {run["run_id"] for run in own if run["finished_at"] >= oldest}
            wanted |= {run["run_id"] for run in [*own[:1], last_before] if run}
            assert judged == [run for run in own if run["run_id"] in wanted]
            for mode in ("incremental", "backfill"):
                for rates, new_rows in (({"author": 0.9}, 30), ({"author": 0.0}, 30), ({}, 0)):
                    record = {
                        "finish_reason": "finished",
                        "section": section,
                        "mode": mode,
                        "finished_at": end,
                        "new_rows": new_rows,
                        "articles_fetched": new_rows,
                        "fill_rates": rates,
                    }
                    assert health.judge(record, judged) == health.judge(record, own)


def test_a_record_finished_right_at_the_start_of_the_health_window_is_judged_with_the_one_before(
    tmp_path,
):
    # The health check looks at the runs finished at its oldest instant or since, and the last
    # one before them: a record finished exactly then is inside, and the one before it counts.
    from newsscraper import health
    from newsscraper.runs import closing_runs

    end = dt.datetime(2026, 11, 28, 12, tzinfo=UTC)
    oldest = health.oldest_looked_at(end)
    finished = {
        "run-1": oldest - dt.timedelta(days=2),
        "run-2": oldest - dt.timedelta(hours=1),
        "run-3": oldest,
        "run-4": end - dt.timedelta(hours=1),
    }
    write_records(
        tmp_path,
        [
            {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental"}
            | {"started_at": at, "finished_at": at, "exit_code": 0, "run_number": number}
            for number, (run_id, at) in enumerate(finished.items(), start=1)
        ],
    )
    judged, run_number = closing_runs(tmp_path, "doanh-nghiep", end)
    assert [run["run_id"] for run in judged] == ["run-4", "run-3", "run-2"]
    assert run_number == 5


def test_the_first_run_after_records_older_than_version_5_is_numbered_1(tmp_path):
    # Those records have no run_number column at all: the run closing after them numbers its
    # own record 1, and is judged against them, rather than failing to close.
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsscraper.runs import closing_runs
    from newsscraper.schema import RUNS_SCHEMA, SCHEMA_VERSION_KEY

    end = dt.datetime(2026, 3, 7, 12, tzinfo=UTC)
    rows = [
        {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental"}
        | {"started_at": end - ago, "finished_at": end - ago, "exit_code": 0}
        for run_id, ago in (("run-1", dt.timedelta(hours=2)), ("run-2", dt.timedelta(hours=1)))
    ]
    table = pa.Table.from_pylist(rows, schema=RUNS_SCHEMA)
    table = table.drop_columns(["run_number", "newsscraper_version", "since", "until", "stop_url"])
    dataset.runs_dir(tmp_path).mkdir(parents=True)
    pq.write_table(
        table.replace_schema_metadata({SCHEMA_VERSION_KEY: b"4"}),
        dataset.runs_dir(tmp_path) / "part-old.parquet",
    )
    judged, run_number = closing_runs(tmp_path, "doanh-nghiep", end)
    assert [run["run_id"] for run in judged] == ["run-2", "run-1"]
    assert run_number == 1


def test_the_first_run_after_older_records_merged_into_the_current_schema_is_numbered_1(tmp_path):
    # Merged by compact, records older than version 5 hold the run_number column, null in
    # every row: none is numbered, so the first record numbered after them is 1, not 2.
    from newsscraper.runs import closing_runs

    end = dt.datetime(2026, 3, 7, 12, tzinfo=UTC)
    write_records(
        tmp_path,
        [
            {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental"}
            | {"started_at": end - ago, "finished_at": end - ago, "exit_code": 0}
            for run_id, ago in (("run-1", dt.timedelta(hours=2)), ("run-2", dt.timedelta(hours=1)))
        ],
    )
    judged, run_number = closing_runs(tmp_path, "doanh-nghiep", end)
    assert [(run["run_id"], run["run_number"]) for run in judged] == [
        ("run-2", None),
        ("run-1", None),
    ]
    assert run_number == 1


def test_the_pending_pages_are_those_of_the_newest_record_of_the_section():
    newest_first = [
        {"section": "bat-dong-san", "pending_articles": {"3": {"url": "c"}}},
        {"section": "doanh-nghiep", "pending_articles": {"2": {"url": "b"}}},
        {"section": "doanh-nghiep", "pending_articles": {"1": {"url": "a"}}},
    ]
    assert last_pending(newest_first, "doanh-nghiep") == {"2": {"url": "b"}}
    assert last_pending(newest_first, "chung-khoan") == {}


def extension(tmp_path, run_id="run-1", now="2026-03-07T12:00:00+07:00", settings=None, **stats):
    crawler = get_crawler(
        settings_dict={"NEWSSCRAPER_NOW": now, "RUN_ID": run_id, "OUTPUT_DIR": str(tmp_path)}
        | (settings or {})
    )
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    return RunRecordExtension.from_crawler(crawler)


def spider(watermark=None, newest=None, covered=True, backfill=False, pending=None):
    walk = SimpleNamespace(
        watermark=watermark,
        newest_listed=newest,
        walked_down_to=at(1),
        stop_reason="caught_up",
        stop_url=None,
        failed_because=None,
        covered_to_watermark=lambda: covered,
    )
    args = SimpleNamespace(section="doanh-nghiep", is_backfill=backfill, since=None, until=None)
    return SimpleNamespace(walk=walk, args=args, pending=pending)


def test_fill_rates_are_the_share_of_articles_with_each_field_filled(tmp_path):
    ext = extension(tmp_path)
    assert ext.build_record(None, "finished", [])["fill_rates"] == {}
    ext.item_scraped(Article(article_id="1", author="Minh Anh", tags=["MoMo"], sapo=""))
    ext.item_scraped(Article(article_id="2", author=None, tags=[], sapo="Tóm tắt"))
    ext.item_scraped(Article(article_id="3", author="Hà Linh", tags=None))
    rates = ext.build_record(None, "finished", [])["fill_rates"]
    assert rates["article_id"] == 1.0 and rates["body"] == 0.0
    assert (rates["author"], rates["tags"], rates["sapo"]) == (0.6667, 0.3333, 0.3333)


def test_what_the_crawl_did_not_count_is_zero(tmp_path):
    record = extension(tmp_path).build_record(spider(), "finished", [])
    counts = ["listing_pages", "articles_fetched", "new_rows", "duplicates", "rejects"]
    counts += ["http_errors", "soft_blocks", "failed_articles"]
    assert [record[key] for key in counts] == [0] * len(counts)


def test_the_health_of_a_run_is_judged_against_its_own_sections_runs(tmp_path, monkeypatch):
    judged = []
    monkeypatch.setattr(
        runs.health, "judge", lambda record, recent: judged.append(recent) or (0, [])
    )
    other_section = spider()
    other_section.args.section = "bat-dong-san"
    for hour, run_id, crawled in [(10, "own", spider()), (11, "other", other_section)]:
        earlier = extension(tmp_path, run_id=run_id, now=f"2026-03-07T{hour}:00:00+07:00")
        earlier.spider_closed(crawled, "finished")
    extension(tmp_path, run_id="this").spider_closed(spider(), "finished")
    assert [r["run_id"] for r in judged[-1]] == ["own"]


def test_the_record_adds_up_what_the_crawl_counted(tmp_path):
    stat = "downloader/response_status_count/"
    ext = extension(
        tmp_path,
        **{
            "newsscraper/spider/listing_pages": 4,
            "newsscraper/spider/articles_parsed": 40,
            "newsscraper/parquet/rows_written": 30,
            "newsscraper/dedupe/duplicate_id": 1,
            "newsscraper/dedupe/content_duplicate": 2,
            "newsscraper/dedupe/near_duplicate": 4,
            "newsscraper/rejects/body_too_short": 2,
            "newsscraper/rejects/http_404": 1,
            "newsscraper/softblock/detected": 3,
            "newsscraper/spider/article_failed": 5,
            f"{stat}200": 50,
            f"{stat}301": 2,
            f"{stat}404": 1,
            f"{stat}503": 6,
            "downloader/exception_count": 2,
        },
    )
    record = ext.build_record(spider(), "finished", [])
    counted = {
        "listing_pages": 4,
        "articles_fetched": 40,
        "new_rows": 30,
        "duplicates": 7,
        "rejects": 3,
        "rejects_by_reason": {"body_too_short": 2, "http_404": 1},
        "http_errors": 9,
        "soft_blocks": 3,
        "failed_articles": 5,
    }
    assert {key: record[key] for key in counted} == counted
    assert (record["section"], record["mode"], record["stop_reason"]) == (
        "doanh-nghiep",
        "incremental",
        "caught_up",
    )
    assert ext.build_record(spider(backfill=True), "finished", [])["mode"] == "backfill"


def test_a_reject_held_back_and_not_written_is_no_reason_of_the_record(tmp_path):
    # A listed URL that redirected to an article never stored: its reject is not written, and
    # rejects_by_reason lists only the reasons of rows in rejects/.
    ext = extension(tmp_path)
    rejects = RejectsExtension.from_crawler(ext.crawler)
    rejects.page_rejected(
        url="https://cafef.vn/momo-188231024103100001.chn",
        reason="redirected_to_article",
        detail="stored as article 188231024103100099",
        stored_as="188231024103100099",
    )
    rejects.spider_closed()
    record = ext.build_record(spider(), "finished", [])
    assert (record["rejects"], record["rejects_by_reason"]) == (0, {})


def test_the_record_says_how_far_down_the_listing_the_walk_went(tmp_path):
    # The next run walks down to there while this run's is the only watermark recorded.
    record = extension(tmp_path).build_record(
        spider(watermark=at(9), newest=at(10)), "finished", []
    )
    assert (record["watermark"], record["walked_down_to"]) == (at(10), at(1))


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({}, at(10)),
        ({"newest": at(8)}, at(9)),  # the listing's newest went away: the mark stays
        ({"watermark": None}, at(10)),
        ({"newest": None}, at(9)),
        ({"covered": False}, at(9)),
        ({"backfill": True}, at(9)),
        ({"reason": "shutdown"}, at(9)),
        ({"listing_failed": 1}, at(9)),
    ],
)
def test_the_watermark_moves_only_after_a_finished_walk_down_to_it(tmp_path, case, expected):
    case = {"watermark": at(9), "newest": at(10), **case}
    reason, failed = case.pop("reason", "finished"), case.pop("listing_failed", 0)
    ext = extension(tmp_path, **{"newsscraper/spider/listing_failed": failed})
    assert ext.build_record(spider(**case), reason, [])["watermark"] == expected


def test_a_spider_that_never_started_carries_the_last_pending_pages(tmp_path):
    earlier = [{"section": "unknown", "pending_articles": {"1": {"url": "a"}}}]
    assert extension(tmp_path).build_record(None, "finished", earlier)["pending_articles"] == {
        "1": {"url": "a"}
    }


def test_the_record_is_written_with_its_exit_code_and_summary_and_read_back_newest_first(
    tmp_path,
):
    ext = extension(tmp_path, **{"newsscraper/rejects/http_404": 1})
    scraped = Article(article_id="1", author="Minh Anh")
    ext.crawler.signals.send_catch_log(signals.item_scraped, item=scraped, response=None)
    pending = PendingArticles(give_up_after=dt.timedelta(hours=72))
    pending.add("2", "https://cafef.vn/b-2.chn", at(8))
    crawled = spider(watermark=at(9), newest=at(10), pending=pending)
    ext.crawler.signals.send_catch_log(signals.spider_closed, spider=crawled, reason="finished")
    [record] = read_runs(tmp_path)
    assert (record["run_id"], record["exit_code"], record["watermark"]) == ("run-1", 0, at(10))
    assert (record["fill_rates"]["author"], record["rejects_by_reason"]) == (1.0, {"http_404": 1})
    assert record["pending_articles"] == {
        "2": {"url": "https://cafef.vn/b-2.chn", "first_failed_at": at(8).isoformat()}
    }
    assert ext.stats.get_value("newsscraper/exit_code") == 0
    assert ext.stats.get_value(RUN_SUMMARY_STAT) == summary(record)

    later = extension(tmp_path, run_id="run-2", now="2026-03-07T13:00:00+07:00")
    later.spider_closed(spider(watermark=at(10), newest=at(11)), "finished")
    assert [r["run_id"] for r in read_runs(tmp_path)] == ["run-2", "run-1"]


def test_the_record_of_a_run_whose_listing_page_failed_says_why_in_its_problem(tmp_path):
    # What the log line said of the page (`failed_because`): the record keeps it in its
    # problem, text as every problem is, and no column of its own.
    page = "https://cafef.vn/timelinelist/18836/2.chn"
    crawled = spider(watermark=at(9), newest=at(10), covered=False)
    crawled.walk.stop_reason, crawled.walk.stop_url = "listing_failed", page
    crawled.walk.failed_because = "failed after 5 tries, paging stops here: HTTP 503"
    ext = extension(tmp_path, **{"newsscraper/spider/listing_failed": 1})
    ext.spider_closed(crawled, "finished")
    [record] = read_runs(tmp_path)
    assert record["exit_code"] == exitcodes.SITE_ERRORS
    assert record["problems"] == [
        f"listing page {page} failed after 5 tries, paging stops here: HTTP 503"
    ]
    assert "failed_because" not in record


def test_the_record_is_written_in_the_crawls_parquet_compression(tmp_path):
    ext = extension(tmp_path, settings={"PARQUET_COMPRESSION": "snappy"})
    ext.spider_closed(spider(watermark=at(9), newest=at(10)), "finished")
    (path,) = dataset.list_part_files(tmp_path, dataset.RUNS)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_a_rest_that_outlasts_the_run_is_recorded_and_holds_every_sections_crawl_until_it_ends(
    tmp_path, monkeypatch
):
    from scrapy.settings import Settings

    from newsscraper.retries import SITE_REST_DEADLINE_STAT

    monkeypatch.setattr(rests.time, "monotonic", lambda: 1000.0)  # when the runs close
    # Closed at 05:00 UTC, the site having asked for a rest of an hour more.
    resting = extension(tmp_path, run_id="run-1", **{SITE_REST_DEADLINE_STAT: 1000.0 + 3600})
    resting.spider_closed(spider(), "retry_after_too_long")
    # Another section's run, closed at 05:10 after a rest of its own had ended. Its clock says
    # so, but a clock fixed by NEWSSCRAPER_NOW would not: the time that passed does.
    other_section = spider()
    other_section.args.section = "bat-dong-san"
    rested = extension(
        tmp_path,
        run_id="run-2",
        now="2026-03-07T12:10:00+07:00",
        **{SITE_REST_DEADLINE_STAT: 1000.0},
    )
    rested.spider_closed(other_section, "finished")
    assert {r["run_id"]: r["rests_until"] for r in read_runs(tmp_path)} == {
        "run-1": at(6),
        "run-2": None,
    }

    half_past = at(5) + dt.timedelta(minutes=30)
    assert rests.site_rest(tmp_path, half_past) == {
        "run_id": "run-1",
        "section": "doanh-nghiep",
        "rests_until": at(6),
    }
    assert rests.site_rest(tmp_path, at(6)) is None  # the rest is over when it ends

    def refused(now: dt.datetime) -> str | None:
        settings = Settings({"OUTPUT_DIR": str(tmp_path), "NEWSSCRAPER_NOW": now.isoformat()})
        return rests.rest_refused(settings)

    assert refused(half_past) == (
        "the site asked for a rest (Retry-After) until 2026-03-07 06:00:00 UTC, in run run-1 "
        "(doanh-nghiep); no crawl of this dataset asks it for anything before then"
    )
    assert refused(at(6)) is None


def test_a_rest_ending_within_a_second_is_said_to_end_at_the_next_second(monkeypatch, tmp_path):
    # Said to the second, a rest ending at 05:50:00.4 is "until 05:50:01": a crawl started at
    # 05:50:00, the time the message gave, would still be refused.
    from scrapy.settings import Settings

    from newsscraper import rests

    until = dt.datetime(2026, 3, 7, 5, 50, 0, 400_000, tzinfo=dt.UTC)
    record = {"run_id": "run-1", "section": "doanh-nghiep", "rests_until": until}
    monkeypatch.setattr(rests, "site_rest", lambda output_dir, now, set_back: record)
    settings = Settings({"OUTPUT_DIR": str(tmp_path)})
    assert "until 2026-03-07 05:50:01 UTC, in run run-1" in rests.rest_refused(settings)
    record["rests_until"] = until.replace(microsecond=0)
    assert "until 2026-03-07 05:50:00 UTC, in run run-1" in rests.rest_refused(settings)


def test_a_rest_left_at_the_close_ends_that_long_after_the_close_not_after_the_start(
    tmp_path, monkeypatch
):
    from newsscraper.context import RunContext
    from newsscraper.retries import SITE_REST_DEADLINE_STAT

    monkeypatch.setattr(rests.time, "monotonic", lambda: 1000.0)  # when the run closes
    # A run by a clock that runs: started at 04:00, closed at 05:00 with an hour of rest left.
    ext = extension(tmp_path, **{SITE_REST_DEADLINE_STAT: 1000.0 + 3600})
    ext.crawler._newsscraper_context = RunContext("run-1", lambda: at(5), started_at=at(4))
    ext.spider_closed(spider(), "retry_after_too_long")
    [record] = read_runs(tmp_path)
    assert (record["finished_at"], record["rests_until"]) == (at(5), at(6))


def test_a_rest_with_under_a_second_left_at_the_close_is_still_noted(monkeypatch):
    # A run that closes while the site still wants a rest notes its end (rests_until); however
    # little is left, the next crawl does not ask the site for anything before then.
    monkeypatch.setattr(rests.time, "monotonic", lambda: 1000.0)
    assert rests.rest_left(1000.5, at(5)) == at(5) + dt.timedelta(seconds=0.5)
    assert rests.rest_left(1000.0, at(5)) is None, "a rest ending now has ended"
    assert rests.rest_left(None, at(5)) is None


def test_the_latest_end_of_the_rests_still_running_holds(tmp_path):
    rows = [
        {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental", "exit_code": 3}
        | {"started_at": at(hour), "finished_at": at(hour), "rests_until": rests_until}
        for run_id, hour, rests_until in [
            ("early", 1, at(9)),  # asked first, for the longest rest
            ("later", 2, at(7)),
            ("none", 3, None),
        ]
    ]
    write_records(tmp_path, rows)
    assert rests.site_rest(tmp_path, at(4))["run_id"] == "early"
    assert rests.site_rest(tmp_path, at(9)) is None


def test_a_rest_noted_by_a_clock_ahead_holds_no_longer_than_the_site_asked(tmp_path):
    # A clock a day ahead noted a rest of two hours, then was corrected. Held to the end it
    # noted, the rest held every crawl of the next day, from the hour it had truly ended.
    ahead = dt.timedelta(days=1)
    row = {"run_id": "ahead", "section": "doanh-nghiep", "mode": "incremental", "exit_code": 3}
    row |= {"started_at": at(5) + ahead, "finished_at": at(5) + ahead, "rests_until": at(7) + ahead}
    write_records(tmp_path, [row])
    for hours in (0.2, 2.5, 12, 23):
        assert rests.site_rest(tmp_path, at(5) + dt.timedelta(hours=hours)) is None, hours
    # A clock set back a few minutes since the rest was noted (NTP) still holds it ...
    assert rests.site_rest(tmp_path, at(5) + ahead - dt.timedelta(minutes=5))["run_id"] == "ahead"
    assert rests.site_rest(tmp_path, at(5) + ahead - dt.timedelta(minutes=10))["run_id"] == "ahead"
    assert rests.site_rest(tmp_path, at(5) + ahead - dt.timedelta(minutes=11)) is None
    # ... and a clock that reached the hours the rest was noted in holds it until its end.
    assert rests.site_rest(tmp_path, at(6) + ahead)["run_id"] == "ahead"
    assert rests.site_rest(tmp_path, at(7) + ahead) is None
    # A year ahead, or NEWSSCRAPER_NOW in the past: it holds nothing either.
    assert rests.site_rest(tmp_path, at(5) - dt.timedelta(days=365)) is None


def test_how_far_a_clock_may_have_been_set_back_under_a_rest_is_retry_after_max(tmp_path):
    from scrapy.settings import Settings

    row = {"run_id": "run-1", "section": "doanh-nghiep", "mode": "incremental", "exit_code": 3}
    row |= {"started_at": at(5), "finished_at": at(5), "rests_until": at(7)}
    write_records(tmp_path, [row])
    set_back = at(5) - dt.timedelta(minutes=5)  # the clock now says 04:55

    def refused(retry_after_max: int) -> str | None:
        settings = Settings(
            {
                "OUTPUT_DIR": str(tmp_path),
                "NEWSSCRAPER_NOW": set_back.isoformat(),
                "RETRY_AFTER_MAX": retry_after_max,
            }
        )
        return rests.rest_refused(settings)

    assert refused(600) == (
        "the site asked for a rest (Retry-After) until 2026-03-07 07:00:00 UTC, in run run-1 "
        "(doanh-nghiep); no crawl of this dataset asks it for anything before then"
    )
    assert refused(60) is None


def test_no_rest_a_record_notes_holds_longer_than_a_day(tmp_path):
    # A record of another tool, or edited by hand, noting a rest of a month: the crawl would
    # be silenced for that month. A day, as long as a crawl ever notes, still holds.
    rows = [
        {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental", "exit_code": 3}
        | {"started_at": at(5), "finished_at": at(5), "rests_until": at(5) + rest}
        for run_id, rest in (("month", dt.timedelta(days=30)), ("day", dt.timedelta(days=1)))
    ]
    write_records(tmp_path, rows)
    assert rests.site_rest(tmp_path, at(5)) == {
        "run_id": "day",
        "section": "doanh-nghiep",
        "rests_until": at(5) + dt.timedelta(days=1),
    }


def test_a_days_rest_holds_whole_for_a_clock_set_back_and_a_longer_one_not_in_its_last_day(
    tmp_path,
):
    # A Retry-After of 85801 s noted at 05:00 and the run ending then: the rest ends at 04:50:01
    # the next day. A clock set back ten minutes (RETRY_AFTER_MAX) said the rest was longer
    # than a day from it, and the crawl started at once.
    rows = [
        {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental", "exit_code": 3}
        | {"started_at": finished, "finished_at": finished, "rests_until": finished + rest}
        for run_id, finished, rest in (
            ("day", at(5), dt.timedelta(seconds=85_801)),
            (
                "month",
                at(5) + dt.timedelta(days=1, hours=12) - dt.timedelta(days=30),
                dt.timedelta(days=30),
            ),
        )
    ]
    write_records(tmp_path, rows)
    set_back = at(5) - dt.timedelta(minutes=10)
    assert rests.site_rest(tmp_path, set_back) == {
        "run_id": "day",
        "section": "doanh-nghiep",
        "rests_until": at(4) + dt.timedelta(days=1, minutes=50, seconds=1),
    }
    # A record noting a month's rest holds nothing, also in its last day (it held it whole).
    assert rests.site_rest(tmp_path, at(5) + dt.timedelta(days=1)) is None


def test_records_older_than_version_4_hold_no_rest(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsscraper.dataset import runs_dir
    from newsscraper.schema import RUNS_SCHEMA

    row = {"run_id": "old", "section": "doanh-nghiep", "mode": "incremental", "exit_code": 3}
    row |= {"started_at": at(1), "finished_at": at(1)}
    table = pa.Table.from_pylist([row], schema=RUNS_SCHEMA).drop_columns(["rests_until"])
    runs_dir(tmp_path).mkdir(parents=True)
    pq.write_table(table, runs_dir(tmp_path) / "part-old.parquet")
    assert rests.site_rest(tmp_path, at(0)) is None
    assert rests.site_rest(tmp_path / "nothing-yet", at(0)) is None


def test_no_record_when_the_disk_failed_and_an_error_code_when_it_cannot_be_written(
    tmp_path, monkeypatch
):
    ext = extension(tmp_path)
    ext.spider_closed(spider(), "disk_error")
    assert read_runs(tmp_path) == []
    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.DISK_ERROR

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runs, "commit_part_file", disk_full)
    ext = extension(tmp_path)
    ext.spider_closed(spider(), "finished")
    assert read_runs(tmp_path) == []
    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.DISK_ERROR


def test_a_record_in_place_whose_folder_could_not_be_synced_is_a_written_record(
    tmp_path, monkeypatch
):
    # Renamed into runs/, only the folder's fsync failed: the record is there, the next runs
    # read it. Exit 4 and "no run record written" would contradict it (its exit_code, stats).
    fsync_dir = dataset_write._fsync_dir

    def runs_fsync_fails(path):
        if path == dataset.runs_dir(tmp_path):
            raise OSError(errno.EIO, "Input/output error", str(path))
        fsync_dir(path)

    monkeypatch.setattr(dataset_write, "_fsync_dir", runs_fsync_fails)
    ext = extension(tmp_path)
    ext.spider_closed(spider(), "finished")
    (record,) = read_runs(tmp_path)
    assert ext.stats.get_value("newsscraper/exit_code") == record["exit_code"] == exitcodes.OK
    assert "no run record written" not in ext.stats.get_value(RUN_SUMMARY_STAT)


def test_a_run_whose_record_is_not_written_still_says_what_it_did_and_each_of_its_problems(
    tmp_path, monkeypatch
):
    # The summary is all a person gets of such a run (`newsscraper cron` keeps the problems off
    # stderr, the summary saying them): not only the disk, but the site failing too.
    failing_site = {"newsscraper/spider/article_failed": 2, "newsscraper/parquet/rows_written": 9}
    disk = {DISK_ERROR_STAT: "rejects/part-run-1-0.parquet: ENOSPC"}
    ext = extension(tmp_path, **failing_site, **disk)
    ext.spider_closed(spider(), "finished")  # the rejects' last commit failed at the close
    assert ext.stats.get_value(RUN_SUMMARY_STAT) == (
        "run run-1 (doanh-nghiep): 9 new rows, 0 duplicates, 0 rejects, 0 listing pages, "
        "stopped: disk_error; exit 4; no run record written\n"
        "  problem: the output directory could not be written\n"
        "  problem: 2 article page(s) failed after every retry"
    )
    assert read_runs(tmp_path) == []

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runs, "commit_part_file", disk_full)
    ext = extension(tmp_path, **failing_site)
    ext.spider_closed(spider(), "finished")  # judged exit 7, then the record failed
    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.DISK_ERROR
    assert ext.stats.get_value(RUN_SUMMARY_STAT) == (
        "run run-1 (doanh-nghiep): 9 new rows, 0 duplicates, 0 rejects, 0 listing pages, "
        "stopped: caught_up; exit 4; no run record written\n"
        "  problem: the output directory could not be written\n"
        "  problem: 2 article page(s) failed after every retry"
    )


def test_a_disk_fault_in_the_final_flush_fails_a_crawl_the_engine_says_finished(tmp_path):
    # The sink's last commit comes after the engine chose "finished": the rows it held are lost.
    ext = extension(tmp_path, **{DISK_ERROR_STAT: "articles/part-run-1-2.parquet: ENOSPC"})
    ext.spider_closed(spider(), "finished")
    assert read_runs(tmp_path) == []
    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.DISK_ERROR


def test_each_record_is_numbered_one_past_the_highest_so_a_clock_set_back_loses_no_pending_page(
    tmp_path,
):
    first = PendingArticles(give_up_after=dt.timedelta(hours=24))
    first.add("1", "https://cafef.vn/a-1.chn", at(8))
    extension(tmp_path, run_id="run-1", now="2026-03-07T12:00:00+07:00").spider_closed(
        spider(watermark=at(3), newest=at(4), pending=first), "finished"
    )
    # The machine's clock was set back an hour before the next run: its record finishes
    # earlier by the clock, yet it is the newest, and its pending pages are the ones to ask for.
    second = PendingArticles(give_up_after=dt.timedelta(hours=24))
    second.add("2", "https://cafef.vn/b-2.chn", at(9))
    extension(tmp_path, run_id="run-2", now="2026-03-07T11:00:00+07:00").spider_closed(
        spider(watermark=at(3), newest=at(4), pending=second), "finished"
    )
    records = read_runs(tmp_path)
    assert [(r["run_id"], r["run_number"]) for r in records] == [("run-2", 2), ("run-1", 1)]
    assert list(last_pending(records, "doanh-nghiep")) == ["2"]


def test_a_record_names_the_release_that_ran_it_beside_older_records_that_do_not(tmp_path):
    # A record older than version 6 has no newsscraper_version: the crawls after it read it
    # as null, and number and order their own records after it.
    import pyarrow as pa

    from newsscraper.schema import RUNS_SCHEMA, SCHEMA_VERSION_KEY

    old = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "run-0", "section": "doanh-nghiep", "mode": "incremental",
        "started_at": at(3), "finished_at": at(3), "exit_code": 0, "run_number": 1,
        "watermark": at(2), "walked_down_to": at(1),
    }  # fmt: skip
    table = pa.Table.from_pylist([old], schema=RUNS_SCHEMA).drop_columns(["newsscraper_version"])
    table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: b"5"})
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-0.parquet", tmp_path)
    start = runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    assert [(r["run_id"], r.get("newsscraper_version")) for r in start] == [("run-0", None)]
    assert watermark_to_reach(start, "doanh-nghiep") == at(1)

    extension(tmp_path).spider_closed(spider(watermark=at(2), newest=at(4)), "finished")

    assert [
        (r["run_id"], r["run_number"], r["newsscraper_version"]) for r in read_runs(tmp_path)
    ] == [
        ("run-1", 2, __version__),
        ("run-0", 1, None),
    ]


def test_a_backfill_record_holds_the_dates_it_was_given_an_incremental_one_none(tmp_path):
    # 17:30 UTC on the 7th is 00:30 on the 8th in Vietnam: `since=-1` came to the 7th.
    first = extension(tmp_path, run_id="run-1", now="2026-03-07T17:30:00+00:00")
    backfill = spider(watermark=at(2))
    backfill.args = CrawlArguments.parse(
        {"since": "-1", "until": "2026-03-08"},
        default_max_pages=20,
        now=RunContext.of(first.crawler).started_at,
    )
    first.spider_closed(backfill, "finished")
    extension(tmp_path, run_id="run-2", now="2026-03-07T17:40:00+00:00").spider_closed(
        spider(watermark=at(2), newest=at(4)), "finished"
    )
    assert [(r["run_id"], r["mode"], r["since"], r["until"]) for r in read_runs(tmp_path)] == [
        ("run-2", "incremental", None, None),
        ("run-1", "backfill", dt.date(2026, 3, 7), dt.date(2026, 3, 8)),
    ]
    # The summary `newsscraper cron` prints names which days a backfill was to fill.
    assert first.stats.get_value(RUN_SUMMARY_STAT).startswith(
        "run run-1 (doanh-nghiep, backfill 2026-03-07…2026-03-08): 0 new rows, "
    )


def test_the_summary_of_a_backfill_leaves_an_end_not_given_open():
    run = {
        "run_id": "r", "section": "doanh-nghiep", "mode": "backfill", "new_rows": 1,
        "duplicates": 0, "rejects": 0, "listing_pages": 2, "stop_reason": "reached_since",
        "finish_reason": "finished", "exit_code": 0, "problems": [],
    }  # fmt: skip
    since, until = dt.date(2026, 3, 6), dt.date(2026, 3, 7)
    assert summary(run | {"since": since, "until": None}).startswith(
        "run r (doanh-nghiep, backfill 2026-03-06…): 1 new row"
    )
    assert summary(run | {"since": None, "until": until}).startswith(
        "run r (doanh-nghiep, backfill …2026-03-07): 1 new row"
    )
    # An incremental run's summary, and a backfill's older than the dates, say no dates.
    assert summary(run).startswith("run r (doanh-nghiep, backfill): 1 new row")
    assert summary(run | {"mode": "incremental"}).startswith("run r (doanh-nghiep): 1 new row")


def test_a_backfill_record_beside_older_records_without_the_dates(tmp_path):
    # A record older than version 7 has no since or until: the crawls after it read it as
    # null there, and number and order their own records after it.
    import pyarrow as pa

    from newsscraper.schema import RUNS_SCHEMA, SCHEMA_VERSION_KEY

    old = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "run-0", "section": "doanh-nghiep", "mode": "backfill",
        "started_at": at(3), "finished_at": at(3), "exit_code": 0, "run_number": 1,
        "watermark": at(2), "walked_down_to": at(1), "newsscraper_version": "0.0.9",
    }  # fmt: skip
    table = pa.Table.from_pylist([old], schema=RUNS_SCHEMA).drop_columns(
        ["since", "until", "stop_url"]
    )
    table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: b"6"})
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-0.parquet", tmp_path)
    start = runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    assert [(r["run_id"], r.get("since"), r.get("until")) for r in start] == [("run-0", None, None)]
    # A backfill's record alone: its watermark, what the runs were to walk down to then.
    assert watermark_to_reach(start, "doanh-nghiep") == at(2)

    backfill = spider(watermark=at(2), backfill=True)
    backfill.args.since = dt.date(2026, 3, 1)
    ext = extension(tmp_path)
    ext.spider_closed(backfill, "finished")

    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.OK
    assert [
        (r["run_id"], r["run_number"], r["mode"], r["since"], r["until"])
        for r in read_runs(tmp_path)
    ] == [
        ("run-1", 2, "backfill", dt.date(2026, 3, 1), None),
        ("run-0", 1, "backfill", None, None),
    ]


def _run_record_with(tmp_path, **values) -> None:
    """runs/part-r0.parquet: one earlier run of the section, its columns as `values` say."""
    import pyarrow as pa

    from newsscraper.schema import RUNS_SCHEMA

    finished = dt.datetime(2026, 3, 7, 4, 0, tzinfo=UTC)
    record = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "r0", "section": "doanh-nghiep", "mode": "incremental",
        "started_at": finished, "finished_at": finished, "exit_code": 0, "run_number": 1,
    } | values  # fmt: skip
    table = pa.Table.from_pylist([record], schema=RUNS_SCHEMA)
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-r0.parquet", tmp_path)


def test_a_run_record_with_no_json_in_a_json_column_stops_the_start_naming_it(tmp_path):
    # The crawl's start turns an ArrowInvalid into `dataset_unreadable` (exit 1), one line.
    import pyarrow as pa

    _run_record_with(tmp_path, pending_articles="{not json")
    with pytest.raises(pa.ArrowInvalid, match="run record 'r0': pending_articles is no JSON"):
        runs.runs_to_start_from(tmp_path, "doanh-nghiep")


@pytest.mark.parametrize("column", ["started_at", "finished_at", "watermark", "rests_until"])
@pytest.mark.parametrize("micros", [2**62, -(2**62)], ids=["ahead", "behind"])
def test_a_run_record_with_an_instant_no_date_holds_stops_the_start_naming_it(
    tmp_path, column, micros
):
    # Another tool's nanoseconds written as microseconds: some 146,000 years from 1970. Read
    # into Python, an OverflowError and a traceback at every start; named, exit 1 and verify.
    import pyarrow as pa

    from newsscraper.commands.verify import verify

    _run_record_with(tmp_path)
    path = dataset.runs_dir(tmp_path) / "part-r0.parquet"
    table = dataset_read.read_part_file(path)
    far = pa.array([micros], pa.int64()).cast(table.schema.field(column).type)
    table = table.set_column(table.schema.get_field_index(column), table.schema.field(column), far)
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-r1.parquet", tmp_path)
    path.unlink()
    outside = f"column {column} holds an instant outside the years 1 to 9999"
    with pytest.raises(pa.ArrowInvalid, match="part-r1.parquet': " + outside):
        runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    found = [str(finding) for finding in verify(tmp_path)]
    assert any("part-r1.parquet" in f and outside in f for f in found)


def test_a_run_record_with_no_json_read_at_the_close_ends_the_run_as_abnormal(tmp_path, caplog):
    # Read only at the close (the health check's records): not a traceback and exit 0 with no
    # record, run after run, but exit 1 naming the record, as a part file it cannot read.
    _run_record_with(tmp_path, fill_rates="[0.5]")
    ext = extension(tmp_path)
    ext.spider_closed(spider(), "finished")
    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.ABNORMAL
    assert ext.stats.get_value(RUN_SUMMARY_STAT) is None  # "no run record written; exit 1"
    assert [r["run_id"] for r in read_runs_table(tmp_path)] == ["r0"]
    assert f"the run records under {dataset.runs_dir(tmp_path)} cannot be read" in caplog.text
    assert "run record 'r0': fill_rates is no JSON object" in caplog.text
    assert f"`newsscraper verify --output-dir {tmp_path}` names every file" in caplog.text


def read_runs_table(output_dir) -> list[dict]:
    return runs_read.read_runs(output_dir).to_pylist()


@pytest.mark.parametrize(
    ("error", "reason", "code"),
    [
        (OSError(errno.EIO, "Input/output error"), "finished", exitcodes.DISK_ERROR),
        (OSError("footer unreadable"), "finished", exitcodes.ABNORMAL),  # Arrow's, no errno
        (OSError("footer unreadable"), "disk_error", exitcodes.DISK_ERROR),
    ],
)
def test_run_records_the_close_cannot_read_for_the_disk_end_the_run_as_a_disk_fault(
    tmp_path, monkeypatch, caplog, error, reason, code
):
    # A disk failing under runs/ (or a run already stopped by the disk) is exit 4, as for
    # any write: only a file another tool wrote is exit 1, with verify to name it.
    def failing(*args, **kwargs):
        raise error

    monkeypatch.setattr(runs, "closing_runs", failing)
    ext = extension(
        tmp_path, **({DISK_ERROR_STAT: "articles: ENOSPC"} if reason != "finished" else {})
    )
    ext.spider_closed(spider(), reason)
    assert ext.stats.get_value("newsscraper/exit_code") == code
    assert ("newsscraper verify" in caplog.text) == (code == exitcodes.ABNORMAL)


PENDING_URL = "https://cafef.vn/a-1.chn"


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("pending_articles", {"1": PENDING_URL}, "no object of url"),
        ("pending_articles", {"1": {"url": PENDING_URL}}, "no object of url"),
        ("pending_articles", {"1": {"url": 5, "first_failed_at": at(1).isoformat()}}, "no obj"),
        ("pending_articles", {"1": {"url": "u", "first_failed_at": "yesterday"}}, "no first"),
        ("pending_articles", {"1": {"url": "u", "first_failed_at": "2026-03-01T00"}}, "no first"),
        ("fill_rates", {"title": "high"}, "no number"),
        ("fill_rates", {"title": None}, "no number"),
        ("fill_rates", {"title": True}, "no number"),
        ("rejects_by_reason", {"no_title": 1.5}, "no count"),
    ],
)
def test_a_run_record_whose_json_column_holds_an_object_of_another_shape_stops_the_start(
    tmp_path, column, value, said
):
    # Another tool wrote it again as a JSON object of other values: the crawl's start (or close)
    # names the record, as for one holding no JSON, instead of a traceback in the middle of it.
    import json

    import pyarrow as pa

    _run_record_with(tmp_path, **{column: json.dumps(value)})
    with pytest.raises(pa.ArrowInvalid, match=f"run record 'r0': {column} holds {said}"):
        runs.runs_to_start_from(tmp_path, "doanh-nghiep")


def test_a_run_record_numbered_the_largest_int64_stops_the_start_and_the_close_naming_it(
    tmp_path, caplog
):
    # Another tool's record: the next record, one past it, is no int64. Not an OverflowError
    # traceback and exit 0 with no record, run after run, but the record named, exit 1, verify.
    import pyarrow as pa

    from newsscraper.commands.verify import verify

    _run_record_with(tmp_path, run_number=2**63 - 1)
    said = "part-r0.parquet': column run_number holds the largest number an int64 holds"
    with pytest.raises(pa.ArrowInvalid, match=said):
        runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    ext = extension(tmp_path)
    ext.spider_closed(spider(), "finished")
    assert ext.stats.get_value("newsscraper/exit_code") == exitcodes.ABNORMAL
    assert said in caplog.text
    assert [str(f) for f in verify(tmp_path) if "run_number holds the largest" in str(f)]


def _quiet_year_of_records(count: int, end: dt.datetime) -> list[dict]:
    """`count` records of quiet cron runs, one every three hours up to `end`, in one file as
    `compact` leaves them: each holds fill rates, as a run that stored rows does."""
    import json

    rates = json.dumps({"author": 0.9, "title": 1.0})
    rows = []
    for n in range(count):
        finished = end - dt.timedelta(hours=3 * (count - n))
        rows.append(
            {"run_id": f"run-{n:05d}", "section": "doanh-nghiep", "mode": "incremental"}
            | {"started_at": finished, "finished_at": finished, "exit_code": 0}
            | {"run_number": n + 1, "fill_rates": rates, "new_rows": 1}
            | {"watermark": finished - dt.timedelta(hours=3 * (n % 2))}
        )
    return rows


def test_a_crawl_holds_whole_only_a_few_run_records_at_a_time(tmp_path, monkeypatch):
    # A year of cron runs keeps 100,000 records: all of them read whole at once at each start
    # and close held some 120 MB. A few columns of each are read; whole, a batch at a time.
    import pyarrow.parquet as pq

    end = dt.datetime(2026, 3, 7, 4, tzinfo=UTC)
    write_records(tmp_path, _quiet_year_of_records(1000, end))
    monkeypatch.setattr(runs_read, "RUN_BATCH_ROWS", 16)
    decoded = []
    read, iter_batches = pq.ParquetFile.read, pq.ParquetFile.iter_batches

    def counted_read(self, *args, **kwargs):
        table = read(self, *args, **kwargs)
        if "fill_rates" in table.column_names:
            decoded.append(table.num_rows)
        return table

    def counted_batches(self, *args, **kwargs):
        for batch in iter_batches(self, *args, **kwargs):
            if "fill_rates" in batch.schema.names:
                decoded.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "read", counted_read)
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", counted_batches)
    start = runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    # The newest, the two of each of the two latest watermarks, the first record and the
    # oldest two whose watermark is later than its (run-00001's is the same).
    order = (999, 998, 997, 996, 3, 2, 0)
    assert [run["run_id"] for run in start] == [f"run-{n:05d}" for n in order]
    assert decoded and max(decoded) <= 16
    decoded.clear()
    judged, number = runs.closing_runs(tmp_path, "doanh-nghiep", end)
    assert number == 1001
    assert len(judged) == 29 * 8 + 1  # 29 days of runs every three hours, and the one before
    assert decoded and max(decoded) <= 16


def test_a_record_of_another_tool_not_kept_still_stops_the_start_naming_it(tmp_path):
    # Its exit_code a list: read only for its key columns, it would pass unseen; its columns
    # not in their declared types, it is read whole, and the start names it, as before.
    import pyarrow as pa

    _run_record_with(tmp_path, section="bat-dong-san")
    path = dataset.runs_dir(tmp_path) / "part-r0.parquet"
    table = dataset_read.read_part_file(path)
    index = table.schema.get_field_index("exit_code")
    table = table.set_column(index, "exit_code", pa.array([[0]], pa.list_(pa.int64())))
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-r1.parquet", tmp_path)
    path.unlink()
    said = "part-r1.parquet': column exit_code is list<element: int64>, not readable as int32"
    with pytest.raises(pa.ArrowInvalid, match=said):
        runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    with pytest.raises(pa.ArrowInvalid, match=said):
        runs.closing_runs(tmp_path, "doanh-nghiep", dt.datetime(2026, 3, 8, tzinfo=UTC))


def _records_of_sections(tmp_path, *records: tuple[str, str, int]) -> None:
    """runs/part-<run id>.parquet for each (run id, section, run number), finished in turn."""
    import pyarrow as pa

    from newsscraper.schema import RUNS_SCHEMA

    for n, (run_id, section, number) in enumerate(records):
        finished = dt.datetime(2026, 3, 7, 4, n, tzinfo=UTC)
        record = {name: None for name in RUNS_SCHEMA.names} | {
            "run_id": run_id, "section": section, "mode": "incremental",
            "started_at": finished, "finished_at": finished, "exit_code": 0,
            "run_number": number, "watermark": finished,
        }  # fmt: skip
        table = pa.Table.from_pylist([record], schema=RUNS_SCHEMA)
        path = dataset.runs_dir(tmp_path) / f"part-{run_id}.parquet"
        dataset_write.commit_part_file(table, path, tmp_path)


def test_a_record_is_numbered_one_past_the_highest_of_every_section(tmp_path):
    # The numbers order the records of the whole dataset: a run of one section closing after
    # a run of another numbers its record after that one's.
    _records_of_sections(
        tmp_path, ("run-1", "doanh-nghiep", 1), ("run-2", "bat-dong-san", 2), ("run-3", "x", 7)
    )
    judged, number = runs.closing_runs(tmp_path, "doanh-nghiep", at(5))
    assert [run["run_id"] for run in judged] == ["run-1"]
    assert number == 8


@pytest.mark.parametrize("column", ["started_at", "rests_until"])
def test_an_instant_no_date_holds_in_a_record_not_kept_still_stops_the_start_and_the_close(
    tmp_path, column
):
    # The record is of another section: the crawl reads only a few of its columns, and still
    # names it, as when every record was read whole.
    import pyarrow as pa

    _records_of_sections(tmp_path, ("run-1", "doanh-nghiep", 1), ("run-2", "bat-dong-san", 2))
    path = dataset.runs_dir(tmp_path) / "part-run-2.parquet"
    table = dataset_read.read_part_file(path)
    far = pa.array([2**62], pa.int64()).cast(table.schema.field(column).type)
    table = table.set_column(table.schema.get_field_index(column), table.schema.field(column), far)
    path.unlink()
    dataset_write.commit_part_file(table, path, tmp_path)
    said = f"part-run-2.parquet': column {column} holds an instant outside the years 1 to 9999"
    with pytest.raises(pa.ArrowInvalid, match=said):
        runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    with pytest.raises(pa.ArrowInvalid, match=said):
        runs.closing_runs(tmp_path, "doanh-nghiep", at(5))


def test_a_record_another_tool_wrote_again_in_other_types_is_read_in_the_declared_ones(tmp_path):
    # Its exit_code as text and its run_number as int32: read whole, it joins the others with
    # every column in its declared type.
    import pyarrow as pa

    _records_of_sections(tmp_path, ("run-1", "doanh-nghiep", 1), ("run-2", "doanh-nghiep", 2))
    path = dataset.runs_dir(tmp_path) / "part-run-1.parquet"
    table = dataset_read.read_part_file(path)
    for name, values in (("exit_code", pa.array(["0"])), ("run_number", pa.array([1], pa.int32()))):
        table = table.set_column(table.schema.get_field_index(name), name, values)
    path.unlink()
    dataset_write.commit_part_file(table, path, tmp_path)
    start = runs.runs_to_start_from(tmp_path, "doanh-nghiep")
    judged, number = runs.closing_runs(tmp_path, "doanh-nghiep", at(5))
    for read in (start, judged):
        assert [(r["run_id"], r["exit_code"], r["run_number"]) for r in read] == [
            ("run-2", 0, 2),
            ("run-1", 0, 1),
        ]
    assert number == 3
