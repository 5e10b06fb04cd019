"""Crash safety against a fault at any one file-system operation: the pipeline chain storing
batches of articles and rejects and closing with its run record, `newsscraper compact`
merging partitions, `runs/` and `rejects/`, and `newsscraper cron` taking the lock and merging
`runs/` and `rejects/` after its crawl. The fault is a full disk or an I/O error raised at
the k-th operation, or the process killed there (nothing of it runs after that point: no
cleanup). Then the folder is read as the next process finds it, and a fault-free rerun is made.

README.md promises: part files "appear whole or not at all" (written under `.staging/`,
renamed into place); a disk fault stops the run with exit 4, "earlier files are intact"; a
killed run "loses at most its unflushed batch and the next run fills the gap"; `compact` on a
disk that cannot be written "stops with exit 4, each folder swapped whole or not at all", and
a compaction killed in the middle loses nothing; cron's own merge that fails "is a warning,
and `compact` does it later" (the run's exit code stays its own); `verify` then finds no
problem.
"""

from __future__ import annotations

import builtins
import datetime as dt
import errno
import hashlib
import itertools
import os
import random
import types
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from run_records import run_record
from scrapy import signals
from twisted.python.failure import Failure

from newsscraper import (
    cli,
    dataset,
    dataset_read,
    dataset_write,
    exitcodes,
    records_merge,
    runs_read,
)
from newsscraper.commands import verify
from newsscraper.items import Article
from newsscraper.runs import RunRecordExtension
from newsscraper.schema import RUNS_SCHEMA
from pipelines.parquet import ParquetSinkPipeline
from tests.commands.conftest import article_row
from tests.example_folders import fresh
from tests.pipelines.test_chain_properties import WORDS, Chain

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
RUN_IDS = ("20260308T020000Z-fault001", "20260308T030000Z-fault002")
KINDS = ("ENOSPC", "EIO", "killed")


# --- the faults -------------------------------------------------------------------------------


class Killed(BaseException):
    """The process ends here: no `except`, `finally` or cleanup of it touches the disk again."""


