"""`newsscraper cron` before it crawls: its arguments, its output folder and its log file."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from newsscraper import cli, exitcodes, lock
from newsscraper.commands import cron, wait_seconds

CRAWL = cron._crawl  # the real one: each test but one is given a crawl that fails it


@pytest.fixture(autouse=True)
def no_crawl(monkeypatch):
    """The project's settings, and a crawl that fails the test instead of reaching the site."""
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "newsscraper.settings")

    def crawl(settings, spider_args):
        raise AssertionError(f"crawled with {spider_args}")

    monkeypatch.setattr(cron, "_crawl", crawl)


def test_an_output_dir_that_cannot_be_made_is_exit_4_naming_it(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder\n", encoding="utf-8")
    output_dir = notes / "cafef"
    assert cli.main(["cron", "--output-dir", str(output_dir)]) == exitcodes.DISK_ERROR
    captured = capsys.readouterr()
    assert captured.err.startswith(f"newsscraper cron: cannot use {output_dir}: ")
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_log_file_that_is_a_folder_is_exit_4_saying_why(tmp_path, capsys):
    log_file = tmp_path / "logs"
    log_file.mkdir()
    args = ["cron", "--output-dir", str(tmp_path / "cafef"), "--log-file", str(log_file)]
    assert cli.main(args) == exitcodes.DISK_ERROR
    assert capsys.readouterr().err == (
        f"newsscraper cron: cannot write the log {log_file}: [Errno 21] Is a directory: "
        f"'{log_file}'\n"
    )


@pytest.mark.parametrize(
    ("option", "value"), [("-s", "LOG_LEVEL"), ("-s", "=DEBUG"), ("-a", "max_pages")]
)
def test_a_setting_or_argument_without_name_and_value_is_a_usage_error(
    option, value, tmp_path, capsys
):
    output_dir = tmp_path / "cafef"
    assert cli.main(["cron", "--output-dir", str(output_dir), option, value]) == exitcodes.USAGE
    assert capsys.readouterr().err == f"newsscraper cron: expected NAME=VALUE, got {value!r}\n"
    assert not output_dir.exists()


def test_an_empty_section_is_refused_as_an_unknown_one_not_as_a_disagreement(tmp_path, capsys):
    # `--section "$SECTION"` with SECTION unset: no -a was given for it to disagree with.
    output_dir = tmp_path / "cafef"
    assert cli.main(["cron", "--output-dir", str(output_dir), "--section", ""]) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert err.startswith("newsscraper cron: unknown section ''; valid sections: ")
    assert "doanh-nghiep" in err
    assert "disagree" not in err
    assert not output_dir.exists()


def test_an_output_dir_given_twice_differently_is_refused_as_a_section_is(tmp_path, capsys):
    # `-s OUTPUT_DIR=` as for `scrapy crawl`, beside --output-dir: neither is taken silently.
    given, other = tmp_path / "cafef", tmp_path / "other"
    args = ["cron", "--output-dir", str(given), "-s", f"OUTPUT_DIR={other}"]
    assert cli.main(args) == exitcodes.USAGE
    assert capsys.readouterr().err == (
        f"newsscraper cron: --output-dir {given} and -s OUTPUT_DIR={other} disagree\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", ["", "/"], ids=["same", "trailing_slash"])
def test_an_output_dir_given_twice_as_one_folder_is_taken(suffix, tmp_path, monkeypatch):
    given = tmp_path / "cafef"
    crawl_ending(monkeypatch, exitcodes.OK)
    args = ["cron", "--output-dir", str(given), "-s", f"OUTPUT_DIR={given}{suffix}"]
    assert cli.main(args) == exitcodes.OK
    assert given.is_dir()


@pytest.mark.parametrize("value", ["a day", "-1", "86401"])
def test_a_robotstxt_max_age_that_is_no_number_of_seconds_up_to_a_day_is_a_usage_error(
    value, tmp_path, capsys
):
    output_dir = tmp_path / "cafef"
    setting = f"ROBOTSTXT_MAX_AGE={value}"
    assert cli.main(["cron", "--output-dir", str(output_dir), "-s", setting]) == exitcodes.USAGE
    assert capsys.readouterr().err == (
        f"newsscraper cron: ROBOTSTXT_MAX_AGE must be a number, from 0 to 86400; got {value!r}\n"
    )
    assert not output_dir.exists()


def test_a_wait_without_end_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["cron", "--output-dir", str(tmp_path / "cafef"), "--wait", "inf"])
    assert stopped.value.code == exitcodes.USAGE
    assert "expected a number of seconds, 0 or more; got 'inf'" in capsys.readouterr().err
    assert wait_seconds("0") == 0 and wait_seconds("2.5") == 2.5


