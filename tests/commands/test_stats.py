"""`newsscraper stats`: per-day counts, fill rates, duplicates, rejects, runs; tables and JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from run_records import run_record

from newsscraper import __version__, cli, dataset, dataset_read, dataset_write
from newsscraper.commands import compact, stats
from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_SCHEMA,
    SCHEMA_VERSION_KEY,
    added_in,
)

UTC = dt.UTC
TS = pa.timestamp("us", tz="UTC")


@pytest.fixture
def output_dir(tmp_path, make_row, write_batch):
    write_batch(
        [
            make_row("101"),
            make_row("102", tags=[], sapo=""),  # empty values do not count as filled
            make_row("103", duplicate_of="101", tags=None),
            make_row("104", published_date=dt.date(2026, 3, 6)),
        ],
        seq=1,
    )
    write_batch([make_row("201", section="thi-truong-chung-khoan", sapo=None)], seq=2)
    at = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    dataset_write.commit_rejects(
        tmp_path,
        [
            {"reason": "body_too_short", "scraped_at": at, "run_id": "run-a"},
            {"reason": "missing_title", "scraped_at": at, "run_id": "run-a"},
            {"reason": "body_too_short", "scraped_at": at, "run_id": "run-a"},
        ],
        "run-a",
        1,
    )
    # Run records of version 1: the columns added since are shown as null.
    commit_runs(
        tmp_path,
        [
            {
                "run_id": "run-a",
                "finished_at": dt.datetime(2026, 3, 8, 2, 5, tzinfo=UTC),
                "finish_reason": "finished",
                "new_rows": 5,
            },
            {
                "run_id": "run-b",
                "finished_at": dt.datetime(2026, 3, 9, 2, 5, tzinfo=UTC),
                "finish_reason": "disk_error",
                "new_rows": 0,
            },
        ],
    )
    return tmp_path


def commit_runs(output_dir, rows: list[dict], name: str = "part-runs.parquet") -> Path:
    """`rows` as run records of version 1 in one part file of runs/: each `run_record` with the
    row's values, with every column of version 1 and, of those added since, the rows' own."""
    given = {key for row in rows for key in row}
    later = [f.name for f in RUNS_SCHEMA if added_in(f) > 1 and f.name not in given]
    table = pa.Table.from_pylist(
        [run_record(row["run_id"], 0) | row for row in rows], schema=RUNS_SCHEMA
    ).drop_columns(later)
    path = dataset.runs_dir(output_dir) / name
    dataset_write.commit_part_file(table, path, output_dir)
    return path


# What --json shows of a run record of version 1 (`commit_runs`) with no value of its own.
SHOWN_OF_A_RECORD = {
    name: value.isoformat().replace("Z", "+00:00") if isinstance(value, dt.datetime) else value
    for name, value in run_record("", 0).items()
    if name in stats.RUN_COLUMNS
}


def stats_json(output_dir, capsys) -> dict:
    assert cli.main(["stats", "--output-dir", str(output_dir), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_counts_rows_duplicates_rejects_and_runs(output_dir, capsys):
    stats = stats_json(output_dir, capsys)
    assert stats["articles"] == 5 and stats["part_files"] == 3
    assert stats["rows_per_day_and_section"] == [
        {"published_date": "2026-03-06", "section": "doanh-nghiep", "rows": 1},
        {"published_date": "2026-03-07", "section": "doanh-nghiep", "rows": 3},
        {"published_date": "2026-03-07", "section": "thi-truong-chung-khoan", "rows": 1},
    ]
    assert stats["duplicates"] == {"rows": 1, "by_section": {"doanh-nghiep": 1}}
    assert stats["rejects_by_reason"] == {"body_too_short": 2, "missing_title": 1}
    assert stats["recent_runs"] == [
        SHOWN_OF_A_RECORD
        | {
            "run_id": "run-b",
            "finished_at": "2026-03-09T02:05:00+00:00",
            "finish_reason": "disk_error",
            "new_rows": 0,
        },
        SHOWN_OF_A_RECORD
        | {
            "run_id": "run-a",
            "finished_at": "2026-03-08T02:05:00+00:00",
            "finish_reason": "finished",
            "new_rows": 5,
        },
    ]


def test_rows_per_day_are_by_day_then_section_and_rejects_by_reason(tmp_path, make_row, capsys):
    # A section sorting first with a later day, a section sorting last with an earlier one;
    # rejects stored in no order of their reasons.
    march = [dt.date(2026, 3, d) for d in (5, 6)]
    rows = [make_row("101", section="bat-dong-san", published_date=march[1])]
    rows.append(make_row("102", section="thi-truong-chung-khoan", published_date=march[0]))
    dataset_write.commit_articles(tmp_path, rows, "run-a", 1)
    at = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    reasons = ["missing_title", "http_404", "missing_title", "body_too_short"]
    dataset_write.commit_rejects(
        tmp_path, [{"reason": r, "scraped_at": at, "run_id": "run-a"} for r in reasons], "run-a", 1
    )
    stats = stats_json(tmp_path, capsys)
    assert stats["rows_per_day_and_section"] == [
        {"published_date": "2026-03-05", "section": "thi-truong-chung-khoan", "rows": 1},
        {"published_date": "2026-03-06", "section": "bat-dong-san", "rows": 1},
    ]
    assert list(stats["rejects_by_reason"].items()) == [
        ("body_too_short", 1),
        ("http_404", 1),
        ("missing_title", 2),
    ]


def test_duplicates_count_rows_not_sections(tmp_path, make_row, write_batch, capsys):
    rows = [make_row("101"), make_row("102", duplicate_of="101")]
    rows += [make_row("103", duplicate_of="101"), make_row("104", duplicate_of="101")]
    rows.append(make_row("201", section="thi-truong-chung-khoan", duplicate_of="101"))
    write_batch(rows)
    assert stats_json(tmp_path, capsys)["duplicates"] == {
        "rows": 4,
        "by_section": {"doanh-nghiep": 3, "thi-truong-chung-khoan": 1},
    }


# The dates a backfill was given (added in version 7).
WINDOW = ("since", "until")
# The listing page a walk stopped at (added in version 8).
STOPPED_AT = "https://cafef.vn/timelinelist/18836/2.chn"
BACKFILL_UNTIL = dt.date(2026, 2, 28)


@pytest.fixture
def several_versions(tmp_path, make_row, write_batch):
    """Articles of two sections, rejects in two files, and 14 run records of versions 1, 4, 5,
    6, 7 and 8 (each older one without the columns added since), in a merged file and part
    files."""
    write_batch([make_row("101"), make_row("102", duplicate_of="101", sapo=None)], seq=1)
    day = dt.date(2026, 3, 6)
    write_batch([make_row("201", section="bat-dong-san", published_date=day, tags=[])], seq=2)
    for run_id, reasons in (("run-4", ["http_404", "body_too_short"]), ("run-7", ["http_404"])):
        at = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
        rejects = [{"reason": r, "scraped_at": at, "run_id": run_id} for r in reasons]
        dataset_write.commit_rejects(tmp_path, rejects, run_id, 1)

    def record(run_id: str, finished: dt.datetime, **fields) -> dict:
        return {name: None for name in RUNS_SCHEMA.names} | {
            "run_id": run_id, "section": "doanh-nghiep", "mode": "incremental",
            "started_at": finished - dt.timedelta(minutes=2), "finished_at": finished,
            "finish_reason": "finished", "exit_code": 0, "problems": [], "new_rows": 3,
            "duplicates": 0, "rejects": 0, "fill_rates": '{"title": 1.0}',
            "pending_articles": "{}", "newsscraper_version": __version__,
        } | fields  # fmt: skip

    def commit(records: list[dict], name: str, version: bytes, lacking: list[str]) -> None:
        table = pa.Table.from_pylist(records, schema=RUNS_SCHEMA).drop_columns(lacking)
        table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: version})
        path = dataset.runs_dir(tmp_path) / f"part-{name}.parquet"
        dataset_write.commit_part_file(table, path, tmp_path)

    at = dt.datetime(2026, 3, 1, tzinfo=UTC)
    # Version 4, merged: not numbered, ordered by finished_at (one ties the version 1 record).
    commit(
        [record(f"run-v4-{h}", at + dt.timedelta(hours=h), new_rows=h) for h in range(1, 7)],
        "compact-20260301T120000Z",
        b"4",
        ["run_number", "newsscraper_version", *WINDOW, "stop_url"],
    )
    version_1 = record("run-v1", at + dt.timedelta(hours=6), mode="backfill", new_rows=None)
    commit(
        [version_1],
        "run-v1",
        b"1",
        [
            *["pending_articles", "walked_down_to", "rests_until", "run_number"],
            *["newsscraper_version", *WINDOW, "stop_url"],
        ],
    )
    for n in range(1, 4):  # version 5: numbered, without the release
        finished = at + dt.timedelta(days=1, hours=n)
        commit(
            [record(f"run-{n}", finished, run_number=n)],
            f"run-{n}",
            b"5",
            ["newsscraper_version", *WINDOW, "stop_url"],
        )
    # Runs 4 and 6 of version 6, without a backfill's dates; 5 of version 7, a backfill of two
    # days; 7 of version 8, its walk stopped at a listing page. Run 6 under a clock two days
    # behind.
    for n in range(4, 8):
        finished = at + dt.timedelta(days=2 if n != 6 else 0, hours=n)
        fields = {"run_number": n, "rejects": 2 if n in (4, 7) else 0}
        if n == 5:
            fields |= {"mode": "backfill", "since": dt.date(2026, 2, 27), "until": BACKFILL_UNTIL}
        if n == 7:
            problems = ["a listing page failed", "1 article page(s) failed"]
            fields |= {"exit_code": 7, "finish_reason": "listing_failed", "problems": problems}
            fields |= {"stop_url": STOPPED_AT}
        version, lacking = {5: (b"7", ["stop_url"]), 7: (b"8", [])}.get(
            n, (b"6", [*WINDOW, "stop_url"])
        )
        commit([record(f"run-{n}", finished, **fields)], f"run-{n}", version, lacking)
    return tmp_path


WHOLE_TEXT = """\
{dir}: 3 articles in 2 files

