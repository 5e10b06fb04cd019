"""`scrapy crawl cafef` around its crawl: arguments, settings, the lock and the exit code."""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
from types import SimpleNamespace

import pytest
from scrapy.exceptions import UsageError
from scrapy.utils.test import get_crawler

from newsscraper import exitcodes
from newsscraper.lock import crawl_lock
from newsscraper.scrapy_commands.crawl import Command
from newsscraper.scrapy_commands.runspider import Command as RunSpiderCommand
from replica.crawl import PROJECT_ROOT, crawl_env

CAFEF_SPIDER_FILE = PROJECT_ROOT / "newsscraper" / "spiders" / "cafef.py"


class StubProcess:
    """A crawler process whose crawl reaches no site: it ends with the `stats` given."""

    def __init__(
        self, stats: dict | None = None, bootstrap_failed: bool = False, signalled: bool = False
    ):
        self.stats = stats or {}
        self.bootstrap_failed = bootstrap_failed
        self.signalled = signalled  # a SIGTERM comes before the spider closes
        self.crawled: list[dict] = []
        self.spider_loader = SimpleNamespace(list=lambda: ["cafef"])

    def _signal_shutdown(self, signum, frame):  # Scrapy's handler: nothing to stop here
        pass

    def create_crawler(self, name):
        return get_crawler()

    def crawl(self, crawler, **spider_args):
        self.crawler = crawler
        self.crawled.append(spider_args)

    def start(self):
        if self.signalled:
            self._signal_shutdown(15, None)
        for name, value in self.stats.items():
            self.crawler.stats.set_value(name, value)


def command(output_dir, process: StubProcess, command_class=Command, **settings) -> Command:
    from scrapy.settings import Settings

    from newsscraper import settings as project_settings

    crawl = command_class()
    crawl.settings = Settings()
    crawl.settings.setmodule(project_settings)
    crawl.settings.setdict({"OUTPUT_DIR": str(output_dir), **settings})
    crawl.crawler_process = process
    return crawl


def options(crawl: Command, *argv: str) -> tuple[list[str], argparse.Namespace]:
    """The command line `argv` as Scrapy hands it over, its options processed."""
    parser = argparse.ArgumentParser()
    crawl.add_options(parser)
    opts, args = parser.parse_known_args(argv)
    crawl.process_options(args, opts)
    return args, opts


def run(crawl: Command, *spider_args: str) -> int:
    crawl.run(*options(crawl, "cafef", *(f"-a{a}" for a in spider_args)))
    return crawl.exitcode


def test_the_exit_code_is_the_run_records_or_its_finish_reasons(tmp_path):
    process = StubProcess({"finish_reason": "finished", "newsscraper/exit_code": 5})
    assert run(command(tmp_path, process), "max_pages=3") == exitcodes.UNHEALTHY
    assert process.crawled == [{"max_pages": "3"}]
    process = StubProcess({"finish_reason": "shutdown"})  # no run record written
    assert run(command(tmp_path, process)) == exitcodes.INTERRUPTED
    # A SIGTERM while the engine was still opening the spider: no finish reason at all.
    process = StubProcess(signalled=True)
    assert run(command(tmp_path, process)) == exitcodes.INTERRUPTED


def test_a_crawl_that_could_not_start_is_abnormal(tmp_path):
    process = StubProcess({"finish_reason": "finished"}, bootstrap_failed=True)
    assert run(command(tmp_path, process)) == exitcodes.ABNORMAL


def test_a_bad_argument_or_setting_is_a_usage_error_before_the_lock(tmp_path):
    output_dir = tmp_path / "cafef"
    process = StubProcess()
    with pytest.raises(UsageError, match="max_pages must be a positive integer") as bad:
        run(command(output_dir, process), "max_pages=0")
    assert not bad.value.print_help  # the one line that says what is wrong, not the help
    with pytest.raises(UsageError, match="PARQUET_BATCH_ITEMS must be a whole number") as bad:
        run(command(output_dir, process, PARQUET_BATCH_ITEMS="many"))
    assert not bad.value.print_help
    assert process.crawled == [] and not output_dir.exists()