def test_without_wait_a_held_lock_is_exit_75_at_once(tmp_path, capsys, monkeypatch):
    slept = []
    monkeypatch.setattr(lock.time, "sleep", slept.append)
    with lock.crawl_lock(tmp_path, purpose="compact"):
        assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.LOCKED
    assert slept == []
    assert capsys.readouterr().err.startswith("newsscraper cron: not crawling: ")


def test_a_held_lock_is_said_in_the_log_file_given_too(tmp_path, capsys):
    # The crontab line's stderr may go where nobody reads: the log says why the run did nothing.
    log = tmp_path / "var" / "cron.log"
    args = ["cron", "--output-dir", str(tmp_path / "cafef"), "--log-file", str(log)]
    with lock.crawl_lock(tmp_path / "cafef", purpose="compact"):
        assert cli.main(args) == exitcodes.LOCKED
    said = capsys.readouterr().err.removeprefix("newsscraper cron: ").rstrip("\n")
    assert said.startswith("not crawling: ") and "purpose=compact" in said
    (logged,) = log.read_text(encoding="utf-8").splitlines()
    assert logged.endswith(f" UTC [newsscraper.commands.cron] WARNING: {said}")
    assert not (tmp_path / "cafef" / "logs").exists()


def test_a_held_lock_is_said_in_a_log_kept_to_warnings_and_never_rotates_it(tmp_path, capsys):
    # -s LOG_LEVEL=WARNING keeps the log to warnings: the refusal is one. The log, past the
    # size at which the lock holder rotates it, is that run's to rotate: only appended to.
    log = tmp_path / "cron.log"
    with log.open("wb") as full:
        full.truncate(cron.LOG_BYTES + 1)
    args = ["cron", "--output-dir", str(tmp_path / "cafef"), "--log-file", str(log)]
    with lock.crawl_lock(tmp_path / "cafef", purpose="compact"):
        assert cli.main([*args, "-s", "LOG_LEVEL=WARNING"]) == exitcodes.LOCKED
    said = capsys.readouterr().err.removeprefix("newsscraper cron: ").rstrip("\n")
    assert [path.name for path in tmp_path.iterdir() if path.is_file()] == ["cron.log"]
    with log.open("rb") as appended:
        appended.seek(cron.LOG_BYTES + 1)
        (logged,) = appended.read().decode("utf-8").splitlines()
    assert logged.endswith(f" UTC [newsscraper.commands.cron] WARNING: {said}")


def test_a_held_lock_is_left_out_of_a_log_kept_to_errors(tmp_path, capsys):
    # A warning, as the log's level sees it: -s LOG_LEVEL=ERROR keeps it to stderr.
    log = tmp_path / "cron.log"
    args = ["cron", "--output-dir", str(tmp_path / "cafef"), "--log-file", str(log)]
    with lock.crawl_lock(tmp_path / "cafef", purpose="compact"):
        assert cli.main([*args, "-s", "LOG_LEVEL=ERROR"]) == exitcodes.LOCKED
    assert capsys.readouterr().err.startswith("newsscraper cron: not crawling: ")
    assert not log.exists() or log.read_text(encoding="utf-8") == ""


