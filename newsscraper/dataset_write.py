"""Writing part files into the layout `dataset` names: articles, rejects and run records.

A part file is written whole under `.staging/` (outside every dataset folder, so no reader
lists it), flushed to disk, then renamed into its partition: a reader sees a complete file or
none. Files are only ever added; `compact` swaps many small files for one under the crawl lock
(`replace_partition_files`), and what a killed writer left under `.staging/` is removed by the
next holder of the lock (`clear_staging`).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
from itemadapter import ItemAdapter

from newsscraper import settings as project_settings
from newsscraper.dataset import (
    article_partition_dir,
    part_file_name,
    partition_of,
    rejects_dir,
    safe_path_value,
    staging_dir,
    staging_problem,
)
from newsscraper.schema import ARTICLES_FILE_SCHEMA, ARTICLES_SCHEMA, REJECTS_SCHEMA

# The codecs a part file may be written in (PARQUET_COMPRESSION, `compact --compression`), as
# pyarrow's Parquet writer names them; those this pyarrow build lacks are refused.
PARQUET_CODECS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")


def parquet_codecs() -> list[str]:
    """The codecs of PARQUET_CODECS this pyarrow build can write (`none` always)."""
    return [c for c in PARQUET_CODECS if c == "none" or pa.Codec.is_available(c)]


def compression_of(settings) -> str:
    """The codec a crawl writes every part file in, and cron merges its records in: the crawl's
    PARQUET_COMPRESSION (`settings`, Scrapy's or a dict), or settings.py's when a settings
    module of one's own lacks it."""
    return settings.get("PARQUET_COMPRESSION", project_settings.PARQUET_COMPRESSION)


def compression_problem(name: str, value) -> str | None:
    """Why `value`, given as `name`, is no codec a part file can be written in; None when it is
    one (in any case, as pyarrow takes it)."""
    if isinstance(value, str) and value.lower() in parquet_codecs():
        return None
    return f"{name} must be a Parquet codec ({', '.join(parquet_codecs())}); got {value!r}"


# What a part file holds: a table, or a function writing the Parquet file itself into the file
# object it is given, with the compression named (a merge, row group by row group).
PartFileContent = pa.Table | Callable[[BinaryIO, str], None]


def commit_part_file(
    table: PartFileContent,
    final_path: Path,
    output_dir,
    *,
    compression: str = project_settings.PARQUET_COMPRESSION,
) -> Path:
    """Write `table` to `final_path` atomically: staging file, fsync, rename, fsync dir.

    Raises `PartFileWriteError` (an OSError naming the file: read-only or full disk) with the
    staging file removed and nothing at `final_path`; one with errno EEXIST, not a
    FileExistsError, when a file is already there (a RUN_ID given to two runs), which is left
    as it was: files are only ever added, never replaced. When only the folder's fsync failed,
    after the rename, the file is in place and readers see it: the error's `committed` is True,
    so a caller does not write its rows a second time.
    """
    tmp = staging_dir(output_dir) / f"{final_path.name}.{os.getpid()}.tmp"
    try:
        if final_path.exists():
            # Writers hold the crawl lock, so nothing can take the name between here and the
            # rename below.
            raise FileExistsError(
                errno.EEXIST, "a part file of this name is already stored", str(final_path)
            )
        tmp.parent.mkdir(parents=True, exist_ok=True)
        final_path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            if isinstance(table, pa.Table):
                pq.write_table(table, fh, compression=compression)
            else:
                table(fh, compression)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final_path)
    except OSError as error:
        _discard(tmp)
        raise PartFileWriteError(final_path, error) from error
    except BaseException:
        _discard(tmp)
        raise
    try:
        _fsync_dir(final_path.parent)
    except OSError as error:
        raise PartFileWriteError(final_path, error, committed=True) from error
    return final_path


def _discard(path: Path) -> None:
    """Remove a staging file if the disk lets us: its error must not hide the first one."""
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


class PartFileWriteError(OSError):
    """A part file could not be committed (read-only or full disk): names the file and cause."""

    def __init__(self, path: Path, cause: OSError, *, committed: bool = False):
        what = "cannot sync the folder of" if committed else "cannot write"
        super().__init__(cause.errno, f"{what} {path}: {cause}")
        self.committed = committed  # the file is in place all the same (see commit_part_file)


def commit_rejects(
    output_dir,
    rows: list[dict],
    run_id: str,
    seq: int,
    *,
    compression: str = project_settings.PARQUET_COMPRESSION,
) -> Path:
    """Commit `rows` (dicts with REJECTS_SCHEMA's columns) as `rejects/part-<run_id>-<seq>.parquet`.

    Missing keys are written as null; raises OSError from the disk as `commit_part_file` does.
    """
    table = items_to_table(rows, REJECTS_SCHEMA)
    final_path = rejects_dir(output_dir) / part_file_name(run_id, seq)
    return commit_part_file(table, final_path, output_dir, compression=compression)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- Articles: rows, part files ---------------------------------------------------------------


def item_to_row(item, schema: pa.Schema = ARTICLES_SCHEMA) -> dict:
    """The item's values for every column of `schema` (missing fields become null)."""
    adapter = item if isinstance(item, Mapping) else ItemAdapter(item)
    return {name: adapter.get(name) for name in schema.names}


