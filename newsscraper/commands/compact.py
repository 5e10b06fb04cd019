"""`newsscraper compact`: merge the part files of each partition into one, and those of
`runs/` and `rejects/` into one each.

Each crawl batch adds one small file per partition, and each run one run record and its rejects;
readers pay for every file they open, and every crawl reads all of `runs/` and `rejects/` when it
starts. This merges a partition's files into `part-compact-<timestamp>-<n>.parquet`, one row per
article_id, and the files of `runs/` and `rejects/` into `part-compact-<timestamp>.parquet`
each, every row kept (older files' rows in the current schema, a column added since null).

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
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsscraper import dataset, dataset_read, dataset_write, exitcodes
from newsscraper import settings as project_settings
from newsscraper.lock import LockHeld, crawl_lock
from newsscraper.pages.dates import vietnam_date
from newsscraper.schema import ARTICLES_FILE_SCHEMA, REJECTS_SCHEMA, RUNS_SCHEMA
from newsscraper.sections import unknown_section


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


def mergeable(path: Path, schema: pa.Schema, *, complete: bool = False) -> pa.Table:
    """The part file's table in `schema` (a column an older file lacks is null); ArrowInvalid
    naming it when it holds a column `schema` does not declare, lacks one declared not null or
    holds nulls in one (or, when `complete`, lacks any it declares, or holds one of another
    type): a file another program wrote, or its rows written again by pandas or polars. Merged,
    those columns would be dropped or changed and the file removed with the others, so its
    folder is left as it is. A link that leads to no file (its target not there, or a loop) is
    such a file too, not a fault of the disk."""
    file = _opened(path)
    return _checked(path, dataset_read.read_opened_part_file(file, path), schema, complete=complete)


def _checked(path: Path, table: pa.Table, schema: pa.Schema, *, complete: bool = False):
    """`table`, read whole from the part file at `path`, checked and in `schema` (see
    `mergeable`)."""
    nulls = {name: table.column(name).null_count for name in table.column_names}
    _refuse_differences(path, table.schema, schema, nulls, complete=complete)
    return _in_schema(path, table, schema)


def _opened(path: Path) -> pq.ParquetFile:
    """The part file at `path`, opened; a link that leads to no file is ArrowInvalid naming it
    (see `mergeable`)."""
    try:
        return dataset_read.open_part_file(path)
    except OSError as error:
        if not path.is_symlink() or path.exists():
            raise
        why = f" ({os.strerror(error.errno)})" if error.errno else ""
        raise pa.ArrowInvalid(
            f"{path} is a link to {os.readlink(path)}, which leads to no file{why}: not merged"
        ) from error


def _refuse_differences(
    path: Path, stored: pa.Schema, schema: pa.Schema, nulls: dict[str, int], *, complete: bool
) -> None:
    """ArrowInvalid naming the part file at `path`, whose columns are `stored` and hold `nulls`
    (a count for each column declared not null), when they are not what `mergeable` merges."""
    extra = [name for name in stored.names if name not in schema.names]
    missing = [name for name in schema.names if name not in stored.names]
    # A column declared not null was there from the first version: lacking it is no older file.
    required = [name for name in missing if not schema.field(name).nullable]
    differences = [f"columns {extra} not in the schema"] if extra else []
    if complete:
        differences += [f"no column {missing}"] if missing else []
        differences += [
            f"{field.name} is {stored.field(field.name).type}, declared {field.type}"
            for field in schema
            # Compared as types, so a list's child name ("item"/"element") does not matter.
            if field.name not in missing and not stored.field(field.name).type.equals(field.type)
        ]
    elif required:
        differences += [f"no column {required}, declared not null"]
    differences += [
        f"nulls in {field.name}, declared not null"
        for field in schema
        if not field.nullable and field.name not in missing and nulls[field.name]
    ]
    if differences:
        raise pa.ArrowInvalid(f"{path} holds {' and '.join(differences)}: not merged")


def compact_partition(
    output_dir: Path, partition: dataset.ArticlePartition, file_name: str, compression: str
) -> PartitionResult | None:
    """Swap the partition's part files for one merged file (see the module doc); None when
    there is nothing to merge."""
    files = partition.part_files()
    if len(files) < 2:
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
    `order`; None when there is nothing to merge. A file in a folder under it is left where it
    is (the folder is carried into the new one whole, see `_swap`). The rows are read and
    written a batch at a time (`RecordsMerge`): what the merge holds does not grow with the
    records kept."""
    live = output_dir / folder
    files = [p for p in dataset.list_part_files(output_dir, folder) if p.parent == live]
    if len(files) < 2:
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


