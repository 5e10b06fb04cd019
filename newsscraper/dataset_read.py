"""Reading the part files `dataset` lists: articles and rejects as Arrow tables in their
declared types, a file at fault named in the error; and the reading of one part file every
reader shares (`runs_read` reads the run records with it).

Readers take no lock: a listed file a compaction swapped away before it was opened is read
again from a fresh listing (`read_listed`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from newsscraper.dataset import REJECTS, articles_dir, list_part_files
from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    SCHEMA_VERSION_KEY,
    added_in,
)


def columns_of_every_version(schema: pa.Schema) -> tuple[str, ...]:
    """The columns of `schema` every version of the format wrote (those of version 1): a part
    file lacking one is another tool's, not an older file of ours (DATA_FORMAT.md, "Migration
    notes")."""
    return tuple(field.name for field in schema if added_in(field) == 1)


# Every column of an article part file is there since version 1 (the partition columns live in
# the folder names).
ARTICLE_FILE_COLUMNS = columns_of_every_version(ARTICLES_FILE_SCHEMA)


def refuse_lacking(path: Path, stored: pa.Schema, required: tuple[str, ...]) -> None:
    """ArrowInvalid naming the part file at `path`, whose columns are `stored`, and the columns
    of `required` it lacks: another tool's file, whose rows read in the declared schema would be
    rows of nulls (Arrow's own message, if any, names neither the file nor the column)."""
    names = set(stored.names)
    missing = [name for name in required if name not in names]
    if missing:
        raise unreadable_file(path, f"no column {missing}")


def arrow_path(path) -> str:
    """`path` as pyarrow must be given it. Python names a file with the machine's file system
    encoding (Latin-1 or ASCII under a legacy or C locale with UTF-8 mode off), pyarrow always
    with UTF-8: a folder `dữ liệu`, given on such a machine, is to pyarrow another folder, or no
    name at all. Its bytes on disk, read as UTF-8, are the name pyarrow opens."""
    name = os.fsencode(path)
    try:
        return name.decode("utf-8")
    except UnicodeDecodeError:  # bytes no UTF-8 can name: pyarrow cannot open them either
        return os.fsdecode(name)


def articles_dataset(output_dir, files: list[Path] | None = None) -> pads.Dataset:
    """The articles' part `files` (default: `list_part_files`) as a pyarrow dataset, partition
    columns typed as in the contract."""
    partitioning = pads.partitioning(
        pa.schema([ARTICLES_SCHEMA.field("section"), ARTICLES_SCHEMA.field("published_date")]),
        flavor="hive",
    )
    return pads.dataset(
        [arrow_path(path) for path in (list_part_files(output_dir) if files is None else files)],
        schema=ARTICLES_SCHEMA,
        format="parquet",
        partitioning=partitioning,
        partition_base_dir=arrow_path(articles_dir(output_dir)),
    )


def refuse_lacking_articles(dataset: pads.FileSystemDataset, files: list[Path]) -> None:
    """ArrowInvalid naming the first of the part `files` of `dataset` (`articles_dataset`)
    lacking a column of an article (`refuse_lacking`). Each footer read here stays with its
    fragment: a scan of `dataset` does not read it again."""
    for fragment, path in zip(dataset.get_fragments(), files, strict=True):
        stored = naming_file(path, lambda fragment=fragment: fragment.physical_schema)
        refuse_lacking(path, stored, ARTICLE_FILE_COLUMNS)


def read_articles(output_dir, columns: list[str] | None = None) -> pa.Table:
    """Read `columns` of every stored article (an empty table when there is none yet)."""
    if not articles_dir(output_dir).is_dir():
        schema = ARTICLES_SCHEMA
        if columns is not None:
            schema = pa.schema([ARTICLES_SCHEMA.field(c) for c in columns])
        return schema.empty_table()

    def read(files: list[Path]) -> pa.Table:
        articles = articles_dataset(output_dir, files)
        refuse_lacking_articles(articles, files)
        return articles.to_table(columns=columns)

    return read_listed(lambda: list_part_files(output_dir), read)


T = TypeVar("T")


def read_listed(list_files: Callable[[], list[Path]], read: Callable[[list[Path]], T]) -> T:
    """`read(list_files())`, again from a fresh listing when a listed file is gone by the time
    it is opened.

    Readers do not take the crawl lock, so `newsscraper compact` may swap a folder between the
    listing and the reading: the old files are gone, and the new listing holds the same rows in
    the merged file. Each failed read is followed by another while the listing keeps changing,
    so a compaction swapping folder after folder delays the read until it is done;
    FileNotFoundError when the listing has not changed (a listed file is missing).
    """
    files = list_files()
    while True:
        try:
            return read(files)
        except FileNotFoundError:
            listed_again = list_files()
            if listed_again == files:
                raise
            files = listed_again


