"""`newsscraper verify`: check the dataset on disk; exit 0 when clean, 1 on any problem.

Problems (each printed with the file's path):
- an articles, rejects or runs file that cannot be read whole;
- a file whose columns, types or `newsscraper.schema_version` differ from the declared schema
  (a file of an older version may lack the columns added since: readers see them as null);
- an article_id stored more than once anywhere in the dataset;
- a row whose published_at is not on its partition's published_date in Vietnam time, or
  that its run record says a crawl of another section stored, or a partition folder whose
  section is not one the crawler knows, or that is not named
  `section=<slug>/published_date=<YYYY-MM-DD>`;
- a file the readers disagree on: not `*.parquet` yet listed by pyarrow/pandas, or a hidden
  `.x.parquet` / `_x.parquet` that DuckDB and polars globs read but pyarrow skips;
- a row whose body no longer gives its content_sha256 (a byte changed where the file reads);
- a timestamp column holding an instant outside the years 1 to 9999;
- a run record whose JSON column holds no JSON object, or values of another kind, or whose
  run_number is the largest an int64 holds (a crawl reading it stops there);
- a `.staging` that is a file or a link to nothing, or a `.lock` that is a folder (every crawl
  stops on it).

Warnings (reported, exit code unchanged): a folder holding none of articles/, rejects/ and
runs/ but other files (a home folder given as the dataset's); a run record whose section is not
one the crawler knows (a typo, another tool's record: no crawl reads it); a hidden file under a
dataset folder that is no `*.parquet` (no reader lists it); files left in `.staging/` for more
than an hour (`STALE_STAGING_AFTER`), from a process killed between write and rename, or the
files a compaction swapped out of the dataset (the next crawl or compaction removes them when it
takes the lock).

It takes no lock, so it runs beside a crawl or `compact`: files a compaction swaps away
between the listing and the reading are no problem, the files are listed and checked again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from newsscraper import dataset, dataset_read, runs_read
from newsscraper.dataset_read import OUT_OF_RANGE
from newsscraper.lock import LOCK_FILE
from newsscraper.pages.dates import vietnam_date
from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_JSON_COLUMNS,
    RUNS_SCHEMA,
    SCHEMA_VERSION,
    added_in,
    run_record_json,
)
from newsscraper.sections import SECTION_ZONES

# Every version up to this one's: an older file lacks only the columns added since.
KNOWN_VERSIONS = frozenset(str(v) for v in range(1, int(SCHEMA_VERSION) + 1))

# A staging file older than this outlived the process that wrote it.
STALE_STAGING_AFTER = dt.timedelta(hours=1)
PROBLEM, WARNING = "PROBLEM", "WARNING"


@dataclass(frozen=True)
class Finding:
    level: str
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.level} {self.path}: {self.message}"


def schema_differences(actual: pa.Schema, declared: pa.Schema) -> list[str]:
    """What differs between a file's schema and the declared one, in words ([] if nothing)."""
    found = []
    version = dataset_read.schema_version_of(actual)
    if version not in KNOWN_VERSIONS:
        found.append(f"newsscraper.schema_version is {version!r}, expected {SCHEMA_VERSION!r}")
    # A file of an older version lacks the columns added since: readers see them as null.
    file_version = int(version) if version in KNOWN_VERSIONS else int(SCHEMA_VERSION)
    expected = [f.name for f in declared if added_in(f) <= file_version]
    names = actual.names
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    if missing:
        found.append(f"missing columns {missing}")
    if extra:
        found.append(f"unexpected columns {extra}")
    if not missing and not extra and names != expected:
        found.append(f"columns out of order: {names}")
    for field in declared:
        if field.name in names:
            have = actual.field(field.name)
            # Compared as types, so a list's child name ("item"/"element") does not matter.
            if not have.type.equals(field.type):
                found.append(f"{field.name} is {have.type}, declared {field.type}")
            elif have.nullable and not field.nullable:
                found.append(f"{field.name} is nullable, declared not null")
    return found


def read_checked(path: Path, declared: pa.Schema) -> tuple[pa.Table | None, list[Finding]]:
    """The file's table and its problems; None for the table when the file is unreadable or
    holds an instant no Python datetime holds."""
    try:
        table = dataset_read.read_part_file(path)
    except FileNotFoundError:
        if path.is_symlink():  # still listed: no compaction will bring its target back
            return None, [
                Finding(
                    PROBLEM, path, f"unreadable: a link to {path.readlink()}, which is not there"
                )
            ]
        raise  # listed, then swapped away by `compact`: `verify` lists the files again
    except (OSError, pa.ArrowException) as error:
        return None, [Finding(PROBLEM, path, f"unreadable: {error}")]
    problems = [Finding(PROBLEM, path, d) for d in schema_differences(table.schema, declared)]
    # Its rows are not checked further: read into Python, they raise OverflowError.
    if far := dataset_read.columns_out_of_range(table):
        problems += [Finding(PROBLEM, path, f"column {name} {OUT_OF_RANGE}") for name in far]
        return None, problems
    return table, problems