# --- Merging runs/ and rejects/ a batch at a time -------------------------------------------

# A year of cron runs every five minutes keeps 105,000 run records: read whole, sorted and
# written again, they held some 250 MB at every merge, more with every year kept. So the merge
# reads each file a batch at a time and writes the merged file a row group at a time.
MERGE_BATCH_ROWS = 2048  # rows read from one file at a time
MERGED_ROW_GROUP_ROWS = 65_536  # rows of one row group of the merged file, at most
MERGED_ROW_GROUP_BYTES = 16 * 2**20  # and the bytes of its rows in memory, at most
_FILE, _ROW = "__file", "__row"  # where a row was read: the order among equal times


class RecordsMerge:
    """The part files of `runs/` or `rejects/` (`files`, each checked as `mergeable` checks
    it, in the order given) as one file: every row in `schema`, ordered by the columns `keys`,
    then by file and row within its file, as a stable sort of all their rows orders them.

    Each file is a sorted stream of rows: one of many rows already in order (the merged file an
    earlier merge wrote) is read a batch at a time; the others (a run's part files, a few rows
    each, or a file out of order) are read whole, a slice of files at a time, each slice
    sorted, and spilled under `.staging/` when there is more than one. The streams are merged
    as they are read: each round takes from every stream the rows at or before the smallest of
    the last rows the streams hold, which no row still unread can precede."""

    def __init__(
        self, output_dir: Path, folder: str, files: list[Path], schema: pa.Schema, keys: list
    ):
        self.files, self.schema, self.keys = files, schema, keys
        self.spill = dataset.staging_dir(output_dir) / f"merge-{os.getpid()}-{folder}"
        self.rows = 0
        self.in_order: list[int] = []  # the files read a batch at a time
        self.slices: list[pa.Table | Path] = []  # the others, a sorted slice or its spill
        self._slice: list[pa.Table] = []

    def check(self) -> None:
        """Read and check every file in its order (the first refused is named, as a whole read
        names it); the files read whole are sorted, a slice at a time."""
        for index, path in enumerate(self.files):
            file = _opened(path)
            if file.metadata.num_rows > MERGE_BATCH_ROWS and self._in_order(path, file):
                self.in_order.append(index)
                continue
            table = dataset_read.read_opened_part_file(file, path)
            rows = sum(t.num_rows for t in self._slice)
            if self._slice and (
                len(self._slice) >= dataset_read.READ_SLICE_FILES
                or rows + table.num_rows > MERGED_ROW_GROUP_ROWS
            ):
                self._end_slice()
            self._slice.append(_located(_checked(path, table, self.schema), index, 0))
        if self._slice:
            self._end_slice()

    def _end_slice(self) -> None:
        order = [(name, "ascending") for name in [*self.keys, _FILE, _ROW]]
        self.slices.append(pa.concat_tables(self._slice).combine_chunks().sort_by(order))
        self._slice = []
        if len(self.slices) > 1:  # one slice is held, more are spilled
            self.spill.mkdir(parents=True, exist_ok=True)
            for number, table in enumerate(self.slices):
                if isinstance(table, pa.Table):
                    path = self.spill / f"{number}.parquet"
                    pq.write_table(table, dataset_read.arrow_path(path))
                    self.slices[number] = path

    def _in_order(self, path: Path, file: pq.ParquetFile) -> bool:
        """Refuse the part file as `mergeable` does, reading only the columns its checks need;
        True when its rows are in order of `keys`."""
        stored = file.schema_arrow
        not_null = [f.name for f in self.schema if not f.nullable and f.name in stored.names]
        nulls = dict.fromkeys(not_null, 0)
        for batch in _batches(path, file, not_null):
            for name in not_null:
                nulls[name] += batch.column(name).null_count
        _refuse_differences(path, stored, self.schema, nulls, complete=False)
        # Cast as `in_schema` casts them, in its order: a column that cannot be is named.
        for field in self.schema:
            if field.name in stored.names and not stored.field(field.name).type.equals(field.type):
                for batch in _batches(path, file, [field.name]):
                    _in_schema(path, pa.table(batch), pa.schema([field]))
        key_fields = pa.schema([self.schema.field(name) for name in self.keys])
        last = None
        for batch in _batches(path, file, self.keys):
            keys = _comparable(dataset_read.in_schema(pa.table(batch), key_fields))
            if not _sorted(keys if last is None else pa.concat_tables([last, keys])):
                return False
            last = keys.slice(keys.num_rows - 1)
        return True

    def write(self, fh, compression: str) -> None:
        """Write the merged file into `fh` (see `dataset_write.commit_part_file`)."""
        with pq.ParquetWriter(fh, self.schema, compression=compression) as writer:
            held, rows = [], 0
            for chunk in _merged(self._streams(), [*self.keys, _FILE, _ROW]):
                held.append(chunk.select(self.schema.names).cast(self.schema))
                rows += chunk.num_rows
                while rows >= MERGED_ROW_GROUP_ROWS or (
                    rows and sum(t.nbytes for t in held) >= MERGED_ROW_GROUP_BYTES
                ):
                    group = pa.concat_tables(held)
                    size = min(rows, MERGED_ROW_GROUP_ROWS)
                    writer.write_table(group.slice(0, size), row_group_size=size)
                    self.rows += size
                    held, rows = [group.slice(size)], rows - size
            if rows or not self.rows:
                group = pa.concat_tables(held) if held else self.schema.empty_table()
                writer.write_table(group, row_group_size=max(1, group.num_rows))
                self.rows += group.num_rows

    def close(self) -> None:
        shutil.rmtree(self.spill, ignore_errors=True)

    def _streams(self) -> list:
        """Every row as streams of tables, each in order of `keys`, file, row."""
        streams = [self._read_in_order(index) for index in self.in_order]
        for table in self.slices:
            if isinstance(table, pa.Table):
                streams.append(iter([table]))
            else:
                streams.append(pa.table(b) for b in _batches(table, _opened(table), None))
        return streams

    def _read_in_order(self, index: int):
        path, start = self.files[index], 0
        for batch in _batches(path, _opened(path), None):
            yield _located(_in_schema(path, pa.table(batch), self.schema), index, start)
            start += batch.num_rows


