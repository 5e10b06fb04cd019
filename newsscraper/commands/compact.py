"""`newsscraper compact`: merge the part files of each partition into one, and those of
`runs/` and `rejects/` into one each.

Each crawl batch adds one small file per partition, and each run one run record and its rejects;
readers pay for every file they open, and every crawl reads all of `runs/` and `rejects/` when it
starts. This merges a partition's files into `part-compact-<timestamp>-<n>.parquet`, one row per
article_id, and the files of `runs/` and `rejects/` into `part-compact-<timestamp>.parquet`
each, every row kept (older files' rows in the current schema, a column added since null).
This module picks the folders and swaps each one; every file merged is first checked by
`newsscraper.merge_checks`, and the rows of `runs/` and `rejects/`, which grow with every run
kept, are merged a batch at a time by `newsscraper.records_merge`.

How a reader listing the dataset mid-swap never sees a row missing or doubled:

- A hidden name inside the partition is not enough: DuckDB's and polars' `**/*.parquet` globs
  list files and folders starting with `.` or `_` (only pyarrow, and so pandas, skip them), so a
  merged file placed beside the old ones would double every row for those readers.
- So the merged file is written into a new copy of the partition folder under
  `OUTPUT_DIR/.staging/` (outside `articles/`, where no reader looks), and the two folders are
  exchanged in one atomic `renameat2(RENAME_EXCHANGE)`. The partition's path names the complete
  old folder until that instant and the complete new one after it. (A reader that had already
  listed the old files and opens one after the exchange gets "file not found", never wrong
  rows.)
- The old folder, now under `.staging/`, is left whole there, for the next process to take the
  lock to remove (`dataset_write.clear_staging`). A reader that opened the live folder before the
  exchange lists the old folder through that handle, whenever it reads it: emptied at once,
  it would list no file, and the partition's rows would be missing from the query without a
  word; kept, it names files gone from the live folder, and the query fails instead.
- All under the crawl lock, which `scrapy crawl` and `newsscraper cron` hold too, so no crawl
  adds files meanwhile. A file that arrived anyway after the merge read its folder (a crawl
  started some other way) is moved back into the new folder rather than deleted; its rows are
  invisible for the instant between the exchange and the move.
- What is not merged (a note, a hidden file, a folder) is hard-linked into the new folder
  before the exchange, not moved back after it: `.staging/` is emptied by the next process to
  take the lock, and a compaction killed right after the exchange would otherwise have left
  them there.

Where the exchange is not supported (not Linux, or a filesystem without it) the command stops
with an error instead of swapping in two steps.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from newsscraper import dataset, dataset_read, dataset_write, exitcodes
from newsscraper import settings as project_settings
from newsscraper.lock import LockHeld, crawl_lock
from newsscraper.merge_checks import mergeable, refuse_foreign
from newsscraper.pages.dates import vietnam_date
from newsscraper.records_merge import RecordsMerge
from newsscraper.schema import ARTICLES_FILE_SCHEMA, REJECTS_SCHEMA, RUNS_SCHEMA
from newsscraper.sections import unknown_section
from newsscraper.standard_streams import say_summary


@dataclass
class PartitionResult:
    partition: dataset.ArticlePartition
    files_merged: int
    rows: int
    merged_path: Path
    duplicate_ids: list[str]
    unmerged: list[Path]  # kept beside the merged file: not part files, or written meanwhile


@dataclass
class RecordsResult:
    folder: str  # `runs` or `rejects`
    files_merged: int
    rows: int
    merged_path: Path


# The record folders, their schema and the order of their merged rows.
RECORD_FOLDERS = (
    (dataset.RUNS, RUNS_SCHEMA, [("finished_at", "ascending"), ("run_id", "ascending")]),
    (dataset.REJECTS, REJECTS_SCHEMA, [("scraped_at", "ascending"), ("run_id", "ascending")]),
)


# `newsscraper cron` merges runs/ and rejects/ itself once either holds more part files than
# this: a crawl opens every file of runs/ (three times) and of rejects/, about a millisecond
# each, so their count stays bounded whether `compact` is run or not.
RECORD_FILES_BEFORE_MERGE = 100


def record_part_files(output_dir: Path) -> dict[str, int]:
    """How many part files `runs/` and `rejects/` each hold (not counting any in a folder
    under them, which compaction leaves where it is)."""
    return {
        folder: sum(
            1
            for p in dataset.list_part_files(output_dir, folder)
            if p.parent == output_dir / folder
        )
        for folder, _, _ in RECORD_FOLDERS
    }


def merge_part_tables(tables: list[pa.Table]) -> tuple[pa.Table, list[str]]:
    """One table holding one row per article_id, the earliest scraped, sorted by scraped_at
    and article_id; and the ids that had more than one row."""
    table = pa.concat_tables(t.select(ARTICLES_FILE_SCHEMA.names) for t in tables)
    table = table.cast(ARTICLES_FILE_SCHEMA)
    if table.num_rows == 0:
        return table, []
    # A stable sort: copies of one id scraped at the same instant keep their file order.
    table = table.sort_by([("article_id", "ascending"), ("scraped_at", "ascending")])
    ids = table.column("article_id").combine_chunks()
    # Sorted by id, then scraped_at: a row whose id equals the previous row's is a later copy.
    later_copy = pc.equal(ids.slice(1), ids.slice(0, len(ids) - 1))
    first_copy = pa.concat_arrays([pa.array([True]), pc.invert(later_copy)])
    duplicates = sorted(set(pc.filter(ids, pc.invert(first_copy)).to_pylist()))
    table = table.filter(first_copy)
    table = table.sort_by([("scraped_at", "ascending"), ("article_id", "ascending")])
    return table.replace_schema_metadata(ARTICLES_FILE_SCHEMA.metadata), duplicates


def compact_partition(
    output_dir: Path, partition: dataset.ArticlePartition, file_name: str, compression: str
) -> PartitionResult | None:
    """Swap the partition's part files for one merged file (see the module doc); None when
    there is nothing to merge (a lone part file is left as it is, once its footer shows it is
    no other tool's: `merge_checks.refuse_foreign`)."""
    files = partition.part_files()
    if len(files) < 2:
        for path in files:
            refuse_foreign(path, ARTICLES_FILE_SCHEMA, complete=True)
        return None
    merged, duplicates = merge_part_tables(
        [mergeable(p, ARTICLES_FILE_SCHEMA, complete=True) for p in files]
    )
    unmerged = _swap(output_dir, partition.path, merged, files, file_name, compression)
    return PartitionResult(
        partition, len(files), merged.num_rows, partition.path / file_name, duplicates, unmerged
    )


def compact_records(
    output_dir: Path, folder: str, schema: pa.Schema, order, file_name: str, compression: str
) -> RecordsResult | None:
    """Swap the part files of `runs/` or `rejects/` for one file holding all their rows, in
    `order`; None when there is nothing to merge (a lone part file checked as a partition's
    is). A file in a folder under it is left where it
    is (the folder is carried into the new one whole, see `_swap`). The rows are read and
    written a batch at a time (`records_merge`): what the merge holds does not grow with the
    records kept."""
    live = output_dir / folder
    try:
        files = [p for p in dataset.list_part_files(output_dir, folder) if p.parent == live]
    except (PermissionError, NotADirectoryError) as error:  # read, not written: no disk fault
        raise dataset.Unlisted(error.errno, error.strerror, error.filename) from error
    if len(files) < 2:
        for path in files:
            refuse_foreign(path, schema, complete=False)
        return None
    merge = RecordsMerge(output_dir, folder, files, schema, [name for name, _ in order])
    try:
        merge.check()
        _swap(output_dir, live, merge.write, files, file_name, compression)
    finally:
        merge.close()
    return RecordsResult(folder, len(files), merge.rows, live / file_name)


def _swap(
    output_dir: Path,
    live: Path,
    merged: dataset_write.PartFileContent,
    files: list[Path],
    name: str,
    compression: str,
) -> list[Path]:
    """Make `merged` (as `name`) the one file of the folder `live` in place of `files` (see the
    module doc); what was kept beside it, not merged: returned."""
    merged_names = {p.name for p in files}
    carried = [p.name for p in live.iterdir() if p.name not in merged_names]
    replaced = dataset_write.replace_partition_files(
        live, merged, name, output_dir, compression=compression, carried=carried
    )
    return _restore_unmerged(replaced, live, merged_names)


def _restore_unmerged(replaced: Path, live: Path, merged_names: set[str]) -> list[Path]:
    """Everything of the old folder that was not merged, in the new folder: what was there
    when the swap began was carried into it already (a note, a hidden file, a folder: compact
    never deletes what it did not merge); a part file that arrived in between is moved back
    (its rows are in no other file, so moving it adds no copy), also into a carried folder."""
    kept = []
    for path in sorted(replaced.iterdir()):
        if path.name not in merged_names:
            _move_back(path, live / path.name)
            kept.append(live / path.name)
    return kept


def _move_back(old: Path, new: Path) -> None:
    """`old` to `new` unless it is there already; a folder that is (carried before the swap)
    gets what arrived in the old one since, at any depth."""
    if not os.path.lexists(new):
        os.rename(old, new)
    elif old.is_dir() and not old.is_symlink() and new.is_dir() and not new.is_symlink():
        for path in sorted(old.iterdir()):
            _move_back(path, new / path.name)


def selected_partitions(
    output_dir: Path, section: str | None, older_than_days: int | None, today: dt.date
) -> list[dataset.ArticlePartition]:
    partitions = dataset.list_article_partitions(output_dir)
    if section is not None:
        partitions = [p for p in partitions if p.section == section]
    if older_than_days is not None:
        try:
            cutoff = today - dt.timedelta(days=older_than_days)
        except OverflowError:  # more days back than the calendar holds: no partition is older
            cutoff = dt.date.min
        partitions = [p for p in partitions if p.published_date < cutoff]
    return partitions


def compact(
    output_dir: Path,
    section: str | None = None,
    older_than_days: int | None = None,
    now: dt.datetime | None = None,
    *,
    lock: bool = True,
    compression: str = project_settings.PARQUET_COMPRESSION,
) -> list[PartitionResult]:
    """Compact the selected partitions under the crawl lock (LockHeld if a crawl runs; with
    `lock` False, the caller holds it), each merged file written in `compression`."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = f"{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    results = []
    with _locked(output_dir, lock):
        partitions = selected_partitions(output_dir, section, older_than_days, vietnam_date(now))
        for partition in partitions:
            name = f"part-compact-{stamp}-{len(results) + 1}.parquet"
            result = compact_partition(output_dir, partition, name, compression)
            if result is not None:
                results.append(result)
    return results


def compact_run_records(
    output_dir: Path,
    now: dt.datetime | None = None,
    *,
    lock: bool = True,
    compression: str = project_settings.PARQUET_COMPRESSION,
) -> list[RecordsResult]:
    """Compact `runs/` and `rejects/` under the crawl lock (LockHeld if a crawl runs; with
    `lock` False, the caller holds it), each merged file written in `compression`."""
    now = now or dt.datetime.now(dt.UTC)
    name = f"part-compact-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.parquet"
    results = []
    with _locked(output_dir, lock):
        for folder, schema, order in RECORD_FOLDERS:
            result = compact_records(output_dir, folder, schema, order, name, compression)
            if result is not None:
                results.append(result)
    return results


def _locked(output_dir: Path, lock: bool):
    return crawl_lock(output_dir, purpose="compact") if lock else contextlib.nullcontext()


def report(results: list[PartitionResult], records: list[RecordsResult]) -> str:
    """What compact says on stdout: each folder merged, or that there was nothing to merge."""
    lines = []
    for r in results:
        where = f"section={r.partition.section}/published_date={r.partition.published_date}"
        lines.append(f"{where}: {r.files_merged} files -> {r.merged_path.name} ({r.rows} rows)")
        if r.duplicate_ids:
            lines.append(
                f"  {len(r.duplicate_ids)} article_id(s) stored more than once; kept the earliest "
                f"scraped row of each: {', '.join(r.duplicate_ids)}"
            )
        lines.extend(
            f"  kept {path.name}: not merged (not a part file, or written meanwhile)"
            for path in r.unmerged
        )
    if not results and not records:
        lines.append("nothing to compact: no selected folder has more than one part file")
    lines.extend(
        f"{r.folder}: {r.files_merged} files -> {r.merged_path.name} ({r.rows} rows)"
        for r in records
    )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    # Said with the usage, exit 2, as argparse says a bad --older-than or --wait.
    if args.section is not None and (problem := unknown_section(args.section)) is not None:
        args._parser.error(f"argument --section: {problem}")
    if (
        problem := dataset_write.compression_problem("argument --compression:", args.compression)
    ) is not None:
        args._parser.error(problem)
    output_dir = dataset.named(args.output_dir)
    if (problem := dataset.folder_problem(output_dir)) is not None:
        print(f"newsscraper compact: {output_dir}: {problem}", file=sys.stderr)
        return exitcodes.ABNORMAL
    if (said := dataset.not_a_dataset(output_dir)) is not None:  # said; the command runs on
        print(f"newsscraper compact: warning: {output_dir}: {said}", file=sys.stderr)
    try:
        # One lock for both: a crawl cannot start between the partitions and the records.
        now = dt.datetime.now(dt.UTC)
        with crawl_lock(output_dir, purpose="compact", wait=args.wait):
            results = compact(
                output_dir,
                args.section,
                args.older_than,
                now,
                lock=False,
                compression=args.compression,
            )
            records = compact_run_records(output_dir, now, lock=False, compression=args.compression)
    except LockHeld as error:
        print(
            f"newsscraper compact: {error}; nothing was compacted: run it again once that "
            "process has finished",
            file=sys.stderr,
        )
        return exitcodes.LOCKED
    except OSError as error:
        if isinstance(error, dataset.Unlisted):  # read, not written: named as a file is
            return _cannot_read(output_dir, error)
        # Each folder is swapped whole or not at all: what was merged before stays merged.
        print(f"newsscraper compact: the dataset cannot be written: {error}", file=sys.stderr)
        return exitcodes.DISK_ERROR
    except (ValueError, pa.ArrowException) as error:
        # A file that cannot be read, or a folder named as no partition: its folder is left
        # as it was, nothing is merged past it.
        return _cannot_read(output_dir, error)
    # The dataset is compacted: a stdout that cannot take the report changes nothing of that.
    # Then the folder compacted, as every command names it (`dataset.named`).
    say_summary(f"{report(results, records)}\n  dataset: {output_dir}", "newsscraper compact")
    return exitcodes.OK


def _cannot_read(output_dir: Path, error: Exception) -> int:
    """Say that a file or folder of the dataset cannot be read (a file of another program's,
    a folder it may not list): exit 1, its folder left as it was."""
    print(
        f"newsscraper compact: a file or folder cannot be read ({error}); "
        + dataset_read.verify_hint(output_dir),
        file=sys.stderr,
    )
    return exitcodes.ABNORMAL