def check_partition_rows(
    path: Path,
    table: pa.Table,
    section: str,
    published_date: dt.date,
    run_sections: dict[str, str],
) -> list[Finding]:
    """The rows' problems; `run_sections` (run_id -> section crawled) names the rows a crawl
    of another section stored (the section is only in the folder name, not in the file)."""
    findings = []
    if section not in SECTION_ZONES:
        findings.append(Finding(PROBLEM, path, f"section {section!r} is not a known section"))
    findings += check_row_sections(path, table, section, run_sections)
    findings += check_body_hashes(path, table)
    if "published_at" not in table.column_names:
        return findings
    wrong = {}
    published = table.column("published_at").to_pylist()
    for name, published_at in zip(row_names(table), published, strict=True):
        if published_at is None or published_at.tzinfo is None:
            continue  # a schema problem, reported as such
        try:
            local_date = vietnam_date(published_at)
        except OverflowError:  # within 7 hours of the end of year 9999: another tool's value
            local_date = "after 9999-12-31"
        if local_date != published_date:
            wrong[name] = local_date
    if wrong:
        listed = ", ".join(f"{k} ({v})" for k, v in list(wrong.items())[:5])
        findings.append(
            Finding(
                PROBLEM,
                path,
                f"{len(wrong)} row(s) published on another Vietnam date than the partition's "
                f"{published_date}: {listed}",
            )
        )
    return findings


def row_names(table: pa.Table) -> list:
    """What names each row in a finding: its article_id, or `row <n>` in a file without them."""
    if "article_id" in table.column_names:
        return table.column("article_id").to_pylist()
    return [f"row {i}" for i in range(table.num_rows)]


def check_body_hashes(path: Path, table: pa.Table) -> list[Finding]:
    """Rows whose body no longer gives their content_sha256: a byte changed on disk where the
    file still reads, or a body another tool rewrote (DATA_FORMAT: the hash of the body's
    UTF-8, recomputed from the row)."""
    if "body" not in table.column_names or "content_sha256" not in table.column_names:
        return []  # a schema problem, reported as such
    bodies, hashes = table.column("body").to_pylist(), table.column("content_sha256").to_pylist()
    changed = [
        name
        for name, body, sha in zip(row_names(table), bodies, hashes, strict=True)
        if body is not None
        and sha is not None
        and hashlib.sha256(body.encode("utf-8")).hexdigest() != sha
    ]
    if not changed:
        return []
    listed = ", ".join(str(article_id) for article_id in changed[:5])
    return [
        Finding(
            PROBLEM,
            path,
            f"{len(changed)} row(s) whose body does not match its content_sha256: {listed}",
        )
    ]


def check_row_sections(
    path: Path, table: pa.Table, section: str, run_sections: dict[str, str]
) -> list[Finding]:
    """A finding per section other than the partition's `section` whose crawls
    (`run_sections`) stored rows of `table`, naming the first rows."""
    if not {"article_id", "run_id"} <= set(table.column_names):
        return []  # a schema problem, reported as such
    wrong = defaultdict(list)
    for article_id, run_id in zip(
        table.column("article_id").to_pylist(), table.column("run_id").to_pylist(), strict=True
    ):
        crawled = run_sections.get(run_id)
        if crawled is not None and crawled != section:
            wrong[crawled].append(article_id)
    return [
        Finding(
            PROBLEM,
            path,
            f"{len(ids)} row(s) stored by a crawl of section {crawled!r}, in a partition of "
            f"{section!r}: {', '.join(str(i) for i in ids[:5])}",
        )
        for crawled, ids in sorted(wrong.items())
    ]


def run_sections_of(table: pa.Table) -> dict[str, str]:
    """run_id -> section crawled, from a file of run records (`check_flat` reports the files
    it could not read, and those of another schema)."""
    if "run_id" not in table.column_names or "section" not in table.column_names:
        return {}
    run_ids, crawled = table.column("run_id").to_pylist(), table.column("section").to_pylist()
    return {
        run_id: section
        for run_id, section in zip(run_ids, crawled, strict=True)
        if isinstance(run_id, str) and section in SECTION_ZONES
    }


