"""`newsscraper compact`: one file per partition, the same rows, no reader sees a half swap."""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from run_records import run_record

from newsscraper import __version__, cli, dataset, dataset_read, dataset_write, exitcodes, runs_read
from newsscraper.commands import compact, verify
from newsscraper.lock import LockHeld, crawl_lock
from newsscraper.runs import read_runs
from newsscraper.schema import ARTICLES_FILE_SCHEMA, REJECTS_SCHEMA, RUNS_SCHEMA

UTC = dt.UTC


def retyped(table: pa.Table, name: str, type_: pa.DataType) -> pa.Table:
    return table.set_column(
        table.schema.get_field_index(name), name, table.column(name).cast(type_)
    )


def all_rows(output_dir) -> list[dict]:
    rows = dataset_read.read_articles(output_dir).to_pylist()
    return sorted(rows, key=lambda r: (r["article_id"], r["scraped_at"]))


def row_key(row: dict) -> tuple:
    """A hashable whole row, for multiset comparison."""
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(row.items()))


def what_readers_see(output_dir) -> dict[str, Counter]:
    """The article ids each reader lists right now (pyarrow, DuckDB and polars globs)."""
    glob = f"{dataset.articles_dir(output_dir)}/**/*.parquet"
    return {
        "pyarrow": Counter(
            dataset_read.read_articles(output_dir, ["article_id"])["article_id"].to_pylist()
        ),
        "duckdb": Counter(
            r[0] for r in duckdb.sql(f"SELECT article_id FROM read_parquet('{glob}')").fetchall()
        ),
        "polars": Counter(pl.scan_parquet(glob).select("article_id").collect()["article_id"]),
    }


@pytest.fixture
def three_partitions(tmp_path, make_row, write_batch):
    """doanh-nghiep/2026-03-07 in 3 files, doanh-nghiep/2026-03-06 in 2, another section in 1."""
    write_batch([make_row("101"), make_row("102", published_date=dt.date(2026, 3, 6))], seq=1)
    write_batch(
        [make_row("103", tags=None), make_row("104", published_date=dt.date(2026, 3, 6))], seq=2
    )
    write_batch(
        [
            make_row("105", title="Vinamilk chia cổ tức"),
            make_row("201", section="thi-truong-chung-khoan"),
        ],
        seq=3,
    )
    return tmp_path


def test_each_partition_ends_with_one_file_and_the_same_rows(three_partitions, capsys):
    before = Counter(map(row_key, all_rows(three_partitions)))
    code = cli.main(["compact", "--output-dir", str(three_partitions)])
    assert code == 0
    after = Counter(map(row_key, all_rows(three_partitions)))
    assert after == before and sum(after.values()) == 6
    files = [
        p.relative_to(three_partitions).parent.as_posix()
        for p in dataset.list_part_files(three_partitions)
    ]
    assert files == [
        "articles/section=doanh-nghiep/published_date=2026-03-06",
        "articles/section=doanh-nghiep/published_date=2026-03-07",
        "articles/section=thi-truong-chung-khoan/published_date=2026-03-07",
    ]
    for path in dataset.list_part_files(three_partitions):
        schema = pq.read_schema(path)
        assert schema.equals(ARTICLES_FILE_SCHEMA)
        assert schema.metadata == ARTICLES_FILE_SCHEMA.metadata
    merged = dataset.list_part_files(three_partitions)[1]
    assert merged.name.startswith("part-compact-") and merged.name.endswith("-2.parquet")
    out = capsys.readouterr().out
    assert "section=doanh-nghiep/published_date=2026-03-07: 3 files ->" in out
    assert "(3 rows)" in out and "(2 rows)" in out
    assert "thi-truong-chung-khoan" not in out  # a single file: left alone
    with crawl_lock(three_partitions):  # what the swaps replaced: the next lock holder's to remove
        assert dataset.staging_files(three_partitions) == []
    assert verify.verify(three_partitions) == []


# The earliest scraped copy is kept whether its file is listed before the other or after it.
@pytest.mark.parametrize(("later_run", "earlier_run"), [("run-b", "run-a"), ("run-a", "run-b")])
def test_a_twice_stored_id_keeps_the_earliest_scraped_row(
    tmp_path, make_row, write_batch, capsys, later_run, earlier_run
):
    later = make_row("101", title="Bản cập nhật", scraped_at=dt.datetime(2026, 3, 9, tzinfo=UTC))
    earlier = make_row("101", title="Bản đầu tiên", scraped_at=dt.datetime(2026, 3, 8, tzinfo=UTC))
    write_batch([later, make_row("102")], run_id=later_run, seq=1)
    write_batch([earlier], run_id=earlier_run, seq=1)
    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0
    assert all_rows(tmp_path) == [earlier, make_row("102")]
    assert "kept the earliest scraped row of each: 101" in capsys.readouterr().out


def test_only_the_selected_section_and_old_enough_partitions(three_partitions):
    now = dt.datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # 2026-03-09 in Vietnam
    assert compact.compact(three_partitions, section="thi-truong-chung-khoan", now=now) == []
    results = compact.compact(three_partitions, older_than_days=2, now=now)
    assert [(r.partition.published_date, r.files_merged) for r in results] == [
        (dt.date(2026, 3, 6), 2)  # 3 days old; the 7th is only 2 days old
    ]
    files = Counter(p.parent.name for p in dataset.list_part_files(three_partitions))
    assert files == {"published_date=2026-03-06": 1, "published_date=2026-03-07": 4}


