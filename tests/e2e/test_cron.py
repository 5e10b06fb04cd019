"""`newsscraper cron`: one locked incremental crawl with a run record and an exit code."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from replica_checks import stored_ids

from newsscraper import exitcodes
from newsscraper.dataset_read import read_rejects
from newsscraper.lock import crawl_lock
from newsscraper.runs import read_runs
from replica import ReplicaSite, faults
from replica.crawl import PROJECT_ROOT, cron_command, run_command
from replica.crawl import run_cron as cron


def test_cron_with_since_runs_a_backfill_under_its_lock_and_record(replica, output_dir, stored):
    site = ReplicaSite(articles=120, page_size=10)
    day = dt.date(2026, 3, 5)
    window = {a.article_id for a in site.articles if a.published_at.date() == day}
    handle = replica(site)
    result = cron(handle.base_url, output_dir, f"-asince={day}", f"-auntil={day}")
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert {row["article_id"] for row in stored(["article_id"])} == window
    (run,) = read_runs(output_dir)
    assert run["mode"] == "backfill" and run["new_rows"] == len(window)
    assert (run["since"], run["until"]) == (day, day)
    assert run["stop_reason"] == "reached_since"
    assert f"(doanh-nghiep, backfill {day}…{day}): " in result.stdout
    assert (output_dir / "logs" / "newsscraper.log").is_file()


def test_a_daily_cron_backfill_of_yesterday_stores_a_story_listed_late_under_the_watermark(
    replica, output_dir
):
    # A story the site lists late, dated yesterday: it lands pages under the watermark, where
    # incremental runs never walk. `-a since=-1`, the same line every day, walks down to
    # yesterday by the crawl's own clock (Vietnam date) and stores it, and only it.
    site = ReplicaSite(articles=80, page_size=5)  # back to the 5th: the listing goes past the 6th
    handle = replica(site)

    def at(hhmm: str, *extra: str) -> subprocess.CompletedProcess:
        now = f"-sNEWSSCRAPER_NOW=2026-03-07T{hhmm}:00+07:00"
        result = cron(handle.base_url, output_dir, now, *extra)
        assert result.returncode == exitcodes.OK, result.stderr[-4000:]
        return result

    for hhmm in ("16:00", "16:10", "16:20"):  # the first walk, its range again, then page 1
        at(hhmm)
    assert set(stored_ids(output_dir)) == {a.article_id for a in site.articles}
    yesterday = dt.date(2026, 3, 6)
    under = next(
        a for a in site.listing()[20:] if a.published_at.date() == yesterday
    )  # deep in the listing, pages below page 1
    late = site.publish_at(under.published_at + dt.timedelta(minutes=1))
    assert site.listing().index(late) >= 2 * site.page_size + 3, "not on pages 1 or 2"
    site.publish(2)

    at("16:30")
    assert late.article_id not in stored_ids(output_dir), "an incremental run walked down to it"

    before = len(handle.requests)
    at("16:40", "-asince=-1")
    ids = stored_ids(output_dir)
    assert late.article_id in ids
    assert sorted(ids) == sorted(a.article_id for a in site.articles), "each stored once"
    backfill, incremental, *_ = read_runs(output_dir)  # newest first
    assert backfill["mode"] == "backfill" and backfill["new_rows"] == 1
    # The date days back came to by the run's clock is in its record; no end was given.
    assert (backfill["since"], backfill["until"]) == (yesterday, None)
    assert (incremental["since"], incremental["until"]) == (None, None)
    assert backfill["stop_reason"] == "reached_since"
    log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
    assert "backfill window (Vietnam dates): since 2026-03-06, until the newest" in log
    # Listing pages and the one story: no stored article was asked for again.
    asked = {r.path for r in handle.requests[before:]}
    assert [a for a in site.articles if any(p.endswith(f"-{a.article_id}.chn") for p in asked)] == [
        late
    ]


def test_days_back_resolve_by_the_runs_clock_before_anything_is_locked(output_dir):
    result = cron(
        "http://127.0.0.1:9",
        output_dir,
        "-sNEWSSCRAPER_NOW=2026-03-07T17:30:00+00:00",  # 00:30 on the 8th in Vietnam
        "-asince=0",
        "-auntil=-1",
    )
    assert result.returncode == exitcodes.USAGE
    assert "since (2026-03-08) is after until (2026-03-07)" in result.stderr
    assert not output_dir.exists()


def test_cron_imports_none_of_the_other_commands_modules(replica, output_dir):
    handle = replica(ReplicaSite(articles=3))
    script = (
        "import sys; from newsscraper.cli import main; code = main(sys.argv[1:]); "
        "print(code, *sorted(sys.modules))"
    )
    argv = cron_command(handle.base_url, output_dir)[3:]  # from `cron` on
    result = subprocess.run(
        [sys.executable, "-c", script, *argv],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    code, *loaded = result.stdout.splitlines()[-1].split()
    assert code == str(exitcodes.OK), result.stderr[-4000:]
    assert "newsscraper.commands.cron" in loaded and "scrapy" in loaded  # the crawl ran here
    others = (
        "newsscraper.commands.extract",
        "newsscraper.commands.stats",
        "newsscraper.commands.verify",
    )
    assert [m for m in loaded if m.startswith(others)] == []


def tree(path) -> dict[str, int]:
    return {str(p.relative_to(path)): p.stat().st_mtime_ns for p in path.rglob("*")}


def test_cron_crawls_records_the_run_and_logs_to_a_file(replica, output_dir, stored):
    site = ReplicaSite(articles=30)
    handle = replica(site)
    result = cron(handle.base_url, output_dir)
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert "30 new rows" in result.stdout
    assert len(stored(["article_id"])) == 30
    (run,) = read_runs(output_dir)
    assert run["new_rows"] == 30 and run["exit_code"] == 0 and run["mode"] == "incremental"
    assert run["watermark"] is not None
    log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
    assert "Spider closed (finished)" in log
    # The log goes to the rotating file only; stderr gets warnings and errors.
    assert "Spider closed" not in result.stderr and " INFO: " not in result.stderr


def codecs(output_dir: Path) -> dict[str, str]:
    """Each Parquet file of the dataset (not those a compaction swapped out), with its codec."""
    found = {}
    for folder in ("articles", "rejects", "runs"):
        for path in (output_dir / folder).rglob("*.parquet"):
            codec = pq.ParquetFile(path).metadata.row_group(0).column(0).compression
            found[str(path.relative_to(output_dir))] = codec
    return found


def test_cron_and_compact_write_every_parquet_file_in_the_codec_given(replica, output_dir, stored):
    site = ReplicaSite(articles=10)
    handle = replica(site)
    gone = []
    for _ in range(2):  # two part files each in runs/, rejects/ and the newest partition
        gone.append(site.publish(2)[0])
        site.script(gone[-1].path, [faults.status(404)], repeat=True)
        result = cron(handle.base_url, output_dir, "-sPARQUET_COMPRESSION=snappy")
        assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    kept = sorted(a.article_id for a in site.articles if a not in gone)

    def assert_snappy_and_read_back(files: int) -> None:
        found = codecs(output_dir)
        folders = [path.split("/")[0] for path in found]
        assert sorted(folders) == sorted(["articles", "rejects", "runs"] * files)
        assert set(found.values()) == {"SNAPPY"}, found
        assert sorted(row["article_id"] for row in stored(["article_id"])) == kept
        assert read_rejects(output_dir)["reason"].to_pylist() == ["http_404", "http_404"]
        runs = read_runs(output_dir)  # newest first
        assert [run["new_rows"] for run in runs] == [1, len(kept) - 1]

    assert_snappy_and_read_back(files=2)  # one partition: every article dated the 7th
    compact = ["compact", "--output-dir", str(output_dir), "--compression", "snappy"]
    result = run_command(
        [sys.executable, "-m", "newsscraper", *compact, "--older-than", "0"],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        timeout=120,
    )
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert result.stdout.count(": 2 files -> part-compact-") == 3, result.stdout
    assert_snappy_and_read_back(files=1)


def test_cron_warnings_and_errors_reach_stderr_too(output_dir):
    result = cron("http://127.0.0.1:9", output_dir, "-sRETRY_TIMES=0")
    assert result.returncode == exitcodes.SITE_ERRORS
    failed = "ERROR: listing page http://127.0.0.1:9/doanh-nghiep.chn failed"
    assert failed in result.stderr
    assert " INFO: " not in result.stderr
    log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
    assert failed in log and " INFO: " in log


def test_each_problem_of_a_run_is_said_once_by_its_summary_not_again_on_stderr(output_dir):
    result = cron("http://127.0.0.1:9", output_dir, "-sRETRY_TIMES=0")
    assert result.returncode == exitcodes.SITE_ERRORS
    # The problem says why the page failed in the words of the spider's line (`health`).
    problem = "listing page http://127.0.0.1:9/doanh-nghiep.chn failed, paging stops here: "
    assert result.stdout.count(f"problem: {problem}") == 1
    assert "unhealthy run" not in result.stderr
    # One line: the spider's, naming the page, what came of it and why; not Scrapy's give-up.
    (line,) = result.stderr.splitlines()
    assert f"ERROR: {problem}" in line
    assert "Connection was refused" in line
    log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
    assert f"ERROR: unhealthy run: {problem}" in log
    # The problem the summary names is the line the log has: said alike in both.
    said = line.split("ERROR: ", 1)[1]
    assert f"problem: {said}" in result.stdout


def test_a_robots_txt_the_site_does_not_answer_is_one_error_line_not_a_traceback(output_dir):
    result = cron("http://127.0.0.1:9", output_dir, "-sROBOTSTXT_OBEY=True", "-sRETRY_TIMES=0")
    assert result.returncode == exitcodes.SITE_ERRORS
    robots = "ERROR: Error downloading <GET http://127.0.0.1:9/doanh-nghiep.chn>: Connection"
    assert robots in result.stderr
    assert "Traceback" not in result.stderr
    log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
    assert robots in log and "Traceback" not in log


def test_a_log_file_the_disk_refuses_is_said_once_not_with_a_traceback_per_line(output_dir):
    # /dev/full refuses every write with ENOSPC, as a full disk under OUTPUT_DIR/logs/ does.
    result = cron("http://127.0.0.1:9", output_dir, "--log-file", "/dev/full", "-sRETRY_TIMES=0")
    assert result.returncode == exitcodes.SITE_ERRORS
    assert result.stderr.count("newsscraper cron: cannot write the log /dev/full: ") == 1
    assert "Logging error" not in result.stderr and "Traceback" not in result.stderr
    assert "ERROR: listing page http://127.0.0.1:9/doanh-nghiep.chn failed" in result.stderr
    assert "exit 7" in result.stdout


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
def test_a_summary_stdout_cannot_take_keeps_the_runs_exit_code_and_blames_not_the_output_dir(
    output_dir, unbuffered
):
    # The crontab line's own log on a full disk: /dev/full refuses every write with ENOSPC.
    # Buffered (a crontab's stdout), the summary still held was written again at exit: exit 120.
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            cron_command("http://127.0.0.1:9", output_dir, "-sRETRY_TIMES=0"),
            cwd=PROJECT_ROOT,
            env=os.environ | ({"PYTHONUNBUFFERED": unbuffered} if unbuffered else {}),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    (run,) = read_runs(output_dir)
    assert run["exit_code"] == exitcodes.SITE_ERRORS
    assert result.returncode == exitcodes.SITE_ERRORS, result.stderr[-4000:]
    assert "newsscraper cron: cannot write the summary to stdout: [Errno 28] " in result.stderr
    assert f"cannot use {output_dir}" not in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


@pytest.mark.parametrize("below", [("newsscraper.log",), ("logs", "newsscraper.log")])
def test_a_log_file_that_cannot_be_opened_is_named_not_the_output_dir(output_dir, tmp_path, below):
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder\n", encoding="utf-8")
    log_file = not_a_folder.joinpath(*below)
    result = cron("http://127.0.0.1:9", output_dir, "--log-file", str(log_file))
    assert result.returncode == exitcodes.DISK_ERROR
    assert result.stderr.startswith(
        f"newsscraper cron: cannot write the log {log_file}: {not_a_folder} is a file, not a folder"
    )
    assert f"cannot use {output_dir}" not in result.stderr
    assert not (output_dir / "runs").exists()


def test_a_run_id_already_used_is_refused_in_one_line(replica, output_dir):
    handle = replica(ReplicaSite(articles=5))
    assert cron(handle.base_url, output_dir, "-sRUN_ID=nightly").returncode == exitcodes.OK
    asked = len(handle.requests)
    result = cron(handle.base_url, output_dir, "-sRUN_ID=nightly")
    assert result.returncode == exitcodes.ABNORMAL
    assert result.stderr == (
        f"newsscraper cron: RUN_ID 'nightly' is already used in {output_dir}: a run id names "
        "one run and its files; give a new one\n"
    )
    assert len(handle.requests) == asked
    assert [run["run_id"] for run in read_runs(output_dir)] == ["nightly"]


def test_a_second_run_while_the_lock_is_held_exits_at_once_and_touches_nothing(replica, output_dir):
    handle = replica(ReplicaSite(articles=10))
    output_dir.mkdir(parents=True)
    log = output_dir / "logs" / "newsscraper.log"
    with crawl_lock(output_dir, purpose="test"):
        before = tree(output_dir)
        result = cron(handle.base_url, output_dir)
        # Its one line is in the log too, where a crontab line's user reads why it did nothing.
        assert tree(output_dir).keys() - before.keys() == {"logs", "logs/newsscraper.log"}
        assert {name: tree(output_dir)[name] for name in before} == before
    (logged,) = log.read_text(encoding="utf-8").splitlines()
    assert logged.endswith(
        " WARNING: " + result.stderr.removeprefix("newsscraper cron: ").rstrip("\n")
    )
    assert result.returncode == exitcodes.LOCKED
    assert "held by another newsscraper process" in result.stderr
    assert "purpose=test" in result.stderr
    # Nothing to do about it (README's exit 75): no advice to stop the other run.
    assert result.stderr.rstrip().endswith(
        "this run touched nothing; the next one crawls what it would have"
    )
    assert "stop it" not in result.stderr
    assert handle.requests == []


def test_a_run_given_wait_crawls_once_the_run_before_it_lets_go_of_the_lock(replica, output_dir):
    # `*/10` for one section and `0 *` for another: at the full hour both start, and the one
    # that comes second would exit 75 every hour without crawling.
    handle = replica(ReplicaSite(articles=10, section="bat-dong-san"))
    taken, release = threading.Event(), threading.Event()

    def hold():
        with crawl_lock(output_dir, purpose="cron"):
            taken.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10)
        threading.Timer(2.0, release.set).start()
        result = cron(handle.base_url, output_dir, "--section", "bat-dong-san", "--wait", "60")
    finally:
        release.set()
        holder.join(10)
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert "10 new rows" in result.stdout
    (run,) = read_runs(output_dir)
    assert run["section"] == "bat-dong-san"


def test_a_wait_that_is_not_a_number_of_seconds_is_a_usage_error(output_dir):
    for wait in ("-5", "soon", "nan"):
        result = cron("http://127.0.0.1:9", output_dir, "--wait", wait)
        assert result.returncode == exitcodes.USAGE, wait
        assert "expected a number of seconds, 0 or more" in result.stderr
    assert not output_dir.exists()


def test_bad_arguments_exit_with_the_usage_code(output_dir):
    result = cron("http://127.0.0.1:9", output_dir, "--section", "the-thao")
    assert result.returncode == exitcodes.USAGE
    assert "valid sections" in result.stderr
    assert not output_dir.exists()


def test_scrapy_crawl_with_a_bad_argument_stops_before_any_request(replica, output_dir):
    from replica.crawl import run_crawl

    handle = replica(ReplicaSite(articles=5))
    result = run_crawl(handle.base_url, output_dir, spider_args={"max_pages": "zero"})
    assert result.returncode == exitcodes.USAGE
    assert "max_pages must be a positive integer" in result.stderr
    assert handle.requests == []


def test_bad_settings_exit_with_the_usage_code_naming_each(replica, output_dir):
    from replica.crawl import run_crawl

    handle = replica(ReplicaSite(articles=5))
    bad = {
        "NEWSSCRAPER_NOW": "2026-03-08T09:00:00",
        "CAFEF_MAX_PAGES": "abc",
        "PARQUET_BATCH_ITEMS": "many",
        "PARQUET_COMPRESSION": "zip",
    }
    result = cron(handle.base_url, output_dir, *(f"-s{k}={v}" for k, v in bad.items()))
    crawled = run_crawl(handle.base_url, output_dir, settings=bad)
    for run in (result, crawled):
        assert run.returncode == exitcodes.USAGE, run.stderr[-2000:]
        assert "NEWSSCRAPER_NOW must be an ISO 8601 instant with an offset" in run.stderr
        assert "CAFEF_MAX_PAGES must be a whole number, 1 or more; got 'abc'" in run.stderr
        assert "PARQUET_BATCH_ITEMS must be a whole number, 1 or more; got 'many'" in run.stderr
        assert "PARQUET_COMPRESSION must be a Parquet codec" in run.stderr
        assert "Traceback" not in run.stderr
    assert handle.requests == []


def test_a_run_serves_nothing_and_writes_nothing_outside_the_output_dir(
    replica, output_dir, tmp_path
):
    handle = replica(ReplicaSite(articles=5))
    home = tmp_path / "home"
    home.mkdir()
    result = cron(handle.base_url, output_dir, env={"HOME": str(home)})
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    # No HTTP server that runs code sent to it, no token file left in $HOME by every run
    # (nor by a killed one), no error on stderr when $HOME cannot be written.
    assert list(home.rglob("*")) == []
    log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
    assert "Remote control" not in log


def test_the_section_given_as_a_spider_argument_is_the_one_crawled(replica, output_dir):
    handle = replica(ReplicaSite(articles=5))
    result = cron(handle.base_url, output_dir, "-a", "section=bat-dong-san", "-sRETRY_TIMES=0")
    assert [request.path for request in handle.requests] == ["/bat-dong-san.chn"]
    assert result.returncode == exitcodes.SITE_ERRORS
    (run,) = read_runs(output_dir)
    assert run["section"] == "bat-dong-san"
    result = cron(handle.base_url, output_dir, "--section", "thi-truong", "-asection=bat-dong-san")
    assert result.returncode == exitcodes.USAGE
    assert "--section thi-truong and -a section=bat-dong-san disagree" in result.stderr


def write_not_parquet(path: Path) -> str:
    path.write_bytes(b"not a Parquet file")
    return str(path)


def write_other_columns(path: Path) -> str:
    # Read in the declared schema, its rows would be stored articles (or runs) of nulls.
    pq.write_table(pa.table({"a": [1]}), path)
    return f"cannot read Parquet file '{path}': no column ['"


@pytest.mark.parametrize("write", [write_not_parquet, write_other_columns])
@pytest.mark.parametrize(
    "folder",
    [
        Path("rejects"),
        Path("articles", "section=doanh-nghiep", "published_date=2026-03-07"),
        # Read before the crawl starts, for a rest the site asked for: no run record follows.
        Path("runs"),
    ],
)
def test_a_part_file_that_cannot_be_read_is_one_line_naming_it_not_a_traceback(
    replica, output_dir, folder, write
):
    handle = replica(ReplicaSite(articles=5))
    junk = output_dir / folder / "part-junk-1.parquet"
    junk.parent.mkdir(parents=True)
    named = write(junk)
    result = cron(handle.base_url, output_dir)
    assert result.returncode == exitcodes.ABNORMAL
    (line,) = result.stderr.splitlines()
    assert f"the dataset in {output_dir} cannot be read, nothing crawled: " in line
    assert named in line and "newsscraper verify" in line
    assert [r.path for r in handle.requests] == []
    if folder.parts[0] != "runs":
        assert "stopped: dataset_unreadable; exit 1" in result.stdout
        assert "problem: a part file of the dataset cannot be read, nothing crawled: " in (
            result.stdout
        )
        log = (output_dir / "logs" / "newsscraper.log").read_text(encoding="utf-8")
        assert "Traceback" not in log


def test_cron_run_outside_the_project_folder_crawls_with_the_projects_settings(
    replica, output_dir, stored, tmp_path
):
    # A crontab's folder, with neither scrapy.cfg nor SCRAPY_SETTINGS_MODULE: cron needs neither.
    site = ReplicaSite(articles=5)
    handle = replica(site)
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    elsewhere = tmp_path / "crontab-folder"
    elsewhere.mkdir()
    result = subprocess.run(
        cron_command(handle.base_url, output_dir),
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert len(stored(["article_id"])) == 5
    (run,) = read_runs(output_dir)
    assert run["new_rows"] == 5 and run["exit_code"] == exitcodes.OK


@pytest.mark.parametrize("closed", [">&-", "2>&-"], ids=["stdout", "stderr"])
def test_a_crontab_line_that_closes_stdout_or_stderr_keeps_the_runs_exit_code(
    replica, output_dir, stored, closed
):
    # `newsscraper cron ... >&-`: a healthy run ended in an AttributeError traceback, exit 1.
    handle = replica(ReplicaSite(articles=5))
    result = subprocess.run(
        ["sh", "-c", f'exec "$@" {closed}', "sh", *cron_command(handle.base_url, output_dir)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert "Traceback" not in result.stderr
    if closed == "2>&-":
        assert "5 new rows" in result.stdout
    assert len(stored(["article_id"])) == 5
    (run,) = read_runs(output_dir)
    assert run["exit_code"] == exitcodes.OK
    # No file the run opened took the closed descriptor: the lock holds nothing written to it.
    assert (output_dir / ".lock").read_bytes() == b""
