"""Merging the part files of `runs/` or `rejects/` into one file, in bounded memory: a k-way
merge of sorted streams of rows, read a batch at a time and written a row group at a time.

`newsscraper compact` (and `newsscraper cron`, once those folders hold many files) swaps the
merged file in for the files merged. A year of cron runs every five minutes keeps 105,000 run
records: read whole, sorted and written again, they held some 250 MB at every merge, more with
every year kept. Read and written in pieces, a merge holds about as much after years of runs as
after days. Every file is checked as `merge_checks` checks it before any row is written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsscraper import dataset, dataset_read, merge_checks

# Bounds on what a merge holds at once.
MERGE_BATCH_ROWS = 2048  # rows read from one file at a time
MERGED_ROW_GROUP_ROWS = 65_536  # rows of one row group of the merged file, at most
MERGED_ROW_GROUP_BYTES = 16 * 2**20  # and the bytes of its rows in memory, at most
# Where a row was read (`dataset_read.located`): the order among equal times.
_FILE, _ROW = dataset_read.FILE_COLUMN, dataset_read.ROW_COLUMN


class RecordsMerge:
    """The part files of `runs/` or `rejects/` (`files`, each checked as
    `merge_checks.mergeable` checks it, in the order given) as one file: every row in `schema`,
    ordered by the columns `keys`, then by file and row within its file, as a stable sort of all
    their rows orders them.

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
            file = merge_checks.opened(path)
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
            self._slice.append(
                dataset_read.located(merge_checks.checked(path, table, self.schema), index, 0)
            )
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
        """Refuse the part file as `merge_checks.mergeable` does, reading only the columns its
        checks need; True when its rows are in order of `keys`."""
        stored = file.schema_arrow
        not_null = [f.name for f in self.schema if not f.nullable and f.name in stored.names]
        nulls = dict.fromkeys(not_null, 0)
        for batch in _batches(path, file, not_null):
            for name in not_null:
                nulls[name] += batch.column(name).null_count
        merge_checks.refuse_differences(path, stored, self.schema, nulls, complete=False)
        # Cast as `merge_checks.in_schema` casts them, in its order: a column that cannot be is
        # named.
        for field in self.schema:
            if field.name in stored.names and not stored.field(field.name).type.equals(field.type):
                for batch in _batches(path, file, [field.name]):
                    merge_checks.in_schema(path, pa.table(batch), pa.schema([field]))
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
                spilled = _batches(table, merge_checks.opened(table), None)
                streams.append(pa.table(batch) for batch in spilled)
        return streams

    def _read_in_order(self, index: int):
        path, start = self.files[index], 0
        for batch in _batches(path, merge_checks.opened(path), None):
            yield dataset_read.located(
                merge_checks.in_schema(path, pa.table(batch), self.schema), index, start
            )
            start += batch.num_rows


def _batches(path: Path, file: pq.ParquetFile, columns: list[str] | None):
    return dataset_read.part_file_batches(file, path, MERGE_BATCH_ROWS, columns)


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
    """How many rows of `table` (some rows, no nulls in its columns) are at or before `bound` in
    order of its columns (all of them, when they are in that order: they are the first rows)."""
    columns = list(table.columns)
    at_most = pc.less_equal(columns[-1], pa.scalar(bound[-1], columns[-1].type))
    for column, value in zip(reversed(columns[:-1]), reversed(bound[:-1]), strict=True):
        value = pa.scalar(value, column.type)
        at_most = pc.or_(pc.less(column, value), pc.and_(pc.equal(column, value), at_most))
    return pc.sum(at_most).as_py()


def _sorted(table: pa.Table) -> bool:
    """True when the rows of `table` are in order of its columns."""
    before, after = table.slice(0, table.num_rows - 1), table.slice(1)
    columns = list(zip(before.columns, after.columns, strict=True))
    in_order = pc.less_equal(*columns[-1])
    for earlier, later in reversed(columns[:-1]):
        in_order = pc.or_(pc.less(earlier, later), pc.and_(pc.equal(earlier, later), in_order))
    return pc.all(in_order).as_py() is not False