def test_a_held_lock_with_a_log_that_cannot_be_opened_is_still_exit_75(tmp_path, capsys):
    in_the_way = tmp_path / "notes"
    in_the_way.write_text("a file, not a folder\n", encoding="utf-8")
    args = ["cron", "--output-dir", str(tmp_path), "--log-file", str(in_the_way / "cron.log")]
    with lock.crawl_lock(tmp_path, purpose="compact"):
        assert cli.main(args) == exitcodes.LOCKED
    refused, unlogged = capsys.readouterr().err.splitlines()
    assert refused.startswith("newsscraper cron: not crawling: ")
    assert unlogged.startswith(
        f"newsscraper cron: cannot write the log {in_the_way / 'cron.log'}: {in_the_way} is a "
        "file, not a folder"
    )


@contextlib.contextmanager
def logging_handlers_added():
    """Yields a function giving the handlers the root logger gained since the block began;
    they are taken off and closed after it (a flush that meets a full disk again is let be)."""
    root = logging.getLogger()
    before = list(root.handlers)

    def added() -> list[logging.Handler]:
        return [h for h in root.handlers if h not in before]

    try:
        yield added
    finally:
        for handler in added():
            root.removeHandler(handler)
            with contextlib.suppress(OSError):
                handler.close()


def test_the_log_file_rotates_at_10_mb_keeping_5_old_ones(tmp_path):
    with logging_handlers_added() as added:
        cron._log_to_rotating_file(tmp_path / "logs" / "newsscraper.log", "INFO")
        (handler,) = added()
    assert (handler.maxBytes, handler.backupCount) == (10 * 1024 * 1024, 5)  # as README says
    assert handler.level == logging.INFO


def test_a_log_file_in_folders_not_made_yet_is_written_there(tmp_path):
    # `--log-file /var/log/newsscraper/cron.log` on a machine without that folder yet.
    log = tmp_path / "var" / "log" / "newsscraper" / "cron.log"
    with logging_handlers_added():
        cron._log_to_rotating_file(log, "INFO")
        logging.getLogger("newsscraper").warning("a line")
    assert log.read_text(encoding="utf-8").endswith(" UTC [newsscraper] WARNING: a line\n")


def test_a_log_the_disk_refuses_is_said_once_with_the_disk_s_error(capsys):
    # /dev/full refuses every write with ENOSPC, as a full disk does.
    with logging_handlers_added() as added:
        cron._log_to_rotating_file(cron.Path("/dev/full"), "INFO")
        [handler] = added()
        for message in ("a line", "another line"):
            handler.handle(logging.makeLogRecord({"levelno": logging.WARNING, "msg": message}))
    assert capsys.readouterr().err == (
        "newsscraper cron: cannot write the log /dev/full: [Errno 28] No space left on device\n"
    )


def test_the_log_gives_its_times_in_utc_whatever_the_machine_s_zone(tmp_path, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        with logging_handlers_added() as added:
            cron._log_to_rotating_file(tmp_path / "newsscraper.log", "INFO")
            cron._log_warnings_to_stderr()
            record = logging.makeLogRecord({"name": "newsscraper", "levelname": "INFO", "msg": "x"})
            record.created, record.msecs = 1_772_953_200.25, 250.0  # 2026-03-08T07:00:00.25Z
            assert len(added()) == 2
            for handler in added():
                assert handler.format(record) == (
                    "2026-03-08 07:00:00,250 UTC [newsscraper] INFO: x"
                )
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_folder_name_python_holds_in_stand_ins_for_its_bytes_is_logged_as_its_name(
    tmp_path, capsys
):
    # Under LC_ALL=C with UTF-8 mode off, `--output-dir dữ liệu` is a name of stand-ins for
    # its bytes (surrogates), which UTF-8 cannot write: each line naming it was lost, and the
    # log said unwritable for the rest of the run.
    as_python_names_it = "dữ liệu".encode().decode("ascii", errors="surrogateescape")
    log = tmp_path / "newsscraper.log"
    with logging_handlers_added() as added:
        cron._log_to_rotating_file(log, "INFO")
        [handler] = added()
        # Handed to the log file's handler alone: pytest's own capture of the log would send
        # the surrogates to its workers, which cannot encode them.
        for message, args in (
            ("dataset: %s", (as_python_names_it,)),
            ("a lone surrogate: \ud800", ()),
        ):
            handler.handle(
                logging.LogRecord("newsscraper", logging.WARNING, __file__, 0, message, args, None)
            )
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split("WARNING: ")[1] for line in lines] == [
        "dataset: dữ liệu",
        "a lone surrogate: \\ud800",
    ]
    assert "cannot write the log" not in capsys.readouterr().err


