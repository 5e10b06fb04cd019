"""`newsscraper cron` merges `runs/` and `rejects/` once they hold more than 100 part files
(README, "Running from cron" and `compact`: "once either holds more than 100 part files (one
file each, every row kept, as `compact` merges them)"), over datasets of 0 to 250 part files in
each, written by the project's own writers.

The crawl step is a stub that writes nothing: a real crawl is a process of its own taking
seconds, and what is checked is what the merge after it does, which is the real code. With the
crawl writing nothing, the records before and after the run must be the same."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsscraper import cli, dataset, dataset_read, dataset_write, exitcodes, runs
from newsscraper.commands import cron
from newsscraper.schema import RUNS_SCHEMA
from replica import ReplicaSite, serve
from replica.crawl import run_cron
from tests.example_folders import fresh

UTC = dt.UTC
SECTION = "doanh-nghiep"
START = dt.datetime(2026, 3, 8, 2, tzinfo=UTC)
MERGED_ABOVE = 100  # README: "once either holds more than 100 part files"
# Each example writes up to 500 files (a few ms each, fsynced): a fiftieth of the examples.
FEW = settings(
    max_examples=max(1, settings.default.max_examples // 50),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Counts near the bound are where a merge starts: drawn often, the rest now and then.
counts = st.one_of(st.sampled_from([0, 1, 99, 100, 101, 102]), st.integers(0, 250))


@st.composite
def record_folders(draw) -> tuple[list[list[int]], int]:
    """The watermarks (minutes after START, or None) of each runs/ part file's records (one to
    three a file, as `compact` leaves several in one), and how many rejects/ part files."""
    files = draw(counts)
    marks = st.one_of(st.none(), st.integers(0, 400))
    runs_files = [draw(st.lists(marks, min_size=1, max_size=3)) for _ in range(files)]
    return runs_files, draw(counts)


def write_runs(output_dir: Path, files: list[list[int | None]]) -> None:
    number = itertools.count()
    for n, marks in enumerate(files):
        records = []
        for mark in marks:
            k = next(number)
            started = START + dt.timedelta(minutes=5 * k)
            records.append(
                {name: None for name in RUNS_SCHEMA.names}
                | {
                    "run_id": f"run-{k:04d}",
                    "section": SECTION,
                    "mode": "incremental",
                    "started_at": started,
                    "finished_at": started + dt.timedelta(seconds=5),
                    "exit_code": 0,
                    "problems": [],
                    "watermark": None if mark is None else START + dt.timedelta(minutes=mark),
                    "walked_down_to": START - dt.timedelta(hours=1),
                }
            )
        table = pa.Table.from_pylist(records, RUNS_SCHEMA)
        path = dataset.runs_dir(output_dir) / f"part-file-{n:04d}.parquet"
        dataset_write.commit_part_file(table, path, output_dir)


def write_rejects(output_dir: Path, count: int) -> None:
    for n in range(count):
        row = {
            "article_id": f"1882603070000{n:05d}",
            "url": f"https://cafef.vn/bai-{n}-1882603070000{n:05d}.chn",
            "reason": "body_too_short",
            "detail": "body has 12 characters, fewer than 200",
            "scraped_at": START + dt.timedelta(minutes=n),
            "run_id": f"reject-run-{n:04d}",
        }
        dataset_write.commit_rejects(output_dir, [row], row["run_id"], 0)


def part_files(output_dir: Path, folder: str) -> list[Path]:
    return sorted(dataset.list_part_files(output_dir, folder))


def next_crawl_start(output_dir: Path) -> tuple:
    """What the next crawl of the section takes from runs/: its watermark to walk down to and
    the newest record's pending pages."""
    start_from = runs.runs_to_start_from(output_dir, SECTION)
    return runs.watermark_to_reach(start_from, SECTION), runs.last_pending(start_from, SECTION)


@pytest.fixture
def crawl_writing_nothing(monkeypatch):
    """A crawl that reaches no site, writes nothing and ends healthy; no log file."""
    monkeypatch.setattr(cron, "_crawl", lambda settings, spider_args: (exitcodes.OK, "run r"))
    monkeypatch.setattr(cron, "_log_to_rotating_file", lambda path, level: None)
    monkeypatch.setattr(cron, "_log_warnings_to_stderr", lambda: None)


@FEW
@example(folders=([[5]] * 101, 0))
@example(folders=([[5]] * 100, 100))
@example(folders=([], 101))
@given(folders=record_folders())
def test_cron_merges_both_folders_once_either_holds_more_than_100_files_keeping_every_record(
    tmp_path, crawl_writing_nothing, folders
):
    """Both folders are merged when either holds more than 100 part files: README says a merge
    "once either holds more than 100" gives "one file each" (a folder of few files is merged
    with the other, and an empty one stays empty); below that, neither is touched. Every run
    record and reject is kept once, and the next crawl starts from the same watermark and
    pending pages."""
    runs_files, rejects_count = folders
    output_dir = fresh(tmp_path)
    write_runs(output_dir, runs_files)
    write_rejects(output_dir, rejects_count)
    before = {folder: part_files(output_dir, folder) for folder in ("runs", "rejects")}
    run_ids = Counter(run["run_id"] for run in runs.read_runs(output_dir))
    rejects_table = dataset_read.read_rejects(output_dir)
    rejects_before = sorted(map(str, rejects_table.to_pylist())) if rejects_table else []
    start_before = next_crawl_start(output_dir)

    assert cli.main(["cron", "--output-dir", str(output_dir)]) == exitcodes.OK

    merged = max(len(runs_files), rejects_count) > MERGED_ABOVE
    for folder, files in before.items():
        after = part_files(output_dir, folder)
        if merged:
            assert len(after) == min(1, len(files)), folder
        else:
            assert after == files, folder
    assert Counter(run["run_id"] for run in runs.read_runs(output_dir)) == run_ids
    assert sum(run_ids.values()) == sum(map(len, runs_files)), "a record written twice"
    rejects_table = dataset_read.read_rejects(output_dir)
    rejects_after = sorted(map(str, rejects_table.to_pylist())) if rejects_table else []
    assert rejects_after == rejects_before
    assert next_crawl_start(output_dir) == start_before


@pytest.mark.slow
def test_a_real_cron_run_against_the_replica_merges_its_own_record_with_the_others(tmp_path):
    """The same with the real crawl (one run: a process of its own): the record it writes is
    merged with the 101 before it, each kept once, and the merged runs/ gives the next crawl
    the watermark the records say: the only record holding one is the new run's, so the next
    crawl walks down to where it walked (DATA_FORMAT.md, `walked_down_to`)."""
    output_dir = tmp_path / "output"
    write_runs(output_dir, [[None]] * (MERGED_ABOVE + 1))
    run_ids = {run["run_id"] for run in runs.read_runs(output_dir)}
    with serve(ReplicaSite(articles=5)) as handle:
        result = run_cron(handle.base_url, output_dir)
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert len(part_files(output_dir, "runs")) == 1
    after = Counter(run["run_id"] for run in runs.read_runs(output_dir))
    (new,) = set(after) - run_ids
    assert set(after) == run_ids | {new} and set(after.values()) == {1}
    (record,) = [run for run in runs.read_runs(output_dir) if run["run_id"] == new]
    assert record["watermark"] is not None
    start_from = runs.runs_to_start_from(output_dir, SECTION)
    assert runs.watermark_to_reach(start_from, SECTION) == record["walked_down_to"]