def _batches(path: Path, file: pq.ParquetFile, columns: list[str] | None):
    return dataset_read.part_file_batches(file, path, MERGE_BATCH_ROWS, columns)


def _in_schema(path: Path, table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table`, read from the part file at `path`, in `schema` (see `mergeable`)."""
    try:
        return dataset_read.in_schema(table, schema)
    except pa.ArrowInvalid as error:
        raise pa.ArrowInvalid(f"{path} holds {error}: not merged") from error


def _located(table: pa.Table, index: int, start: int) -> pa.Table:
    """`table`, rows `start`… of file `index`, with where each row was read."""
    return table.append_column(
        _FILE, pa.repeat(pa.scalar(index, pa.int32()), table.num_rows)
    ).append_column(_ROW, pa.array(range(start, start + table.num_rows), pa.int64()))


def _merged(streams: list, keys: list[str]):
    """The rows of `streams` (iterators of tables, each in order of `keys`) in order of
    `keys`, a table at a time (see `RecordsMerge`)."""
    heads = [[table, stream] for stream in streams if (table := _next_rows(stream)) is not None]
    while heads:
        bound = min(_key(_comparable(table.select(keys)), table.num_rows - 1) for table, _ in heads)
        taken = []
        for head in heads:
            table = head[0]
            count = _count_at_most(_comparable(table.select(keys)), bound)
            if count:
                taken.append(table.slice(0, count))
                head[0] = table.slice(count) if count < table.num_rows else _next_rows(head[1])
        heads = [head for head in heads if head[0] is not None]
        chunk = pa.concat_tables(taken)
        yield chunk if len(taken) == 1 else chunk.sort_by([(name, "ascending") for name in keys])


def _next_rows(stream) -> pa.Table | None:
    return next((table for table in stream if table.num_rows), None)


def _comparable(table: pa.Table) -> pa.Table:
    """`table` with each timestamp as its integer, compared as Arrow sorts them."""
    return pa.table(
        {
            name: column.cast(pa.int64()) if pa.types.is_timestamp(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def _key(table: pa.Table, row: int) -> tuple:
    return tuple(column[row].as_py() for column in table.columns)


def _count_at_most(table: pa.Table, bound: tuple) -> int:
    """How many rows of `table` are at or before `bound` in order of its columns (all of them,
    when they are in that order: they are the first rows)."""
    columns = list(table.columns)
    at_most = pc.less_equal(columns[-1], pa.scalar(bound[-1], columns[-1].type))
    for column, value in zip(reversed(columns[:-1]), reversed(bound[:-1]), strict=True):
        value = pa.scalar(value, column.type)
        at_most = pc.or_(pc.less(column, value), pc.and_(pc.equal(column, value), at_most))
    return pc.sum(at_most).as_py() or 0


def _sorted(table: pa.Table) -> bool:
    """True when the rows of `table` are in order of its columns."""
    before, after = table.slice(0, table.num_rows - 1), table.slice(1)
    columns = list(zip(before.columns, after.columns, strict=True))
    in_order = pc.less_equal(*columns[-1])
    for earlier, later in reversed(columns[:-1]):
        in_order = pc.or_(pc.less(earlier, later), pc.and_(pc.equal(earlier, later), in_order))
    return pc.all(in_order).as_py() is not False


def selected_partitions(
    output_dir: Path, section: str | None, older_than_days: int | None, today: dt.date
) -> list[dataset.ArticlePartition]:
    partitions = dataset.list_article_partitions(output_dir)
    if section is not None:
        partitions = [p for p in partitions if p.section == section]
    if older_than_days is not None:
        cutoff = today - dt.timedelta(days=older_than_days)
        partitions = [p for p in partitions if p.published_date < cutoff]
    return partitions


def compact(
    output_dir: Path,
    section: str | None = None,
    older_than_days: int | None = None,
    now: dt.datetime | None = None,
    compression: str = project_settings.PARQUET_COMPRESSION,
    *,
    lock: bool = True,
) -> list[PartitionResult]:
    """Compact the selected partitions under the crawl lock (LockHeld if a crawl runs; with
    `lock` False, the caller holds it)."""
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
    compression: str = project_settings.PARQUET_COMPRESSION,
    *,
    lock: bool = True,
) -> list[RecordsResult]:
    """Compact `runs/` and `rejects/` under the crawl lock (LockHeld if a crawl runs; with
    `lock` False, the caller holds it)."""
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


def report(results: list[PartitionResult], records: list[RecordsResult], out=None) -> None:
    out = out or sys.stdout
    for r in results:
        where = f"section={r.partition.section}/published_date={r.partition.published_date}"
        print(f"{where}: {r.files_merged} files -> {r.merged_path.name} ({r.rows} rows)", file=out)
        if r.duplicate_ids:
            print(
                f"  {len(r.duplicate_ids)} article_id(s) stored more than once; kept the earliest "
                f"scraped row of each: {', '.join(r.duplicate_ids)}",
                file=out,
            )
        for path in r.unmerged:
            print(
                f"  kept {path.name}: not merged (not a part file, or written meanwhile)", file=out
            )
    if not results and not records:
        print("nothing to compact: no selected folder has more than one part file", file=out)
    for r in records:
        print(
            f"{r.folder}: {r.files_merged} files -> {r.merged_path.name} ({r.rows} rows)", file=out
        )


def run(args: argparse.Namespace) -> int:
    if args.section is not None and (problem := unknown_section(args.section)) is not None:
        print(f"newsscraper compact: {problem}", file=sys.stderr)
        return exitcodes.USAGE
    if args.older_than is not None and args.older_than < 0:
        print("newsscraper compact: --older-than must be 0 or more days", file=sys.stderr)
        return exitcodes.USAGE
    output_dir = Path(args.output_dir)
    if (problem := dataset.folder_problem(output_dir)) is not None:
        print(f"newsscraper compact: {output_dir}: {problem}", file=sys.stderr)
        return exitcodes.ABNORMAL
    try:
        # One lock for both: a crawl cannot start between the partitions and the records.
        now = dt.datetime.now(dt.UTC)
        with crawl_lock(output_dir, purpose="compact", wait=args.wait):
            results = compact(output_dir, args.section, args.older_than, now, lock=False)
            records = compact_run_records(output_dir, now, lock=False)
    except LockHeld as error:
        print(
            f"newsscraper compact: {error}; nothing was compacted: run it again once that "
            "process has finished",
            file=sys.stderr,
        )
        return exitcodes.LOCKED
    except OSError as error:
        # Each folder is swapped whole or not at all: what was merged before stays merged.
        print(f"newsscraper compact: the dataset cannot be written: {error}", file=sys.stderr)
        return exitcodes.DISK_ERROR
    except (ValueError, pa.ArrowException) as error:
        # A file that cannot be read, or a folder named as no partition: its folder is left
        # as it was, nothing is merged past it.
        print(
            f"newsscraper compact: a file or folder cannot be read ({error}); "
            + dataset_read.verify_hint(output_dir),
            file=sys.stderr,
        )
        return exitcodes.ABNORMAL
    report(results, records)
    return exitcodes.OK
