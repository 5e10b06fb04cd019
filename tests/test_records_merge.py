"""`records_merge`: every row of runs/ or rejects/ in one file, in order and in the current
schema, read and written a batch at a time."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from run_records import run_record

from newsscraper import __version__, dataset, dataset_read, dataset_write, records_merge
from newsscraper.records_merge import RecordsMerge
from newsscraper.schema import REJECTS_SCHEMA, RUNS_SCHEMA

UTC = dt.UTC
RUNS_KEYS = ["finished_at", "run_id"]
REJECTS_KEYS = ["scraped_at", "run_id"]
DAY = dt.date(2026, 3, 7)  # the first date a backfill was given (`since`, added in version 7)


def merged(output_dir: Path, folder: str, schema: pa.Schema, keys: list[str]) -> tuple[Path, int]:
    """The part files of `folder` merged into one file outside the dataset, as compact writes
    the one it swaps in; and the rows the merge counted."""
    merge = RecordsMerge(
        output_dir, folder, dataset.list_part_files(output_dir, folder), schema, keys
    )
    try:
        merge.check()
        path = dataset_write.commit_part_file(
            merge.write, output_dir / "merged" / f"{folder}.parquet", output_dir
        )
    finally:
        merge.close()
    assert not merge.spill.exists()  # what it spilled is removed with it
    return path, merge.rows


def merged_as_expected(files: list[Path], schema: pa.Schema, keys: list[str]) -> list[dict]:
    """What a merge of `files` holds: every row in `schema` (a column an older file lacks,
    null), ordered by `keys` and, among equal keys, by file, then by row within its file."""
    rows = [
        row
        for path in files
        for row in dataset_read.in_schema(pq.read_table(path), schema).to_pylist()
    ]
    return sorted(rows, key=lambda row: tuple(row[name] for name in keys))  # a stable sort


def test_run_records_of_more_files_than_a_slice_are_merged_whole_and_in_order(
    tmp_path, monkeypatch
):
    # Read a slice of files at a time (a year of uncompacted records held GBs as one table a
    # file): every row still lands once, in the order of their times, older schemas included.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 16)
    runs_dir = dataset.runs_dir(tmp_path)
    for n in range(40):
        table = pa.Table.from_pylist([run_record(f"run-{n:02d}", n)], schema=RUNS_SCHEMA)
        if n % 7 == 0:  # a version 1 record, without the columns added since
            table = table.drop_columns(["pending_articles", "walked_down_to"])
            table = table.replace_schema_metadata({b"newsscraper.schema_version": b"1"})
        dataset_write.commit_part_file(table, runs_dir / f"part-{39 - n:02d}.parquet", tmp_path)

    path, rows = merged(tmp_path, dataset.RUNS, RUNS_SCHEMA, RUNS_KEYS)

    assert rows == 40
    assert pq.read_table(path).column("run_id").to_pylist() == [f"run-{n:02d}" for n in range(40)]


@pytest.mark.parametrize("small", [False, True])
def test_a_merge_onto_an_older_merged_file_holds_every_row_in_order_and_its_schema(
    tmp_path, monkeypatch, small
):
    if small:  # files read a few rows at a time, written in small row groups, slices spilled
        monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 3)
        monkeypatch.setattr(records_merge, "MERGED_ROW_GROUP_ROWS", 5)
        monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 2)
    # An older merged file, then part files of several versions (some without the columns
    # added since), one written before the newest merged row, two finished at one instant;
    # rejects out of order within their file, and of one run at one instant in two files.
    runs_dir = dataset.runs_dir(tmp_path)
    earlier = [
        run_record(f"run-{n:03d}", n % 60, run_number=n, newsscraper_version="0.9")
        for n in range(30)
    ]
    older = pa.Table.from_pylist(earlier, schema=RUNS_SCHEMA).sort_by(
        [("finished_at", "ascending"), ("run_id", "ascending")]
    )
    dataset_write.commit_part_file(
        older, runs_dir / "part-compact-20260301T000000Z.parquet", tmp_path
    )
    window = ["since", "until", "stop_url"]
    parts = [
        ("run-v1", 58, ["pending_articles", "walked_down_to", "rests_until", "run_number"], b"1"),
        ("run-v4", 3, ["run_number", "newsscraper_version"], b"4"),
        ("run-v6", 58, [], b"6"),
        ("run-x", 58, [], None),
        ("run-a", 58, [], None),
    ]
    for run_id, minute, lacking, version in parts:
        older = version is not None
        lacking = lacking + (["newsscraper_version"] if version == b"1" else [])
        table = pa.Table.from_pylist(
            [
                run_record(
                    run_id, minute, run_number=100, newsscraper_version=__version__, since=DAY
                )
            ],
            schema=RUNS_SCHEMA,
        ).drop_columns(lacking + (window if older else []))
        if version is not None:
            table = table.replace_schema_metadata({b"newsscraper.schema_version": version})
        dataset_write.commit_part_file(table, runs_dir / f"part-{run_id}.parquet", tmp_path)
    at = [dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC) for minute in range(60)]
    for run_id, seq, minutes in (
        ("run-old", 0, [1, 5, 9, 13]),
        ("run-x", 0, [30, 20, 30, 2]),
        ("run-x", 1, [20, 30]),
        ("run-a", 0, [30]),
    ):
        rejects = [
            {
                "article_id": f"188260307{seq}{n:08d}{minute:02d}",
                "url": f"https://cafef.vn/x-{n}.chn",
                "reason": "body_too_short",
                "detail": f"{minute} phút",
                "raw": '{"title": "Đoạn một"}',
                "scraped_at": at[minute],
                "run_id": run_id,
            }
            for n, minute in enumerate(minutes)
        ]
        dataset_write.commit_rejects(tmp_path, rejects, run_id, seq)
    folders = (
        (dataset.RUNS, RUNS_SCHEMA, RUNS_KEYS),
        (dataset.REJECTS, REJECTS_SCHEMA, REJECTS_KEYS),
    )
    expected = {
        folder: merged_as_expected(dataset.list_part_files(tmp_path, folder), schema, keys)
        for folder, schema, keys in folders
    }

    paths = {}
    for (folder, schema, keys), rows in zip(folders, (35, 11), strict=True):
        path, merged_rows = merged(tmp_path, folder, schema, keys)
        assert merged_rows == rows
        # The schema, field and file metadata a part file of this version is written with.
        pq.write_table(schema.empty_table(), tmp_path / "reference.parquet")
        reference = pq.ParquetFile(tmp_path / "reference.parquet")
        file = pq.ParquetFile(path)
        assert file.schema_arrow.equals(reference.schema_arrow, check_metadata=True)
        assert file.metadata.metadata == reference.metadata.metadata
        assert file.schema.equals(reference.schema)  # the Parquet schema, column by column
        assert file.read().to_pylist() == expected[folder]
        if small:
            assert max(file.metadata.row_group(n).num_rows for n in range(file.num_row_groups)) == 5
        paths[folder] = path
    runs = pq.read_table(paths[dataset.RUNS])["run_id"]
    assert runs.to_pylist()[:6] == ["run-000", "run-001", "run-002", "run-003", "run-v4", "run-004"]
    assert runs.to_pylist()[-5:] == ["run-029", "run-a", "run-v1", "run-v6", "run-x"]
    since = pq.read_table(paths[dataset.RUNS], columns=["run_id", "since"]).to_pylist()
    assert {r["run_id"]: r["since"] for r in since if r["since"] is not None} == {
        "run-a": DAY,
        "run-x": DAY,
    }  # null in the records older than version 7
    rejects = pq.read_table(paths[dataset.REJECTS])
    assert [(r["run_id"], r["scraped_at"].minute) for r in rejects.to_pylist()] == [
        ("run-old", 1),
        ("run-x", 2),
        ("run-old", 5),
        ("run-old", 9),
        ("run-old", 13),
        ("run-x", 20),
        ("run-x", 20),
        ("run-a", 30),
        ("run-x", 30),
        ("run-x", 30),
        ("run-x", 30),
    ]


MERGE_MEMORY = """
import sys
from pathlib import Path
import pyarrow as pa
from newsscraper import dataset, dataset_write, records_merge
from newsscraper.schema import RUNS_SCHEMA
records_merge.MERGE_BATCH_ROWS = 256
records_merge.MERGED_ROW_GROUP_ROWS = 1024
records_merge.MERGED_ROW_GROUP_BYTES = 2**20
output_dir = Path(sys.argv[1])
files = dataset.list_part_files(output_dir, dataset.RUNS)
pool = pa.default_memory_pool()
before = pool.max_memory()
merge = records_merge.RecordsMerge(
    output_dir, dataset.RUNS, files, RUNS_SCHEMA, ["finished_at", "run_id"]
)
merge.check()
dataset_write.commit_part_file(merge.write, output_dir / "merged.parquet", output_dir)
merge.close()
print(merge.rows, pool.max_memory() - before)
"""


def test_merging_run_records_holds_a_few_batches_not_every_record(tmp_path):
    # A merged file of 24,000 records (about 33 MB in memory) and three runs since: the merge
    # reads and writes a batch at a time, so Arrow's high-water mark stays far below them all.
    records = [
        run_record(f"run-{n:05d}", n % 50, run_number=n, fill_rates=f'{{"body": {n}}}' + "x" * 1200)
        for n in range(24_000)
    ]
    older = pa.Table.from_pylist(records, schema=RUNS_SCHEMA).sort_by(
        [("finished_at", "ascending"), ("run_id", "ascending")]
    )
    runs_dir = dataset.runs_dir(tmp_path)
    dataset_write.commit_part_file(older, runs_dir / "part-compact-1.parquet", tmp_path)
    for n in range(3):
        table = pa.Table.from_pylist([run_record(f"run-new-{n}", 55)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs_dir / f"part-run-new-{n}.parquet", tmp_path)

    done = subprocess.run(
        [sys.executable, "-c", MERGE_MEMORY, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )

    rows, high_water = map(int, done.stdout.split())
    assert rows == 24_003
    assert high_water < older.nbytes / 3, (high_water, older.nbytes)


def older_merged_file(output_dir: Path, rows: list[tuple[int, str]], **columns) -> Path:
    """runs/part-compact-1.parquet: run records (finished at minute, run id) as an earlier merge
    of version 4 wrote them (without the columns added since), in the order given; `columns`
    replaced or added as given."""
    table = pa.Table.from_pylist(
        [run_record(run_id, minute) for minute, run_id in rows], schema=RUNS_SCHEMA
    ).drop_columns(["run_number", "newsscraper_version", "since", "until", "stop_url"])
    for name, values in columns.items():
        if name in table.column_names:
            table = table.set_column(table.schema.get_field_index(name), name, values)
        else:
            table = table.append_column(name, values)
    table = table.replace_schema_metadata({b"newsscraper.schema_version": b"4"})
    path = dataset.runs_dir(output_dir) / "part-compact-1.parquet"
    return dataset_write.commit_part_file(table, path, output_dir)


@pytest.mark.parametrize(
    "rows",
    [
        [(m, f"run-{m:02d}") for m in range(9)],
        # Each batch of three in order, the file not: its fourth row goes before its third.
        [(m, f"run-{m:02d}") for m in (0, 1, 2, 6, 7, 8, 3, 4, 5)],
        # In order of finish times, not of run ids among equal ones.
        [(m // 2, f"run-{9 - m:02d}") for m in range(9)],
    ],
    ids=["in order", "out of order across batches", "run ids out of order"],
)
def test_an_older_merged_file_read_a_batch_at_a_time_is_merged_in_order(
    tmp_path, monkeypatch, rows
):
    # A file of more rows than a batch is read a batch at a time only when all its rows are in
    # order; an older version's file lacks the columns added since, which are null.
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 3)
    older_merged_file(tmp_path, rows)
    table = pa.Table.from_pylist([run_record("run-new", 4)], schema=RUNS_SCHEMA)
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-new.parquet", tmp_path)
    files = dataset.list_part_files(tmp_path, dataset.RUNS)
    expected = merged_as_expected(files, RUNS_SCHEMA, RUNS_KEYS)

    path, merged_rows = merged(tmp_path, dataset.RUNS, RUNS_SCHEMA, RUNS_KEYS)

    assert merged_rows == 10
    assert pq.read_table(path).to_pylist() == expected
    assert [row["run_number"] for row in expected] == [None] * 9 + [None]


@pytest.mark.parametrize(
    ("column", "values", "said"),
    [
        ("mode", pa.array([None] + ["incremental"] * 8), "nulls in mode, declared not null"),
        ("note", pa.array(["x"] * 9), "columns ['note'] not in the schema"),
        ("exit_code", pa.array(["0"] * 8 + ["zero"]), "column exit_code is string"),
    ],
    ids=["nulls in a batch", "a column not in the schema", "a value not of its type"],
)
def test_an_older_merged_file_read_a_batch_at_a_time_is_refused_first_as_a_whole_read_is(
    tmp_path, monkeypatch, column, values, said
):
    # It is checked as every file is, and before the files after it: the first file refused
    # is named, though the one after it is refused too.
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 3)
    older = older_merged_file(tmp_path, [(m, f"run-{m:02d}") for m in range(9)], **{column: values})
    table = pa.Table.from_pylist([run_record("run-new", 4)], schema=RUNS_SCHEMA)
    table = table.append_column("other", pa.array([1]))
    dataset_write.commit_part_file(table, dataset.runs_dir(tmp_path) / "part-new.parquet", tmp_path)

    with pytest.raises(pa.ArrowInvalid, match=f"{re.escape(str(older))} holds .*{re.escape(said)}"):
        merged(tmp_path, dataset.RUNS, RUNS_SCHEMA, RUNS_KEYS)
    assert not (tmp_path / "merged").exists()


@pytest.mark.parametrize(
    ("files", "rows_each", "slices"),
    [(7, 1, [3, 3, 1]), (5, 2, [4, 4, 2]), (2, 2, []), (2, 6, [6, 6])],
    ids=["files", "rows", "one slice", "a file of more rows than a slice"],
)
def test_part_files_read_whole_are_sorted_a_bounded_slice_at_a_time(
    tmp_path, monkeypatch, files, rows_each, slices
):
    # A slice holds at most READ_SLICE_FILES files and MERGED_ROW_GROUP_ROWS rows; when there
    # are more slices than one, each is spilled under .staging/ until the merge reads it. A
    # file of more rows than that is a slice of its own.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 3)
    monkeypatch.setattr(records_merge, "MERGED_ROW_GROUP_ROWS", 5)
    runs_dir = dataset.runs_dir(tmp_path)
    for n in range(files):
        records = [run_record(f"run-{n}-{r}", n + r) for r in range(rows_each)]
        table = pa.Table.from_pylist(records, schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(table, runs_dir / f"part-{n}.parquet", tmp_path)
    listed = dataset.list_part_files(tmp_path, dataset.RUNS)
    # A dataset copied without its hidden folders: the spill makes .staging/ itself.
    shutil.rmtree(dataset.staging_dir(tmp_path))
    merge = RecordsMerge(tmp_path, dataset.RUNS, listed, RUNS_SCHEMA, RUNS_KEYS)
    try:
        merge.check()
        spilled = sorted(merge.spill.glob("*.parquet")) if merge.spill.exists() else []
        assert [pq.read_metadata(path).num_rows for path in spilled] == slices
        path = dataset_write.commit_part_file(merge.write, tmp_path / "merged.parquet", tmp_path)
    finally:
        merge.close()
    assert pq.read_table(path).to_pylist() == merged_as_expected(listed, RUNS_SCHEMA, RUNS_KEYS)


def test_the_row_groups_of_a_merged_file_are_bounded_in_bytes_too(tmp_path, monkeypatch):
    # Records of 10 kB each, read two at a time: a row group ends once its rows hold 30 kB.
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 2)
    monkeypatch.setattr(records_merge, "MERGED_ROW_GROUP_BYTES", 30_000)
    rates = pa.array(['{"body": 1}' + " " * 10_000] * 12)
    older_merged_file(tmp_path, [(m, f"run-{m:02d}") for m in range(12)], fill_rates=rates)

    path, rows = merged(tmp_path, dataset.RUNS, RUNS_SCHEMA, RUNS_KEYS)

    file = pq.ParquetFile(path)
    groups = [file.metadata.row_group(n).num_rows for n in range(file.num_row_groups)]
    assert rows == sum(groups) == 12
    assert max(groups) <= 4, groups


def test_a_reject_dated_past_the_year_9999_is_merged_as_it_is(tmp_path):
    # Another tool's nanoseconds written as microseconds: no Python datetime holds the instant,
    # and the merge keeps it as it keeps any other, in order of its time.
    far = 253_402_300_800 * 10**6 * 3
    for run_id, micros in (("run-far", far), ("run-near", 1_772_900_000 * 10**6)):
        table = pa.table(
            {
                "article_id": ["1"],
                "url": ["https://cafef.vn/x-1.chn"],
                "reason": ["body_too_short"],
                "detail": [None],
                "raw": [None],
                "scraped_at": pa.array([micros], pa.timestamp("us", tz="UTC")),
                "run_id": [run_id],
            },
            schema=REJECTS_SCHEMA,
        )
        dataset_write.commit_part_file(
            table, dataset.rejects_dir(tmp_path) / f"part-{run_id}-0.parquet", tmp_path
        )

    path, rows = merged(tmp_path, dataset.REJECTS, REJECTS_SCHEMA, REJECTS_KEYS)

    merged_table = pq.read_table(path)
    assert rows == 2
    assert merged_table["run_id"].to_pylist() == ["run-near", "run-far"]
    assert merged_table["scraped_at"].cast(pa.int64()).to_pylist()[1] == far


def test_part_files_holding_no_rows_merge_into_an_empty_file(tmp_path):
    empty = REJECTS_SCHEMA.empty_table()
    for name in ("part-a-0.parquet", "part-b-0.parquet"):
        dataset_write.commit_part_file(empty, dataset.rejects_dir(tmp_path) / name, tmp_path)

    path, rows = merged(tmp_path, dataset.REJECTS, REJECTS_SCHEMA, REJECTS_KEYS)

    assert rows == 0
    assert pq.read_table(path).equals(REJECTS_SCHEMA.empty_table())


def test_rejects_at_one_instant_keep_the_order_of_their_files_across_a_batch_read_file(
    tmp_path, monkeypatch
):
    # Rejects of one run at one instant, in three files: an older merged file read a batch at a
    # time between two part files read whole. Equal in their keys, they keep the order of the
    # files listed, then of the rows within each file, batches of the merged file included.
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 3)
    at = dt.datetime(2026, 3, 8, 2, 30, tzinfo=UTC)

    def rejects(name: str, count: int, first: dt.datetime) -> list[dict]:
        return [
            {
                "article_id": f"1882603070000000{n}",
                "url": f"https://cafef.vn/{name}-{n}.chn",
                "reason": "body_too_short",
                "detail": f"{name} {n}",
                "raw": None,
                "scraped_at": first if n else first - dt.timedelta(minutes=1),
                "run_id": "run-x",
            }
            for n in range(count)
        ]

    # part-a-0, part-compact-1 (7 rows: one before the instant, six at it, over three batches),
    # part-z-0: the order of their names.
    dataset_write.commit_rejects(tmp_path, rejects("a", 3, at), "a", 0)
    older = pa.Table.from_pylist(rejects("m", 7, at), schema=REJECTS_SCHEMA)
    dataset_write.commit_part_file(
        older, dataset.rejects_dir(tmp_path) / "part-compact-1.parquet", tmp_path
    )
    dataset_write.commit_rejects(tmp_path, rejects("z", 3, at), "z", 0)

    path, rows = merged(tmp_path, dataset.REJECTS, REJECTS_SCHEMA, REJECTS_KEYS)

    assert rows == 13
    assert pq.read_table(path)["detail"].to_pylist() == [
        "a 0",
        "m 0",
        "z 0",
        *[f"a {n}" for n in (1, 2)],
        *[f"m {n}" for n in range(1, 7)],
        *[f"z {n}" for n in (1, 2)],
    ]