class FaultPoints:
    """Counts the file-system operations under `root` (opening for writing, write, flush, fsync,
    mkdir, rename, replace, the compaction's exchange, link, unlink, rmdir, truncate, and
    pyarrow writing a file by its path) and fails the `at`-th one with `kind`. Once killed,
    every later operation under `root` raises `Killed` too: a dead process does nothing more."""

    def __init__(self, root: Path, at: int | None = None, kind: str = "ENOSPC"):
        self.root = os.path.realpath(root)
        self.at, self.kind = at, kind
        self.ops: list[tuple[str, str]] = []
        self.dead = False
        self.failed: tuple[str, str] | None = None  # the operation the fault was put on

    def under_root(self, path, dir_fd=None) -> bool:
        if isinstance(path, int):
            return self.fd_under_root(path)
        try:
            path = os.fsdecode(path)
        except TypeError:
            return False
        if dir_fd is not None and not os.path.isabs(path):
            try:
                path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
            except OSError:
                return False
        full = os.path.realpath(os.path.dirname(os.path.abspath(path)))
        return full == self.root or full.startswith(self.root + os.sep)

    def fd_under_root(self, fd: int) -> bool:
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return False
        return target == self.root or target.startswith(self.root + os.sep)

    def op(self, name: str, path, *, from_arrow: bool = False) -> None:
        if self.dead:
            raise Killed(f"{name} {path} after the kill")
        self.ops.append((name, str(path)))
        if len(self.ops) != self.at:
            return
        self.failed = self.ops[-1]
        if self.kind == "killed":
            self.dead = True
            if not from_arrow:
                raise Killed(f"killed at {name} {path}")
            # pyarrow's writer called in: it unwinds on an error, and the next operation
            # raises Killed. Nothing more reaches the disk either way.
            raise OSError(errno.EIO, "killed", str(path))
        code = getattr(errno, self.kind)
        raise OSError(code, os.strerror(code), str(path))

    def install(self, monkeypatch) -> FaultPoints:
        real_open = builtins.open
        write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

        def on_path(name, real, write_only_flags=False):
            def call(path, *args, dir_fd=None, **kwargs):
                flags = args[0] if args else kwargs.get("flags", 0)
                if (not write_only_flags or flags & write_flags) and self.under_root(path, dir_fd):
                    self.op(name, path)
                if dir_fd is not None:
                    kwargs["dir_fd"] = dir_fd
                return real(path, *args, **kwargs)

            return call

        def on_two_paths(name, real):
            def call(src, dst, *args, **kwargs):
                if self.under_root(src, kwargs.get("src_dir_fd")) or self.under_root(
                    dst, kwargs.get("dst_dir_fd")
                ):
                    self.op(name, dst)
                return real(src, dst, *args, **kwargs)

            return call

        def on_fd(name, real):
            def call(fd, *args, **kwargs):
                if self.fd_under_root(fd):
                    self.op(name, os.readlink(f"/proc/self/fd/{fd}"))
                return real(fd, *args, **kwargs)

            return call

        def fault_open(file, mode="r", *args, **kwargs):
            writing = any(flag in mode for flag in "wax+")
            if writing and self.under_root(file):
                self.op("open", file)
                return _Watched(real_open(file, mode, *args, **kwargs), self, file)
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", fault_open)
        monkeypatch.setattr(os, "open", on_path("os.open", os.open, write_only_flags=True))
        for name in ("unlink", "remove", "rmdir"):
            monkeypatch.setattr(os, name, on_path(name, getattr(os, name)))
        mkdir = on_path("mkdir", os.mkdir)

        def fault_mkdir(path, *args, **kwargs):
            # A folder already there is EEXIST whatever the disk's state: no operation.
            if os.path.lexists(path) and kwargs.get("dir_fd") is None:
                return real_mkdir(path, *args, **kwargs)
            return mkdir(path, *args, **kwargs)

        real_mkdir = os.mkdir
        monkeypatch.setattr(os, "mkdir", fault_mkdir)
        for name in ("rename", "replace", "link"):
            monkeypatch.setattr(os, name, on_two_paths(name, getattr(os, name)))
        for name in ("write", "pwrite", "fsync", "ftruncate"):
            monkeypatch.setattr(os, name, on_fd(name, getattr(os, name)))
        monkeypatch.setattr(
            dataset_write,
            "exchange_paths",
            on_two_paths("exchange", dataset_write.exchange_paths),
        )
        real_write_table = pq.write_table

        def write_table(table, where, *args, **kwargs):
            if isinstance(where, str | os.PathLike) and self.under_root(where):
                self.op("write_table", where)
            return real_write_table(table, where, *args, **kwargs)

        monkeypatch.setattr(pq, "write_table", write_table)
        return self


class _Watched:
    """A file opened for writing whose writes and flushes are operations of `faults` (called
    by pyarrow's writer, which a BaseException raised through it leaves in a broken state)."""

    def __init__(self, file, faults: FaultPoints, path):
        self._file, self._faults, self._path = file, faults, path

    def write(self, data):
        self._faults.op("write", self._path, from_arrow=True)
        return self._file.write(data)

    def flush(self):
        self._faults.op("flush", self._path, from_arrow=True)
        return self._file.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._file.close()

    def __getattr__(self, name):
        return getattr(self._file, name)


# --- reading the folder as the next process finds it ------------------------------------------


def row_key(row: dict) -> tuple:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(row.items()))


def everything(output_dir) -> dict[str, Counter]:
    """Every row of articles/, rejects/ and runs/, read with the project's readers: each part
    file read whole (a partial one raises)."""
    for name in dataset.DATASETS:
        for path in dataset.list_part_files(output_dir, name):
            dataset_read.read_part_file(path)
    runs = runs_read.read_runs(output_dir)
    return {
        "articles": Counter(map(row_key, dataset_read.read_articles(output_dir).to_pylist())),
        "rejects": Counter(map(row_key, dataset_read.read_rejects(output_dir).to_pylist())),
        "runs": Counter(map(row_key, runs.to_pylist() if runs is not None else [])),
    }


