"""The one module that knows the on-disk layout of OUTPUT_DIR.

    OUTPUT_DIR/articles/section=<slug>/published_date=<YYYY-MM-DD>/part-<run_id>-<n>.parquet
    OUTPUT_DIR/rejects/part-<run_id>-<n>.parquet
    OUTPUT_DIR/runs/part-<run_id>.parquet
    OUTPUT_DIR/.staging/        temporary files, renamed into place when complete
    OUTPUT_DIR/.robots/         the robots.txt the last run got, per origin (kept_robotstxt.py)

A part file is written whole under `.staging/` (outside every dataset folder, so no reader
lists it), flushed to disk, then renamed into its partition: a reader sees a complete file or
none. Files are only ever added; `compact` swaps many small files for one under the crawl lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from itemadapter import ItemAdapter

from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_SCHEMA,
    SCHEMA_VERSION_KEY,
)

ARTICLES = "articles"
REJECTS = "rejects"
RUNS = "runs"
STAGING = ".staging"
ROBOTS = ".robots"  # hidden, and outside every dataset folder: no reader lists it

DATASETS = (ARTICLES, REJECTS, RUNS)

# Partition values and file names are built from these characters only.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
# The published_date of a partition folder's name, as `date.isoformat` writes it.
_PARTITION_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def is_safe_path_value(value) -> bool:
    """True when `value` is safe as a directory or file name part."""
    return isinstance(value, str) and bool(_SAFE_VALUE.match(value)) and ".." not in value


def safe_path_value(value: str) -> str:
    """`value` if it is safe as a directory or file name part, else ValueError."""
    if not is_safe_path_value(value):
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


def robots_dir(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / ROBOTS


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
            pq.write_table(table, fh, compression=compression)
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
        self.path = path
        self.cause = cause
        self.committed = committed  # the file is in place all the same (see commit_part_file)


def part_file_name(run_id: str, seq: int) -> str:
    """`part-<run_id>-<seq>.parquet`: unique per process, since run ids are (a `RUN_ID`
    setting already used is refused: `run_id_used`)."""
    return f"part-{safe_path_value(run_id)}-{int(seq)}.parquet"


def commit_rejects(
    output_dir, rows: list[dict], run_id: str, seq: int, *, compression: str = "zstd"
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


def read_articles(output_dir, columns: list[str] | None = None) -> pa.Table:
    """Read `columns` of every stored article (an empty table when there is none yet)."""
    if not articles_dir(output_dir).is_dir():
        schema = ARTICLES_SCHEMA
        if columns is not None:
            schema = pa.schema([ARTICLES_SCHEMA.field(c) for c in columns])
        return schema.empty_table()
    return read_listed(
        lambda: list_part_files(output_dir),
        lambda files: articles_dataset(output_dir, files).to_table(columns=columns),
    )


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


# --- Articles: rows, partitions, part files ---------------------------------------------------


def as_date(value) -> dt.date:
    """A `published_date` value (date or ISO text) as a date."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"published_date must be a date, not a datetime: {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(f"published_date must be a date, got {value!r}")


def item_to_row(item, schema: pa.Schema = ARTICLES_SCHEMA) -> dict:
    """The item's values for every column of `schema` (missing fields become null)."""
    adapter = item if isinstance(item, Mapping) else ItemAdapter(item)
    return {name: adapter.get(name) for name in schema.names}


def partition_of(row: Mapping) -> tuple[str, dt.date]:
    """(section, published_date) of a row, checked safe as directory names; ValueError if not."""
    section = row.get("section")
    if not section:
        raise ValueError("row has no section to partition by")
    if row.get("published_date") is None:
        raise ValueError("row has no published_date to partition by")
    return safe_path_value(section), as_date(row["published_date"])


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
    compression: str = "zstd",
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


# --- Listing and reading ----------------------------------------------------------------------


def is_hidden(path: Path, base: Path) -> bool:
    """True when a path part under `base` starts with `.` or `_`: pyarrow and pandas skip it
    (DuckDB and polars globs do not)."""
    return any(part.startswith((".", "_")) for part in path.relative_to(base).parts)


def is_visible_part_file(path: Path, base: Path) -> bool:
    """A `*.parquet` file no reader skips (`is_hidden` is false)."""
    return path.suffix == ".parquet" and not is_hidden(path, base)


def list_part_files(output_dir, dataset: str = ARTICLES) -> list[Path]:
    """Every part file of `dataset` (articles, rejects or runs), sorted; [] when there is none."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; one of {DATASETS}")
    base = Path(output_dir) / dataset
    if not base.is_dir():
        if base.exists() or base.is_symlink():  # a file, or a link to nothing, in its place
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(base))
        return []
    return sorted(p for p in _walk_files(base) if is_visible_part_file(p, base))


def _raise(error: OSError) -> None:
    raise error


def _walk_files(base: Path) -> Iterable[Path]:
    """Every entry under `base` but its folders; a folder it cannot list raises its OSError.
    `Path.rglob` passes over such a folder without a word, and its part files would be missing
    from the listing: the crawl would then store their articles again, `verify` find nothing
    wrong. A link to a folder (a partition moved to another disk) is walked into, as pyarrow,
    pandas, DuckDB and polars read it, each folder once (a link back up leads nowhere new)."""
    walked = set()
    for root, folders, names in os.walk(base, onerror=_raise, followlinks=True):
        walked.add(os.path.realpath(root))
        folders[:] = [f for f in folders if os.path.realpath(os.path.join(root, f)) not in walked]
        for name in names:
            yield Path(root) / name


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


@dataclass(frozen=True)
class ArticlePartition:
    section: str
    published_date: dt.date
    path: Path

    def part_files(self) -> list[Path]:
        return sorted(p for p in self.path.glob("*.parquet") if is_visible_part_file(p, self.path))


def parse_partition_dir(path: Path) -> tuple[str, dt.date]:
    """(section, published_date) from `.../section=<s>/published_date=<YYYY-MM-DD>`; ValueError
    if not. Only that form: date.fromisoformat also takes `20260307` and `2026-W10-6`, folder
    names that pyarrow cannot read as a date and DuckDB and polars read as other dates' text."""
    section_part, date_part = path.parent.name, path.name
    if not section_part.startswith("section=") or not date_part.startswith("published_date="):
        raise ValueError(f"not an articles partition directory: {path}")
    section = section_part.removeprefix("section=")
    if not is_safe_path_value(section):
        raise ValueError(f"section {section!r} is no section name: {path}")
    value = date_part.removeprefix("published_date=")
    if not _PARTITION_DATE.fullmatch(value):
        raise ValueError(f"published_date {value!r} is not YYYY-MM-DD: {path}")
    try:
        return section, dt.date.fromisoformat(value)
    except ValueError as error:  # 2026-13-01: the form is right, the date is none
        raise ValueError(f"published_date {value!r} is no date ({error}): {path}") from None


def list_article_partitions(output_dir) -> list[ArticlePartition]:
    """Every `section=*/published_date=*` directory under articles/, sorted."""
    base = articles_dir(output_dir)
    if not base.is_dir():
        return []
    partitions = []
    for path in sorted(base.glob("section=*/published_date=*")):
        if path.is_dir():
            section, published_date = parse_partition_dir(path)
            partitions.append(ArticlePartition(section, published_date, path))
    return partitions


def read_part_file(path: Path, columns: list[str] | None = None, use_threads=True) -> pa.Table:
    """One part file as stored (or its `columns`), without the partition columns its path
    implies; an unreadable one raises an Arrow error naming it."""
    return _naming(
        path,
        lambda: pq.ParquetFile(arrow_path(path)).read(columns=columns, use_threads=use_threads),
    )


def _naming(path: Path, read: Callable[[], T]) -> T:
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
        # Arrow's message does not name the file.
        raise pa.ArrowInvalid(f"cannot read Parquet file '{path}': {error}") from error


def unreadable(output_dir, error: Exception) -> str:
    """What a crawl that cannot read the dataset in `output_dir` says, in one line."""
    return (
        f"the dataset in {output_dir} cannot be read, nothing crawled: {error}; "
        f"`newsscraper verify --output-dir {output_dir}` names every file at fault"
    )


def schema_version_of(schema: pa.Schema) -> str | None:
    value = (schema.metadata or {}).get(SCHEMA_VERSION_KEY)
    return value.decode() if value is not None else None


def read_rejects(output_dir, columns: list[str] | None = None) -> pa.Table:
    """`columns` (default: all) of every reject (an empty table when there is none)."""
    schema = REJECTS_SCHEMA
    if columns is not None:
        schema = pa.schema([REJECTS_SCHEMA.field(name) for name in columns])

    def read_file(path: Path) -> pa.Table:
        file = _naming(path, lambda: pq.ParquetFile(arrow_path(path)))
        missing = [name for name in schema.names if name not in file.schema_arrow.names]
        if missing:
            # Another tool's file: Arrow's own message names neither the file nor the column.
            raise pa.ArrowInvalid(f"cannot read Parquet file '{path}': no column {missing}")
        return _naming(path, lambda: file.read(columns=schema.names)).cast(schema)

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


# Small part files (run records, rejects) read before their tables are joined into one. Each
# file read is a small table holding about 70 kB of Arrow objects besides its rows: a year of
# uncompacted runs every five minutes (100,000 files) kept 4 GB alive until the last was read.
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


def read_runs(output_dir, columns: list[str] | None = None) -> pa.Table | None:
    """Every run record with whatever columns the files hold (of `columns`, when given: those
    a file holds); None when there is none."""

    def read(files: list[Path]) -> pa.Table | None:
        if not files:
            return None
        return joined_in_slices(files, lambda path: in_declared_types(path, RUNS_SCHEMA, columns))

    return read_listed(lambda: list_part_files(output_dir, RUNS), read)


def in_declared_types(
    path: Path, schema: pa.Schema, columns: list[str] | None = None, use_threads: bool = True
) -> pa.Table:
    """The part file's columns (of `columns`, when given: those it holds), each one `schema`
    declares in its declared type: a file another tool wrote again (exit_code as text) joins
    the others, where Arrow would refuse to merge it naming no file. ArrowInvalid naming the
    file and the column when a column cannot be read so; a column `schema` does not declare
    is kept as it is."""
    table = read_part_file(path, columns, use_threads)
    try:
        arrays = [
            _cast_column(table, schema.field(name)) if name in schema.names else table[name]
            for name in table.column_names
        ]
    except pa.ArrowInvalid as error:
        raise pa.ArrowInvalid(f"cannot read Parquet file '{path}': {error}") from error
    return pa.Table.from_arrays(arrays, names=table.column_names)


def folder_problem(output_dir) -> str | None:
    """Why `output_dir` is no dataset folder to read or compact (not there, or a folder inside
    a dataset); None when it is one (an empty folder is an empty dataset)."""
    if not Path(output_dir).is_dir():  # a mistyped path: say so rather than read or create it
        return "a file, not a folder" if os.path.lexists(output_dir) else "no such directory"
    if (inside := inside_a_dataset(output_dir)) is not None:
        return f"not the dataset's folder, which holds articles/, rejects/ and runs/ ({inside})"
    return None


def inside_a_dataset(output_dir) -> str | None:
    """What says `output_dir` is a folder inside a dataset rather than its root (`articles/`, a
    partition, `runs/`), where nothing of the dataset would be found; None when it is not."""
    root = Path(output_dir)
    if any((root / name).is_dir() for name in DATASETS):
        return None
    for pattern in ("section=*", "published_date=*", "*.parquet"):
        if any(root.glob(pattern)):
            return f"it holds {pattern}, as a folder of the dataset does"
    return None


def staging_files(output_dir) -> list[Path]:
    """Files left in `.staging/` (by a crash between write and rename, or a compaction)."""
    # os.walk passes over a folder removed while it walks (a compaction's old folder).
    walked = os.walk(staging_dir(output_dir))
    return sorted(Path(root) / name for root, _, names in walked for name in names)


def clear_staging(output_dir) -> None:
    """Remove whatever `.staging/` holds: a part file a killed process wrote but never renamed,
    a compaction's merged folder never swapped in or old folder never deleted.

    Only for the holder of the crawl lock: every process that writes under `.staging/` holds it
    meanwhile, so what is there when the lock is taken belongs to no running process. A disk
    that refuses (read-only) leaves it as it is, for `verify` to report.
    """
    staging = staging_dir(output_dir)
    if not staging.is_dir() or staging.is_symlink():
        return
    for path in staging.iterdir():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            _discard(path)


# --- Swapping a partition's files (compact) --------------------------------------------------

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
        raise OSError(95, "renameat2 is not available on this platform")
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot exchange {a} and {b}: {os.strerror(errno)}")


def replace_partition_files(
    partition: Path,
    table: pa.Table,
    file_name: str,
    output_dir,
    *,
    compression: str = "zstd",
    carried: Iterable[str] = (),
) -> Path:
    """Make `table` (as `file_name`) the only file of `partition`, beside the entries named
    `carried`, in one atomic step.

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