@pytest.mark.parametrize("command_class", [Command, RunSpiderCommand], ids=["crawl", "runspider"])
def test_a_bad_argument_is_refused_before_scrapy_logs_its_start(command_class, tmp_path):
    # Scrapy logs its versions and settings once its options are processed: a usage error
    # said later came under some fifteen lines of them.
    crawl = command(tmp_path, StubProcess(), command_class)
    spider = "cafef" if command_class is Command else str(CAFEF_SPIDER_FILE)
    with pytest.raises(UsageError, match="unknown argument 'max_page'"):
        options(crawl, spider, "-a", "max_page=3")


def test_days_back_count_from_the_runs_clock_in_vietnam_before_the_lock(tmp_path):
    # 17:30 UTC on the 7th is 00:30 on the 8th in Vietnam: `since=0` is the 8th, `until=-1`
    # the 7th, by the clock the run's rows get (`-s NEWSSCRAPER_NOW`), not the machine's.
    output_dir = tmp_path / "cafef"
    process = StubProcess()
    crawl = command(output_dir, process, NEWSSCRAPER_NOW="2026-03-07T17:30:00+00:00")
    with pytest.raises(UsageError, match=r"since \(2026-03-08\) is after until \(2026-03-07\)"):
        run(crawl, "since=0", "until=-1")
    assert process.crawled == [] and not output_dir.exists()


def test_days_back_with_a_clock_setting_that_is_no_instant_is_that_settings_usage_error(tmp_path):
    process = StubProcess()
    crawl = command(tmp_path / "cafef", process, NEWSSCRAPER_NOW="hôm qua")
    with pytest.raises(UsageError, match="NEWSSCRAPER_NOW must be an ISO 8601 instant") as bad:
        run(crawl, "since=-1")
    assert "got 'hôm qua'" in str(bad.value)
    assert process.crawled == []


@pytest.mark.parametrize("spiders", [[], ["cafef", "cafef"]], ids=["none", "two"])
def test_a_crawl_of_no_spider_or_of_two_is_a_usage_error(spiders, tmp_path):
    process = StubProcess()
    with pytest.raises(UsageError):
        command(tmp_path, process).run(spiders, argparse.Namespace(spargs={}))
    assert process.crawled == []


@pytest.mark.parametrize("command_class", [Command, RunSpiderCommand], ids=["crawl", "runspider"])
@pytest.mark.parametrize("args", [["cafef", "--bogus"], ["--bogus", "cafef"]])
def test_an_option_the_command_does_not_take_is_named_not_taken_for_a_spider(
    args, command_class, tmp_path
):
    # Scrapy passes an option it does not know on as one more spider name (or file): `scrapy
    # crawl cafef --bogus` was refused as "more than one spider", `scrapy runspider` printed its
    # help, naming neither.
    output_dir = tmp_path / "cafef"
    process = StubProcess()
    if command_class is RunSpiderCommand:
        args = [str(CAFEF_SPIDER_FILE) if a == "cafef" else a for a in args]
    with pytest.raises(UsageError, match=r"^unrecognized arguments: --bogus$") as bad:
        command(output_dir, process, command_class).run(args, argparse.Namespace(spargs={}))
    assert not bad.value.print_help
    assert process.crawled == [] and not output_dir.exists()


def test_a_spider_the_project_has_not_is_a_usage_error_before_the_lock(tmp_path):
    output_dir = tmp_path / "cafef"
    process = StubProcess()
    with pytest.raises(UsageError, match="unknown spider 'cafe'; spiders: cafef") as bad:
        command(output_dir, process).run(["cafe"], argparse.Namespace(spargs={}))
    assert not bad.value.print_help
    assert process.crawled == [] and not output_dir.exists()


def test_a_held_lock_is_exit_75_without_crawling(tmp_path, capsys):
    process = StubProcess({"finish_reason": "finished"})
    with crawl_lock(tmp_path, purpose="compact"):
        assert run(command(tmp_path, process)) == exitcodes.LOCKED
    assert process.crawled == []
    err = capsys.readouterr().err
    assert err.startswith("newsscraper: not crawling: ") and "purpose=compact" in err