def test_older_than_counts_days_by_the_vietnam_calendar(three_partitions):
    # 18:00 UTC on the 7th is already the 8th in Vietnam: the 7th is a day before today.
    now = dt.datetime(2026, 3, 7, 18, 0, tzinfo=UTC)
    results = compact.compact(three_partitions, older_than_days=0, now=now)
    assert {r.partition.published_date for r in results} == {
        dt.date(2026, 3, 6),
        dt.date(2026, 3, 7),
    }


def test_older_than_zero_leaves_the_partition_of_today_in_vietnam(three_partitions):
    # 12:00 UTC on the 7th is 19:00 on the 7th in Vietnam: the 7th is today, not before it.
    now = dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    results = compact.compact(three_partitions, older_than_days=0, now=now)
    assert [(r.partition.published_date, r.files_merged) for r in results] == [
        (dt.date(2026, 3, 6), 2)
    ]
    files = Counter(p.parent.name for p in dataset.list_part_files(three_partitions))
    assert files == {"published_date=2026-03-06": 1, "published_date=2026-03-07": 4}


def test_a_reader_listing_during_every_step_sees_each_row_once(three_partitions, monkeypatch):
    expected = what_readers_see(three_partitions)
    assert sum(expected["pyarrow"].values()) == 6
    seen = []
    real_exchange = dataset_write.exchange_paths

    def exchange(a, b):
        seen.append(("merged file staged", what_readers_see(three_partitions)))
        real_exchange(a, b)
        seen.append(("folders exchanged", what_readers_see(three_partitions)))

    monkeypatch.setattr(dataset_write, "exchange_paths", exchange)
    compact.compact(three_partitions)
    assert len(seen) == 4  # two partitions compacted, two looks each
    with crawl_lock(three_partitions):  # the old folders removed by the next lock holder
        seen.append(("old folders removed", what_readers_see(three_partitions)))
    for step, readers in seen:
        assert readers == expected, step