def read_part_file(
    path: Path,
    columns: list[str] | None = None,
    use_threads=True,
    required: tuple[str, ...] = (),
) -> pa.Table:
    """One part file as stored (or its `columns`), without the partition columns its path
    implies; an unreadable one, or one lacking a column of `required` (`refuse_lacking`),
    raises an Arrow error naming it."""
    file = open_part_file(path)
    if required:
        refuse_lacking(path, naming_file(path, lambda: file.schema_arrow), required)
    return naming_file(path, lambda: file.read(columns=columns, use_threads=use_threads))


def open_part_file(path: Path) -> pq.ParquetFile:
    """The part file at `path`, opened (its footer read); an unreadable one raises an Arrow
    error naming it."""
    return naming_file(path, lambda: pq.ParquetFile(arrow_path(path)))


def read_opened_part_file(file: pq.ParquetFile, path: Path) -> pa.Table:
    """Every row of the part `file` at `path` (`open_part_file`), as `read_part_file` reads
    them."""
    return naming_file(path, file.read)


def part_file_batches(
    file: pq.ParquetFile, path: Path, batch_size: int, columns: list[str] | None = None
) -> Iterator[pa.RecordBatch]:
    """The rows of the part `file` at `path` (or its `columns`), `batch_size` at a time; an
    unreadable one raises an Arrow error naming it."""
    batches = naming_file(path, lambda: file.iter_batches(batch_size=batch_size, columns=columns))
    while (batch := naming_file(path, lambda: next(batches, None))) is not None:
        yield batch


def naming_file(path: Path, read: Callable[[], T]) -> T:
    """`read()` of the part file at `path`; an Arrow error naming the file when it is at fault
    (Arrow's own message does not name it), the OSError as it is when the disk is."""
    try:
        return read()
    except (pa.ArrowException, OSError) as error:
        # An OSError with no errno is pyarrow's word for a footer it cannot parse: the file's
        # fault, not the disk's (a full or failing disk, a file gone, have their errno); so is
        # a file this process may not read (its owner's choice, no fault of the disk).
        disk_fault = isinstance(error, OSError) and error.errno is not None
        if disk_fault and not isinstance(error, PermissionError):
            raise
        raise unreadable_file(path, error) from error


def unreadable_file(path: Path, why) -> pa.ArrowInvalid:
    """The error naming the part file at `path` and `why` it cannot be read: Arrow's own
    messages name no file."""
    return pa.ArrowInvalid(f"cannot read Parquet file '{path}': {why}")


def unreadable(output_dir, error: Exception) -> str:
    """What a crawl that cannot read the dataset in `output_dir` says, in one line."""
    return (
        f"the dataset in {output_dir} cannot be read, nothing crawled: {error}; "
        f"{verify_hint(output_dir)}"
    )


def verify_hint(output_dir) -> str:
    """The command that names every file at fault in `output_dir`: verify reads `output/`
    unless told, so the folder is named."""
    return f"`newsscraper verify --output-dir {output_dir}` names every file at fault"


def schema_version_of(schema: pa.Schema) -> str | None:
    value = (schema.metadata or {}).get(SCHEMA_VERSION_KEY)
    # Bytes no UTF-8 reads (another tool's) are a version newsscraper never wrote, not an error.
    return value.decode(errors="backslashreplace") if value is not None else None


def read_rejects(output_dir, columns: list[str] | None = None) -> pa.Table:
    """`columns` (default: all) of every reject (an empty table when there is none)."""
    schema = REJECTS_SCHEMA
    if columns is not None:
        schema = pa.schema([REJECTS_SCHEMA.field(name) for name in columns])

    def read_file(path: Path) -> pa.Table:
        file = open_part_file(path)
        refuse_lacking(path, file.schema_arrow, tuple(schema.names))
        table = naming_file(path, lambda: file.read(columns=schema.names))
        try:
            return table.cast(schema)
        except ValueError as error:  # ArrowInvalid, or a null where the schema allows none
            # Another tool's file: the message names the column, not the file.
            raise unreadable_file(path, error) from error

    def read(files: list[Path]) -> pa.Table:
        if not files:
            return schema.empty_table()
        return joined_in_slices(files, read_file)

    return read_listed(lambda: list_part_files(output_dir, REJECTS), read)


