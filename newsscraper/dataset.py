"""The one module that knows the on-disk layout of OUTPUT_DIR: folder and file names,
partition paths and the values safe in them, and listing the part files that are there.

    OUTPUT_DIR/articles/section=<slug>/published_date=<YYYY-MM-DD>/part-<run_id>-<n>.parquet
    OUTPUT_DIR/rejects/part-<run_id>-<n>.parquet
    OUTPUT_DIR/runs/part-<run_id>.parquet
    OUTPUT_DIR/.staging/        temporary files, renamed into place when complete
    OUTPUT_DIR/.robots/         the robots.txt the last run got, per origin (kept_robotstxt.py)
    OUTPUT_DIR/logs/newsscraper.log   `newsscraper cron`'s rotating log (commands/cron.py)
    OUTPUT_DIR/.lock            the lock: one crawl or compaction at a time (lock.py)

It names and lists only: `dataset_write` writes part files into this layout, `dataset_read`
reads them back (`runs_read` the run records).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ARTICLES = "articles"
REJECTS = "rejects"
RUNS = "runs"
STAGING = ".staging"
ROBOTS = ".robots"  # hidden, and outside every dataset folder: no reader lists it

DATASETS = (ARTICLES, REJECTS, RUNS)

# Partition values and file names are built from these characters only (matched whole: `$`
# would also take a line break at the end).
_SAFE_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
# The published_date of a partition folder's name, as `date.isoformat` writes it.
_PARTITION_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def is_safe_path_value(value) -> bool:
    """True when `value` is safe as a directory or file name part."""
    return isinstance(value, str) and bool(_SAFE_VALUE.fullmatch(value)) and ".." not in value


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


def staging_problem(output_dir) -> str | None:
    """What `.staging` is when no part file can be written through it (a file, or a link to
    nothing); None when it is a folder, or not there yet."""
    staging = staging_dir(output_dir)
    if staging.is_symlink() and not staging.exists():
        return f"a link to {staging.readlink()}, which is not there"
    if staging.exists() and not staging.is_dir():
        return "a file, not a folder"
    return None


def robots_dir(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / ROBOTS


def article_partition_dir(output_dir, section: str, published_date: dt.date) -> Path:
    return (
        articles_dir(output_dir)
        / f"section={safe_path_value(section)}"
        / f"published_date={published_date.isoformat()}"
    )


def part_file_name(run_id: str, seq: int) -> str:
    """`part-<run_id>-<seq>.parquet`: unique per process, since run ids are (a `RUN_ID`
    setting already used is refused: `runs_read.run_id_used`)."""
    return f"part-{safe_path_value(run_id)}-{int(seq)}.parquet"


# --- Articles: rows and their partitions ------------------------------------------------------


def as_date(value) -> dt.date:
    """A `published_date` value (date or ISO text) as a date."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"published_date must be a date, not a datetime: {value!r}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise ValueError(f"published_date must be a date, got {value!r}")


def partition_of(row: Mapping) -> tuple[str, dt.date]:
    """(section, published_date) of a row, checked safe as directory names; ValueError if not."""
    section = row.get("section")
    if not section:
        raise ValueError("row has no section to partition by")
    if row.get("published_date") is None:
        raise ValueError("row has no published_date to partition by")
    if not is_safe_path_value(section):
        raise ValueError(f"section {section!r} is not a safe partition folder name")
    return section, as_date(row["published_date"])


# --- Listing ----------------------------------------------------------------------------------


def is_hidden(path: Path, base: Path) -> bool:
    """True when a path part under `base` starts with `.` or `_`: pyarrow and pandas skip it
    (DuckDB and polars globs do not)."""
    return any(part.startswith((".", "_")) for part in path.relative_to(base).parts)


def is_visible_part_file(path: Path, base: Path) -> bool:
    """A `*.parquet` file no reader skips (`is_hidden` is false)."""
    return path.suffix == ".parquet" and not is_hidden(path, base)


def list_part_files(output_dir, dataset: str = ARTICLES) -> list[Path]:
    """Every part file of `dataset` (articles, rejects or runs), sorted; [] when there is none.
    NotADirectoryError when a file, or a link to nothing, stands where its folder goes."""
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


@dataclass(frozen=True)
class ArticlePartition:
    section: str
    published_date: dt.date
    path: Path

    def part_files(self) -> list[Path]:
        """The partition's part files, as `list_part_files` lists them: a folder named
        `*.parquet` is none (readers list what is in it, or pass it by), a link that leads to
        no file is one. A folder it cannot list raises `Unlisted`."""
        return sorted(
            p for p in _entries(self.path) if is_visible_part_file(p, self.path) and not p.is_dir()
        )