def test_while_a_rest_the_site_asked_for_runs_no_crawl_starts_and_the_exit_is_3(
    tmp_path, capsys, monkeypatch, site_resting
):
    def cron_at(now: str) -> int:
        return cli.main(["cron", "--output-dir", str(tmp_path), "-s", f"NEWSSCRAPER_NOW={now}"])

    with logging_handlers_added():
        assert cron_at("2026-03-07T12:59:59+07:00") == exitcodes.SOFT_BLOCKED  # 05:59:59 UTC
    assert capsys.readouterr().err == f"newsscraper cron: {site_resting}\n"
    # In the log too, where a crontab line's user reads why the run did nothing: a warning.
    logged = (tmp_path / "logs" / "newsscraper.log").read_text(encoding="utf-8").splitlines()
    assert logged[-1].endswith(f" [newsscraper.commands.cron] WARNING: {site_resting}")
    monkeypatch.setattr(cron, "_log_to_rotating_file", lambda path, level: None)
    monkeypatch.setattr(cron, "_log_warnings_to_stderr", lambda: None)
    with pytest.raises(AssertionError, match="crawled with"):  # the rest is over: it crawls
        cron_at("2026-03-07T13:00:00+07:00")


def test_run_records_the_disk_will_not_list_are_exit_1_naming_the_dataset_before_any_crawl(
    tmp_path, capsys, unlistable, site_resting
):
    # Read under the lock for a rest the site asked for: a record that cannot be read is the
    # dataset's problem (exit 1, verify names it), not an output directory that cannot be used.
    runs = tmp_path / "runs"
    unlistable(runs)
    with logging_handlers_added():
        assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.ABNORMAL
    said = (
        f"the dataset in {tmp_path} cannot be read, nothing crawled: "
        f"[Errno 13] Permission denied: '{runs}'; `newsscraper verify --output-dir {tmp_path}` "
        "names every file at fault"
    )
    assert capsys.readouterr().err == f"newsscraper cron: {said}\n"
    logged = (tmp_path / "logs" / "newsscraper.log").read_text(encoding="utf-8").splitlines()
    assert logged[-1].endswith(f" [newsscraper.commands.cron] ERROR: {said}")


def stub_process(finish_reason: str | None = None, signalled: bool = False):
    """A CrawlerProcess class whose crawl reaches no site: it ends with `finish_reason` (none:
    the process stopped before the spider closed), after a SIGTERM when `signalled`."""
    from scrapy.utils.test import get_crawler

    class Process:
        bootstrap_failed = False

        def __init__(self, settings):
            self.crawler = get_crawler()

        def create_crawler(self, name):
            return self.crawler

        def crawl(self, crawler, **spider_args):
            pass

        def _signal_shutdown(self, signum, frame):  # Scrapy's handler: nothing to stop here
            pass

        def start(self):
            if signalled:
                self._signal_shutdown(15, None)
            if finish_reason is not None:
                self.crawler.stats.set_value("finish_reason", finish_reason)

    return Process


def test_a_run_that_wrote_no_record_is_named_with_its_section(monkeypatch):
    # A disk fault leaves no run record: the line printed still names the section crawled.
    from scrapy import crawler as scrapy_crawler

    monkeypatch.setattr(scrapy_crawler, "CrawlerProcess", stub_process("disk_error"))
    code, line = CRAWL(None, {"section": "bat-dong-san"})
    assert code == exitcodes.DISK_ERROR
    assert re.fullmatch(
        r"run \d{8}T\d{6}Z-[0-9a-f]{8} \(bat-dong-san\): no run record written; exit 4\n"
        r"  problem: the output directory could not be written",
        line,
    ), line