def fingerprints(output_dir) -> dict[Path, str]:
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for name in dataset.DATASETS
        for p in dataset.list_part_files(output_dir, name)
    }


def assert_verify_finds_no_problem(output_dir) -> None:
    findings = verify.verify(output_dir)
    assert [f for f in findings if f.level == verify.PROBLEM] == [], findings


def faulted(monkeypatch, output_dir, at, kind, action):
    """Run `action()` with the `at`-th operation under `output_dir` failing with `kind`: its
    result, or the exception that stopped it; the faults taken off after."""
    with monkeypatch.context() as patch:
        faults = FaultPoints(output_dir, at, kind).install(patch)
        try:
            return faults, action(), None
        except Killed as error:
            assert kind == "killed", error
            return faults, None, error


def counted(monkeypatch, output_dir, action) -> int:
    faults, _, _ = faulted(monkeypatch, output_dir, None, "ENOSPC", action)
    return len(faults.ops)


# --- (1) the pipeline chain: articles, rejects, run record ------------------------------------


class RecordedChain(Chain):
    """The chain with the run record written at the close, as a crawl of doanh-nghiep does."""

    def __init__(self, output_dir, run_id: str):
        super().__init__(output_dir, run_id, NOW)
        self.records = RunRecordExtension.from_crawler(self.crawler)
        self.spider = types.SimpleNamespace(
            args=types.SimpleNamespace(
                section="doanh-nghiep", is_backfill=False, since=None, until=None
            )
        )
        # The sink stops the crawl on a disk fault; without an engine to stop, the items still
        # fed after it are dropped by the sink, as those already in flight are in a crawl.
        for pipeline in self.manager.middlewares:
            if isinstance(pipeline, ParquetSinkPipeline):
                pipeline.on_disk_error = lambda: None

    def close(self) -> None:
        for close_spider in self.manager.methods["close_spider"]:
            close_spider()
        results = self.crawler.signals.send_catch_log(
            signals.spider_closed, spider=self.spider, reason="finished"
        )
        failed = [result for _, result in results if isinstance(result, Failure)]
        assert failed == [], [f.getTraceback() for f in failed]


def run_chain(output_dir, run: int, items: list[dict]) -> RecordedChain:
    chain = RecordedChain(output_dir, RUN_IDS[run])
    for fields in items:
        chain.feed(Article(**fields))
    chain.close()
    return chain


@st.composite
def articles(draw) -> list[dict]:
    """Articles of doanh-nghiep over a few days, some with a body too short to store (a
    reject)."""
    items = []
    for n in range(draw(st.integers(1, 8))):
        article_id = f"1882603{n:011d}"
        rng = random.Random(draw(st.integers(0, 2**32)))
        short = draw(st.integers(0, 4)) == 0
        body = " ".join(rng.choices(WORDS, k=5 if short else 60))
        day = draw(st.integers(5, 7))
        items.append(
            dict(
                article_id=article_id,
                url=f"https://cafef.vn/bai-viet-{article_id}.chn",
                section="doanh-nghiep",
                title=f"Doanh nghiệp {n} công bố kết quả",
                body=body,
                published_at=dt.datetime(2026, 3, day, 3, n, tzinfo=UTC),
            )
        )
    return items