class Unlisted(OSError):
    """A folder of the dataset that cannot be listed (mode 000, another user's, a file in its
    place): its files cannot be told, which is no fault of writing. Its `filename` is the
    folder."""

    def __str__(self) -> str:
        return f"{self.filename}: cannot be listed ([Errno {self.errno}] {self.strerror})"


def _entries(folder: Path) -> list[Path]:
    """What `folder` holds; `Unlisted` when it cannot be listed (`Path.glob` passes over such a
    folder without a word, and what it holds would seem not to be there)."""
    try:
        with os.scandir(folder) as entries:
            return [Path(entry.path) for entry in entries]
    except NotADirectoryError:  # a file where a folder was looked for: nothing in it
        return []
    except PermissionError as error:
        raise Unlisted(error.errno, error.strerror, str(folder)) from error


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
    """Every `section=*/published_date=*` directory under articles/, sorted; ValueError (from
    `parse_partition_dir`) for one whose section or date is none, `Unlisted` for a folder it
    cannot list or a file where articles/ goes."""
    base = articles_dir(output_dir)
    if not base.is_dir():
        if base.exists() or base.is_symlink():  # a file, or a link to nothing, in its place
            raise Unlisted(errno.ENOTDIR, "not a folder", str(base))
        return []
    partitions = []
    sections = [p for p in _entries(base) if p.name.startswith("section=") and p.is_dir()]
    for section_dir in sections:
        for path in _entries(section_dir):
            if path.name.startswith("published_date=") and path.is_dir():
                section, published_date = parse_partition_dir(path)
                partitions.append(ArticlePartition(section, published_date, path))
    return sorted(partitions, key=lambda p: p.path)


def named(output_dir) -> Path:
    """`output_dir` as the commands name it: absolute, so a line read elsewhere (cron's mail, a
    log) says where the dataset is, whatever folder the command ran in (cron's is often $HOME)."""
    return Path(output_dir).absolute()


def folder_problem(output_dir) -> str | None:
    """Why `output_dir` is no dataset folder to read or compact (not there, a folder inside a
    dataset, or one this process may not look into); None when it is one (an empty folder is an
    empty dataset)."""
    try:
        is_dir = Path(output_dir).is_dir()
    except OSError as error:  # a name longer than the file system takes, say
        return error.strerror or str(error)
    if not is_dir:  # a mistyped path: say so rather than read or create it
        if os.path.lexists(output_dir):
            return "a file, not a folder; give the dataset's folder with --output-dir"
        # The commands name the folder absolute (`named`): the message says where it looked.
        return "no such directory; give the dataset's folder with --output-dir"
    try:
        inside = inside_a_dataset(output_dir)
    except OSError as error:  # a folder of mode 000, or another user's: nothing in it is seen
        return f"cannot be read ({error}): fix its permissions, or run the command as its owner"
    if inside is not None:
        return f"not the dataset's folder, which holds articles/, rejects/ and runs/ ({inside})"
    return None


def not_a_dataset(output_dir) -> str | None:
    """What says `output_dir` is not a dataset's folder though it reads as an empty one: it
    holds none of articles/, rejects/ and runs/ but other things (a home folder, a mistyped
    `--output-dir`), so a clean or empty result is not taken for the dataset's; None when it
    holds a dataset or nothing else. Hidden files and `logs/` are a dataset's before its first
    run record."""
    root = Path(output_dir)
    if any((root / name).exists() for name in DATASETS):
        return None
    others = [p for p in root.iterdir() if not p.name.startswith(".") and p.name != "logs"]
    if not others:
        return None
    return (
        f"holds no articles/, rejects/ nor runs/ but {len(others)} other file(s) or folder(s): "
        "not a dataset's folder? (--output-dir)"
    )


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


def unnamed_for_pyarrow(output_dir) -> str | None:
    """Why pyarrow cannot open the dataset at `output_dir` by that name, or None: a name whose
    bytes are no UTF-8 (a folder named in a legacy encoding, such as Latin-1). A crawl would
    write its first files there, then fail to read them back on every later run. Only the name
    given counts: the folders and files newsscraper makes inside have ASCII names, and a
    relative name is opened from the working directory, whatever that is named."""
    try:
        os.fsencode(output_dir).decode("utf-8")
    except UnicodeDecodeError:
        return (
            f"{output_dir!r} is not a name pyarrow can open: its bytes are no UTF-8 text; rename "
            "the folder, or give another"
        )
    return None