Articles per day and section
published_date  section       rows
--------------  ------------  ----
2026-03-06      bat-dong-san  1
2026-03-07      doanh-nghiep  2

Fill rate per column
column          filled
--------------  ------
article_id      100.0%
url             100.0%
section         100.0%
category        100.0%
title           100.0%
sapo            66.7%
body            100.0%
author          0.0%
source          0.0%
source_url      0.0%
published_at    100.0%
modified_at     0.0%
published_date  100.0%
tags            66.7%
tickers         100.0%
image_urls      0.0%
word_count      100.0%
content_sha256  0.0%
simhash         0.0%
duplicate_of    33.3%
scraped_at      100.0%
run_id          100.0%

Duplicates (duplicate_of set): 1 rows
section       rows
------------  ----
doanh-nghiep  1

Rejects by reason
reason          rows
--------------  ----
body_too_short  1
http_404        2

Recent runs
run_id    section       mode                            started_at            finished_at           finish_reason   exit_code  new_rows  duplicates  rejects  problems
--------  ------------  ------------------------------  --------------------  --------------------  --------------  ---------  --------  ----------  -------  -----------------------------------------------
run-7     doanh-nghiep  incremental                     2026-03-03 06:58:00Z  2026-03-03 07:00:00Z  listing_failed  7          3         0           2        a listing page failed; 1 article page(s) failed
run-6     doanh-nghiep  incremental                     2026-03-01 05:58:00Z  2026-03-01 06:00:00Z  finished        0          3         0           0        -
run-5     doanh-nghiep  backfill 2026-02-27…2026-02-28  2026-03-03 04:58:00Z  2026-03-03 05:00:00Z  finished        0          3         0           0        -
run-4     doanh-nghiep  incremental                     2026-03-03 03:58:00Z  2026-03-03 04:00:00Z  finished        0          3         0           2        -
run-3     doanh-nghiep  incremental                     2026-03-02 02:58:00Z  2026-03-02 03:00:00Z  finished        0          3         0           0        -
run-2     doanh-nghiep  incremental                     2026-03-02 01:58:00Z  2026-03-02 02:00:00Z  finished        0          3         0           0        -
run-1     doanh-nghiep  incremental                     2026-03-02 00:58:00Z  2026-03-02 01:00:00Z  finished        0          3         0           0        -
run-v4-6  doanh-nghiep  incremental                     2026-03-01 05:58:00Z  2026-03-01 06:00:00Z  finished        0          6         0           0        -
run-v1    doanh-nghiep  backfill                        2026-03-01 05:58:00Z  2026-03-01 06:00:00Z  finished        0          -         0           0        -
run-v4-5  doanh-nghiep  incremental                     2026-03-01 04:58:00Z  2026-03-01 05:00:00Z  finished        0          5         0           0        -
"""  # noqa: E501


def test_the_whole_output_over_run_records_of_several_versions_and_rejects(
    several_versions, capsys
):
    # The newest 10 by run_number, whatever the clock said (run-6), then the unnumbered ones
    # of versions 1 and 4 by finished_at, a tie by run_id; a column a version lacks is null.
    assert cli.main(["stats", "--output-dir", str(several_versions)]) == 0
    assert capsys.readouterr().out == WHOLE_TEXT.format(dir=several_versions)

    assert cli.main(["stats", "--output-dir", str(several_versions), "--json"]) == 0
    shown = capsys.readouterr().out
    runs = [
        # run_id, mode, finished (day, hour), finish_reason, exit_code, new_rows, rejects
        ("run-7", "incremental", (3, 7), "listing_failed", 7, 3, 2),
        ("run-6", "incremental", (1, 6), "finished", 0, 3, 0),
        ("run-5", "backfill", (3, 5), "finished", 0, 3, 0),
        ("run-4", "incremental", (3, 4), "finished", 0, 3, 2),
        ("run-3", "incremental", (2, 3), "finished", 0, 3, 0),
        ("run-2", "incremental", (2, 2), "finished", 0, 3, 0),
        ("run-1", "incremental", (2, 1), "finished", 0, 3, 0),
        ("run-v4-6", "incremental", (1, 6), "finished", 0, 6, 0),
        ("run-v1", "backfill", (1, 6), "finished", 0, None, 0),
        ("run-v4-5", "incremental", (1, 5), "finished", 0, 5, 0),
    ]
    expected = {
        "output_dir": str(several_versions),
        "articles": 3,
        "part_files": 2,
        "rows_per_day_and_section": [
            {"published_date": "2026-03-06", "section": "bat-dong-san", "rows": 1},
            {"published_date": "2026-03-07", "section": "doanh-nghiep", "rows": 2},
        ],
        "fill_rates": dict.fromkeys(ARTICLES_SCHEMA.names, 1.0)
        | dict.fromkeys(["author", "source", "source_url", "modified_at", "image_urls"], 0.0)
        | dict.fromkeys(["content_sha256", "simhash"], 0.0)
        | {"sapo": 2 / 3, "tags": 2 / 3, "duplicate_of": 1 / 3},
        "duplicates": {"rows": 1, "by_section": {"doanh-nghiep": 1}},
        "rejects_by_reason": {"body_too_short": 1, "http_404": 2},
        "recent_runs": [
            {
                "run_id": run_id,
                "section": "doanh-nghiep",
                "mode": mode,
                # The dates a backfill was given: null in an incremental run's record and in
                # those older than version 7.
                "since": "2026-02-27" if run_id == "run-5" else None,
                "until": BACKFILL_UNTIL.isoformat() if run_id == "run-5" else None,
                "started_at": f"2026-03-0{day}T{hour - 1:02d}:58:00+00:00",
                "finished_at": f"2026-03-0{day}T{hour:02d}:00:00+00:00",
                "finish_reason": reason,
                "exit_code": exit_code,
                "new_rows": new_rows,
                "duplicates": 0,
                "rejects": rejects,
                "problems": ["a listing page failed", "1 article page(s) failed"]
                if exit_code
                else [],
                # The listing page the walk stopped at: in the problem, not in the table.
                "stop_url": STOPPED_AT if run_id == "run-7" else None,
            }
            for run_id, mode, (day, hour), reason, exit_code, new_rows, rejects in runs
        ],
    }
    assert shown == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"


def damage_column(path: Path, column: str) -> None:
    """Overwrite the pages of `column` in the part file at `path` (its footer left whole), as
    bytes a disk or a copy changed: reading that column fails, reading the others does not."""
    metadata = pq.ParquetFile(path).metadata
    data = bytearray(path.read_bytes())
    for group in range(metadata.num_row_groups):
        chunk = metadata.row_group(group).column(metadata.schema.names.index(column))
        start = chunk.dictionary_page_offset or chunk.data_page_offset
        data[start : start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    path.write_bytes(bytes(data))
    with pytest.raises((OSError, pa.ArrowException)):
        pq.read_table(path)


def test_run_record_columns_it_does_not_show_are_not_read(several_versions, capsys):
    # Only the columns shown and those ordering the records are read: a run record's other
    # columns (here damaged in every record) change nothing; `verify` is the one to name them.
    assert cli.main(["stats", "--output-dir", str(several_versions), "--json"]) == 0
    shown = capsys.readouterr().out
    for path in dataset.list_part_files(several_versions, dataset.RUNS):
        for column in ("fill_rates", "rejects_by_reason"):
            damage_column(path, column)

    assert cli.main(["stats", "--output-dir", str(several_versions), "--json"]) == 0
    assert capsys.readouterr().out == shown
    assert cli.main(["stats", "--output-dir", str(several_versions)]) == 0
    assert capsys.readouterr().out == WHOLE_TEXT.format(dir=several_versions)


def test_a_run_record_column_it_shows_that_cannot_be_read_is_named(several_versions, capsys):
    (oldest,) = [
        p for p in dataset.list_part_files(several_versions, dataset.RUNS) if "compact" in p.name
    ]
    damage_column(oldest, "finish_reason")  # of records not among the 10 shown, too
    assert cli.main(["stats", "--output-dir", str(several_versions)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"newsscraper stats: the dataset cannot be read (cannot read Parquet file '{oldest}': "
    )
    assert err.endswith(
        f"`newsscraper verify --output-dir {several_versions}` names every file at fault\n"
    )


def test_a_run_record_a_crawl_cannot_read_stops_stats_as_before(several_versions, capsys):
    # What stops a crawl reading run records stops stats too, in a column it does not show:
    # here a watermark no Python datetime holds, in a record not among the 10 shown.
    path = dataset.runs_dir(several_versions) / "part-run-v1.parquet"
    table = pq.read_table(path)
    far = pa.array([2**62], pa.int64()).cast(TS)
    table = table.set_column(table.schema.get_field_index("watermark"), "watermark", far)
    pq.write_table(table, path)
    assert cli.main(["stats", "--output-dir", str(several_versions)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"newsscraper stats: the dataset cannot be read (cannot read Parquet file '{path}': "
        f"column watermark {dataset_read.OUT_OF_RANGE}); "
    )


def test_recent_runs_are_the_10_newest_by_finish_time(tmp_path, capsys):
    for hour in range(12):  # run-11 finished first: the file names sort the other way round
        finished = dt.datetime(2026, 3, 8, hour, 1, tzinfo=UTC)
        run = {"run_id": f"run-{11 - hour:02d}", "finished_at": finished, "new_rows": hour}
        commit_runs(tmp_path, [run], f"part-{run['run_id']}.parquet")
    runs = stats_json(tmp_path, capsys)["recent_runs"]
    assert [r["new_rows"] for r in runs] == [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]
    assert runs[0] == SHOWN_OF_A_RECORD | {
        "run_id": "run-00",
        "finished_at": "2026-03-08T11:01:00+00:00",
        "new_rows": 11,
    }


def test_recent_runs_are_the_newest_written_whatever_the_clock_said(tmp_path, capsys):
    # Runs 3 to 6 of 12 ran under a clock a year ahead, then it was corrected: by their finish
    # time they stayed the newest for a year, and the runs after them were out of sight.
    rows = [{"run_id": "older", "finished_at": dt.datetime(2026, 3, 7, tzinfo=UTC)}]
    for number in range(1, 13):
        finished = dt.datetime(2026, 3, 8, number, tzinfo=UTC)
        if 3 <= number <= 6:
            finished += dt.timedelta(days=365)
        rows.append({"run_id": f"run-{number:02d}", "finished_at": finished, "run_number": number})
    commit_runs(tmp_path, rows, "part-all.parquet")
    runs = stats_json(tmp_path, capsys)["recent_runs"]
    assert [r["run_id"] for r in runs] == [f"run-{n:02d}" for n in range(12, 2, -1)]
    # A record older than version 5, not numbered, was written before every numbered one.
    few = tmp_path / "few"
    commit_runs(few, rows[:1] + rows[-2:], "part-all.parquet")
    runs = stats_json(few, capsys)["recent_runs"]
    assert [r["run_id"] for r in runs] == ["run-12", "run-11", "older"]
    # Unnumbered records among themselves are newest by finish time, not by their run_id.
    oldest = {"run_id": "z-oldest", "finished_at": dt.datetime(2026, 3, 6, tzinfo=UTC)}
    commit_runs(few, [oldest], "part-oldest.parquet")
    runs = stats_json(few, capsys)["recent_runs"]
    assert [r["run_id"] for r in runs] == ["run-12", "run-11", "older", "z-oldest"]


def test_unnumbered_run_records_alike_in_time_are_newest_by_run_id(tmp_path, capsys):
    # Records older than version 5 finished at one instant: the greatest run_id first,
    # whatever order their files are listed in.
    at = dt.datetime(2026, 3, 8, 2, tzinfo=UTC)
    for run_id in ("run-a", "run-c", "run-b"):
        commit_runs(tmp_path, [{"run_id": run_id, "finished_at": at}], f"part-{run_id}.parquet")
    runs = stats_json(tmp_path, capsys)["recent_runs"]
    assert [r["run_id"] for r in runs] == ["run-c", "run-b", "run-a"]


@pytest.mark.parametrize("numbered", [True, False], ids=["beside numbered", "alone"])
def test_unnumbered_run_records_finished_at_one_instant_are_not_ordered_by_start(
    tmp_path, capsys, numbered
):
    # Ordered by finished_at alone, then by run_id: the start (here the other way round) is
    # not consulted, in a dataset holding numbered records (version 5 on) or not.
    at = dt.datetime(2026, 3, 8, 2, tzinfo=UTC)
    for n, run_id in enumerate(("run-a", "run-c", "run-b")):
        run = {"run_id": run_id, "started_at": at - dt.timedelta(minutes=n), "finished_at": at}
        run |= {"run_number": None} if numbered else {}
        commit_runs(tmp_path, [run], f"part-{run_id}.parquet")
    runs = stats_json(tmp_path, capsys)["recent_runs"]
    assert [r["run_id"] for r in runs] == ["run-c", "run-b", "run-a"]


def test_run_records_older_than_the_release_column_are_listed_with_the_newer_ones(tmp_path, capsys):
    # A version 5 record has no newsscraper_version (added in version 6).
    for number, version in ((1, None), (2, __version__)):
        finished = dt.datetime(2026, 3, 8, number, tzinfo=UTC)
        record = {name: None for name in RUNS_SCHEMA.names} | {
            "run_id": f"run-{number}", "section": "doanh-nghiep", "mode": "incremental",
            "started_at": finished, "finished_at": finished, "exit_code": 0, "problems": [],
            "run_number": number, "newsscraper_version": version,
        }  # fmt: skip
        table = pa.Table.from_pylist([record], schema=RUNS_SCHEMA)
        if version is None:
            table = table.drop_columns(["newsscraper_version"])
            table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: b"5"})
        path = dataset.runs_dir(tmp_path) / f"part-run-{number}.parquet"
        dataset_write.commit_part_file(table, path, tmp_path)
    shown = dict.fromkeys(stats.RUN_COLUMNS) | {"section": "doanh-nghiep", "exit_code": 0}
    shown |= {"mode": "incremental", "problems": []}
    assert stats_json(tmp_path, capsys)["recent_runs"] == [
        shown | {"run_id": f"run-{number}", "started_at": at, "finished_at": at}
        for number, at in ((2, "2026-03-08T02:00:00+00:00"), (1, "2026-03-08T01:00:00+00:00"))
    ]


def test_a_compaction_between_listing_and_reading_is_read_through(
    output_dir, make_row, write_batch, capsys, monkeypatch
):
    write_batch([make_row("105")], run_id="run-c")
    at = dt.datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    reject = {"reason": "http_404", "scraped_at": at, "run_id": "run-c"}
    dataset_write.commit_rejects(output_dir, [reject], "run-c", 1)
    real_list, real_open, swapped = dataset.list_part_files, dataset_read.articles_dataset, []

    def compact_then_open(output_dir, files=None):
        if dataset.ARTICLES not in swapped:  # the listed files are gone when they are opened
            swapped.append(dataset.ARTICLES)
            assert compact.compact(output_dir)
        return real_open(output_dir, files)

    def list_then_compact(output_dir, folder=dataset.ARTICLES):
        files = real_list(output_dir, folder)
        if folder == dataset.REJECTS and folder not in swapped:  # gone when they are read
            swapped.append(folder)
            name, order = "part-compact-x.parquet", [("scraped_at", "ascending")]
            assert compact.compact_records(output_dir, folder, REJECTS_SCHEMA, order, name, "zstd")
        return files

    monkeypatch.setattr(dataset_read, "articles_dataset", compact_then_open)
    # read_rejects calls list_part_files as dataset_read imported it: patched there.
    monkeypatch.setattr(dataset_read, "list_part_files", list_then_compact)
    stats = stats_json(output_dir, capsys)
    assert swapped == [dataset.ARTICLES, dataset.REJECTS]
    assert stats["articles"] == 6
    assert stats["rejects_by_reason"] == {"body_too_short": 2, "http_404": 1, "missing_title": 1}
    assert [r["run_id"] for r in stats["recent_runs"]] == ["run-b", "run-a"]


def test_articles_are_counted_a_batch_at_a_time_never_read_whole(output_dir, capsys, monkeypatch):
    whole = stats_json(output_dir, capsys)
    counted, add = [], stats.ArticleCounts.add

    def add_recorded(self, table):
        counted.append(table.num_rows)
        add(self, table)

    monkeypatch.setattr(stats, "BATCH_ROWS", 2)
    monkeypatch.setattr(stats.ArticleCounts, "add", add_recorded)
    assert stats_json(output_dir, capsys) == whole
    assert sum(counted) == 5 and max(counted) <= 3  # a file's last row may join the next's


def test_articles_are_scanned_a_slice_of_files_at_a_time(output_dir, capsys, monkeypatch):
    # One scan of every file kept each file's metadata to its end: about 65 kB a file, 7 GB
    # over a year of a cron every five minutes without `compact`.
    whole = stats_json(output_dir, capsys)
    scanned, real_open = [], dataset_read.articles_dataset

    def open_recorded(output_dir, files=None):
        scanned.append(len(files))
        return real_open(output_dir, files)

    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 2)
    monkeypatch.setattr(dataset_read, "articles_dataset", open_recorded)
    assert stats_json(output_dir, capsys) == whole
    assert scanned == [2, 1]


def test_fill_rates_count_values_not_nulls_or_empties(output_dir, capsys):
    rates = stats_json(output_dir, capsys)["fill_rates"]
    assert rates["title"] == 1.0
    assert rates["tags"] == 3 / 5  # 102 has [], 103 has null
    assert rates["sapo"] == 3 / 5  # 102 has "", 201 has null
    assert rates["duplicate_of"] == 1 / 5
    assert rates["author"] == 0.0
    assert list(rates) == ARTICLES_SCHEMA.names


def test_the_readme_names_every_key_of_the_json(output_dir, capsys):
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    stats = stats_json(output_dir, capsys)
    assert [key for key in stats if f"`{key}`" not in readme] == []
    assert "`rows_per_day_and_section`, a list of `{published_date, section, rows}`" in readme


def test_tables_for_people(output_dir, capsys):
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 0
    out = capsys.readouterr().out
    assert "5 articles in 3 files" in out
    assert "2026-03-07      doanh-nghiep            3" in out
    assert "tags            60.0%" in out
    assert "Duplicates (duplicate_of set): 1 rows" in out
    assert "body_too_short  2" in out
    assert "2026-03-09 02:05:00Z  disk_error     0          0         -" in out
    headings = ["Articles per day and section", "Fill rate per column", "Rejects by reason"]
    assert all(f"\n\n{heading}\n" in out for heading in [*headings, "Recent runs"])
    assert "Duplicates (duplicate_of set): 1 rows\nsection       rows\n" in out
    assert "\ndoanh-nghiep  1\n" in out


def test_an_empty_output_dir(tmp_path, capsys):
    assert cli.main(["stats", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "0 articles in 0 files" in out and "(no run records)" in out
    assert "\ntitle           -\n" in out  # no row: no share to give, not 0.0%
    stats = stats_json(tmp_path, capsys)
    assert stats["rows_per_day_and_section"] == [] and stats["recent_runs"] == []
    assert stats["fill_rates"] == dict.fromkeys(ARTICLES_SCHEMA.names)


def test_a_relative_output_dir_is_named_absolute(output_dir, monkeypatch, capsys):
    # The folder the command ran in is not in what it printed: the path says it.
    monkeypatch.chdir(output_dir.parent)
    assert stats_json(output_dir.name, capsys)["output_dir"] == str(output_dir)
    assert cli.main(["stats", "--output-dir", output_dir.name]) == 0
    assert capsys.readouterr().out.startswith(f"{output_dir}: 5 articles in 3 files\n")


def test_json_writes_vietnamese_as_it_reads_not_escaped(tmp_path, capsys):
    folder = tmp_path / "tin-tức"
    folder.mkdir()
    assert cli.main(["stats", "--output-dir", str(folder), "--json"]) == 0
    assert f'"output_dir": "{folder}"' in capsys.readouterr().out


def test_a_dataset_of_one_article_and_one_run(tmp_path, make_row, write_batch, capsys):
    write_batch([make_row("101")])
    finished = dt.datetime(2026, 3, 8, 2, 5, tzinfo=UTC)
    commit_runs(tmp_path, [{"run_id": "run-a", "finished_at": finished}], "part-run-a.parquet")
    stats = stats_json(tmp_path, capsys)
    assert (stats["articles"], stats["part_files"]) == (1, 1)
    assert stats["rows_per_day_and_section"] == [
        {"published_date": "2026-03-07", "section": "doanh-nghiep", "rows": 1}
    ]
    assert stats["fill_rates"]["title"] == 1.0
    assert stats["recent_runs"] == [
        SHOWN_OF_A_RECORD | {"run_id": "run-a", "finished_at": "2026-03-08T02:05:00+00:00"}
    ]


def test_plot_draws_a_png(output_dir, tmp_path, capsys):
    png = tmp_path / "per-day.png"
    assert cli.main(["stats", "--output-dir", str(output_dir), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().err == f"plot written to {png}\n"


def test_plot_of_an_empty_dataset_is_drawn_without_a_warning(tmp_path, capsys, recwarn):
    png = tmp_path / "per-day.png"
    assert cli.main(["stats", "--output-dir", str(tmp_path), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert capsys.readouterr().err == f"plot written to {png}\n"
    assert [str(w.message) for w in recwarn] == []


def test_plot_shows_a_day_without_rows_as_zero(tmp_path, make_row, write_batch, monkeypatch):
    from matplotlib.axes import Axes

    days = [dt.date(2026, 3, 4), dt.date(2026, 3, 7)]  # nothing stored on the 5th and 6th
    write_batch([make_row(f"10{n}", published_date=day) for n, day in enumerate(days)])
    drawn, plot = [], Axes.plot

    def recording_plot(self, x, y, **kwargs):
        drawn.append((list(x), list(y)))
        return plot(self, x, y, **kwargs)

    monkeypatch.setattr(Axes, "plot", recording_plot)
    png = tmp_path / "per-day.png"
    assert cli.main(["stats", "--output-dir", str(tmp_path), "--plot", str(png)]) == 0
    assert drawn == [([dt.date(2026, 3, d) for d in (4, 5, 6, 7)], [1, 0, 0, 1])]


def test_plot_without_matplotlib_says_how_to_install_it(output_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import now raises ImportError
    png = tmp_path / "per-day.png"
    assert cli.main(["stats", "--output-dir", str(output_dir), "--plot", str(png)]) == 1
    assert "newsscraper[plot]" in capsys.readouterr().err
    assert not png.exists()


def test_a_plot_that_cannot_be_written_is_named_without_a_traceback(output_dir, tmp_path, capsys):
    missing_folder = tmp_path / "plots" / "per-day.png"
    assert cli.main(["stats", "--output-dir", str(output_dir), "--plot", str(missing_folder)]) == 1
    assert "newsscraper stats: cannot write the plot: " in capsys.readouterr().err
    not_an_image = tmp_path / "per-day.txt"
    assert cli.main(["stats", "--output-dir", str(output_dir), "--plot", str(not_an_image)]) == 1
    err = capsys.readouterr().err
    assert "cannot write the plot: " in err and "'txt' is not supported" in err
    assert not not_an_image.exists()


def test_a_missing_output_dir_is_named(tmp_path, capsys):
    missing = tmp_path / "ouptut"
    assert cli.main(["stats", "--output-dir", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"newsscraper stats: {missing}: no such directory; give the dataset's folder with "
        "--output-dir\n"
    )
    assert not missing.exists()
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder\n", encoding="utf-8")
    assert cli.main(["stats", "--output-dir", str(notes)]) == 1
    assert capsys.readouterr().err == (
        f"newsscraper stats: {notes}: a file, not a folder; give the dataset's folder with "
        "--output-dir\n"
    )


def test_a_folder_inside_the_dataset_is_named_not_counted_as_empty(output_dir, capsys):
    inside = output_dir / "articles"
    assert cli.main(["stats", "--output-dir", str(inside)]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"newsscraper stats: {inside}: not the dataset's folder, which holds articles/, "
        "rejects/ and runs/ (it holds section=*, as a folder of the dataset does)\n",
    )


def test_a_file_that_cannot_be_read_is_a_message_not_a_traceback(output_dir, capsys):
    (part,) = dataset.list_part_files(output_dir, dataset.REJECTS)
    part.write_bytes(part.read_bytes()[:100])  # cut short
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsscraper stats: the dataset cannot be read (")
    assert f"`newsscraper verify --output-dir {output_dir}` names every file at fault" in err


def test_a_dataset_folder_that_is_a_file_is_a_message_not_a_traceback(output_dir, capsys):
    rejects = output_dir / "rejects"
    for part in dataset.list_part_files(output_dir, dataset.REJECTS):
        part.unlink()
    for folder in sorted(rejects.rglob("*"), reverse=True):
        folder.rmdir()
    rejects.rmdir()
    rejects.write_text("not a folder\n", encoding="utf-8")
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"newsscraper stats: the dataset cannot be read ([Errno 20] not a folder: '{rejects}'); "
        f"`newsscraper verify --output-dir {output_dir}` names every file at fault\n",
    )


def test_a_reject_file_without_its_reason_column_is_named_with_the_column(output_dir, capsys):
    (part,) = dataset.list_part_files(output_dir, dataset.REJECTS)
    pq.write_table(pq.read_table(part).drop_columns(["reason"]), part)  # another tool's file
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsscraper stats: the dataset cannot be read (")
    assert f"cannot read Parquet file '{part}': no column ['reason']" in err
    assert "FieldRef" not in err


@pytest.mark.parametrize(
    "folder",
    [Path("articles", "section=doanh-nghiep", "published_date=2026-03-07"), Path("runs")],
)
def test_a_part_file_of_another_tools_columns_is_named_with_the_columns_it_lacks(
    output_dir, capsys, folder
):
    # Read in the declared schema, its rows would be counted as articles (or runs) of nulls.
    other = output_dir / folder / "part-other.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), other)
    schema = ARTICLES_FILE_SCHEMA if folder.parts[0] == "articles" else RUNS_SCHEMA
    lacking = [f.name for f in schema if added_in(f) == 1]
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"newsscraper stats: the dataset cannot be read (cannot read Parquet file '{other}': "
        f"no column {lacking}); "
    )


def test_a_reject_file_with_a_null_reason_is_named_with_the_column(output_dir, capsys):
    (part,) = dataset.list_part_files(output_dir, dataset.REJECTS)
    table = pq.read_table(part)
    index = table.schema.get_field_index("reason")
    nulls = pa.nulls(table.num_rows, pa.string())
    pq.write_table(table.set_column(index, "reason", nulls), part)  # another tool's file
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"newsscraper stats: the dataset cannot be read (cannot read Parquet file '{part}': "
        "Casting field 'reason' with null values to non-nullable"
    )


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "PYTHONUNBUFFERED"])
def test_a_reader_that_goes_away_ends_the_output_quietly(output_dir, unbuffered):
    # Buffered, as in a shell: the output (smaller than the buffer) is written at the end.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(
        [sys.executable, "-m", "newsscraper", "stats", "--output-dir", str(output_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env | ({"PYTHONUNBUFFERED": "1"} if unbuffered else {}),
    )
    process.stdout.close()  # as `| head` does once it has read enough: before anything is written
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()


@pytest.mark.parametrize("folder", ["articles", "articles/section=doanh-nghiep/date=2026-03-07"])
def test_a_file_outside_the_partition_folders_is_named_not_a_traceback(
    output_dir, make_row, capsys, folder
):
    loose = output_dir / folder / "part-b-1.parquet"
    loose.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(dataset_write.items_to_table([make_row("105")]), loose)
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"newsscraper stats: the dataset cannot be read ({loose} is not in a partition folder: "
    )
    assert f"`newsscraper verify --output-dir {output_dir}` names every file at fault" in err


def test_a_run_is_shown_by_the_columns_for_people_with_a_dash_for_what_it_lacks(tmp_path, capsys):
    finished = dt.datetime(2026, 3, 8, 2, 5, tzinfo=UTC)
    run = {"run_id": "run-a", "finished_at": finished, "finish_reason": None}
    path = commit_runs(tmp_path, [run], "part-run-a.parquet")
    pq.write_table(pq.read_table(path).append_column("pages", pa.array([7])), path)
    assert stats_json(tmp_path, capsys)["recent_runs"] == [
        SHOWN_OF_A_RECORD | {"run_id": "run-a", "finished_at": "2026-03-08T02:05:00+00:00"}
    ]
    assert cli.main(["stats", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    runs = out[out.index("Recent runs\n") :].splitlines()[1:]
    assert runs == [
        "run_id  section       mode         started_at            finished_at           "
        "finish_reason  exit_code  new_rows  duplicates  rejects  problems",
        "------  ------------  -----------  --------------------  --------------------  "
        "-------------  ---------  --------  ----------  -------  --------",
        "run-a   doanh-nghiep  incremental  2026-03-08 02:00:00Z  2026-03-08 02:05:00Z  "
        "-              0          -         -           -        -",
    ]

    assert [line for line in out.splitlines() if line != line.rstrip()] == []


def test_recent_runs_say_why_a_run_was_unhealthy(tmp_path, capsys):
    at = dt.datetime(2026, 3, 8, 2, 5, tzinfo=UTC)
    runs = [
        {"run_id": "run-a", "finished_at": at, "exit_code": 0, "problems": []},
        {
            "run_id": "run-b",
            "finished_at": at + dt.timedelta(minutes=10),
            "exit_code": 7,
            "problems": ["1 article page(s) failed after every retry", "a listing page failed"],
        },
    ]
    commit_runs(tmp_path, runs)
    recent = stats_json(tmp_path, capsys)["recent_runs"]
    assert [r["problems"] for r in recent] == [
        ["1 article page(s) failed after every retry", "a listing page failed"],
        [],
    ]
    assert cli.main(["stats", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = out[out.index("Recent runs\n") :].splitlines()[1:]
    assert lines[0].endswith("exit_code  new_rows  duplicates  rejects  problems")
    assert lines[2].endswith(
        "7          -         -           -        "
        "1 article page(s) failed after every retry; a listing page failed"
    )
    assert lines[3].endswith("0          -         -           -        -")


def test_the_terminal_shows_the_newest_days_and_says_how_many_more_json_holds(
    tmp_path, capsys, make_row, write_batch
):
    first = dt.date(2026, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(stats.TABLE_DAYS + 3)]
    write_batch([make_row(f"{300 + n}", published_date=day) for n, day in enumerate(days)])

    assert cli.main(["stats", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    heading = "Articles per day and section (the newest 14 days; 3 earlier"  # as README says
    assert f"\n\n{heading} in --json and --plot)\n" in out
    shown = [day for day in days if f"\n{day.isoformat()}  " in out]
    assert shown == days[3:]
    assert len(stats_json(tmp_path, capsys)["rows_per_day_and_section"]) == len(days)


def test_a_part_file_damaged_inside_is_named(output_dir, capsys):
    # A part file whose footer is whole but whose body column's pages are not (bytes a disk
    # or a copy changed): Arrow's message says what broke, not in which file.
    part = next(p for p in dataset.list_part_files(output_dir) if "2026-03-07" in str(p))
    metadata = pq.ParquetFile(part).metadata
    body = metadata.row_group(0).column(metadata.schema.names.index("body"))
    data = bytearray(part.read_bytes())
    start = body.dictionary_page_offset or body.data_page_offset
    data[start : start + body.total_compressed_size] = b"\xff" * body.total_compressed_size
    part.write_bytes(bytes(data))
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"newsscraper stats: the dataset cannot be read (cannot read Parquet file '{part}': "
    )
    assert "Traceback" not in err


def test_run_records_all_older_than_the_window_columns_show_them_null(tmp_path, capsys):
    # Every record of version 6, none with `since`/`until` (added in version 7): each run of
    # --json still has every key, as the runs of a dataset holding newer records have.
    finished = dt.datetime(2026, 3, 8, 2, tzinfo=UTC)
    record = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "run-1", "section": "doanh-nghiep", "mode": "incremental",
        "started_at": finished, "finished_at": finished, "exit_code": 0, "problems": [],
        "run_number": 1, "newsscraper_version": __version__,
    }  # fmt: skip
    table = pa.Table.from_pylist([record], schema=RUNS_SCHEMA)
    table = table.drop_columns([*WINDOW, "stop_url"])
    table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: b"6"})
    path = dataset.runs_dir(tmp_path) / "part-run-1.parquet"
    dataset_write.commit_part_file(table, path, tmp_path)
    (run,) = stats_json(tmp_path, capsys)["recent_runs"]
    assert list(run) == list(stats.RUN_COLUMNS)
    assert (run["since"], run["until"], run["run_id"]) == (None, None, "run-1")
    assert run["stop_url"] is None


def test_run_records_older_than_the_stop_url_show_it_null_beside_one_that_has_it(tmp_path, capsys):
    """DATA_FORMAT.md, runs.stop_url: the listing page the walk stopped at, null in records
    older than version 8; `stats --json` gives it for each recent run, the tables leave it to
    the problem that names it."""
    finished = dt.datetime(2026, 3, 8, 2, tzinfo=UTC)
    record = {name: None for name in RUNS_SCHEMA.names} | {
        "section": "doanh-nghiep", "mode": "incremental", "started_at": finished,
        "exit_code": 7, "stop_reason": "listing_failed", "newsscraper_version": __version__,
    }  # fmt: skip
    for n, version in ((1, b"7"), (2, b"8")):
        row = record | {"run_id": f"run-{n}", "run_number": n, "finished_at": finished}
        row |= {"stop_url": STOPPED_AT if version == b"8" else None}
        table = pa.Table.from_pylist([row], schema=RUNS_SCHEMA)
        if version == b"7":
            table = table.drop_columns(["stop_url"])
        table = table.replace_schema_metadata({SCHEMA_VERSION_KEY: version})
        path = dataset.runs_dir(tmp_path) / f"part-run-{n}.parquet"
        dataset_write.commit_part_file(table, path, tmp_path)
    runs = stats_json(tmp_path, capsys)["recent_runs"]
    assert [(run["run_id"], run["stop_url"]) for run in runs] == [
        ("run-2", STOPPED_AT),
        ("run-1", None),
    ]
    assert cli.main(["stats", "--output-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "stop_url" not in table and STOPPED_AT not in table
