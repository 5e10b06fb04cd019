"""A crawl killed mid-run leaves a dataset every reader can read, and the next run completes it;
a crawl stopped by SIGTERM or Ctrl-C flushes what it scraped and says so in its exit code."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from replica_checks import (
    assert_complete_part_files,
    assert_stored_exactly,
    only_run,
    stored_ids,
)

from newsscraper import exitcodes
from newsscraper.dataset import articles_dir, list_part_files, staging_dir
from newsscraper.dataset_read import read_articles
from newsscraper.lock import crawl_lock
from newsscraper.runs import read_runs
from replica import ReplicaSite, faults
from replica.crawl import POLITENESS_OFF, PROJECT_ROOT, crawl_command, crawl_env
from replica.response import Response

pytestmark = pytest.mark.slow

ARTICLE_DELAY = 0.05  # seconds per article page: a few hundred take several seconds


class SlowSite(ReplicaSite):
    """Article pages take a moment, so a signal lands while the crawl is busy."""

    def respond(self, method: str, target: str) -> Response:
        response = super().respond(method, target)
        if not target.startswith(("/doanh-nghiep", "/timelinelist")):
            response.delay = ARTICLE_DELAY
        return response


SIGNAL_HOOK_DIR = Path(__file__).parent / "signal_hook"


def cron_command(base_url: str, output_dir: Path, settings: dict) -> list[str]:
    merged = POLITENESS_OFF | {"CAFEF_BASE_URL": base_url} | settings
    options = [f"-s{name}={value}" for name, value in merged.items()]
    return [sys.executable, "-m", "newsscraper", "cron", "--output-dir", str(output_dir), *options]


@pytest.fixture
def start_crawl(tmp_path):
    """`start_crawl(handle, output_dir, settings)` starts `scrapy crawl cafef` as a process
    (`newsscraper cron` with `cron=True`), with `env` added to its environment."""
    started: list[subprocess.Popen] = []

    def start(
        handle, output_dir: Path, settings: dict, cron: bool = False, env: dict | None = None
    ) -> subprocess.Popen:
        log = open(tmp_path / f"crawl-{len(started)}.log", "w")  # noqa: SIM115 (closed below)
        settings = {k: str(v) for k, v in settings.items()}
        if cron:
            command = cron_command(handle.base_url, output_dir, settings)
        else:
            command = crawl_command(handle.base_url, output_dir, settings=settings)
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=crawl_env() | (env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.log.close()


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def log_of(process) -> str:
    process.log.flush()
    return Path(process.log.name).read_text()


def assert_every_reader_agrees(output_dir: Path) -> int:
    """pyarrow, DuckDB and polars read the same rows, from files under articles/ only."""
    files = assert_complete_part_files(output_dir)
    pyarrow_ids = sorted(stored_ids(output_dir))
    pattern = f"{articles_dir(output_dir)}/**/*.parquet"
    duck = duckdb.connect()
    try:
        duck_rows = duck.execute(
            "SELECT article_id, filename FROM read_parquet(?, hive_partitioning = true,"
            " filename = true)",
            [pattern],
        ).fetchall()
    finally:
        duck.close()
    polars_ids = (pl.scan_parquet(pattern, hive_partitioning=True).select("article_id").collect())[
        "article_id"
    ].to_list()
    assert sorted(row[0] for row in duck_rows) == pyarrow_ids
    assert sorted(polars_ids) == pyarrow_ids
    assert {Path(row[1]) for row in duck_rows} <= set(files)
    assert len(set(pyarrow_ids)) == len(pyarrow_ids), "an article stored twice"
    return len(pyarrow_ids)


def test_sigkill_mid_run_leaves_a_readable_dataset_and_the_next_run_completes_it(
    replica, crawl, start_crawl, output_dir
):
    site = SlowSite(articles=300)
    handle = replica(site)
    settings = {"PARQUET_BATCH_ITEMS": 25, "CONCURRENT_REQUESTS": 4}
    process = start_crawl(handle, output_dir, settings)

    wait_for(lambda: list_part_files(output_dir), "a committed part file")
    committed = {path: pq.read_table(path) for path in list_part_files(output_dir)}
    assert process.poll() is None, "the crawl ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL

    # A kill in the middle of writing leaves a partial file in staging: as if this one did.
    staging_dir(output_dir).mkdir(exist_ok=True)
    first = next(iter(committed))
    partial = staging_dir(output_dir) / f"{first.name}.{process.pid}.tmp"
    partial.write_bytes(first.read_bytes()[:200])

    # What a reader sees: complete files only, the same rows in every reader.
    stored = assert_every_reader_agrees(output_dir)
    # A batch is one file per partition: the kill may land between two files of one batch.
    assert 0 < stored < len(site.articles), "the kill did not land mid-run"
    for path, table in committed.items():
        assert pq.read_table(path).equals(table), f"{path} changed after the kill"
    # Staging is outside the dataset folder: whatever the kill left there, no reader lists it.
    assert not staging_dir(output_dir).is_relative_to(articles_dir(output_dir))
    assert read_runs(output_dir) == []  # a killed run writes no record

    # The plain next run fills in everything, older articles the killed run never reached too.
    crawl(handle, settings={"PARQUET_BATCH_ITEMS": 25})
    assert_stored_exactly(output_dir, site.articles)
    assert assert_every_reader_agrees(output_dir) == len(site.articles)
    assert only_run(output_dir)["finish_reason"] == "finished"


# One batch for the whole run: whatever is stored was flushed by the graceful close.
ONE_BATCH = {"PARQUET_BATCH_ITEMS": 10_000, "PARQUET_BATCH_SECONDS": 600}


def assert_flushed_and_interrupted(code, process, output_dir, site, served_before) -> dict:
    """The signalled crawl exited 6, stored what it had fetched, whole; its run record."""
    log = log_of(process)
    assert code == exitcodes.INTERRUPTED, log[-3000:]
    stored = set(stored_ids(output_dir))
    assert served_before <= stored, "articles fetched before the signal were lost"
    assert_complete_part_files(output_dir)
    assert_stored_exactly(output_dir, [a for a in site.articles if a.article_id in stored])
    run = only_run(output_dir)
    assert run["finish_reason"] == "shutdown"
    assert run["exit_code"] == exitcodes.INTERRUPTED
    assert run["new_rows"] == len(stored)
    return run


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_mid_run_flushes_the_buffer_and_exits_interrupted(
    signum, replica, start_crawl, output_dir
):
    site = SlowSite(articles=120)
    handle = replica(site)
    process = start_crawl(handle, output_dir, ONE_BATCH | {"CONCURRENT_REQUESTS": 4})

    def served_articles() -> set[str]:
        ids = {a.path: a.article_id for a in site.articles}
        return {ids[r.path] for r in handle.requests if r.path in ids and r.status == 200}

    wait_for(lambda: len(served_articles()) >= 20, "20 article pages served")
    assert list_part_files(output_dir) == []
    served_before = served_articles()
    process.send_signal(signum)
    code = process.wait(timeout=30)

    assert_flushed_and_interrupted(code, process, output_dir, site, served_before)
    stored = stored_ids(output_dir)
    assert len(stored) < len(site.articles), "the signal did not stop the crawl"
    # Stopped on purpose: said as a warning, not an error.
    said = log_of(process)
    assert "WARNING: unhealthy run: the run was interrupted (SIGTERM or Ctrl-C)" in said
    assert "ERROR: unhealthy run" not in said
    assert len(read_articles(output_dir, columns=["article_id"])) == len(stored)


def test_signal_during_a_retry_after_wait_exits_at_once(replica, start_crawl, output_dir):
    site = SlowSite(articles=120)
    # The site asks for five minutes' rest on every tenth article page, every time: whichever
    # is asked for first is refused early in the crawl, with most pages still to come.
    victims = site.articles[::10]
    for victim in victims:
        site.script(victim.path, [faults.status(429, retry_after=300)], repeat=True)
    handle = replica(site)
    process = start_crawl(handle, output_dir, ONE_BATCH | {"CONCURRENT_REQUESTS": 8})

    ids = {a.path: a.article_id for a in site.articles}

    def answered(status: int) -> set[str]:
        return {ids[r.path] for r in handle.requests if r.path in ids and r.status == status}

    def resting() -> bool:
        return bool(answered(429)) and "waiting 300.0s" in log_of(process)

    wait_for(resting, "the Retry-After wait")
    time.sleep(1.0)  # the pages already on their way when the 429 came are answered
    refused = min(r.time for r in handle.requests if r.status == 429)
    # The whole crawl rests, not only the refused page: nothing more reaches the site.
    assert [r.path for r in handle.requests if r.time > refused + 0.5] == []
    assert len(answered(200)) < len(site.articles) - len(victims), "the crawl was done already"
    served_before = answered(200)
    signalled = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the crawl sat out the Retry-After instead of stopping")
    assert time.monotonic() - signalled < 30

    run = assert_flushed_and_interrupted(code, process, output_dir, site, served_before)
    log = log_of(process)
    assert "stopping" in log and "not waiting" in log, log[-3000:]
    stored = set(stored_ids(output_dir))
    assert not stored & {v.article_id for v in victims}
    # The given-up retry, and the pages held back by the rest, count as failed and are pending:
    # the next run asks for them first.
    pending = set(run["pending_articles"])
    assert answered(429) <= pending and not pending & stored
    assert run["failed_articles"] == len(pending)
    # The rest had not ended: no later run starts before it does.
    rest = run["rests_until"] - run["finished_at"]
    assert dt.timedelta(minutes=4) < rest < dt.timedelta(minutes=5)


@pytest.mark.parametrize("cron", [False, True], ids=["scrapy crawl", "newsscraper cron"])
@pytest.mark.parametrize("signame", ["TERM", "INT"], ids=["SIGTERM", "ctrl-c"])
def test_a_signal_while_scrapy_makes_the_crawler_stops_it_writing_nothing(
    cron, signame, replica, crawl, start_crawl, output_dir
):
    # The hook signals the process while Scrapy makes the crawler (its settings applied, no
    # stats yet). `newsscraper cron` does that before its process starts, with no handler of
    # Scrapy's yet: README, exit 6, "a signal before the crawl has started ends the process at
    # once, writing nothing" (a Ctrl-C there was Python's KeyboardInterrupt, which Scrapy took
    # for a crash: exit 1). `scrapy crawl` does it once its process has started, under Scrapy's
    # handler: "one while the engine is still opening the spider ... stops it there: exit 6,
    # with no run record" (the signal, noted before the crawler had stats, was exit 1).
    site = ReplicaSite(articles=10)
    handle = replica(site)
    env = {
        "PYTHONPATH": os.pathsep.join([str(SIGNAL_HOOK_DIR), str(PROJECT_ROOT)]),
        "NEWSSCRAPER_SIGNAL_OPENING_CRAWL": signame,
    }
    process = start_crawl(handle, output_dir, {}, cron=cron, env=env)
    code = process.wait(timeout=60)

    log = log_of(process)
    assert code == (-getattr(signal, f"SIG{signame}") if cron else exitcodes.INTERRUPTED), log
    assert "Traceback" not in log and handle.requests == []
    assert list_part_files(output_dir) == [] and read_runs(output_dir) == []
    crawl(handle)  # the lock released, the next run as if none had been
    assert_stored_exactly(output_dir, site.articles)


@pytest.mark.parametrize("cron", [False, True], ids=["scrapy crawl", "newsscraper cron"])
@pytest.mark.parametrize(
    ("first_mid_run", "after"),
    [(False, "TERM"), (True, "TERM"), (False, "INT")],
    ids=["one signal", "a second signal", "a ctrl-c"],
)
def test_a_signal_once_the_crawl_is_over_ends_the_process_after_its_summary(
    cron, first_mid_run, after, replica, crawl, start_crawl, output_dir
):
    # The hook signals the process when the crawl is over (its run record written) and it is
    # about to say its summary (a SIGTERM, or a Ctrl-C): whether a SIGTERM came mid-run or not,
    # the process says the summary and ends at once, killed by the signal, with its lock
    # released.
    site = SlowSite(articles=60)
    handle = replica(site)
    env = {
        "PYTHONPATH": os.pathsep.join([str(SIGNAL_HOOK_DIR), str(PROJECT_ROOT)]),
        "NEWSSCRAPER_SIGNAL_AFTER_CRAWL": after,
    }
    settings = ONE_BATCH | {"CONCURRENT_REQUESTS": 4}
    process = start_crawl(handle, output_dir, settings, cron=cron, env=env)
    if first_mid_run:
        ids = {a.path: a.article_id for a in site.articles}
        wait_for(
            lambda: len([r for r in handle.requests if r.path in ids]) >= 10, "10 article pages"
        )
        process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)

    log = log_of(process)
    assert code == -getattr(signal, f"SIG{after}"), log[-3000:]
    run = only_run(output_dir)
    expected = exitcodes.INTERRUPTED if first_mid_run else exitcodes.OK
    assert run["exit_code"] == expected
    assert f"; exit {expected}" in log, "the summary was not said"
    stored = set(stored_ids(output_dir))
    assert run["new_rows"] == len(stored)
    assert_every_reader_agrees(output_dir)
    with crawl_lock(output_dir):
        pass
    verify = subprocess.run(
        [sys.executable, "-m", "newsscraper", "verify", "--output-dir", str(output_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)


@pytest.mark.parametrize("published_after", [0, 3], ids=["top_of_page_1", "bottom_of_page_1"])
def test_two_old_stories_moved_up_after_a_run_killed_after_page_1_leave_no_hole(
    replica, crawl, start_crawl, output_dir, published_after
):
    # README, "The watermark": old stories moved back to the top together, their old times
    # kept, are not the watermark reached. Two runs over 20 stories (three old picks in page
    # 1's focus block, five a page) set the watermark; 15 are published, a run is killed once
    # it stored page 1's and asked for page 2; then two old stories, stored long ago, are moved
    # back to the top of the stream (with `published_after` new ones above them since).
    site = ReplicaSite(articles=20, page_size=5, focus_picks=(17, 18, 19))
    handle = replica(site)
    crawl(handle)
    crawl(handle)
    site.publish(15 - published_after)
    page_1 = {a.article_id for a in site.listing()[3:8]}
    site.script("/timelinelist/18836/2.chn", [faults.delay(60)])
    process = start_crawl(handle, output_dir, {"PARQUET_BATCH_ITEMS": 1})
    wait_for(
        lambda: (
            page_1 <= set(stored_ids(output_dir))
            and "/timelinelist/18836/2.chn" in {r.path for r in handle.requests}
        ),
        "page 1's stories stored and page 2 asked for",
    )
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert len(read_runs(output_dir)) == 2, "the killed run wrote a record"
    site.move_to_top(6)
    site.move_to_top(5)
    site.publish(published_after)
    moved = [a.article_id for a in site.listing()[3 + published_after :][:2]]
    assert moved == [site.article(5).article_id, site.article(6).article_id]

    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)