def stray_files(base: Path) -> list[Finding]:
    """Files under a dataset folder that readers would disagree on."""
    findings = []
    if not base.is_dir():
        return findings
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        hidden = dataset.is_hidden(path, base)
        if path.suffix == ".parquet" and hidden:
            findings.append(
                Finding(PROBLEM, path, "hidden to pyarrow/pandas but read by DuckDB/polars globs")
            )
        elif path.suffix != ".parquet" and not hidden:
            findings.append(
                Finding(PROBLEM, path, "not a .parquet file, yet pyarrow/pandas would read it")
            )
        elif path.suffix != ".parquet":
            findings.append(Finding(WARNING, path, "stray file (no reader lists it)"))
    return findings


def check_articles(output_dir: Path, run_sections: dict[str, str]) -> list[Finding]:
    findings = stray_files(dataset.articles_dir(output_dir))
    where_ids: dict[str, list[Path]] = defaultdict(list)
    for path in dataset.list_part_files(output_dir):
        try:
            section, published_date = dataset.parse_partition_dir(path.parent)
        except ValueError as error:
            findings.append(Finding(PROBLEM, path, f"not in a partition folder: {error}"))
            continue
        table, problems = read_checked(path, ARTICLES_FILE_SCHEMA)
        findings += problems
        if table is None:
            continue
        findings += check_partition_rows(path, table, section, published_date, run_sections)
        if "article_id" in table.column_names:
            for article_id in table.column("article_id").to_pylist():
                where_ids[article_id].append(path)
    for article_id, paths in sorted(where_ids.items(), key=lambda i: str(i[0])):
        if len(paths) > 1:
            others = ", ".join(str(p) for p in paths[1:])
            findings.append(
                Finding(
                    PROBLEM,
                    paths[0],
                    f"article_id {article_id} is stored {len(paths)} times (also in {others})",
                )
            )
    return findings


def run_record_problems(path: Path, table: pa.Table) -> list[Finding]:
    """A run record whose JSON column holds no JSON object, or one with values of another kind,
    or whose run_number no record can follow: a crawl reading it stops there."""
    findings = []
    if runs_read.run_numbers_at_end(table):
        findings.append(Finding(PROBLEM, path, f"column {runs_read.LAST_RUN_NUMBER}"))
    run_ids = record_run_ids(table)
    for name in RUNS_JSON_COLUMNS:
        if name not in table.column_names:
            continue  # an older record's, or one `read_checked` names as missing
        for run_id, text in zip(run_ids, table.column(name).to_pylist(), strict=True):
            try:
                run_record_json(name, text)
            except ValueError as error:
                findings.append(Finding(PROBLEM, path, f"run record {run_id!r}: {name} {error}"))
    return findings + unknown_section_warnings(path, table)


def record_run_ids(table: pa.Table) -> list:
    """The run_id of each run record of `table`, None for each in a file without the column
    (one `read_checked` names as missing: its other columns are still checked)."""
    if "run_id" in table.column_names:
        return table.column("run_id").to_pylist()
    return [None] * table.num_rows


def unknown_section_warnings(path: Path, table: pa.Table) -> list[Finding]:
    """A warning per section of `table`'s run records that is not one the crawler knows (a
    typo, another tool's record). Each crawl reads its own section's records only: this one
    harms no crawl, but the watermark and pending pages it holds are no section's."""
    if "section" not in table.column_names:
        return []  # one `read_checked` names as missing
    sections = table.column("section").to_pylist()
    unknown: dict[object, list] = defaultdict(list)
    for run_id, section in zip(record_run_ids(table), sections, strict=True):
        if section not in SECTION_ZONES:
            unknown[section].append(run_id)
    findings = []
    for section, ids in unknown.items():
        which = (
            f"run record {ids[0]!r}"
            if len(ids) == 1
            else f"{len(ids)} run records ({', '.join(repr(i) for i in ids[:5])})"
        )
        findings.append(
            Finding(
                WARNING,
                path,
                f"{which}: section {section!r} is not a known section; no crawl reads its "
                "watermark or pending pages",
            )
        )
    return findings


def check_flat(output_dir: Path, name: str, declared: pa.Schema, check=None) -> list[Finding]:
    """The problems of the `name` folder's files; `check(path, table)` is given the table of
    each file that could be read, which is not kept (a year of uncompacted run records of a
    cron every five minutes held 3 GB), and gives the problems it finds in it."""
    findings = stray_files(Path(output_dir) / name)
    for path in dataset.list_part_files(output_dir, name):
        table, problems = read_checked(path, declared)
        findings += problems
        if table is not None and check is not None:
            findings += check(path, table)
    return findings