@settings(
    max_examples=max(1, settings.default.max_examples // 5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=articles(), data=st.data())
def test_a_fault_at_any_operation_of_the_chain_keeps_every_file_whole_and_the_rerun_fills_the_gap(
    tmp_path, monkeypatch, items, data
):
    """README: part files appear whole or not at all; a disk fault stops the run, earlier files
    intact, no row written twice; a killed run loses at most its unflushed batch and the next
    run fills the gap; `verify` finds no problem."""
    base = fresh(tmp_path)
    counting, output_dir = base / "counting", base / "faulted"
    for folder in (counting, output_dir):  # an earlier run's files, which must stay as they are
        dataset_write.commit_articles(folder, [article_row("188260301000000001")], "run-a", 1)
        table = pa.Table.from_pylist([run_record("run-a", 0)], schema=RUNS_SCHEMA)
        dataset_write.commit_part_file(
            table, dataset.runs_dir(folder) / "part-run-a.parquet", folder
        )
    total = counted(monkeypatch, counting, lambda: run_chain(counting, 0, items))
    reference = everything(counting)
    stored_ids = {dict(r)["article_id"] for r in reference["articles"]}
    earlier = fingerprints(output_dir)

    at = data.draw(st.integers(1, total), label="at")
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    _, chain, _ = faulted(
        monkeypatch, output_dir, at, kind, lambda: run_chain(output_dir, 0, items)
    )

    # As the next process finds it: every earlier file as it was, every file whole, no row
    # that the fault-free run would not have written, none twice.
    assert {p: h for p, h in fingerprints(output_dir).items() if p in earlier} == earlier
    found = everything(output_dir)
    for name in ("articles", "rejects", "runs"):
        assert found[name] - reference[name] == Counter(), name
    if kind != "killed":
        # The run knows what it stored: the rows it counts as written are those on disk.
        mine = sum(n for r, n in found["articles"].items() if dict(r)["run_id"] == RUN_IDS[0])
        assert chain.stat("newsscraper/parquet/rows_written") == mine

    assert_verify_finds_no_problem(output_dir)

    # The rerun over the same items, fault-free, after the next lock holder cleared staging.
    dataset_write.clear_staging(output_dir)
    run_chain(output_dir, 1, items)
    rows = dataset_read.read_articles(output_dir, ["article_id"])["article_id"].to_pylist()
    assert sorted(rows) == sorted(stored_ids)
    runs = runs_read.read_runs(output_dir, ["run_id"])["run_id"].to_pylist()
    assert runs.count(RUN_IDS[1]) == 1 and runs.count(RUN_IDS[0]) <= 1
    assert_verify_finds_no_problem(output_dir)


# --- (2) newsscraper compact ------------------------------------------------------------------


@st.composite
def datasets(draw) -> dict:
    """A few partitions of one to three part files each, and runs/ and rejects/ of a few files,
    every article_id once."""
    ids = itertools.count(1)
    partitions = []
    for day in draw(st.lists(st.integers(1, 7), min_size=1, max_size=3, unique=True)):
        files = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
        partitions.append((day, [[f"1882603{next(ids):011d}" for _ in range(n)] for n in files]))
    return {
        "partitions": partitions,
        "runs": draw(st.integers(1, 4)),
        "rejects": draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)),
        "note": draw(st.booleans()),
    }


def write_dataset(output_dir: Path, spec: dict) -> None:
    seq = itertools.count(1)
    for day, files in spec["partitions"]:
        date = dt.date(2026, 3, day)
        for ids in files:
            rows = [article_row(i, published_date=date) for i in ids]
            dataset_write.commit_articles(output_dir, rows, "run-a", next(seq))
    if spec["note"]:
        day = spec["partitions"][0][0]
        partition = dataset.article_partition_dir(output_dir, "doanh-nghiep", dt.date(2026, 3, day))
        (partition / ".ghi-chu.txt").write_text("ghi chú")
    for n in range(spec["runs"]):
        table = pa.Table.from_pylist([run_record(f"run-{n}", n)], schema=RUNS_SCHEMA)
        path = dataset.runs_dir(output_dir) / f"part-run-{n}.parquet"
        dataset_write.commit_part_file(table, path, output_dir)
    for n, size in enumerate(spec["rejects"]):
        rejects = [
            {
                "article_id": f"1882603090000{n:02d}{k:03d}",
                "reason": "body_too_short",
                "scraped_at": dt.datetime(2026, 3, 8, 2, n, k, tzinfo=UTC),
                "run_id": f"run-{n}",
            }
            for k in range(size)
        ]
        dataset_write.commit_rejects(output_dir, rejects, f"run-{n}", 0)


