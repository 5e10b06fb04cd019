"""`records_merge`: every row of runs/ or rejects/ in one file, in order and in the current
schema, read and written a batch at a time."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsscraper import __version__, dataset, dataset_read, dataset_write, records_merge
from newsscraper.records_merge import RecordsMerge
from newsscraper.schema import REJECTS_SCHEMA, RUNS_SCHEMA

UTC = dt.UTC
RUNS_KEYS = ["finished_at", "run_id"]
REJECTS_KEYS = ["scraped_at", "run_id"]


def run_record(run_id: str, minute: int, **fields) -> dict:
    return {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": run_id,
        "section": "doanh-nghiep",
        "mode": "incremental",
        "started_at": dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC),
        "finished_at": dt.datetime(2026, 3, 8, 2, minute + 1, tzinfo=UTC),
        "exit_code": 0,
        "watermark": dt.datetime(2026, 3, 8, 1, minute, tzinfo=UTC),
        **fields,
    }


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
    parts = [
        ("run-v1", 58, ["pending_articles", "walked_down_to", "rests_until", "run_number"], b"1"),
        ("run-v4", 3, ["run_number", "newsscraper_version"], b"4"),
        ("run-x", 58, [], None),
        ("run-a", 58, [], None),
    ]
    for run_id, minute, lacking, version in parts:
        table = pa.Table.from_pylist(
            [run_record(run_id, minute, run_number=100, newsscraper_version=__version__)],
            schema=RUNS_SCHEMA,
        ).drop_columns(lacking + (["newsscraper_version"] if lacking and version == b"1" else []))
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
    for (folder, schema, keys), rows in zip(folders, (34, 11), strict=True):
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
    assert runs.to_pylist()[-4:] == ["run-029", "run-a", "run-v1", "run-x"]
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