def items_to_table(items: Iterable, schema: pa.Schema = ARTICLES_FILE_SCHEMA) -> pa.Table:
    """Items (Article, dict, any itemadapter item) as a table of the declared `schema`.

    Never inferred: an all-null column keeps its declared type. Columns not in `schema` (the
    partition columns, for the default file schema) are left out.
    """
    # Arrow reads each column's value from a mapping itself (a missing key is null, others
    # are left out), so only other items need copying into one.
    rows = [item if isinstance(item, Mapping) else item_to_row(item, schema) for item in items]
    return pa.Table.from_pylist(rows, schema=schema)


def group_by_partition(rows: Iterable[Mapping]) -> dict[tuple[str, dt.date], list[Mapping]]:
    """Rows grouped by (section, published_date), in first-seen order."""
    groups: dict[tuple[str, dt.date], list[Mapping]] = {}
    for row in rows:
        groups.setdefault(partition_of(row), []).append(row)
    return groups


def commit_articles(
    output_dir,
    rows: Iterable,
    run_id: str,
    seq: int,
    *,
    compression: str = project_settings.PARQUET_COMPRESSION,
    on_commit: Callable[[list[Mapping], Path], None] | None = None,
) -> list[Path]:
    """Commit `rows` as one `part-<run_id>-<seq>.parquet` per partition; the paths written.

    `on_commit(rows, path)` runs after each partition's file is in place, so a caller can record
    exactly what is stored if a later partition fails. Raises `PartFileWriteError` on a disk
    fault: files committed before it stay, the failing one leaves nothing behind, unless only
    its folder's fsync failed (`committed`): that file is in place, and `on_commit` runs for it
    before the error is raised.
    """
    name = part_file_name(run_id, seq)
    paths = []
    for (section, published_date), group in group_by_partition(map(item_to_row, rows)).items():
        final_path = article_partition_dir(output_dir, section, published_date) / name
        try:
            commit_part_file(items_to_table(group), final_path, output_dir, compression=compression)
        except PartFileWriteError as error:
            if error.committed and on_commit is not None:
                on_commit(group, final_path)
            raise
        paths.append(final_path)
        if on_commit is not None:
            on_commit(group, final_path)
    return paths


# --- Staging ----------------------------------------------------------------------------------


class StagingInTheWay(NotADirectoryError):
    """`.staging` is a file, or a link to nothing: no part file can be written through it."""

    def __str__(self) -> str:
        return self.strerror


def clear_staging(output_dir) -> None:
    """Remove whatever `.staging/` holds: a part file a killed process wrote but never renamed,
    a compaction's merged folder never swapped in or old folder never deleted.

    Only for the holder of the crawl lock: every process that writes under `.staging/` holds it
    meanwhile, so what is there when the lock is taken belongs to no running process. A disk
    that refuses (read-only) leaves it as it is, for `verify` to report. A `.staging` that is
    no folder raises `StagingInTheWay` (an OSError: a disk fault, exit 4) before the run
    fetches a page whose rows could not be written.
    """
    staging = staging_dir(output_dir)
    if (what := staging_problem(output_dir)) is not None:
        raise StagingInTheWay(
            errno.ENOTDIR,
            f"{staging} is {what}: every part file is written there before it is renamed "
            "into place; move it out of the way",
            str(staging),
        )
    if not staging.is_dir() or staging.is_symlink():
        return
    for path in staging.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            _discard(path)


# --- Swapping a partition's files (compact) ---------------------------------------------------

_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _link_or_copy(source: Path, target: Path) -> None:
    """`source` (a file, a symlink or a folder) at `target` too: hard links, copies where the
    filesystem refuses them."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy_file)
    else:
        _link_or_copy_file(source, target)


def _link_or_copy_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def exchange_paths(a: Path, b: Path) -> None:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE).

    Raises OSError when the platform or filesystem cannot (no partial state is left).
    """
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        raise OSError(errno.EOPNOTSUPP, "renameat2 is not available on this platform")
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"cannot exchange {a} and {b}: {os.strerror(code)}")


def replace_partition_files(
    partition: Path,
    table: PartFileContent,
    file_name: str,
    output_dir,
    *,
    compression: str = project_settings.PARQUET_COMPRESSION,
    carried: Iterable[str] = (),
) -> Path:
    """Make `table` (as `file_name`, written as `commit_part_file` does) the only file of
    `partition`, beside the entries named `carried`, in one atomic step.

    The new directory is built whole under `.staging/` (outside every dataset folder, so no
    reader lists it) and exchanged with the live one: a reader resolving the partition's path
    sees either every old file or the one new file, never both and never neither. The
    `carried` entries are in the new directory before the exchange (hard links, or copies
    where the filesystem refuses them), so that a process killed at any point leaves them in
    the live folder, never only under `.staging/`, which the next lock holder empties. The old
    directory, now in staging, is the caller's to inspect and remove: returned.
    """
    work = staging_dir(output_dir) / f"compact-{os.getpid()}-{safe_path_value(file_name)}"
    new_dir = work / partition.name
    new_dir.mkdir(parents=True)
    try:
        for name in carried:
            _link_or_copy(partition / name, new_dir / name)
        commit_part_file(table, new_dir / file_name, output_dir, compression=compression)
        exchange_paths(new_dir, partition)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _fsync_dir(partition.parent)
    return new_dir