def test_a_crawl_that_could_not_start_is_exit_1_saying_so(monkeypatch):
    # Scrapy has logged why (a spider it could not load, a setting it refused).
    from scrapy import crawler as scrapy_crawler

    class NotStarted(stub_process()):
        bootstrap_failed = True

    monkeypatch.setattr(scrapy_crawler, "CrawlerProcess", NotStarted)
    assert CRAWL(None, {"section": "bat-dong-san"}) == (
        exitcodes.ABNORMAL,
        "newsscraper cron: the crawl could not start (see the log)",
    )


def crawl_ending(monkeypatch, code: int) -> None:
    """A crawl that reaches no site and ends with `code` and the summary "run r"; no log file."""
    monkeypatch.setattr(cron, "_crawl", lambda settings, spider_args: (code, "run r"))
    monkeypatch.setattr(cron, "_log_to_rotating_file", lambda path, level: None)
    monkeypatch.setattr(cron, "_log_warnings_to_stderr", lambda: None)


def run_record_files(output_dir, count: int) -> None:
    """`count` run records, one part file each, as a cron writes them between compactions."""
    import datetime as dt

    import pyarrow as pa

    from newsscraper import dataset, dataset_write
    from newsscraper.schema import RUNS_SCHEMA

    start = dt.datetime(2026, 3, 8, 2, tzinfo=dt.UTC)
    for n in range(count):
        record = {name: None for name in RUNS_SCHEMA.names} | {
            "run_id": f"run-{n:04d}",
            "section": "doanh-nghiep",
            "mode": "incremental",
            "started_at": start + dt.timedelta(minutes=5 * n),
            "finished_at": start + dt.timedelta(minutes=5 * n, seconds=5),
            "exit_code": 0,
            "problems": [],
        }
        table = pa.Table.from_pylist([record], RUNS_SCHEMA)
        path = dataset.runs_dir(output_dir) / f"part-{record['run_id']}.parquet"
        dataset_write.commit_part_file(table, path, output_dir)


@pytest.mark.parametrize(("files", "merged"), [(100, False), (101, True)])
def test_cron_merges_the_run_records_once_they_are_more_than_a_hundred_files(
    files, merged, tmp_path, monkeypatch, caplog
):
    from newsscraper import dataset
    from newsscraper.runs import read_runs

    run_record_files(tmp_path, files)
    crawl_ending(monkeypatch, exitcodes.OK)

    with caplog.at_level(logging.INFO, logger="newsscraper.commands.cron"):
        assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.OK

    left = dataset.list_part_files(tmp_path, "runs")
    assert len(left) == (1 if merged else files)
    assert sorted(run["run_id"] for run in read_runs(tmp_path)) == [
        f"run-{n:04d}" for n in range(files)
    ]
    said = f"merged the {files} part files of runs/ into one ({files} rows)"
    assert (said in caplog.text) == merged


def test_a_merge_of_the_run_records_that_fails_is_said_and_leaves_the_runs_code(
    tmp_path, monkeypatch, caplog
):
    from newsscraper.commands import compact

    def disk_full(output_dir, **kwargs):
        raise OSError(28, "No space left on device")

    run_record_files(tmp_path, 101)
    monkeypatch.setattr(compact, "compact_run_records", disk_full)
    crawl_ending(monkeypatch, exitcodes.OK)

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.OK
    assert "runs/ and rejects/ not merged ([Errno 28] No space left on device)" in caplog.text


def test_a_signal_before_the_spider_closed_is_exit_6(monkeypatch):
    # A SIGTERM while the engine was still opening the spider (reading the dataset): the
    # process stopped with no finish reason; the run was interrupted, not abnormal.
    from scrapy import crawler as scrapy_crawler

    monkeypatch.setattr(scrapy_crawler, "CrawlerProcess", stub_process(signalled=True))
    code, line = CRAWL(None, {"section": "doanh-nghiep"})
    assert code == exitcodes.INTERRUPTED
    assert line.endswith("no run record written; exit 6")


