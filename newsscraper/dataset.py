"""The one module that knows the on-disk layout of OUTPUT_DIR.

    OUTPUT_DIR/articles/section=<slug>/published_date=<YYYY-MM-DD>/part-<run_id>-<n>.parquet
    OUTPUT_DIR/rejects/part-<run_id>-<n>.parquet
    OUTPUT_DIR/runs/part-<run_id>.parquet
    OUTPUT_DIR/.staging/        temporary files, renamed into place when complete

A part file is written whole under `.staging/` (outside every dataset folder, so no reader
lists it), flushed to disk, then renamed into its partition: a reader sees a complete file or
none. Files are only ever added; `compact` swaps many small files for one under the crawl lock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from newsscraper.schema import ARTICLES_SCHEMA, REJECTS_SCHEMA

ARTICLES = "articles"
REJECTS = "rejects"
RUNS = "runs"
STAGING = ".staging"

# Partition values and file names are built from these characters only.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def safe_path_value(value: str) -> str:
    """`value` if it is safe as a directory or file name part, else ValueError."""
    if not isinstance(value, str) or not _SAFE_VALUE.match(value) or ".." in value:
        raise ValueError(f"unsafe partition or file name value: {value!r}")
    return value


def articles_dir(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / ARTICLES


def rejects_dir(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / REJECTS


def runs_dir(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / RUNS


def staging_dir(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / STAGING


def article_partition_dir(output_dir, section: str, published_date: dt.date) -> Path:
    return (
        articles_dir(output_dir)
        / f"section={safe_path_value(section)}"
        / f"published_date={published_date.isoformat()}"
    )


def commit_part_file(
    table: pa.Table, final_path: Path, output_dir, *, compression: str = "zstd"
) -> Path:
    """Write `table` to `final_path` atomically: staging file, fsync, rename, fsync dir.

    Raises OSError (read-only or full disk) with the staging file removed and nothing at
    `final_path`.
    """
    staging = staging_dir(output_dir)
    staging.mkdir(parents=True, exist_ok=True)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging / f"{final_path.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression=compression)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(final_path.parent)
    return final_path


def part_file_name(run_id: str, seq: int) -> str:
    """`part-<run_id>-<seq>.parquet`: unique per process, since run ids are."""
    return f"part-{safe_path_value(run_id)}-{int(seq)}.parquet"


def commit_rejects(
    output_dir, rows: list[dict], run_id: str, seq: int, *, compression: str = "zstd"
) -> Path:
    """Commit `rows` (dicts with REJECTS_SCHEMA's columns) as `rejects/part-<run_id>-<seq>.parquet`.

    Missing keys are written as null; raises OSError from the disk as `commit_part_file` does.
    """
    table = pa.Table.from_pylist(
        [{name: row.get(name) for name in REJECTS_SCHEMA.names} for row in rows],
        schema=REJECTS_SCHEMA,
    )
    final_path = rejects_dir(output_dir) / part_file_name(run_id, seq)
    return commit_part_file(table, final_path, output_dir, compression=compression)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def articles_dataset(output_dir) -> pads.Dataset:
    """The articles as a pyarrow dataset, partition columns typed as in the contract."""
    partitioning = pads.partitioning(
        pa.schema([ARTICLES_SCHEMA.field("section"), ARTICLES_SCHEMA.field("published_date")]),
        flavor="hive",
    )
    return pads.dataset(
        articles_dir(output_dir),
        schema=ARTICLES_SCHEMA,
        format="parquet",
        partitioning=partitioning,
        ignore_prefixes=[".", "_"],
    )


def read_articles(output_dir, columns: list[str] | None = None, filter=None) -> pa.Table:
    """Read `columns` of every stored article (an empty table when there is none yet)."""
    if not articles_dir(output_dir).is_dir():
        schema = ARTICLES_SCHEMA
        if columns is not None:
            schema = pa.schema([ARTICLES_SCHEMA.field(c) for c in columns])
        return schema.empty_table()
    return articles_dataset(output_dir).to_table(columns=columns, filter=filter)
