"""setting_problems: the settings a crawl cannot run with, each named before it starts."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import scrapy
from scrapy.settings import BaseSettings, Settings

import newsscraper
from newsscraper import settings as project_settings
from newsscraper.setting_checks import setting_problems, settings_not_taken


def problems(**values) -> list[str]:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.setdict(values)
    return setting_problems(settings)


def given_with_s(values: dict) -> list[str]:
    """The problems of `values` given on the command line (`-s NAME=value`)."""
    settings = Settings()
    settings.setmodule(project_settings)
    settings.setdict(values, priority="cmdline")
    return setting_problems(settings)


def test_the_project_defaults_are_fine():
    assert problems() == []
    assert problems(NEWSSCRAPER_NOW="2026-03-08T09:00:00+07:00", RUN_ID="nightly-1") == []


def test_each_bad_setting_is_named():
    assert problems(NEWSSCRAPER_NOW="2026-03-08T09:00:00") == [
        "NEWSSCRAPER_NOW must be an ISO 8601 instant with an offset, such as "
        "2026-03-07T10:00:00+07:00; got '2026-03-08T09:00:00'"
    ]
    assert problems(NEWSSCRAPER_NOW="hôm qua")[0].endswith("got 'hôm qua'")
    for value in ("9999-12-31T23:00:00+00:00", "0001-01-01T00:00:00+00:00"):
        assert problems(NEWSSCRAPER_NOW=value) == [
            f"NEWSSCRAPER_NOW must lie in the years 2000 to 8999; got {value!r}"
        ]
    assert problems(NEWSSCRAPER_NOW="2000-01-01T00:00:00+00:00") == []
    for value in ("abc", "0", "-3", "1.5"):
        assert problems(CAFEF_MAX_PAGES=value) == [
            f"CAFEF_MAX_PAGES must be a whole number, 1 or more; got {value!r}"
        ]
    for value in ("127.0.0.1:8080", "ftp://cafef.vn", "https://", "http://[::1"):
        assert problems(CAFEF_BASE_URL=value) == [
            f"CAFEF_BASE_URL must be an http(s) URL, such as https://cafef.vn; got {value!r}"
        ]
    assert problems(RUN_ID="a/b") == [
        "RUN_ID 'a/b' cannot name files: use up to 100 letters, digits, '.', '_' and '-', "
        "starting with a letter or digit"
    ]
    assert len(problems(RUN_ID="..", CAFEF_MAX_PAGES="x", NEWSSCRAPER_NOW="x")) == 3
    assert len(problems(RUN_ID="nightly-1\n")) == 1  # a file name ending in a line break


def test_each_bad_number_of_the_settings_table_is_named():
    assert problems(PARQUET_BATCH_ITEMS="abc") == [
        "PARQUET_BATCH_ITEMS must be a whole number, 1 or more; got 'abc'"
    ]
    assert problems(PARQUET_BATCH_SECONDS="soon") == [
        "PARQUET_BATCH_SECONDS must be a number, 0 or more; got 'soon'"
    ]
    assert problems(NEAR_DUPLICATE_MAX_DISTANCE="65") == [
        "NEAR_DUPLICATE_MAX_DISTANCE must be a whole number, from 0 to 64; got '65'"
    ]
    assert problems(RETRY_AFTER_MAX="-1") == [
        "RETRY_AFTER_MAX must be a number, 0 or more; got '-1'"
    ]
    assert problems(SOFT_BLOCK_STOP_AFTER="0", VALIDATE_MIN_BODY_CHARS="1.5") == [
        "VALIDATE_MIN_BODY_CHARS must be a whole number, 0 or more; got '1.5'",
        "SOFT_BLOCK_STOP_AFTER must be a whole number, 1 or more; got '0'",
    ]
    assert problems(SITE_FAILING_STOP_AFTER="never") == [
        "SITE_FAILING_STOP_AFTER must be a whole number, 1 or more; got 'never'"
    ]
    assert problems(PARQUET_BATCH_SECONDS="0.5", RETRY_BACKOFF_BASE="0") == []


def test_a_number_of_hours_no_date_can_hold_is_named_before_the_crawl_starts():
    # A time span of that many hours cannot be built, or added to the crawl's clock: the
    # crawl would stop with a traceback once under way.
    for name in ("VALIDATE_MAX_FUTURE_HOURS", "ARTICLE_GIVE_UP_AFTER_HOURS"):
        for value in ("inf", "1e12"):
            assert problems(**{name: value}) == [
                f"{name} must be a number, from 0 to 876000; got {value!r}"
            ]


def test_a_compression_or_log_level_that_cannot_be_used_is_named():
    assert problems(PARQUET_COMPRESSION="zip") == [
        "PARQUET_COMPRESSION must be a Parquet codec (zstd, snappy, gzip, brotli, lz4, none); "
        "got 'zip'"
    ]
    assert problems(PARQUET_COMPRESSION="snappy") == problems(PARQUET_COMPRESSION="none") == []
    assert problems(LOG_LEVEL="LOUD") == [
        "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; got 'LOUD'"
    ]
    assert problems(LOG_LEVEL="WARNING") == []


def test_a_codec_this_pyarrow_lacks_is_refused_naming_those_it_has(monkeypatch):
    import pyarrow as pa

    from newsscraper import dataset_write

    # A build of pyarrow without brotli (its writer still knows the name, and would raise).
    codec = SimpleNamespace(
        is_available=lambda name: name != "brotli" and pa.Codec.is_available(name)
    )
    monkeypatch.setattr(dataset_write, "pa", SimpleNamespace(Codec=codec))
    assert problems(PARQUET_COMPRESSION="brotli") == [
        "PARQUET_COMPRESSION must be a Parquet codec (zstd, snappy, gzip, lz4, none); got 'brotli'"
    ]
    assert problems(PARQUET_COMPRESSION="Snappy") == []  # in any case, as pyarrow takes it


def test_a_value_of_a_settings_module_that_is_neither_text_nor_a_number_is_named():
    # A settings module of one's own may give any Python value, where -s gives text.
    assert problems(DOWNLOAD_DELAY=[1, 2], PARQUET_COMPRESSION=5, LOG_LEVEL=["INFO"]) == [
        "DOWNLOAD_DELAY must be a number, 0 or more; got [1, 2]",
        "PARQUET_COMPRESSION must be a Parquet codec (zstd, snappy, gzip, brotli, lz4, none); "
        "got 5",
        "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; got ['INFO']",
    ]


def test_the_http_cache_and_a_job_directory_are_refused():
    assert problems(HTTPCACHE_ENABLED="True") == [
        "HTTPCACHE_ENABLED cannot be used: a listing page read from the cache hides the "
        "articles published since, and an error page read from it keeps an article failing "
        "until it is given up; got 'True'"
    ]
    assert problems(HTTPCACHE_ENABLED="sometimes")[0].endswith("got 'sometimes'")
    assert problems(JOBDIR="crawls/cafef-1") == [
        "JOBDIR cannot be used: a crawl takes up where the last one stopped by itself (the "
        "watermark and the pending pages), and the requests a job directory kept would be "
        "asked for a second time; got 'crawls/cafef-1'"
    ]
    assert problems(HTTPCACHE_ENABLED="False", JOBDIR="") == []


def test_an_empty_output_dir_is_named_rather_than_taken_as_the_working_directory(monkeypatch):
    # Set empty in the environment, the settings module reads it so.
    for value in ("", "  "):
        monkeypatch.setenv("NEWSSCRAPER_OUTPUT_DIR", value)
        assert problems(OUTPUT_DIR=value) == [
            "OUTPUT_DIR must name the dataset folder (NEWSSCRAPER_OUTPUT_DIR is set but empty?); "
            f"got {value!r}"
        ]
        # Given empty with -s: the variable, set or not, is not where it came from.
        assert given_with_s({"OUTPUT_DIR": value}) == [
            f"OUTPUT_DIR must name the dataset folder; got {value!r}"
        ]
    monkeypatch.delenv("NEWSSCRAPER_OUTPUT_DIR")
    assert problems(OUTPUT_DIR="") == ["OUTPUT_DIR must name the dataset folder; got ''"]


def test_an_output_dir_whose_name_is_no_utf8_is_named_before_anything_is_written():
    # A folder named in Latin-1: a crawl could write its files, and never read them back.
    assert problems(OUTPUT_DIR=os.fsdecode(b"/data/caf\xe9")) == [
        "OUTPUT_DIR: '/data/caf\\udce9' is not a name pyarrow can open: its bytes are no UTF-8 "
        "text; rename the folder, or give another"
    ]
    assert problems(OUTPUT_DIR="/data/dữ liệu") == []


def test_an_output_dir_that_is_no_folder_name_is_named_rather_than_a_traceback(tmp_path):
    # `OUTPUT_DIR = 5` in a settings module ended in os.path's TypeError.
    for value in (5, b"/data/cafef", ["/data/cafef"]):
        assert problems(OUTPUT_DIR=value) == [
            f"OUTPUT_DIR must be a folder's name, as text or a path; got {value!r}"
        ]
    assert problems(OUTPUT_DIR=tmp_path / "dữ liệu") == []


def test_an_output_dir_that_is_a_file_is_named_before_anything_is_made(tmp_path, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("a file, not a folder\n", encoding="utf-8")
    nowhere = tmp_path / "link"
    nowhere.symlink_to(tmp_path / "gone")
    monkeypatch.chdir(tmp_path)  # a relative name is said absolute, as the commands say it
    for path, given in ((notes, str(notes)), (nowhere, str(nowhere)), (notes, "notes.txt")):
        assert problems(OUTPUT_DIR=given) == [
            "OUTPUT_DIR must be the dataset's folder, or where to make one; "
            f"{path} is a file, not a folder"
        ]
    assert problems(OUTPUT_DIR=str(tmp_path)) == []
    assert problems(OUTPUT_DIR=str(tmp_path / "new")) == []


# The README's settings table: (whole number?, smallest, largest) of each number.
BOUNDS = {
    "CAFEF_MAX_PAGES": (True, 1, None),
    "PARQUET_BATCH_ITEMS": (True, 1, None),
    "PARQUET_BATCH_SECONDS": (False, 0, None),
    "VALIDATE_MIN_BODY_CHARS": (True, 0, None),
    "VALIDATE_MAX_TITLE_CHARS": (True, 1, None),
    "VALIDATE_MAX_FUTURE_HOURS": (False, 0, 876000),
    "NEAR_DUPLICATE_MAX_DISTANCE": (True, 0, 64),
    "RETRY_BACKOFF_BASE": (False, 0, None),
    "RETRY_BACKOFF_MAX": (False, 0, None),
    "RETRY_AFTER_MAX": (False, 0, None),
    "SOFT_BLOCK_BACKOFF_BASE": (False, 0, None),
    "SOFT_BLOCK_STOP_AFTER": (True, 1, None),
    "SITE_FAILING_STOP_AFTER": (True, 1, None),
    "ARTICLE_GIVE_UP_AFTER_HOURS": (False, 0, 876000),
    "ROBOTSTXT_MAX_AGE": (False, 0, 86400),
    "DOWNLOAD_DELAY": (False, 0, None),
    "AUTOTHROTTLE_START_DELAY": (False, 0, None),
    "AUTOTHROTTLE_MAX_DELAY": (False, 0, None),
    "CONCURRENT_REQUESTS": (True, 1, None),
    "CONCURRENT_REQUESTS_PER_DOMAIN": (True, 1, None),
    "RETRY_TIMES": (True, 0, None),
    "DOWNLOAD_MAXSIZE": (True, 0, None),
    "DOWNLOAD_TIMEOUT": (False, 0, None),
}


def test_each_number_is_taken_from_its_smallest_to_its_largest_and_refused_past_them():
    for name, (whole, smallest, largest) in BOUNDS.items():
        kind = "a whole number" if whole else "a number"
        bounds = f"from {smallest} to {largest}" if largest is not None else f"{smallest} or more"
        refused = f"{name} must be {kind}, {bounds}; got "
        assert problems(**{name: str(smallest)}) == [], name
        assert problems(**{name: "abc"}) == [f"{refused}'abc'"], name
        assert problems(**{name: str(smallest - 1)}) == [f"{refused}'{smallest - 1}'"], name
        fraction = f"{smallest}.5"
        assert problems(**{name: fraction}) == ([f"{refused}'{fraction}'"] if whole else []), name
        if largest is not None:
            assert problems(**{name: str(largest)}) == [], name
            assert problems(**{name: str(largest + 1)}) == [f"{refused}'{largest + 1}'"], name


def test_a_name_no_component_reads_given_with_s_is_named_with_the_closest_setting():
    settings = Settings()
    settings.setmodule(project_settings)
    given = {"CAFEF_MAX_PAGE": "3", "XYZZY": "3", "DOWNLOAD_DELAY": "0", "OUTPUT_DIR": "x"}
    settings.setdict(given, priority="cmdline")
    assert setting_problems(settings) == [
        "CAFEF_MAX_PAGE is no setting of Scrapy or newsscraper (did you mean CAFEF_MAX_PAGES?)",
        "XYZZY is no setting of Scrapy or newsscraper",
    ]
    # Only what the command line gives: the project's own module and Scrapy's are not judged.
    assert problems(SOMETHING_ELSE="1") == []


def test_a_setting_of_ones_own_settings_module_may_be_given_with_s(tmp_path, monkeypatch):
    # README: the setting of a component of one's own goes in a settings module of one's own.
    own = tmp_path / "own_crawl_settings.py"
    own.write_text("from newsscraper.settings import *\nMY_COMPONENT_LIMIT = 5\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "own_crawl_settings")
    assert given_with_s({"MY_COMPONENT_LIMIT": "7", "MY_COMPONENT_LIMT": "7"}) == [
        "MY_COMPONENT_LIMT is no setting of Scrapy or newsscraper "
        "(did you mean MY_COMPONENT_LIMIT?)"
    ]


def test_a_settings_module_that_cannot_be_imported_leaves_the_other_names_known(
    tmp_path, monkeypatch
):
    # Scrapy says why it cannot import it; the settings given are judged all the same.
    own = tmp_path / "broken_crawl_settings.py"
    own.write_text("from newsscraper.settings import NO_SUCH_SETTING\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "broken_crawl_settings")
    assert given_with_s({"CAFEF_MAX_PAGES": "3", "CAFEF_MAX_PAGE": "3"}) == [
        "CAFEF_MAX_PAGE is no setting of Scrapy or newsscraper (did you mean CAFEF_MAX_PAGES?)"
    ]


def test_every_setting_scrapy_or_newsscraper_reads_may_be_given_with_s():
    # What the code reads by name (`settings.getint("RETRY_TIMES")`, or through the name the
    # files and images pipelines give it, `settings.getint(resolve("FILES_EXPIRES"))`), found
    # in the sources of Scrapy and of newsscraper: none may be refused as "no setting",
    # whatever Scrapy lists among its defaults.
    read = re.compile(r"settings(?:\[|\.get\w*\()\s*(?:resolve\()?\"([A-Z][A-Z0-9_]+)\"")
    roots = [Path(scrapy.__file__).parent, Path(newsscraper.__file__).parent]
    roots.append(Path(newsscraper.__file__).parent.parent / "pipelines")
    names = {
        name
        for root in roots
        for source in root.rglob("*.py")
        for name in read.findall(source.read_text(encoding="utf-8"))
    }
    assert {"RETRY_TIMES", "CONCURRENT_REQUESTS_PER_IP", "CAFEF_MAX_PAGES"} <= names
    assert {"IMAGES_EXPIRES", "MEDIA_ALLOW_REDIRECTS"} <= names
    settings = Settings()
    settings.setmodule(project_settings)
    for name in names:  # a dict setting (ITEM_PIPELINES) is given one as -s gives its JSON
        settings.set(name, {} if isinstance(settings[name], BaseSettings) else "1", "cmdline")
    assert not [p for p in setting_problems(settings) if "is no setting" in p]


def test_an_environment_variable_given_with_s_is_named_with_the_setting_to_give():
    # Read from the environment when the settings load: given with -s they would change
    # nothing (the User-Agent would still say "no contact given"), so they are refused.
    settings = Settings()
    settings.setmodule(project_settings)
    given = {"NEWSSCRAPER_CONTACT": "ops@example.com", "NEWSSCRAPER_OUTPUT_DIR": "/data/cafef"}
    settings.setdict(given, priority="cmdline")
    assert setting_problems(settings) == [
        "NEWSSCRAPER_CONTACT is an environment variable, not a setting: set it in the "
        "environment, or give USER_AGENT with -s",
        "NEWSSCRAPER_OUTPUT_DIR is an environment variable, not a setting: set it in the "
        "environment, or give OUTPUT_DIR with -s",
    ]


def test_a_name_in_the_wrong_case_is_refused_naming_the_setting_in_upper_case():
    # Settings are read by their upper-case names: output_dir=/data would leave the default.
    assert given_with_s({"cafef_max_pages": "3", "Download_Delay": "5"}) == [
        "Download_Delay is no setting of Scrapy or newsscraper (did you mean DOWNLOAD_DELAY?)",
        "cafef_max_pages is no setting of Scrapy or newsscraper (did you mean CAFEF_MAX_PAGES?)",
    ]


def test_an_empty_value_is_refused_not_taken_as_unset():
    # `-s CAFEF_MAX_PAGES=$PAGES` with the variable unset gives an empty value: no default.
    assert problems(CAFEF_MAX_PAGES="") == [
        "CAFEF_MAX_PAGES must be a whole number, 1 or more; got ''"
    ]
    assert problems(PARQUET_COMPRESSION="") == [
        "PARQUET_COMPRESSION must be a Parquet codec (zstd, snappy, gzip, brotli, lz4, none); "
        "got ''"
    ]
    assert problems(LOG_LEVEL="") == [
        "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; got ''"
    ]
    # A number of a settings module, not text: 0 is below the smallest all the same.
    assert problems(CONCURRENT_REQUESTS=0) == [
        "CONCURRENT_REQUESTS must be a whole number, 1 or more; got 0"
    ]


def test_the_years_of_newsscraper_now_hold_at_their_boundaries():
    assert problems(NEWSSCRAPER_NOW="8999-12-31T23:59:59+00:00") == []
    assert problems(NEWSSCRAPER_NOW="9000-01-01T00:00:00+00:00") == [
        "NEWSSCRAPER_NOW must lie in the years 2000 to 8999; got '9000-01-01T00:00:00+00:00'"
    ]
    assert problems(NEWSSCRAPER_NOW="1999-12-31T23:59:59+00:00") == [
        "NEWSSCRAPER_NOW must lie in the years 2000 to 8999; got '1999-12-31T23:59:59+00:00'"
    ]


def test_the_suggestion_is_the_closest_of_several_settings_alike():
    settings = Settings()
    settings.setmodule(project_settings)
    given = {"DOWNLOAD_DELAYS": "3", "CONCURENT_REQUESTS": "1", "MAX_PAGES": "3"}
    settings.setdict(given, priority="cmdline")
    assert setting_problems(settings) == [
        "CONCURENT_REQUESTS is no setting of Scrapy or newsscraper "
        "(did you mean CONCURRENT_REQUESTS?)",
        "DOWNLOAD_DELAYS is no setting of Scrapy or newsscraper (did you mean DOWNLOAD_DELAY?)",
        "MAX_PAGES is a spider argument, not a setting: give it with -a max_pages=3 "
        "(or -s CAFEF_MAX_PAGES=3)",
    ]
    # A name no setting resembles gets no far-fetched suggestion.
    assert given_with_s({"MAX_ARTICLES": "9"}) == [
        "MAX_ARTICLES is no setting of Scrapy or newsscraper"
    ]


def test_a_spider_argument_given_with_s_is_named_with_the_a_to_give():
    # -s SECTION=bat-dong-san would crawl Doanh nghiệp: the section is a spider argument.
    assert given_with_s({"SECTION": "bat-dong-san", "since": "2026-01-01"}) == [
        "SECTION is a spider argument, not a setting: give it with -a section=bat-dong-san",
        "since is a spider argument, not a setting: give it with -a since=2026-01-01",
    ]


# The defaults the README's settings table and "What a run costs the site" give, read from
# there: one changed here changes what every run stores or asks of the site.
DOCUMENTED_DEFAULTS = {
    "CAFEF_MAX_PAGES": 20,
    "PARQUET_BATCH_ITEMS": 500,
    "PARQUET_BATCH_SECONDS": 60,
    "PARQUET_COMPRESSION": "zstd",
    "VALIDATE_MIN_BODY_CHARS": 200,
    "VALIDATE_MAX_TITLE_CHARS": 500,
    "VALIDATE_MAX_FUTURE_HOURS": 24,
    "NEAR_DUPLICATE_MAX_DISTANCE": 3,
    "DOWNLOAD_DELAY": 3,
    "DOWNLOAD_DELAY_JITTER": 0.5,  # 3 s ± 50%: 1.5 to 4.5 s
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_MAX_DELAY": 60,
    "CONCURRENT_REQUESTS": 1,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    "ROBOTSTXT_OBEY": True,
    "ROBOTSTXT_MAX_AGE": 86400,
    "RETRY_ENABLED": True,  # "a failing page is retried up to RETRY_TIMES (4) times"
    "RETRY_TIMES": 4,
    "RETRY_BACKOFF_BASE": 2,
    "RETRY_BACKOFF_MAX": 120,
    "RETRY_AFTER_MAX": 600,
    "SOFT_BLOCK_BACKOFF_BASE": 30,
    "SOFT_BLOCK_STOP_AFTER": 5,
    "SITE_FAILING_STOP_AFTER": 10,
    "ARTICLE_GIVE_UP_AFTER_HOURS": 24,
    "DOWNLOAD_MAXSIZE": 8 * 1024 * 1024,
    "DOWNLOAD_TIMEOUT": 30,
    "NEWSSCRAPER_NOW": None,
    "RUN_ID": None,
    "COOKIES_ENABLED": False,  # "carries no cookies"
    "REDIRECT_MAX_TIMES": 5,  # "more than five redirects" fail a page
}


def test_the_project_settings_are_the_documented_defaults():
    settings = Settings()
    settings.setmodule(project_settings)
    assert {name: settings.get(name) for name in DOCUMENTED_DEFAULTS} == DOCUMENTED_DEFAULTS
    assert sorted(settings.getlist("RETRY_HTTP_CODES")) == [408, 429, 500, 502, 503, 504, 522, 524]
    # AutoThrottle starts no slower than DOWNLOAD_DELAY (Scrapy's own start is 5 s): the first
    # requests go out 3 s ± 50% apart, as README says, until the site answers slowly.
    assert settings.getfloat("AUTOTHROTTLE_START_DELAY") <= settings.getfloat("DOWNLOAD_DELAY")
    # An unattended crawl opens no console and no server that runs the code sent to it.
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")


def settings_loaded_with(environment: dict) -> dict:
    """CAFEF_BASE_URL, OUTPUT_DIR and USER_AGENT as the settings load in `environment`."""
    script = (
        "import json\nfrom newsscraper import settings as s\n"
        "print(json.dumps([s.CAFEF_BASE_URL, s.OUTPUT_DIR, s.USER_AGENT]))"
    )
    names = ("CAFEF_BASE_URL", "NEWSSCRAPER_OUTPUT_DIR", "NEWSSCRAPER_CONTACT")
    env = {k: v for k, v in os.environ.items() if k not in names} | environment
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    names = ("CAFEF_BASE_URL", "OUTPUT_DIR", "USER_AGENT")
    return dict(zip(names, json.loads(result.stdout), strict=True))


def test_the_environment_gives_the_host_the_folder_and_the_contact():
    assert settings_loaded_with({}) == {
        "CAFEF_BASE_URL": "https://cafef.vn",
        "OUTPUT_DIR": "output",
        "USER_AGENT": f"newsscraper/{newsscraper.__version__} (news archiver; no contact given)",
    }
    given = {
        "CAFEF_BASE_URL": "http://127.0.0.1:8080",
        "NEWSSCRAPER_OUTPUT_DIR": "/data/cafef",
        "NEWSSCRAPER_CONTACT": "ops@example.org",
    }
    assert settings_loaded_with(given) == {
        "CAFEF_BASE_URL": "http://127.0.0.1:8080",
        "OUTPUT_DIR": "/data/cafef",
        "USER_AGENT": f"newsscraper/{newsscraper.__version__} (news archiver; +ops@example.org)",
    }


def test_a_setting_of_components_given_no_json_object_is_named_with_the_text_given():
    # `-s DOWNLOADER_MIDDLEWARES=-1` ended in Scrapy's traceback ('int' object is not
    # iterable) before any check; a JSON object is taken, as Scrapy takes it.
    settings = Settings()
    settings.setmodule(project_settings)
    given = {
        "DOWNLOADER_MIDDLEWARES": "-1",
        "FEEDS": "2026-3-7",
        "ITEM_PIPELINES": '{"pipelines.parquet.ParquetSinkPipeline": 900}',
        "DOWNLOAD_DELAY": "abc",  # no setting of components: setting_problems names it
    }
    assert settings_not_taken(settings, given) == [
        "DOWNLOADER_MIDDLEWARES takes a JSON object, {name: value, …}; got '-1'",
        "FEEDS takes a JSON object, {name: value, …}; got '2026-3-7'",
    ]
    assert settings.getdict("ITEM_PIPELINES") == project_settings.ITEM_PIPELINES


def test_scrapy_crawl_refuses_a_setting_of_components_given_no_json_object_in_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "cafef", "-s", "EXTENSIONS=[1, 2]"],
        cwd=Path(newsscraper.__file__).parents[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].endswith(
        ": error: EXTENSIONS takes a JSON object, {name: value, …}; got '[1, 2]'"
    )