def check_staging(output_dir: Path, now: dt.datetime) -> list[Finding]:
    findings = []
    staging = dataset.staging_dir(output_dir)
    for path in dataset.staging_files(output_dir):
        try:
            modified = dt.datetime.fromtimestamp(_last_moved(path, staging), dt.UTC)
        except FileNotFoundError:
            continue  # renamed into place, or removed by `compact`, since it was listed
        if now - modified > STALE_STAGING_AFTER:
            findings.append(
                Finding(
                    WARNING,
                    path,
                    f"left in staging since {modified:%Y-%m-%d %H:%M}Z (a process stopped "
                    "between write and rename, or a file a compaction swapped out; the next "
                    "crawl or compaction removes it)",
                )
            )
    return findings


def check_working_places(output_dir: Path) -> list[Finding]:
    """`.staging` that is no folder (a file, or a link to nothing), `.lock` that is a folder:
    no crawl or compaction can write through the one or lock the other, and each stops on it
    as a disk fault."""
    findings = []
    if (what := dataset.staging_problem(output_dir)) is not None:
        staging = dataset.staging_dir(output_dir)
        findings.append(Finding(PROBLEM, staging, f"{what}: {_STOPS_EVERY_RUN}"))
    lock = Path(output_dir) / LOCK_FILE
    if lock.is_dir():
        findings.append(Finding(PROBLEM, lock, f"a folder, not a file: {_STOPS_EVERY_RUN}"))
    return findings


_STOPS_EVERY_RUN = "every crawl and compaction stops on it (exit 4)"


def check_holds_a_dataset(output_dir: Path) -> list[Finding]:
    """A folder of other things than a dataset (`dataset.not_a_dataset`), said as a warning."""
    said = dataset.not_a_dataset(output_dir)
    return [] if said is None else [Finding(WARNING, output_dir, said)]


def _last_moved(path: Path, staging: Path) -> float:
    """When `path` was last written or moved into staging: its mtime, or the change time of a
    folder above it under staging when later (a partition folder that `compact` moved there to
    delete keeps its files' old times)."""
    times = [path.stat().st_mtime]
    for folder in path.parents:
        if folder == staging:
            break
        times.append(folder.stat().st_ctime)
    return max(times)


def check_all(output_dir: Path) -> list[Finding]:
    """The findings of the three datasets' files; the run records are read once, for their
    own checks and for the section each run crawled."""
    run_sections: dict[str, str] = {}

    def check_runs(path: Path, table: pa.Table) -> list[Finding]:
        run_sections.update(run_sections_of(table))
        return run_record_problems(path, table)

    runs_findings = check_flat(output_dir, dataset.RUNS, RUNS_SCHEMA, check_runs)
    rejects_findings = check_flat(output_dir, dataset.REJECTS, REJECTS_SCHEMA)
    return [*check_articles(output_dir, run_sections), *rejects_findings, *runs_findings]


def verify(output_dir: Path, now: dt.datetime | None = None) -> list[Finding]:
    """Every finding; the files are listed and checked again while `compact` swaps folders
    meanwhile (a listed file gone), FileNotFoundError when a listed file is gone for good."""
    now = now or dt.datetime.now(dt.UTC)
    checked = dataset_read.read_listed(
        lambda: [p for name in dataset.DATASETS for p in dataset.list_part_files(output_dir, name)],
        lambda _: check_all(output_dir),
    )
    return [
        *check_holds_a_dataset(output_dir),
        *check_working_places(output_dir),
        *checked,
        *check_staging(output_dir, now),
    ]


def run(args: argparse.Namespace) -> int:
    output_dir = dataset.named(args.output_dir)
    if (problem := dataset.folder_problem(output_dir)) is not None:
        # A mistyped folder is the command line's fault, said as the other commands say it.
        print(f"newsscraper verify: {output_dir}: {problem}", file=sys.stderr)
        return 1
    try:
        findings = verify(output_dir)
    except FileNotFoundError as error:
        print(
            f"newsscraper verify: {output_dir}: a listed file went away while checked ({error}); "
            "run verify again",
            file=sys.stderr,
        )
        return 1
    except OSError as error:  # a folder it cannot list: what it holds cannot be checked
        print(f"PROBLEM {error.filename or output_dir}: unreadable: {error}", file=sys.stderr)
        return 1
    for finding in findings:
        print(finding)
    problems = sum(f.level == PROBLEM for f in findings)
    warnings = len(findings) - problems
    files = sum(len(dataset.list_part_files(output_dir, d)) for d in dataset.DATASETS)
    print(f"{files} files checked: {problems} problem(s), {warnings} warning(s)")
    print(f"  dataset: {output_dir}")  # as every command names it (`dataset.named`)
    return 1 if problems else 0