def test_a_reader_that_opened_a_folder_before_its_swap_lists_the_old_files_not_none(
    three_partitions,
):
    # A reader lists a folder through a handle it opened before the exchange: it reads the old
    # folder then. Emptied at once, that folder would list no file: the partition's rows would
    # be missing from the query without a word. Kept, its names lead the reader to files gone
    # from the live folder: "file not found", a query to run again.
    partition = dataset.articles_dir(three_partitions) / "section=doanh-nghiep"
    partition = partition / "published_date=2026-03-07"
    runs = dataset.runs_dir(three_partitions)
    for run_id, minute in (("run-a", 0), ("run-b", 10)):
        table = pa.Table.from_pylist([run_record(run_id, minute)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs / f"part-{run_id}.parquet", three_partitions)
    before = {folder: sorted(os.listdir(folder)) for folder in (partition, runs)}
    handles = {folder: os.open(folder, os.O_RDONLY | os.O_DIRECTORY) for folder in before}
    try:
        assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 0
        listed = {folder: sorted(os.listdir(fd)) for folder, fd in handles.items()}
    finally:
        for fd in handles.values():
            os.close(fd)
    assert listed == before
    assert not any((folder / name).exists() for folder in before for name in before[folder])
    with crawl_lock(three_partitions):  # the next process to take the lock removes them
        assert dataset.staging_files(three_partitions) == []


def test_a_file_added_during_the_merge_is_kept(three_partitions, make_row, monkeypatch):
    real_exchange = dataset_write.exchange_paths

    def crawl_writes_then_exchange(a, b):
        if b.name == "published_date=2026-03-07":
            dataset_write.commit_articles(three_partitions, [make_row("106")], "run-late", 1)
        real_exchange(a, b)

    monkeypatch.setattr(dataset_write, "exchange_paths", crawl_writes_then_exchange)
    results = compact.compact(three_partitions)
    assert [p.name for r in results for p in r.unmerged] == ["part-run-late-1.parquet"]
    ids = Counter(r["article_id"] for r in all_rows(three_partitions))
    assert ids == Counter(["101", "102", "103", "104", "105", "106", "201"])


def test_what_is_not_a_merged_part_file_is_never_deleted(three_partitions, capsys):
    partition = dataset.articles_dir(three_partitions) / "section=doanh-nghiep"
    partition = partition / "published_date=2026-03-07"
    (partition / "README.txt").write_text("ghi chú")
    hidden = dataset.list_part_files(three_partitions)[-1].read_bytes()
    (partition / ".kept.parquet").write_bytes(hidden)  # a file of someone else's
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 0
    assert (partition / "README.txt").read_text() == "ghi chú"
    assert (partition / ".kept.parquet").read_bytes() == hidden
    out = capsys.readouterr().out
    assert "kept README.txt: not merged" in out and "kept .kept.parquet: not merged" in out


def test_a_disk_fault_is_exit_4_and_leaves_the_folder_as_it_was(
    three_partitions, monkeypatch, capsys
):
    before = Counter(map(row_key, all_rows(three_partitions)))
    files = dataset.list_part_files(three_partitions)

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(dataset_write, "commit_part_file", read_only)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 4
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: the dataset cannot be written: ")
    assert "Read-only file system" in err
    assert dataset.list_part_files(three_partitions) == files
    assert Counter(map(row_key, all_rows(three_partitions))) == before
    assert dataset.staging_files(three_partitions) == []


def test_compact_with_wait_waits_for_the_lock_before_exiting_75(
    three_partitions, capsys, monkeypatch
):
    from newsscraper import lock

    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds

    monkeypatch.setattr(lock.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(lock.time, "sleep", sleep)
    before = dataset.list_part_files(three_partitions)
    with crawl_lock(three_partitions, purpose="crawl"):
        code = cli.main(["compact", "--wait", "30", "--output-dir", str(three_partitions)])
    assert code == 75
    assert clock[0] >= 30  # it waited, asking again, before giving up
    assert "held by another newsscraper process" in capsys.readouterr().err
    assert dataset.list_part_files(three_partitions) == before


def test_a_held_lock_stops_compact_without_touching_files(three_partitions, capsys):
    before = dataset.list_part_files(three_partitions)
    with crawl_lock(three_partitions, purpose="crawl"):
        code = cli.main(["compact", "--output-dir", str(three_partitions)])
    assert code == 75
    err = capsys.readouterr().err
    assert "held by another newsscraper process" in err
    assert "nothing was compacted: run it again once that process has finished" in err
    assert dataset.list_part_files(three_partitions) == before


@pytest.mark.parametrize("compaction", [compact.compact, compact.compact_run_records])
def test_compacting_from_python_takes_the_crawl_lock(three_partitions, compaction):
    # As the docstrings say: LockHeld while a crawl runs, unless told the caller holds the lock.
    runs = dataset.runs_dir(three_partitions)
    for run_id in ("run-a", "run-b"):
        table = pa.Table.from_pylist([run_record(run_id, 0)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs / f"part-{run_id}.parquet", three_partitions)
    before = sorted(three_partitions.rglob("*.parquet"))
    with crawl_lock(three_partitions, purpose="crawl"), pytest.raises(LockHeld):
        compaction(three_partitions)
    assert sorted(three_partitions.rglob("*.parquet")) == before


def usage_error(args: list[str], capsys) -> str:
    """What compact says on stderr of `args`, a usage error: exit 2, the usage line first."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: newsscraper compact "), err
    return err


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
def test_a_wait_that_is_no_number_of_seconds_is_a_usage_error(value, three_partitions, capsys):
    before = dataset.list_part_files(three_partitions)
    args = ["compact", "--wait", value, "--output-dir", str(three_partitions)]
    assert f"expected a number of seconds, 0 or more; got {value!r}" in usage_error(args, capsys)
    assert dataset.list_part_files(three_partitions) == before


def codec(path) -> str:
    return pq.ParquetFile(path).metadata.row_group(0).column(0).compression


def test_every_merged_file_is_written_in_the_compression_given(three_partitions, capsys):
    for run_id, minute in (("run-b", 10), ("run-c", 20)):
        table = pa.Table.from_pylist([run_record(run_id, minute)], schema=RUNS_SCHEMA)
        path = dataset.runs_dir(three_partitions) / f"part-{run_id}.parquet"
        dataset_write.commit_part_file(table, path, three_partitions)
        reject = {"article_id": f"1882603070000001{minute}", "reason": "body_too_short"}
        reject |= {"scraped_at": dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC), "run_id": run_id}
        dataset_write.commit_rejects(three_partitions, [reject], run_id, 0)
    args = ["compact", "--compression", "snappy", "--output-dir", str(three_partitions)]
    assert cli.main(args) == 0
    merged = [
        path
        for folder in dataset.DATASETS
        for path in dataset.list_part_files(three_partitions, folder)
        if path.name.startswith("part-compact-")
    ]
    assert len(merged) == 4  # two partitions, runs/ and rejects/
    assert {codec(path) for path in merged} == {"SNAPPY"}


@pytest.mark.parametrize("value", ["zip", "", "lz4_frame"])
def test_a_compression_that_is_no_parquet_codec_is_a_usage_error_naming_the_codecs(
    value, three_partitions, capsys
):
    before = dataset.list_part_files(three_partitions)
    args = ["compact", "--compression", value, "--output-dir", str(three_partitions)]
    assert usage_error(args, capsys).endswith(
        "\nnewsscraper compact: error: argument --compression: must be a Parquet codec (zstd, "
        f"snappy, gzip, brotli, lz4, none); got {value!r}\n"
    )
    assert dataset.list_part_files(three_partitions) == before


def test_a_missing_output_dir_is_named_and_not_created(tmp_path, capsys):
    missing = tmp_path / "outptu"
    assert cli.main(["compact", "--output-dir", str(missing)]) == 1
    assert f"{missing}: no such directory" in capsys.readouterr().err
    assert not missing.exists()
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder\n", encoding="utf-8")
    assert cli.main(["compact", "--output-dir", str(notes)]) == 1
    assert f"{notes}: a file, not a folder" in capsys.readouterr().err


def test_merge_keeps_one_row_per_id_sorted_by_scrape_time(make_row):
    first = dataset_write.items_to_table(
        [make_row("2", scraped_at=dt.datetime(2026, 3, 8, 5, tzinfo=UTC))]
    )
    second = dataset_write.items_to_table(
        [
            make_row("1"),
            make_row("2", title="sau", scraped_at=dt.datetime(2026, 3, 8, 9, tzinfo=UTC)),
        ]
    )
    merged, duplicates = compact.merge_part_tables([first, second])
    assert duplicates == ["2"]
    assert (
        merged.to_pylist()
        == dataset_write.items_to_table(
            [make_row("1"), make_row("2", scraped_at=dt.datetime(2026, 3, 8, 5, tzinfo=UTC))]
        ).to_pylist()
    )


def test_part_files_without_rows_merge_into_one_without_rows():
    # Part files holding no rows (another tool's): merged into none, not an error.
    empty = ARTICLES_FILE_SCHEMA.empty_table()
    merged, duplicates = compact.merge_part_tables([empty, empty])
    assert (merged.num_rows, duplicates) == (0, [])
    assert merged.schema.equals(ARTICLES_FILE_SCHEMA, check_metadata=True)


def test_merged_rows_are_in_order_of_scrape_time_then_article_id(make_row):
    # Ids in the reverse order of their scrape times: the merged file is in order of the times,
    # ids breaking a tie.
    at = [dt.datetime(2026, 3, 8, hour, tzinfo=UTC) for hour in (9, 5, 5)]
    first = dataset_write.items_to_table([make_row("1", scraped_at=at[0])])
    second = dataset_write.items_to_table(
        [make_row("3", scraped_at=at[2]), make_row("2", scraped_at=at[1])]
    )
    merged, duplicates = compact.merge_part_tables([first, second])
    assert duplicates == []
    assert merged.to_pylist() == (
        dataset_write.items_to_table(
            [
                make_row("2", scraped_at=at[1]),
                make_row("3", scraped_at=at[2]),
                make_row("1", scraped_at=at[0]),
            ]
        ).to_pylist()
    )


def test_runs_and_rejects_end_with_one_file_each_and_every_row(tmp_path, capsys):
    runs_dir = dataset.runs_dir(tmp_path)
    # A version 1 record, without the columns added since, one of version 6, without a
    # backfill's dates, then a backfill of this version.
    old = pa.Table.from_pylist([run_record("run-a", 0)], schema=RUNS_SCHEMA)
    added_since = ["pending_articles", "walked_down_to", "rests_until", "run_number"]
    old = old.drop_columns([*added_since, "newsscraper_version", "since", "until", "stop_url"])
    old = old.replace_schema_metadata({b"newsscraper.schema_version": b"1"})
    dataset_write.commit_part_file(old, runs_dir / "part-run-a.parquet", tmp_path)
    pending = '{"188260307000000001": {"first_failed_at": "2026-03-08T02:10:00+00:00", "url": "u"}}'
    window = {"mode": "backfill", "since": dt.date(2026, 3, 1), "until": dt.date(2026, 3, 7)}
    for run_id, minute, version in (("run-c", 20, b"8"), ("run-b", 10, b"6")):
        record = run_record(
            run_id, minute, pending_articles=pending, newsscraper_version=__version__
        ) | (window if version == b"8" else {})
        table = pa.Table.from_pylist([record], schema=RUNS_SCHEMA)
        if version == b"6":
            table = table.drop_columns(["since", "until", "stop_url"])
            table = table.replace_schema_metadata({b"newsscraper.schema_version": b"6"})
        dataset_write.commit_part_file(table, runs_dir / f"part-{run_id}.parquet", tmp_path)
    for run_id, minute in (("run-c", 20), ("run-b", 10)):
        reject = {
            "article_id": f"1882603070000001{minute}",
            "reason": "body_too_short",
            "scraped_at": dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC),
            "run_id": run_id,
        }
        dataset_write.commit_rejects(tmp_path, [reject], run_id, 0)
    runs_before = read_runs(tmp_path)
    rejects_before = dataset_read.read_rejects(tmp_path).to_pylist()

    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert "runs: 3 files -> part-compact-" in out and "(3 rows)" in out
    assert "rejects: 2 files -> part-compact-" in out and "(2 rows)" in out
    assert "nothing to compact" not in out  # no article partition, but runs/ and rejects/
    for folder, schema in ((dataset.RUNS, RUNS_SCHEMA), (dataset.REJECTS, REJECTS_SCHEMA)):
        (path,) = dataset.list_part_files(tmp_path, folder)
        assert path.name.startswith("part-compact-")
        written = pq.read_schema(path)  # verify, below, checks each column's type
        assert written.names == schema.names and written.metadata == schema.metadata
    assert read_runs(tmp_path) == runs_before  # the version 1 record reads as before
    assert [
        (r["run_id"], r["newsscraper_version"], r["since"], r["until"]) for r in read_runs(tmp_path)
    ] == [
        ("run-c", __version__, dt.date(2026, 3, 1), dt.date(2026, 3, 7)),
        ("run-b", __version__, None, None),
        ("run-a", None, None, None),
    ]
    rejects_after = dataset_read.read_rejects(tmp_path).to_pylist()
    assert [r["run_id"] for r in rejects_after] == ["run-b", "run-c"]  # by scraped_at
    assert sorted(rejects_after, key=str) == sorted(rejects_before, key=str)
    with crawl_lock(tmp_path):  # what the swaps replaced: the next lock holder's to remove
        assert dataset.staging_files(tmp_path) == []
    assert verify.verify(tmp_path) == []


def test_merged_rejects_are_in_order_of_scrape_time_then_run_id(tmp_path):
    # Run ids in another order than the scrape times of their rejects.
    for run_id, minute in (("run-a", 20), ("run-z", 10), ("run-m", 20), ("run-b", 0)):
        reject = {
            "reason": "body_too_short",
            "scraped_at": dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC),
            "run_id": run_id,
        }
        dataset_write.commit_rejects(tmp_path, [reject], run_id, 1)

    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0

    (path,) = dataset.list_part_files(tmp_path, dataset.REJECTS)
    assert pq.read_table(path).column("run_id").to_pylist() == ["run-b", "run-z", "run-a", "run-m"]


def test_a_run_id_stays_used_once_its_run_record_is_merged(tmp_path):
    runs_dir = dataset.runs_dir(tmp_path)
    for run_id, minute in (("nightly", 0), ("nightly-2", 10)):
        table = pa.Table.from_pylist([run_record(run_id, minute)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs_dir / f"part-{run_id}.parquet", tmp_path)
    assert runs_read.run_id_used(tmp_path, "nightly")

    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0

    assert [
        p.name.startswith("part-compact-") for p in dataset.list_part_files(tmp_path, "runs")
    ] == [True]
    assert runs_read.run_id_used(tmp_path, "nightly")
    assert not runs_read.run_id_used(tmp_path, "nightly-3")


@pytest.mark.parametrize(
    "garbage",
    [
        b"garbage",
        # Parquet's magic at both ends, a footer that is no footer: pyarrow raises a plain
        # OSError, which is no disk fault (exit 4) either.
        b"PAR1" + b"\0" * 64 + b"PAR1",
    ],
)
def test_a_file_that_cannot_be_read_is_a_message_and_its_folder_is_left_alone(
    three_partitions, capsys, garbage
):
    runs = dataset.runs_dir(three_partitions)
    for run_id in ("run-a", "run-b"):
        table = pa.Table.from_pylist([run_record(run_id, 0)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs / f"part-{run_id}.parquet", three_partitions)
    (runs / "part-run-b.parquet").write_bytes(garbage)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert str(runs / "part-run-b.parquet") in err
    assert "Traceback" not in err
    # verify reads output/ unless told: the folder compacted is named.
    assert f"`newsscraper verify --output-dir {three_partitions}` names every file at fault" in err
    assert sorted(p.name for p in runs.iterdir()) == ["part-run-a.parquet", "part-run-b.parquet"]
    with crawl_lock(three_partitions):  # what the swaps replaced: the next lock holder's to remove
        assert dataset.staging_files(three_partitions) == []


def test_a_file_it_may_not_read_is_a_message_not_a_disk_fault(
    three_partitions, capsys, monkeypatch
):
    # chmod stops nothing as root: the answer for a file of mode 000 is given here.
    files = Counter(p.parent for p in three_partitions.glob("articles/*/*/*.parquet"))
    folder = max(files, key=files.get)  # a partition compact merges, more than one file
    unreadable = sorted(folder.glob("*.parquet"))[-1]
    before = {p: p.read_bytes() for p in unreadable.parent.iterdir()}
    real = pq.ParquetFile

    def parquet_file(path, *args, **kwargs):
        if Path(path) == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pq, "ParquetFile", parquet_file)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == exitcodes.ABNORMAL
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert f"cannot read Parquet file '{unreadable}': [Errno 13] Permission denied" in err
    assert {p: p.read_bytes() for p in unreadable.parent.iterdir()} == before


@pytest.mark.parametrize("folder", [dataset.ARTICLES, dataset.RUNS, dataset.REJECTS])
def test_a_file_where_a_folder_of_the_dataset_goes_is_said_as_verify_says_it(
    folder, three_partitions, capsys
):
    # Not passed by as an empty folder (articles/), nor taken for a disk that cannot be
    # written (exit 4): verify, stats and a crawl stop on it as unreadable, exit 1.
    path = three_partitions / folder
    if path.is_dir():
        shutil.rmtree(path)
    path.write_text("ghi chú\n", encoding="utf-8")
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == exitcodes.ABNORMAL
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert f"{path}: cannot be listed ([Errno 20] not a folder)" in err
    assert path.read_text(encoding="utf-8") == "ghi chú\n"


@pytest.mark.parametrize("level", ["partition", "section", "runs"])
def test_a_folder_it_may_not_list_is_said_not_passed_by(
    level, three_partitions, capsys, unlistable
):
    # A partition (or section, or runs/) folder of mode 000: its part files are not merged, and
    # the compaction says so, as stats, verify and a crawl stop on it; not `nothing to compact`,
    # nor a disk that cannot be written.
    files = Counter(p.parent for p in three_partitions.glob("articles/*/*/*.parquet"))
    partition = max(files, key=files.get)  # a partition compact merges, more than one file
    folder = {"partition": partition, "section": partition.parent}.get(level)
    if folder is None:
        folder = dataset.runs_dir(three_partitions)
        folder.mkdir(exist_ok=True)
        partition = folder
        files[folder] = 0
    unlistable(folder)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == exitcodes.ABNORMAL
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert f"{folder}: cannot be listed ([Errno 13] Permission denied)" in err
    # Left as it was (listed as the test's own, past the refusal).
    assert sum(name.endswith(".parquet") for name in os.listdir(partition)) == files[partition]


def test_a_folder_named_as_a_part_file_is_kept_not_read(three_partitions, capsys):
    # No reader takes a folder for a file (pyarrow lists what is in it, DuckDB's and polars'
    # globs pass it by), and `verify` finds nothing wrong with it: it is not merged.
    partition = three_partitions / "articles/section=doanh-nghiep/published_date=2026-03-07"
    (partition / "part-folder.parquet").mkdir()
    before = what_readers_see(three_partitions)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 0
    assert "kept part-folder.parquet: not merged" in capsys.readouterr().out
    assert (partition / "part-folder.parquet").is_dir()
    merged = [p for p in dataset.list_part_files(three_partitions) if p.parent == partition]
    assert [p.name.startswith("part-compact-") for p in merged] == [True]
    assert what_readers_see(three_partitions) == before


@pytest.mark.parametrize("target", ["gone.parquet", "part-link.parquet"])
def test_a_link_that_leads_to_no_file_is_a_message_naming_it_not_a_disk_fault(
    three_partitions, capsys, target
):
    # A link to a file not there, or to itself: the file is at fault, as `verify` says.
    folder = three_partitions / "articles/section=doanh-nghiep/published_date=2026-03-06"
    link = folder / "part-link.parquet"
    link.symlink_to(target)
    before = sorted(p.name for p in folder.iterdir())
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == exitcodes.ABNORMAL
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert f"{link} is a link to {target}, which leads to no file" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == before
    assert link.is_symlink() and os.readlink(link) == target


def test_a_disk_fault_reading_through_a_link_to_a_file_is_exit_4_not_a_link_to_no_file(
    three_partitions, tmp_path_factory, capsys, monkeypatch
):
    # A part file linked from another disk, which fails as it is read: the disk is at fault.
    folder = three_partitions / "articles/section=doanh-nghiep/published_date=2026-03-06"
    linked = sorted(folder.glob("*.parquet"))[-1]
    elsewhere = tmp_path_factory.mktemp("other-disk") / linked.name
    os.rename(linked, elsewhere)
    linked.symlink_to(elsewhere)
    before = sorted(p.name for p in folder.iterdir())
    real = pq.ParquetFile

    def parquet_file(path, *args, **kwargs):
        if Path(path) == linked:
            raise OSError(errno.EIO, "Input/output error")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pq, "ParquetFile", parquet_file)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == exitcodes.DISK_ERROR
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: the dataset cannot be written: ")
    assert "Input/output error" in err and "leads to no file" not in err
    assert sorted(p.name for p in folder.iterdir()) == before
    assert linked.is_symlink() and os.readlink(linked) == str(elsewhere)


@pytest.mark.parametrize(
    ("folder", "change", "named"),
    [
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: t.append_column("note", pa.array(["giữ lại"] * t.num_rows)),
            "columns ['note'] not in the schema",
        ),
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: t.drop_columns(["sapo"]),
            "no column ['sapo']",
        ),
        # Alone in its folder, so not merged: refused all the same, as every reader refuses it.
        (
            "articles/section=thi-truong-chung-khoan/published_date=2026-03-07",
            lambda t: pa.table({"a": [1]}),
            "columns ['a'] not in the schema and no column ['article_id', ",
        ),
        # Named as a partition's file merged with others is: every difference, its type too.
        (
            "articles/section=thi-truong-chung-khoan/published_date=2026-03-07",
            lambda t: retyped(t.drop_columns(["sapo"]), "word_count", pa.int64()),
            "no column ['sapo'] and word_count is int64, declared int32: not merged",
        ),
        ("runs", lambda t: t.append_column("note", pa.array(["giữ lại"])), "columns ['note']"),
        # A column every version of a run record wrote: not one an older file lacks.
        (
            "runs",
            lambda t: t.drop_columns(["finish_reason", "fill_rates"]),
            "no column ['finish_reason', 'fill_rates'], which every version wrote",
        ),
        # Columns of other types (another tool's, or its own rows written again by pandas or
        # polars): named with the column, never Arrow's "Schema at index 1 was different".
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: retyped(t, "word_count", pa.int64()),
            "word_count is int64, declared int32",
        ),
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: retyped(t, "published_at", pa.timestamp("ns", "UTC")),
            "published_at is timestamp[ns, tz=UTC], declared timestamp[us, tz=UTC]",
        ),
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: retyped(t, "tags", pa.list_(pa.large_string())),
            "tags is list<element: large_string>, declared list<item: string>",
        ),
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: t.set_column(
                t.schema.get_field_index("category"),
                "category",
                t.column("category").dictionary_encode(),
            ),
            "category is dictionary<values=string, indices=int32, ordered=0>, declared string",
        ),
        (
            "runs",
            lambda t: t.set_column(
                t.schema.get_field_index("exit_code"), "exit_code", pa.array([[0]])
            ),
            "column exit_code is list<element: int64>, not readable as int32",
        ),
        # Rows without an article_id: merged, they would be lost (or all but one), and the
        # file with them removed.
        (
            "articles/section=doanh-nghiep/published_date=2026-03-06",
            lambda t: t.set_column(
                t.schema.get_field_index("article_id"),
                "article_id",
                pa.nulls(t.num_rows, pa.string()),
            ),
            "nulls in article_id, declared not null",
        ),
        (
            "runs",
            lambda t: t.set_column(
                t.schema.get_field_index("section"), "section", pa.nulls(1, pa.string())
            ),
            "nulls in section, declared not null",
        ),
    ],
)
def test_a_part_file_of_other_columns_is_a_message_and_its_folder_is_left_alone(
    three_partitions, capsys, folder, change, named
):
    # Another program's file: merged, its other columns would be dropped and the file removed.
    runs = dataset.runs_dir(three_partitions)
    for run_id in ("run-a", "run-b"):
        table = pa.Table.from_pylist([run_record(run_id, 0)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs / f"part-{run_id}.parquet", three_partitions)
    other = sorted((three_partitions / folder).glob("*.parquet"))[-1]
    pq.write_table(change(pq.read_table(other)), other)
    before = {p: p.read_bytes() for p in (three_partitions / folder).iterdir()}
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert f"{other} holds {named}" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in (three_partitions / folder).iterdir()} == before


@pytest.mark.parametrize("run_ids", [("run-a", "run-b"), ("run-b",)], ids=["merged", "alone"])
@pytest.mark.parametrize(("folder", "column"), [("runs", "section"), ("rejects", "reason")])
def test_a_record_without_a_column_declared_not_null_is_named_with_its_file(
    tmp_path, capsys, folder, column, run_ids
):
    # Another tool's file: a column every record holds is not one added since, to leave null.
    # Alone in its folder, so not merged, it is refused all the same (only its footer read).
    at = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    schema, row = (
        (RUNS_SCHEMA, run_record)
        if folder == "runs"
        else (REJECTS_SCHEMA, lambda run_id, _: {"reason": "x", "scraped_at": at, "run_id": run_id})
    )
    for run_id in run_ids:
        table = pa.Table.from_pylist([row(run_id, 0)], schema=schema)
        dataset_write.commit_part_file(
            table, tmp_path / folder / f"part-{run_id}.parquet", tmp_path
        )
    other = tmp_path / folder / "part-run-b.parquet"
    pq.write_table(pq.read_table(other).drop_columns([column]), other)
    before = {p: p.read_bytes() for p in (tmp_path / folder).iterdir()}
    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == exitcodes.ABNORMAL
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert f"{other} holds no column ['{column}'], declared not null: not merged" in err
    assert {p: p.read_bytes() for p in (tmp_path / folder).iterdir()} == before


def test_an_unknown_section_is_named_with_the_valid_ones(three_partitions, capsys):
    before = dataset.list_part_files(three_partitions)
    args = ["compact", "--section", "doanh-ngheip", "--output-dir", str(three_partitions)]
    assert (
        "\nnewsscraper compact: error: argument --section: unknown section 'doanh-ngheip'; "
        "valid sections: bat-dong-san, doanh-nghiep, "
    ) in usage_error(args, capsys)
    assert dataset.list_part_files(three_partitions) == before


def test_a_folder_inside_the_dataset_is_named_and_left_alone(three_partitions, capsys):
    inside = dataset.articles_dir(three_partitions)
    before = sorted(inside.rglob("*"))
    assert cli.main(["compact", "--output-dir", str(inside)]) == 1
    assert f"{inside}: not the dataset's folder, which holds articles/" in capsys.readouterr().err
    assert sorted(inside.rglob("*")) == before  # no lock, no staging, nothing merged


def test_older_than_zero_is_every_day_before_today_and_a_negative_count_is_refused(
    three_partitions, capsys
):
    before = dataset.list_part_files(three_partitions)
    args = ["compact", "--output-dir", str(three_partitions), "--older-than"]
    for days in ("-1", "x"):  # said as any option's bad value is, with the usage
        assert (
            f"argument --older-than: expected a whole number of days, 0 or more; got '{days}'"
            in usage_error([*args, days], capsys)
        )
    assert dataset.list_part_files(three_partitions) == before
    assert cli.main([*args, "36500"]) == 0  # a century back: no partition is that old
    assert dataset.list_part_files(three_partitions) == before
    assert cli.main([*args, "0"]) == 0  # 2026-03-06 and 2026-03-07 are both before today
    assert len(dataset.list_part_files(three_partitions)) == 3


def test_nothing_to_compact_is_said_naming_the_dataset(tmp_path, make_row, write_batch, capsys):
    write_batch([make_row("101"), make_row("201", section="thi-truong-chung-khoan")])
    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        "nothing to compact: no selected folder has more than one part file\n"
        f"  dataset: {tmp_path}\n"
    )


def test_the_dataset_compacted_is_named_as_an_absolute_path(three_partitions, capsys, monkeypatch):
    # Read in cron's mail or a log, `output` does not say which folder was compacted.
    monkeypatch.chdir(three_partitions.parent)
    assert cli.main(["compact", "--output-dir", three_partitions.name]) == 0
    out = capsys.readouterr().out
    assert "section=doanh-nghiep/published_date=2026-03-07: 3 files ->" in out
    assert out.endswith(f"\n  dataset: {three_partitions}\n")


def test_the_report_is_text_printing_nothing(capsys):
    said = compact.report([], [])
    assert said == "nothing to compact: no selected folder has more than one part file"
    assert capsys.readouterr().out == ""


def test_a_staging_file_stops_compact_even_with_nothing_to_merge(
    tmp_path, make_row, write_batch, capsys
):
    # As it stops every crawl: verify says so, and compact must not call the dataset fine.
    write_batch([make_row("101")])
    (tmp_path / ".staging").rmdir()  # the folder the writes left, empty
    (tmp_path / ".staging").write_text("notes")
    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == exitcodes.DISK_ERROR
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        f"newsscraper compact: the dataset cannot be written: {tmp_path / '.staging'} is a "
        "file, not a folder: "
    )


def test_a_single_run_records_file_is_left_as_it_is(tmp_path, capsys):
    # One file is merged already: swapping its folder would only fail the queries running then.
    table = pa.Table.from_pylist([run_record("run-a", 0)], schema=RUNS_SCHEMA)
    path = dataset.runs_dir(tmp_path) / "part-run-a.parquet"
    dataset_write.commit_part_file(table, path, tmp_path)
    inode = path.stat().st_ino
    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == (
        "nothing to compact: no selected folder has more than one part file\n"
        f"  dataset: {tmp_path}\n"
    )
    assert dataset.list_part_files(tmp_path, dataset.RUNS) == [path]
    assert path.stat().st_ino == inode


def test_a_file_in_a_folder_under_runs_or_rejects_is_kept_once(tmp_path, capsys):
    # Readers list runs/ and rejects/ with their subfolders: a file there must not end up both
    # in the merged file and, with its folder moved back, beside it.
    runs_dir = dataset.runs_dir(tmp_path)
    for run_id, minute, folder in (("run-a", 0, ""), ("run-b", 10, "2025/"), ("run-c", 20, "")):
        table = pa.Table.from_pylist([run_record(run_id, minute)], schema=RUNS_SCHEMA)
        path = runs_dir / f"{folder}part-{run_id}.parquet"
        dataset_write.commit_part_file(table, path, tmp_path)
        reject = {
            "article_id": f"1882603070000001{minute}",
            "reason": "body_too_short",
            "scraped_at": dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC),
            "run_id": run_id,
        }
        path = dataset.rejects_dir(tmp_path) / f"{folder}part-{run_id}-1.parquet"
        dataset_write.commit_part_file(
            dataset_write.items_to_table([reject], REJECTS_SCHEMA), path, tmp_path
        )

    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == 0

    assert sorted(r["run_id"] for r in read_runs(tmp_path)) == ["run-a", "run-b", "run-c"]
    rejects = dataset_read.read_rejects(tmp_path, ["run_id"])["run_id"].to_pylist()
    assert sorted(rejects) == ["run-a", "run-b", "run-c"]
    assert (runs_dir / "2025" / "part-run-b.parquet").is_file()
    out = capsys.readouterr().out
    assert "runs: 2 files -> " in out and "rejects: 2 files -> " in out


def test_a_compaction_killed_right_after_a_swap_loses_nothing_it_did_not_merge(
    three_partitions, monkeypatch
):
    partition = dataset.articles_dir(three_partitions) / "section=doanh-nghiep"
    partition = partition / "published_date=2026-03-07"
    (partition / "README.txt").write_text("ghi chú")
    (partition / "notes").mkdir()
    (partition / "notes" / "2026.txt").write_text("sổ tay")
    runs = dataset.runs_dir(three_partitions)
    for run_id, minute, folder in (("run-a", 0, ""), ("run-b", 10, "2025/"), ("run-c", 20, "")):
        table = pa.Table.from_pylist([run_record(run_id, minute)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(
            table, runs / f"{folder}part-{run_id}.parquet", three_partitions
        )
    before = what_readers_see(three_partitions)
    real_restore = compact._restore_unmerged

    for victim, compaction in ((partition, compact.compact), (runs, compact.compact_run_records)):

        def killed(replaced, live, merged_names, victim=victim):
            if live == victim:  # the process ends between this swap and what follows it
                raise KeyboardInterrupt
            return real_restore(replaced, live, merged_names)

        monkeypatch.setattr(compact, "_restore_unmerged", killed)
        with pytest.raises(KeyboardInterrupt):
            compaction(three_partitions)
        dataset_write.clear_staging(three_partitions)  # what the next process to take the lock does

    assert (partition / "README.txt").read_text() == "ghi chú"
    assert (partition / "notes" / "2026.txt").read_text() == "sổ tay"
    assert (runs / "2025" / "part-run-b.parquet").is_file()
    assert sorted(r["run_id"] for r in read_runs(three_partitions)) == ["run-a", "run-b", "run-c"]
    assert what_readers_see(three_partitions) == before
    # The swaps were made: one merged file in each folder.
    assert [len(list(folder.glob("*.parquet"))) for folder in (partition, runs)] == [1, 1]


def test_a_file_added_to_a_folder_under_runs_during_the_swap_is_kept(tmp_path, monkeypatch):
    runs = dataset.runs_dir(tmp_path)
    for run_id, minute, folder in (("run-a", 0, ""), ("run-b", 10, "2025/"), ("run-c", 20, "")):
        table = pa.Table.from_pylist([run_record(run_id, minute)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs / f"{folder}part-{run_id}.parquet", tmp_path)
    real_exchange = dataset_write.exchange_paths

    def written_then_exchange(a, b):
        # After the folder under runs/ was carried into the new one, before the swap.
        late = pa.Table.from_pylist([run_record("run-d", 30)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(late, runs / "2025" / "part-run-d.parquet", tmp_path)
        real_exchange(a, b)

    monkeypatch.setattr(dataset_write, "exchange_paths", written_then_exchange)
    compact.compact_run_records(tmp_path)
    assert sorted(r["run_id"] for r in read_runs(tmp_path)) == ["run-a", "run-b", "run-c", "run-d"]
    assert sorted(p.name for p in (runs / "2025").iterdir()) == [
        "part-run-b.parquet",
        "part-run-d.parquet",
    ]


@pytest.mark.parametrize(
    ("folder_name", "said"),
    [
        *[
            (f"section=doanh-nghiep/published_date={name}", f"published_date {name!r} is")
            for name in ("2026-13-01", "20260307", "soon")
        ],
        *[
            (f"section={name}/published_date=2026-03-07", f"section {name!r} is no section name")
            for name in ("", "doanh nghiệp", "-x")
        ],
    ],
)
def test_a_partition_folder_whose_date_or_section_is_none_is_named(
    three_partitions, capsys, folder_name, said
):
    folder = dataset.articles_dir(three_partitions) / folder_name
    folder.mkdir(parents=True)
    before = dataset.list_part_files(three_partitions)
    assert cli.main(["compact", "--output-dir", str(three_partitions)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsscraper compact: a file or folder cannot be read (")
    assert said in err and str(folder) in err
    assert dataset.list_part_files(three_partitions) == before
