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


def test_runs_that_found_nothing_new_keep_the_walk_down_to_their_shared_watermark():
    # A quiet night: every run after the first records the same watermark.
    runs = [record(at(9), at(8)), record(at(9), at(8)), record(at(9), at(2))]
    assert watermark_to_reach(runs, "doanh-nghiep") == at(9)
    other = record(at(11), at(10), section="bat-dong-san")
    assert watermark_to_reach([other, *runs[:2]], "doanh-nghiep") == at(9)


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
                "pending_articles": json.dumps({f"1882603{n:011d}": {"url": "u"}}),
                "watermark": mark,
                "walked_down_to": None if mark is None else mark - dt.timedelta(hours=5),
            }
        )
    return rows


def test_a_crawl_reads_few_run_records_and_decides_as_if_it_read_them_all(tmp_path):
    from newsscraper import health
    from newsscraper.runs import last_pending, read_runs, runs_to_judge, runs_to_start_from

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
            assert {run["run_id"] for run in start} == expected
            assert watermark_to_reach(start, section) == watermark_to_reach(every, section)
            assert last_pending(start, section) == last_pending(every, section)
            judged = runs_to_judge(output_dir, section, end)
            inside = [run for run in own if run["finished_at"] >= health.oldest_looked_at(end)]
            assert judged == inside + own[len(inside) : len(inside) + 1]
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
