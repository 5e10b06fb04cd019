"""Whether a part file may be merged, in a given schema: the checks `newsscraper compact`
makes of every file it merges, whether it reads the file whole (a partition's files) or a
batch at a time (`records_merge`).

A file is refused, with an ArrowInvalid naming it and what is wrong, when merging it would lose
or change something: a column the schema does not declare, one declared not null missing or
holding nulls, one every version of the format wrote missing (another tool's file), a column
that cannot be cast to its declared type, or (for a file that must be complete) any declared
column missing or of another type. Its folder is then left as it is. The one file of a folder,
which is not merged, is refused when it lacks a column every version wrote, as every reader
refuses it (`refuse_foreign`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from newsscraper import dataset_read


def mergeable(path: Path, schema: pa.Schema, *, complete: bool) -> pa.Table:
    """The part file's table in `schema` (a column an older file lacks is null); ArrowInvalid
    naming it when it holds a column `schema` does not declare, lacks one declared not null
    or one every version wrote, holds nulls in one declared not null (or, when `complete`,
    lacks any it declares, or holds one of another type): a file another program wrote, or
    its rows written again by pandas or polars. Merged, those columns would be dropped or
    changed and the file removed with the others, so its folder is left as it is. A link that
    leads to no file (its target not there, or a loop) is such a file too, not a fault of the
    disk."""
    file = opened(path)
    return checked(path, dataset_read.read_opened_part_file(file, path), schema, complete=complete)


def refuse_foreign(path: Path, schema: pa.Schema, *, complete: bool) -> None:
    """Refuse the part file at `path`, the one file of its folder (which is not merged), as
    `mergeable` refuses it when it lacks a column every version wrote: another tool's file,
    which every reader refuses too (`dataset_read.refuse_lacking`). Only its footer is read."""
    stored = opened(path).schema_arrow
    if any(name not in stored.names for name in dataset_read.columns_of_every_version(schema)):
        # Its rows are not read: no nulls are counted, the columns alone refuse it.
        refuse_differences(path, stored, schema, dict.fromkeys(schema.names, 0), complete=complete)


def checked(path: Path, table: pa.Table, schema: pa.Schema, *, complete: bool = False):
    """`table`, read whole from the part file at `path`, checked and in `schema` (see
    `mergeable`)."""
    nulls = {name: table.column(name).null_count for name in table.column_names}
    refuse_differences(path, table.schema, schema, nulls, complete=complete)
    return in_schema(path, table, schema)


def opened(path: Path) -> pq.ParquetFile:
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


def refuse_differences(
    path: Path, stored: pa.Schema, schema: pa.Schema, nulls: dict[str, int], *, complete: bool
) -> None:
    """ArrowInvalid naming the part file at `path`, whose columns are `stored` and hold `nulls`
    (a count for each column declared not null), when they are not what `mergeable` merges."""
    extra = [name for name in stored.names if name not in schema.names]
    missing = [name for name in schema.names if name not in stored.names]
    # A column declared not null was there from the first version: lacking it is no older file.
    required = [name for name in missing if not schema.field(name).nullable]
    # Nor is lacking any other column of the first version, one every version wrote.
    every_version = dataset_read.columns_of_every_version(schema)
    original = [name for name in missing if name in every_version and name not in required]
    differences = [f"columns {extra} not in the schema"] if extra else []
    if complete:
        differences += [f"no column {missing}"] if missing else []
        differences += [
            f"{field.name} is {stored.field(field.name).type}, declared {field.type}"
            for field in schema
            # Compared as types, so a list's child name ("item"/"element") does not matter.
            if field.name not in missing and not stored.field(field.name).type.equals(field.type)
        ]
    else:
        differences += [f"no column {required}, declared not null"] if required else []
        differences += [f"no column {original}, which every version wrote"] if original else []
    differences += [
        f"nulls in {field.name}, declared not null"
        for field in schema
        if not field.nullable and field.name not in missing and nulls[field.name]
    ]
    if differences:
        raise pa.ArrowInvalid(f"{path} holds {' and '.join(differences)}: not merged")


def in_schema(path: Path, table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table`, read from the part file at `path`, in `schema` (see `mergeable`)."""
    try:
        return dataset_read.in_schema(table, schema)
    except pa.ArrowInvalid as error:
        raise pa.ArrowInvalid(f"{path} holds {error}: not merged") from error