def in_schema(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with `schema`'s columns, types and metadata: a column an older file lacks (one
    added to the schema since) is null."""
    arrays = [
        _cast_column(table, f) if f.name in table.column_names else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def _cast_column(table: pa.Table, field: pa.Field) -> pa.ChunkedArray:
    """The column `field` names, cast to its type; ArrowInvalid naming the column when it
    cannot be (Arrow's message names only the types)."""
    column = table.column(field.name)
    try:
        return column.cast(field.type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as error:
        raise pa.ArrowInvalid(
            f"column {field.name} is {column.type}, not readable as {field.type}: {error}"
        ) from error


# The instants a Python datetime holds, in microseconds since 1970: years 1 to 9999. A
# timestamp column holds far more (another tool's nanoseconds written as microseconds land
# some 56,000 years ahead).
_EARLIEST_US = -62_135_596_800 * 10**6
_LATEST_US = 253_402_300_800 * 10**6 - 1
OUT_OF_RANGE = "holds an instant outside the years 1 to 9999"


def columns_out_of_range(table: pa.Table) -> list[str]:
    """The timestamp columns of `table` holding an instant no Python datetime holds (see
    `_instants_out_of_range`)."""
    return [name for name in table.column_names if _instants_out_of_range(table[name])]


def _instants_out_of_range(column: pa.ChunkedArray | pa.Array) -> bool:
    """True for a timestamp column (microseconds, as every declared one) holding an instant no
    Python datetime holds: read into Python (run records, verify) it raises OverflowError."""
    if not pa.types.is_timestamp(column.type) or column.type.unit != "us":
        return False
    least, most = pc.min_max(column.cast(pa.int64())).values()
    return least.is_valid and (least.as_py() < _EARLIEST_US or most.as_py() > _LATEST_US)


# Small part files (run records, rejects) read before their tables are joined into one. Each
# file read is a small table holding about 70 kB of Arrow objects besides its rows: a year of
# uncompacted runs every five minutes (some 105,000 files) kept 4 GB alive until the last was read.
READ_SLICE_FILES = 1024


def joined_in_slices(files: list[Path], read) -> pa.Table:
    """The tables `read(path)` gives for `files` (at least one), joined as they are read: a
    slice of READ_SLICE_FILES files at a time into one table, so few small tables are alive."""
    slices = [
        pa.concat_tables(
            [read(p) for p in files[start : start + READ_SLICE_FILES]],
            promote_options="permissive",
        ).combine_chunks()
        for start in range(0, len(files), READ_SLICE_FILES)
    ]
    return pa.concat_tables(slices, promote_options="permissive")


# Where a row was read (the file's place in a list, the row's in the file): `located`.
FILE_COLUMN, ROW_COLUMN = "__file", "__row"


def located(table: pa.Table, index: int, start: int = 0) -> pa.Table:
    """`table`, rows `start`… of file `index` of a list, with where each row was read."""
    return table.append_column(
        FILE_COLUMN, pa.repeat(pa.scalar(index, pa.int32()), table.num_rows)
    ).append_column(ROW_COLUMN, pa.array(range(start, start + table.num_rows), pa.int64()))


def in_declared_types(
    path: Path,
    schema: pa.Schema,
    columns: list[str] | None = None,
    use_threads: bool = True,
    required: tuple[str, ...] = (),
) -> pa.Table:
    """The part file's columns (of `columns`, when given: those it holds), each one `schema`
    declares in its declared type: a file another tool wrote again (exit_code as text) joins
    the others, where Arrow would refuse to merge it naming no file. ArrowInvalid naming the
    file and the column when a column cannot be read so, or naming the columns of `required`
    it lacks (`refuse_lacking`); a column `schema` does not declare is kept as it is."""
    return as_declared(read_part_file(path, columns, use_threads, required), path, schema)


def as_declared(table: pa.Table, path: Path, schema: pa.Schema) -> pa.Table:
    """`table`, read from the part file at `path`, in `schema`'s types (see
    `in_declared_types`)."""
    try:
        arrays = [
            _cast_column(table, schema.field(name)) if name in schema.names else table[name]
            for name in table.column_names
        ]
    except pa.ArrowInvalid as error:
        raise unreadable_file(path, error) from error
    return pa.Table.from_arrays(arrays, names=table.column_names)