def test_an_output_dir_that_cannot_be_made_is_exit_4_naming_it(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder\n", encoding="utf-8")
    process = StubProcess({"finish_reason": "finished"})
    assert run(command(notes / "cafef", process)) == exitcodes.DISK_ERROR
    assert process.crawled == []
    assert capsys.readouterr().err.startswith(f"newsscraper: cannot use {notes / 'cafef'}: ")


def test_a_staging_file_is_exit_4_before_crawling(tmp_path, capsys):
    (tmp_path / ".staging").write_text("notes")
    process = StubProcess({"finish_reason": "finished"})
    assert run(command(tmp_path, process)) == exitcodes.DISK_ERROR
    assert process.crawled == []
    assert capsys.readouterr().err == (
        f"newsscraper: cannot use {tmp_path}: {tmp_path / '.staging'} is a file, not a folder: "
        "every part file is written there before it is renamed into place; move it out of "
        "the way\n"
    )


def test_a_used_run_id_is_exit_1_without_crawling(tmp_path, capsys):
    from newsscraper.dataset import runs_dir

    runs_dir(tmp_path).mkdir(parents=True)
    (runs_dir(tmp_path) / "part-nightly.parquet").write_bytes(b"")  # its run record
    process = StubProcess({"finish_reason": "finished"})
    assert run(command(tmp_path, process, RUN_ID="nightly")) == exitcodes.ABNORMAL
    assert process.crawled == []
    assert "RUN_ID 'nightly' is already used" in capsys.readouterr().err


def test_a_run_record_it_cannot_read_with_a_run_id_given_is_one_line_exit_1(tmp_path, capsys):
    # Whether RUN_ID is taken is read from the run records: one that cannot be read is named as
    # at any start, not a traceback.
    from newsscraper.dataset import runs_dir

    runs_dir(tmp_path).mkdir(parents=True)
    junk = runs_dir(tmp_path) / "part-other.parquet"
    junk.write_bytes(b"junk")
    process = StubProcess({"finish_reason": "finished"})
    assert run(command(tmp_path, process, RUN_ID="nightly")) == exitcodes.ABNORMAL
    assert process.crawled == []
    err = capsys.readouterr().err
    assert err.startswith(
        f"newsscraper: the dataset in {tmp_path} cannot be read, nothing crawled: "
        f"cannot read Parquet file '{junk}': "
    )
    assert err.endswith(f"`newsscraper verify --output-dir {tmp_path}` names every file at fault\n")
    assert err.count("\n") == 1


def test_while_a_rest_the_site_asked_for_runs_it_is_exit_3_without_crawling(
    tmp_path, capsys, site_resting
):
    process = StubProcess({"finish_reason": "finished"})
    resting = command(tmp_path, process, NEWSSCRAPER_NOW="2026-03-07T12:59:59+07:00")
    assert run(resting) == exitcodes.SOFT_BLOCKED
    assert process.crawled == []
    assert capsys.readouterr().err == f"newsscraper: {site_resting}\n"
    rested = command(tmp_path, process, NEWSSCRAPER_NOW="2026-03-07T13:00:00+07:00")
    assert run(rested) == exitcodes.OK and process.crawled == [{}]


@pytest.mark.parametrize("log_file", [None, "crawl.log"])
def test_a_refused_start_is_said_in_the_log_file_too_a_rest_as_a_warning(
    log_file, tmp_path, capsys, caplog, site_resting
):
    # With a log file Scrapy says nothing on stderr: a crontab line's user reads the file. Else
    # Scrapy's log is stderr, which has the line already: not said twice.
    from newsscraper.dataset import runs_dir

    logged = {"LOG_FILE": str(tmp_path / log_file)} if log_file else {}
    process = StubProcess({"finish_reason": "finished"})
    resting = command(tmp_path, process, NEWSSCRAPER_NOW="2026-03-07T12:59:59+07:00", **logged)
    assert run(resting) == exitcodes.SOFT_BLOCKED
    (runs_dir(tmp_path) / "part-nightly.parquet").write_bytes(b"")  # a run record of that id
    used = command(tmp_path, process, RUN_ID="nightly", **logged)
    assert run(used) == exitcodes.ABNORMAL and process.crawled == []
    said = [line.removeprefix("newsscraper: ") for line in capsys.readouterr().err.splitlines()]
    assert said[0] == site_resting and said[1].startswith("RUN_ID 'nightly' is already used")
    records = [r for r in caplog.records if r.name == "newsscraper.scrapy_commands.crawl"]
    expected = [("WARNING", said[0]), ("ERROR", said[1])] if log_file else []
    assert [(r.levelname, r.getMessage()) for r in records] == expected


def test_the_log_of_a_crawl_names_the_offset_of_its_times(tmp_path):
    # The machine's time, as Scrapy logs it, but with its offset from the UTC of the run ids.
    settings = {
        "CAFEF_BASE_URL": "http://127.0.0.1:9",  # nothing answers: one failed request
        "OUTPUT_DIR": str(tmp_path / "out"),
        "RETRY_TIMES": "0",
        "ROBOTSTXT_OBEY": "False",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "cafef"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    result = subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=crawl_env() | {"TZ": "Asia/Ho_Chi_Minh"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == exitcodes.SITE_ERRORS, result.stderr[-3000:]
    stamped = re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(.*?) \[", result.stderr, re.M)
    assert stamped and set(stamped) == {" +0700"}


def test_the_summary_is_said_last_on_stdout_with_the_dataset_folder(tmp_path, capsys):
    summary = "run r1 (doanh-nghiep): 3 new rows, …; exit 7\n  problem: a listing page failed"
    process = StubProcess({"newsscraper/exit_code": 7, "newsscraper/run_summary": summary})
    assert run(command(tmp_path, process)) == exitcodes.SITE_ERRORS
    assert capsys.readouterr().out == f"{summary}\n  dataset: {tmp_path}\n"
    # A disk fault: no run record, so no summary of one; the run and its code still named.
    process = StubProcess({"finish_reason": "disk_error"})
    assert run(command(tmp_path, process), "section=bat-dong-san") == exitcodes.DISK_ERROR
    out = capsys.readouterr().out
    assert re.fullmatch(
        r"run \d{8}T\d{6}Z-[0-9a-f]{8} \(bat-dong-san\): no run record written; exit 4\n"
        r"  problem: the output directory could not be written\n"
        rf"  dataset: {re.escape(str(tmp_path))}\n",
        out,
    ), out
    # No record for another cause (exit 1): no disk problem is said.
    process = StubProcess({"finish_reason": "closespider_errorcount"})
    assert run(command(tmp_path, process)) == exitcodes.ABNORMAL
    out = capsys.readouterr().out
    assert "no run record written; exit 1\n" in out and "problem" not in out


def test_a_relative_dataset_folder_is_named_absolute_in_the_summary(tmp_path, monkeypatch, capsys):
    # Read in a log or a mail, `dataset: data` does not say which folder the rows went to.
    monkeypatch.chdir(tmp_path)
    process = StubProcess({"newsscraper/exit_code": 0, "newsscraper/run_summary": "run r1"})
    assert run(command("data", process)) == exitcodes.OK
    assert capsys.readouterr().out == f"run r1\n  dataset: {tmp_path / 'data'}\n"


def test_outside_the_project_folder_the_settings_module_makes_it_this_crawl(tmp_path):
    # No scrapy.cfg in tmp_path or above it: SCRAPY_SETTINGS_MODULE names the project instead.
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "cafef", "-a", "section=nope"],
        cwd=tmp_path,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == exitcodes.USAGE
    assert "unknown section 'nope'" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no output/ made in the working folder


def test_every_bad_setting_is_named_in_the_one_usage_error(tmp_path):
    process = StubProcess()
    crawl = command(tmp_path, process, PARQUET_BATCH_ITEMS="many", SOFT_BLOCK_STOP_AFTER="few")
    with pytest.raises(UsageError) as bad:
        run(crawl)
    assert "PARQUET_BATCH_ITEMS must be a whole number" in str(bad.value)
    assert "SOFT_BLOCK_STOP_AFTER must be a whole number" in str(bad.value)
    assert process.crawled == []


def test_an_unknown_spider_is_named_before_its_arguments_are_judged(tmp_path):
    # `-a max_pages=0` is the cafef spider's argument: another name is a typo to say first.
    process = StubProcess()
    with pytest.raises(UsageError, match="unknown spider 'cafe'"):
        command(tmp_path, process).run(["cafe"], argparse.Namespace(spargs={"max_pages": "0"}))
    assert process.crawled == []


def test_a_crawl_that_could_not_start_says_no_summary(tmp_path, capsys):
    # Scrapy has logged why on stderr; there is no run to sum up, nor rows in the dataset.
    process = StubProcess({"finish_reason": "finished"}, bootstrap_failed=True)
    assert run(command(tmp_path, process)) == exitcodes.ABNORMAL
    assert capsys.readouterr().out == ""


def test_a_held_lock_says_the_run_touched_nothing(tmp_path, capsys):
    with crawl_lock(tmp_path, purpose="compact"):
        assert run(command(tmp_path, StubProcess())) == exitcodes.LOCKED
    assert capsys.readouterr().err.endswith(
        "; this run touched nothing; the next one crawls what it would have\n"
    )


def test_runspider_takes_over_only_one_file_of_the_cafef_spider(tmp_path):
    from newsscraper.scrapy_commands.runspider import cafef_spider_in

    cafef_file = str(CAFEF_SPIDER_FILE)
    assert cafef_spider_in([cafef_file]).name == "cafef"  # imported from its file, as Scrapy does
    # Scrapy's own command says what is wrong with these: no file, two, one that is no Python.
    notes = tmp_path / "notes.txt"
    notes.write_text("not a spider\n", encoding="utf-8")
    assert cafef_spider_in([]) is None
    assert cafef_spider_in([cafef_file, cafef_file]) is None
    assert cafef_spider_in([str(notes)]) is None
    assert cafef_spider_in([str(tmp_path / "gone.py")]) is None
    # Another spider runs as Scrapy runs it (no lock, no cafef arguments), writing nothing.
    other = tmp_path / "other_spider.py"
    other.write_text(
        "import scrapy\n\n\nclass OtherSpider(scrapy.Spider):\n    name = 'other'\n",
        encoding="utf-8",
    )
    assert cafef_spider_in([str(other)]) is None


def test_the_commands_that_look_at_pages_switch_off_every_dataset_writer():
    from scrapy.settings import Settings

    from newsscraper import settings as project_settings
    from newsscraper.scrapy_commands import write_nothing

    settings = Settings()
    settings.setmodule(project_settings)
    # A pipeline list given with -s too: the writers are off all the same.
    settings.set(
        "ITEM_PIPELINES",
        {"pipelines.stamp.StampPipeline": 200, "pipelines.parquet.ParquetSinkPipeline": 500},
        priority="cmdline",
    )
    write_nothing(settings)
    pipelines = settings.getdict("ITEM_PIPELINES")
    extensions = settings.getdict("EXTENSIONS")
    assert pipelines["pipelines.parquet.ParquetSinkPipeline"] is None
    assert pipelines["pipelines.stamp.StampPipeline"] == 200
    assert extensions["newsscraper.rejects.RejectsExtension"] is None
    assert extensions["newsscraper.runs.RunRecordExtension"] is None
    assert extensions["newsscraper.stop.CloseSpiderLimits"] == 0


@pytest.mark.parametrize("how", ["crawl", "runspider"])
def test_a_signal_after_the_crawl_ends_the_process_once_the_summary_is_said(
    how, tmp_path, monkeypatch, capsys
):
    # `scrapy crawl cafef` and `scrapy runspider` of its file alike: a SIGTERM that comes once
    # the crawl is over waits for the summary, then ends the process (exit status 143).
    from newsscraper import stop
    from newsscraper.scrapy_commands import crawl, runspider

    closing_summary = crawl.closing_summary

    def signalled(*args):
        signal.raise_signal(signal.SIGTERM)
        return closing_summary(*args)

    ended = []
    monkeypatch.setattr(crawl, "closing_summary", signalled)
    monkeypatch.setattr(stop.os, "kill", lambda pid, signum: ended.append(capsys.readouterr()))
    summary = "run r1 (doanh-nghiep): 5 new rows, …; exit 0"
    process = StubProcess({"newsscraper/exit_code": 0, "newsscraper/run_summary": summary})
    if how == "crawl":
        spider, crawl_command = "cafef", command(tmp_path, process)
    else:
        spider = str(CAFEF_SPIDER_FILE)
        crawl_command = command(tmp_path, process, runspider.Command)
    crawl_command.run([spider], argparse.Namespace(spargs={}))
    assert [said.out for said in ended] == [f"{summary}\n  dataset: {tmp_path}\n"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