def stopped_on_nothing(faults: FaultPoints) -> bool:
    """A fault no compaction stops on: removing what `.staging/` holds (a disk that refuses
    leaves it for `verify` to report and the next lock holder to remove, as
    `dataset_write.clear_staging` says), emptying the lock's note as the lock is let go (the
    lock module: "that must not turn the run's own exit code into a crash"), or a hard link of
    a file carried into the merged folder, which is copied instead ("hard links, copies where
    the filesystem refuses them"): one operation fails here, not the copy after it."""
    name, path = faults.failed
    in_staging = f"{os.sep}{dataset.STAGING}{os.sep}" in path
    letting_go = ("pwrite", path) in faults.ops[:-1]  # the note was written when it was taken
    return (name in ("unlink", "remove", "rmdir", "link") and in_staging) or (
        name == "ftruncate" and path.endswith(os.sep + ".lock") and letting_go
    )


def compact(output_dir: Path) -> int:
    return cli.main(["compact", "--output-dir", str(output_dir)])


@settings(
    max_examples=max(1, settings.default.max_examples // 10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=datasets(), data=st.data())
def test_a_fault_at_any_operation_of_compact_keeps_every_row_once_and_compact_again_merges(
    tmp_path, monkeypatch, capsys, spec, data
):
    """README: a disk that cannot be written stops `compact` with exit 4, each folder swapped
    whole or not at all; a compaction killed in the middle loses nothing; so the rows are the
    same whether the merge finished or not, and the next `compact` merges them all; `verify`
    finds no problem."""
    # Small bounds, so that a few files take the merge's paths of many: files read a batch at
    # a time, slices of files spilled under `.staging/`.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 2)
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 1)
    base = fresh(tmp_path)
    counting, output_dir = base / "counting", base / "faulted"
    for folder in (counting, output_dir):
        write_dataset(folder, spec)
    before = everything(output_dir)
    total = counted(monkeypatch, counting, lambda: compact(counting))
    assert compact(counting) == 0  # nothing left to merge: the merge finished

    at = data.draw(st.integers(1, total), label="at")
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    faults, code, _ = faulted(monkeypatch, output_dir, at, kind, lambda: compact(output_dir))
    capsys.readouterr()

    if kind != "killed":
        assert code == (0 if stopped_on_nothing(faults) else 4), faults.failed
    assert everything(output_dir) == before

    assert compact(output_dir) == 0
    assert everything(output_dir) == before
    for partition in dataset.list_article_partitions(output_dir):
        assert len(partition.part_files()) == 1, partition
    for name in (dataset.RUNS, dataset.REJECTS):
        assert len(dataset.list_part_files(output_dir, name)) == 1, name
    if spec["note"]:
        day = spec["partitions"][0][0]
        partition = dataset.article_partition_dir(output_dir, "doanh-nghiep", dt.date(2026, 3, day))
        assert (partition / ".ghi-chu.txt").read_text() == "ghi chú"
    assert_verify_finds_no_problem(output_dir)


# --- (3) newsscraper cron: its lock, and its merge of runs/ and rejects/ ----------------------

MERGED_ABOVE = 2  # stands for cron's 100 part files, so that a few files take the merge
# The codes a crawl ends with; after a disk fault or a signal cron merges nothing.
CRAWL_CODES = (0, 1, 3, 4, 5, 6, 7)


@st.composite
def record_folders(draw) -> dict:
    """runs/ and rejects/ of one to four part files each (either may be over the bound or
    neither), an article file cron's merge must leave alone, and what a killed holder may
    have left under `.staging/` (the next lock holder removes it)."""
    return {
        "partitions": [(draw(st.integers(1, 7)), [[f"1882603{1:011d}"]])],
        "runs": draw(st.integers(1, 4)),
        "rejects": draw(st.lists(st.integers(1, 2), min_size=1, max_size=4)),
        "note": False,
        "leftover": draw(st.sampled_from(["none", "file", "folder"])),
    }


def write_records(output_dir: Path, spec: dict) -> None:
    write_dataset(output_dir, spec)
    staging = output_dir / dataset.STAGING
    if spec["leftover"] == "file":
        staging.mkdir(exist_ok=True)
        (staging / "part-killed.parquet").write_bytes(b"PAR1 half of a file")
    elif spec["leftover"] == "folder":
        (staging / "runs-merged").mkdir(parents=True)
        (staging / "runs-merged" / "part-compact.parquet").write_bytes(b"PAR1")


def records(output_dir: Path) -> dict[str, Counter]:
    found = everything(output_dir)
    return {name: found[name] for name in ("runs", "rejects")}


def cron_run(output_dir: Path) -> int:
    return cli.main(["cron", "--output-dir", str(output_dir)])


@settings(
    max_examples=max(1, settings.default.max_examples // 5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=record_folders(), code=st.sampled_from(CRAWL_CODES), data=st.data())
def test_a_fault_at_any_operation_of_cron_s_lock_or_merge_keeps_every_record_once(
    tmp_path, monkeypatch, capsys, spec, code, data
):
    """README: cron merges runs/ and rejects/ after its crawl once either holds more than 100
    part files, "a merge that fails is a warning, and `compact` does it later": the run's exit
    code stays its own; a disk that refuses the lock or `.staging/` cleared as it is taken stops
    cron with exit 4 before the crawl; a folder is swapped whole or not at all, so the records
    are the same whether the merge finished or not, and the next cron merges them; `verify`
    finds no problem. The crawl is a stub writing nothing; the lock and the merge are real."""
    from newsscraper.commands import compact as compact_command
    from newsscraper.commands import cron

    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "newsscraper.settings")
    monkeypatch.setattr(compact_command, "RECORD_FILES_BEFORE_MERGE", MERGED_ABOVE)
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 2)
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 1)
    monkeypatch.setattr(cron, "_log_to_rotating_file", lambda path, level: None)
    monkeypatch.setattr(cron, "_log_warnings_to_stderr", lambda: None)
    crawls: list[int] = []

    def crawl(settings, spider_args):
        crawls.append(code)
        return code, "run r"

    monkeypatch.setattr(cron, "_crawl", crawl)
    base = fresh(tmp_path)
    counting, output_dir = base / "counting", base / "faulted"
    for folder in (counting, output_dir):
        write_records(folder, spec)
    before = records(output_dir)
    articles_before = fingerprints(output_dir)
    many = max(spec["runs"], len(spec["rejects"])) > MERGED_ABOVE
    merges = many and code not in (exitcodes.DISK_ERROR, exitcodes.INTERRUPTED)
    total = counted(monkeypatch, counting, lambda: cron_run(counting))
    assert crawls == [code]
    for name in (dataset.RUNS, dataset.REJECTS):
        assert (len(dataset.list_part_files(counting, name)) == 1) == (
            merges or len(dataset.list_part_files(output_dir, name)) == 1
        ), name

    crawls.clear()
    at = data.draw(st.integers(1, total), label="at")
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    faults, exit_code, _ = faulted(monkeypatch, output_dir, at, kind, lambda: cron_run(output_dir))
    capsys.readouterr()

    if kind != "killed":
        if crawls:  # the lock was taken: a merge that fails leaves the run's code
            assert exit_code == code, faults.failed
        else:  # the lock, or `.staging/` cleared as it is taken, refused: before the crawl
            assert not stopped_on_nothing(faults), faults.failed
            assert exit_code == exitcodes.DISK_ERROR, faults.failed
    assert records(output_dir) == before
    articles = {p: h for p, h in fingerprints(output_dir).items() if "articles" in p.parts}
    assert articles == {p: h for p, h in articles_before.items() if "articles" in p.parts}
    assert_verify_finds_no_problem(output_dir)

    crawls.clear()
    monkeypatch.setattr(cron, "_crawl", lambda settings, spider_args: (exitcodes.OK, "run r"))
    assert cron_run(output_dir) == exitcodes.OK
    capsys.readouterr()
    assert records(output_dir) == before
    if many:
        for name in (dataset.RUNS, dataset.REJECTS):
            assert len(dataset.list_part_files(output_dir, name)) == 1, name
    # What a killed holder left is removed by the next one to take the lock (what a merge
    # swapped out stays until the next one after it: README, `compact`).
    staging = output_dir / dataset.STAGING
    assert not (staging / "part-killed.parquet").exists()
    assert not (staging / "runs-merged").exists()
    assert_verify_finds_no_problem(output_dir)