def rejects_files(output_dir, count: int) -> None:
    """`count` rejects part files of one row each, as runs that rejected a page write them."""
    import datetime as dt

    from newsscraper import dataset_write

    for n in range(count):
        row = {
            "article_id": f"1882603070000{n:05d}",
            "url": f"https://cafef.vn/bai-{n}-1882603070000{n:05d}.chn",
            "reason": "body_too_short",
            "scraped_at": dt.datetime(2026, 3, 8, 2, tzinfo=dt.UTC) + dt.timedelta(minutes=n),
            "run_id": f"run-{n:04d}",
        }
        dataset_write.commit_rejects(output_dir, [row], row["run_id"], 0)


def quiet_cron(monkeypatch, code: int) -> None:
    crawl_ending(monkeypatch, code)


@pytest.mark.parametrize(
    ("code", "merged"),
    [
        (exitcodes.OK, True),
        (exitcodes.ABNORMAL, True),
        (exitcodes.SOFT_BLOCKED, True),
        (exitcodes.UNHEALTHY, True),
        (exitcodes.SITE_ERRORS, True),
        # A full or read-only disk would refuse the merge too; a signal asked the run to stop.
        (exitcodes.DISK_ERROR, False),
        (exitcodes.INTERRUPTED, False),
    ],
)
def test_cron_merges_the_rejects_after_a_run_unless_the_disk_failed_or_a_signal_stopped_it(
    code, merged, tmp_path, monkeypatch
):
    from newsscraper import dataset, dataset_read

    rejects_files(tmp_path, 101)  # runs/ holds no file: rejects/ alone is enough
    quiet_cron(monkeypatch, code)

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == code

    assert len(dataset.list_part_files(tmp_path, "rejects")) == (1 if merged else 101)
    assert len(dataset_read.read_rejects(tmp_path)) == 101


