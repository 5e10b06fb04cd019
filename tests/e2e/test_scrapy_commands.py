"""End to end: Scrapy's own commands other than `crawl` against the replica."""

from __future__ import annotations

import subprocess
import sys

import pytest

from newsscraper import exitcodes
from newsscraper.lock import crawl_lock
from newsscraper.runs import read_runs
from replica import ReplicaSite
from replica.crawl import POLITENESS_OFF, PROJECT_ROOT, crawl_command, crawl_env, run_crawl


def scrapy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=PROJECT_ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def on_replica(handle, output_dir) -> list[str]:
    """The settings pointing a command at the replica and at the test's dataset folder, with
    politeness off, as for the end-to-end crawls."""
    settings = POLITENESS_OFF | {"CAFEF_BASE_URL": handle.base_url, "OUTPUT_DIR": str(output_dir)}
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


@pytest.mark.parametrize("options", [[], ["--pipelines"]])
def test_scrapy_parse_prints_the_article_and_the_next_crawl_still_stores_it(
    options, replica, crawl, stored, output_dir
):
    site = ReplicaSite(articles=5)
    handle = replica(site)
    article = site.articles[0]

    result = scrapy(
        "parse",
        "--spider",
        "cafef",
        *options,
        "-c",
        "parse_article",
        handle.base_url + article.path,
        *on_replica(handle, output_dir),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert f"'article_id': '{article.article_id}'" in result.stdout
    assert "Spider error" not in result.stderr
    assert "Warning" not in result.stderr
    # A page looked at is neither a row, a reject nor a run of the dataset.
    assert not output_dir.exists()
    crawl(handle)
    assert {row["article_id"] for row in stored(["article_id"])} == {
        a.article_id for a in site.articles
    }


def test_scrapy_fetch_with_the_spider_writes_no_run_record(replica, output_dir):
    site = ReplicaSite(articles=5)
    handle = replica(site)

    result = scrapy(
        "fetch",
        "--spider",
        "cafef",
        handle.base_url + site.articles[0].path,
        *on_replica(handle, output_dir),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert site.articles[0].title in result.stdout
    assert not output_dir.exists()


@pytest.mark.parametrize("log_option", ["-sLOG_FILE={log}", "--logfile={log}"])
def test_a_crawl_refused_the_lock_says_why_in_its_log_file_too(
    log_option, replica, tmp_path, output_dir
):
    # Logging to a file, Scrapy says nothing on stderr: a crontab line's user reads the file.
    handle = replica(ReplicaSite(articles=5))
    log = tmp_path / "crawl.log"
    output_dir.mkdir(parents=True)
    with crawl_lock(output_dir, purpose="compact"):
        held = scrapy("crawl", "cafef", log_option.format(log=log), *on_replica(handle, output_dir))
    assert held.returncode == exitcodes.LOCKED, held.stderr[-3000:]
    said = held.stderr.removeprefix("newsscraper: ").rstrip("\n")
    assert said.startswith("not crawling: ") and "purpose=compact" in said
    logged = log.read_text(encoding="utf-8").splitlines()
    assert logged[-1].endswith(f" [newsscraper.scrapy_commands.crawl] WARNING: {said}")
    assert handle.requests == []


def test_scrapy_runspider_of_the_cafef_spider_holds_the_lock_and_exits_with_the_runs_code(
    replica, stored, output_dir
):
    site = ReplicaSite(articles=5)
    handle = replica(site)
    settings = on_replica(handle, output_dir)
    spider_file = str(PROJECT_ROOT / "newsscraper" / "spiders" / "cafef.py")

    output_dir.mkdir(parents=True)
    with crawl_lock(output_dir):
        held = scrapy("runspider", spider_file, *settings)
    assert held.returncode == exitcodes.LOCKED, held.stderr[-3000:]
    assert "not crawling" in held.stderr
    assert not (output_dir / "runs").exists()

    done = scrapy("runspider", spider_file, *settings)
    assert done.returncode == exitcodes.OK, done.stderr[-3000:]
    assert "5 new rows" in done.stdout
    assert {row["article_id"] for row in stored(["article_id"])} == {
        a.article_id for a in site.articles
    }

    handle.stop()  # the site gone: the run's own exit code, not Scrapy's 0
    failed = scrapy("runspider", spider_file, *settings)
    assert failed.returncode == exitcodes.SITE_ERRORS, failed.stderr[-3000:]


def test_scrapy_runspider_of_the_cafef_spider_refuses_a_bad_argument_with_exit_2(output_dir):
    spider_file = str(PROJECT_ROOT / "newsscraper" / "spiders" / "cafef.py")

    result = scrapy(
        "runspider", spider_file, "-a", "section=nope", "-s", f"OUTPUT_DIR={output_dir}"
    )

    assert result.returncode == exitcodes.USAGE, result.stderr[-3000:]
    assert "unknown section 'nope'" in result.stderr
    assert not output_dir.exists()


def test_scrapy_runspider_of_another_spider_writes_nothing_into_the_dataset(output_dir, tmp_path):
    # Its items are no CafeF articles, and it holds no lock: no reject, no run record.
    other = tmp_path / "other_spider.py"
    other.write_text(
        "import scrapy\n\n\nclass OtherSpider(scrapy.Spider):\n    name = 'other'\n\n"
        "    async def start(self):\n        yield {'title': 'not an article'}\n",
        encoding="utf-8",
    )

    result = scrapy("runspider", str(other), "-s", f"OUTPUT_DIR={output_dir}")

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Spider closed (finished)" in result.stderr
    assert not output_dir.exists()


# A page address no test server answers: every command below must refuse before asking for it.
NOWHERE = "http://127.0.0.1:9/cong-ty-abc-188260307095900927.chn"


@pytest.mark.parametrize(
    ("command", "given", "said"),
    [
        (
            ["parse", "--spider", "cafef", "-c", "parse_article"],
            ["-s", "NEWSSCRAPER_OUTPUT_DIR=elsewhere"],
            "NEWSSCRAPER_OUTPUT_DIR is an environment variable, not a setting",
        ),
        (
            ["parse", "--spider", "cafef", "-c", "parse_article"],
            ["-a", "since=last week"],
            "since",
        ),
        (["fetch", "--spider", "cafef"], ["-s", "CAFEF_MAX_PAGES=0"], "CAFEF_MAX_PAGES"),
        (["view", "--spider", "cafef"], ["-s", "OUTPUT_DIR="], "OUTPUT_DIR"),
    ],
)
def test_a_look_at_a_page_with_a_setting_or_argument_the_spider_refuses_is_a_usage_error(
    command, given, said, output_dir
):
    """`scrapy parse`, `fetch` and `view` say what is wrong as `scrapy crawl` does (exit 2,
    one line), not with the traceback of a spider that could not be made."""
    result = scrapy(*command, NOWHERE, "-s", f"OUTPUT_DIR={output_dir}", *given)

    assert result.returncode == exitcodes.USAGE, result.stderr[-3000:]
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert not output_dir.exists()


def test_scrapy_parse_of_the_section_page_lists_its_article_requests(replica, output_dir):
    site = ReplicaSite(articles=5)
    handle = replica(site)

    result = scrapy(
        "parse",
        "--spider",
        "cafef",
        handle.base_url + "/doanh-nghiep.chn",
        *on_replica(handle, output_dir),
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "Warning" not in result.stderr
    for article in site.articles:
        assert article.path in result.stdout
    assert not output_dir.exists()


def test_a_crawl_into_a_folder_its_stdout_cannot_spell_says_its_summary_and_exits_0(
    replica, tmp_path
):
    # stdout in Latin-1 (PYTHONIOENCODING, a legacy terminal): `  dataset: OUTPUT_DIR` after
    # the summary ended in a UnicodeEncodeError traceback, and a healthy run exited 1.
    output_dir = tmp_path / "dữ liệu"
    result = run_crawl(
        replica(ReplicaSite(articles=5)).base_url,
        output_dir,
        env={"PYTHONIOENCODING": "latin-1"},
    )
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "5 new rows" in result.stdout
    assert result.stdout.endswith(f"  dataset: {tmp_path}/d\\u1eef li\\u1ec7u\n")


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
def test_a_summary_stdout_cannot_take_keeps_the_runs_exit_code(replica, output_dir, unbuffered):
    # `scrapy crawl cafef >> crawl.log` on a full disk (/dev/full refuses every write): the
    # summary's failed write ended the process in a traceback (exit 1) or, buffered, at exit
    # (Python's 120), though the run itself ended well.
    command = crawl_command(replica(ReplicaSite(articles=5)).base_url, output_dir)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=crawl_env() | ({"PYTHONUNBUFFERED": unbuffered} if unbuffered else {}),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    assert "newsscraper: cannot write the summary to stdout: [Errno 28] " in result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert [run["new_rows"] for run in read_runs(output_dir)] == [5]


def test_a_crawl_whose_stderr_is_closed_says_its_summary_and_exits_0(replica, output_dir):
    # `scrapy crawl cafef 2>&-`: Scrapy's log handler asked the closed stderr if it was a
    # terminal, and the crawl ended before it started, exit 1, with nothing said anywhere.
    command = crawl_command(replica(ReplicaSite(articles=5)).base_url, output_dir)
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" 2>&-', "sh", *command],
        cwd=PROJECT_ROOT,
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == exitcodes.OK
    assert "5 new rows" in result.stdout
