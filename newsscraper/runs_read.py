"""Reading the run records of `runs/` back, in their declared types: every record (`read_runs`),
or a few columns of every record and only the records chosen whole (`read_chosen_runs`), each
file checked as a crawl reads it; and whether a run id is already used (`run_id_used`).

Writing them is `runs`'s; the part files are read as `dataset_read` reads every part file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsscraper.dataset import RUNS, articles_dir, list_part_files, rejects_dir, runs_dir
from newsscraper.dataset_read import (
    FILE_COLUMN,
    OUT_OF_RANGE,
    ROW_COLUMN,
    as_declared,
    columns_of_every_version,
    columns_out_of_range,
    in_declared_types,
    joined_in_slices,
    located,
    naming_file,
    open_part_file,
    part_file_batches,
    read_listed,
    refuse_lacking,
    unreadable_file,
)
from newsscraper.schema import RUNS_SCHEMA

# Run records gained columns in later versions, which older files lack: a file is refused only
# for lacking one of these.
RUN_COLUMNS_OF_EVERY_VERSION = columns_of_every_version(RUNS_SCHEMA)


# What a run record whose `run_number` is the largest an int64 holds (another tool's) is: the
# record a crawl writes next, numbered one past it, cannot be written.
LAST_RUN_NUMBER = "run_number holds the largest number an int64 holds: no record can follow it"
_LARGEST_INT64 = 2**63 - 1


def run_numbers_at_end(table: pa.Table) -> bool:
    """True when the `run_number` column of run records `table` holds the largest int64."""
    if "run_number" not in table.column_names:
        return False
    return pc.max(table["run_number"].cast(pa.int64())).as_py() == _LARGEST_INT64


def read_runs(output_dir, columns: list[str] | None = None) -> pa.Table | None:
    """Every run record with whatever columns the files hold (of `columns`, when given: those
    a file holds); None when there is none."""

    def read(files: list[Path]) -> pa.Table | None:
        if not files:
            return None
        return joined_in_slices(files, lambda path: _run_records(path, columns))

    return read_listed(lambda: list_part_files(output_dir, RUNS), read)


def _run_records(path: Path, columns: list[str] | None) -> pa.Table:
    """The run records of one part file, in their declared types; ArrowInvalid naming the file
    and the column for an instant no Python datetime holds, which a crawl reads them as, or
    naming the columns every version wrote that it lacks (`refuse_lacking`)."""
    table = in_declared_types(path, RUNS_SCHEMA, columns, required=RUN_COLUMNS_OF_EVERY_VERSION)
    return _checked_run_records(table, path)


def _checked_run_records(table: pa.Table, path: Path) -> pa.Table:
    """`table`, run records of the part file at `path` in their declared types, once checked
    (see `_run_records`)."""
    if far := columns_out_of_range(table):
        raise unreadable_file(path, f"column {far[0]} {OUT_OF_RANGE}")
    if run_numbers_at_end(table):
        raise unreadable_file(path, f"column {LAST_RUN_NUMBER}")
    return table


# What `read_chosen_runs` reads of every run record besides the columns asked for: those
# `_run_records` checks, so a record it does not read whole stops a read as it did when read so.
_CHECKED_RUN_COLUMNS = [
    f.name for f in RUNS_SCHEMA if pa.types.is_timestamp(f.type) or f.name == "run_number"
]
# Rows of a part file decoded at a time when only some of them are read whole.
RUN_BATCH_ROWS = 4096


def read_chosen_runs(
    output_dir, columns: list[str], choose: Callable[[pa.Table], list[int]]
) -> tuple[pa.Table, pa.Table] | None:
    """(`columns` of every run record, the records `choose` picks with every column); None when
    there is none. `choose` is given the first table (with the columns the files hold) and
    returns the positions in it of the records wanted, in the order wanted.

    Only the records chosen are read whole, a few thousand rows at a time: a cron every five
    minutes keeps some 105,000 records a year, and reading them all whole held some 120 MB at
    each start and close of a crawl. A part file whose columns are not all in their declared types
    (another tool's) is read whole, so a column that cannot be read so stops the read, as it
    does in `read_runs`."""
    wanted_columns = list(dict.fromkeys([*columns, *_CHECKED_RUN_COLUMNS]))

    def keys_of(entry: tuple[int, Path]) -> pa.Table:
        index, path = entry
        file = open_part_file(path)
        stored = naming_file(path, lambda: file.schema_arrow)
        refuse_lacking(path, stored, RUN_COLUMNS_OF_EVERY_VERSION)
        whole = any(
            name in RUNS_SCHEMA.names
            and not stored.field(name).type.equals(RUNS_SCHEMA.field(name).type)
            for name in stored.names
        )
        table = naming_file(path, lambda: file.read(columns=None if whole else wanted_columns))
        table = _checked_run_records(as_declared(table, path, RUNS_SCHEMA), path)
        return located(
            table.select([name for name in columns if name in table.column_names]), index
        )

    def read(files: list[Path]) -> tuple[pa.Table, pa.Table] | None:
        if not files:
            return None
        keys = joined_in_slices(list(enumerate(files)), keys_of)
        where = keys.select([FILE_COLUMN, ROW_COLUMN])
        keys = keys.drop_columns([FILE_COLUMN, ROW_COLUMN])
        positions = np.asarray(choose(keys), dtype=np.int64)
        if not len(positions):
            return keys, RUNS_SCHEMA.empty_table()
        file_of = where[FILE_COLUMN].to_numpy()[positions]
        row_of = where[ROW_COLUMN].to_numpy()[positions]
        order = np.lexsort((row_of, file_of))  # file by file, each file's rows in its order
        parts = []
        for index in np.unique(file_of):
            rows = row_of[order][file_of[order] == index]
            parts.append(_run_rows(files[index], rows))
        chosen = pa.concat_tables(parts, promote_options="permissive")
        return keys, chosen.take(np.argsort(order))

    return read_listed(lambda: list_part_files(output_dir, RUNS), read)


def _run_rows(path: Path, rows: np.ndarray) -> pa.Table:
    """The run records at `rows` (ascending) of one part file, whole and checked."""
    parts, start = [], 0
    for batch in part_file_batches(open_part_file(path), path, RUN_BATCH_ROWS):
        end = start + batch.num_rows
        inside = rows[(rows >= start) & (rows < end)] - start
        if len(inside):
            parts.append(pa.Table.from_batches([batch]).take(inside))
        start = end
    return _checked_run_records(as_declared(pa.concat_tables(parts), path, RUNS_SCHEMA), path)


def run_id_used(output_dir, run_id: str) -> bool:
    """True when a run record or a part file of `run_id` is already in `output_dir`: a run
    under that id again would share it with that run, and stop at its first part file, whose
    name is taken (part file names derive from the run id and are never replaced)."""
    if (runs_dir(output_dir) / f"part-{run_id}.parquet").exists():
        return True
    runs = read_runs(output_dir)
    if runs is not None and run_id in runs.column("run_id").to_pylist():
        return True
    name = re.compile(rf"part-{re.escape(run_id)}-\d+\.parquet")
    for folder in (articles_dir(output_dir), rejects_dir(output_dir)):
        if folder.is_dir() and any(name.fullmatch(p.name) for p in folder.rglob("part-*")):
            return True
    return False