def test_cron_merges_the_records_in_the_codec_given_to_its_crawl(tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from newsscraper import dataset

    rejects_files(tmp_path, 101)
    quiet_cron(monkeypatch, exitcodes.OK)
    args = ["cron", "--output-dir", str(tmp_path), "-s", "PARQUET_COMPRESSION=snappy"]

    assert cli.main(args) == exitcodes.OK

    (merged,) = dataset.list_part_files(tmp_path, "rejects")
    assert pq.ParquetFile(merged).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_a_merge_that_cannot_read_a_rejects_file_is_said_and_leaves_the_runs_code(
    tmp_path, monkeypatch, caplog, capsys
):
    from newsscraper import dataset

    rejects_files(tmp_path, 101)
    broken = dataset.rejects_dir(tmp_path) / "part-run-0050-0.parquet"
    broken.write_bytes(b"not parquet")
    quiet_cron(monkeypatch, exitcodes.ABNORMAL)  # the crawl could not read it either

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.ABNORMAL

    assert capsys.readouterr().out == f"run r\n  dataset: {tmp_path}\n"  # the summary is still said
    assert "runs/ and rejects/ not merged (cannot read Parquet file" in caplog.text
    assert len(dataset.list_part_files(tmp_path, "rejects")) == 101


def test_a_merge_that_meets_a_rejects_file_of_other_columns_is_said_and_keeps_that_file(
    tmp_path, monkeypatch, caplog, capsys
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsscraper import dataset

    rejects_files(tmp_path, 101)
    other = dataset.rejects_dir(tmp_path) / "part-run-0050-0.parquet"
    table = pq.read_table(other)
    pq.write_table(table.append_column("note", pa.array(["xem lại"] * table.num_rows)), other)
    quiet_cron(monkeypatch, exitcodes.OK)

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.OK

    assert capsys.readouterr().out == f"run r\n  dataset: {tmp_path}\n"
    assert f"runs/ and rejects/ not merged ({other} holds columns ['note']" in caplog.text
    assert len(dataset.list_part_files(tmp_path, "rejects")) == 101
    assert pq.read_table(other).column("note").to_pylist()[0] == "xem lại"


def test_files_in_a_folder_under_runs_do_not_count_towards_a_merge(tmp_path, monkeypatch):
    from newsscraper import dataset
    from newsscraper.commands.compact import record_part_files

    run_record_files(tmp_path, 3)
    run_record_files(tmp_path / "kept", 101)
    dataset.runs_dir(tmp_path / "kept").rename(dataset.runs_dir(tmp_path) / "kept")
    assert record_part_files(tmp_path) == {"runs": 3, "rejects": 0}
    quiet_cron(monkeypatch, exitcodes.OK)

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.OK

    assert len([p for p in dataset.runs_dir(tmp_path).iterdir() if p.is_file()]) == 3


def test_the_summary_is_said_before_the_run_records_are_merged(tmp_path, monkeypatch, capsys):
    # A signal during the merge ends the process: the summary has been said by then.
    from newsscraper.commands import compact

    said_before = []

    def merge(output_dir, **kwargs):
        said_before.append(capsys.readouterr().out)
        return []

    run_record_files(tmp_path, 101)
    monkeypatch.setattr(compact, "compact_run_records", merge)
    crawl_ending(monkeypatch, exitcodes.OK)

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.OK
    assert said_before == [f"run r\n  dataset: {tmp_path}\n"]


def test_a_relative_output_dir_is_named_absolute_in_the_summary(tmp_path, monkeypatch, capsys):
    # cron runs in $HOME: its mail must say which folder the rows went to.
    monkeypatch.chdir(tmp_path)
    crawl_ending(monkeypatch, exitcodes.OK)
    assert cli.main(["cron", "--output-dir", "data"]) == exitcodes.OK
    assert capsys.readouterr().out == f"run r\n  dataset: {tmp_path / 'data'}\n"


@pytest.mark.parametrize(
    ("level", "kept"), [("WARNING", ["WARNING"]), ("DEBUG", ["DEBUG", "INFO", "WARNING"])]
)
def test_the_log_file_keeps_the_lines_of_the_log_level_given(tmp_path, level, kept):
    # -s LOG_LEVEL=WARNING keeps the rotating log to warnings and errors; DEBUG adds debug lines.
    root = logging.getLogger()
    before, root_level = list(root.handlers), root.level
    log = tmp_path / "newsscraper.log"
    try:
        root.setLevel(logging.DEBUG)
        cron._log_to_rotating_file(log, level)
        for name in ("DEBUG", "INFO", "WARNING"):
            logging.getLogger("newsscraper").log(getattr(logging, name), "a %s line", name)
    finally:
        root.setLevel(root_level)
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.rsplit("a ", 1)[1].removesuffix(" line") for line in lines] == kept


def test_days_back_with_a_clock_setting_that_is_no_instant_is_that_settings_usage_error(
    tmp_path, capsys
):
    # `-a since=-1` has no date to come to: the one line names the setting, not a traceback.
    output_dir = tmp_path / "cafef"
    args = ["cron", "--output-dir", str(output_dir), "-s", "NEWSSCRAPER_NOW=hôm qua"]
    assert cli.main([*args, "-a", "since=-1"]) == exitcodes.USAGE
    err = capsys.readouterr().err
    assert err.startswith("newsscraper cron: NEWSSCRAPER_NOW must be an ISO 8601 instant")
    assert err.endswith("got 'hôm qua'\n") and "Traceback" not in err
    assert not output_dir.exists()


def test_a_signal_held_since_the_crawl_ends_the_process_after_the_summary_reached_stdout(
    tmp_path,
):
    # A SIGTERM while the crawl closed is acted on once the summary is said: the process dies
    # at once: a summary still in the buffer of its stdout (a pipe, a log file) would be lost.
    script = f"""
import os, signal
from newsscraper import cli, stop
from newsscraper.commands import cron

def crawl(settings, spider_args):
    stop.hold_signals_after_crawl()
    os.kill(os.getpid(), signal.SIGTERM)
    return 0, "run r"

cron._crawl = crawl
cron._log_to_rotating_file = lambda path, level: None
cli.main(["cron", "--output-dir", {str(tmp_path)!r}])
"""
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as cron's
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=buffered,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (-signal.SIGTERM, f"run r\n  dataset: {tmp_path}\n"), (
        done.stderr
    )
