"""Settings a crawl cannot run with, found before it starts.

`scrapy crawl cafef` and `newsscraper cron` call `setting_problems` first and exit 2 (usage)
naming each bad setting, instead of a traceback from inside the crawl; the spider checks again
for a crawl started some other way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import importlib
import logging
import os
from urllib.parse import urlsplit

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings, default_settings

from newsscraper import settings as project_settings
from newsscraper.crawl_args import ARGUMENT_NAMES
from newsscraper.dataset import is_safe_path_value, named, unnamed_for_pyarrow
from newsscraper.dataset_write import compression_problem
from newsscraper.runs_read import run_id_used

# Hours a setting may span: a century. Far more than any wait, and a span that the crawl's
# clock plus it still is a date (an infinite or a trillion hours is none: a traceback).
HOURS_MAX = 100 * 365 * 24

# The numbers of the README's settings table: (name, whole number?, smallest, largest).
NUMBERS = (
    ("CAFEF_MAX_PAGES", True, 1, None),
    ("PARQUET_BATCH_ITEMS", True, 1, None),
    ("PARQUET_BATCH_SECONDS", False, 0, None),
    ("VALIDATE_MIN_BODY_CHARS", True, 0, None),
    ("VALIDATE_MAX_TITLE_CHARS", True, 1, None),
    ("VALIDATE_MAX_FUTURE_HOURS", False, 0, HOURS_MAX),
    ("NEAR_DUPLICATE_MAX_DISTANCE", True, 0, 64),
    ("RETRY_BACKOFF_BASE", False, 0, None),
    ("RETRY_BACKOFF_MAX", False, 0, None),
    ("RETRY_AFTER_MAX", False, 0, None),
    ("SOFT_BLOCK_BACKOFF_BASE", False, 0, None),
    ("SOFT_BLOCK_STOP_AFTER", True, 1, None),
    ("SITE_FAILING_STOP_AFTER", True, 1, None),
    ("ARTICLE_GIVE_UP_AFTER_HOURS", False, 0, HOURS_MAX),
    ("ROBOTSTXT_MAX_AGE", False, 0, 24 * 3600),
    # Scrapy's own, named in the table too: read only once the crawl is under way, where a
    # bad one raises (exit 1), logs errors and is ignored, or (a concurrency of 0) never ends.
    ("DOWNLOAD_DELAY", False, 0, None),
    ("DOWNLOAD_DELAY_JITTER", False, 0, 1),  # the ±50% of DOWNLOAD_DELAY, as a fraction
    ("AUTOTHROTTLE_START_DELAY", False, 0, None),
    ("AUTOTHROTTLE_MAX_DELAY", False, 0, None),
    ("CONCURRENT_REQUESTS", True, 1, None),
    ("CONCURRENT_REQUESTS_PER_DOMAIN", True, 1, None),
    ("RETRY_TIMES", True, 0, None),
    ("DOWNLOAD_MAXSIZE", True, 0, None),
    ("DOWNLOAD_TIMEOUT", False, 0, None),
)


# Read by Scrapy though not among its defaults: one deprecated, the others read with a default
# of their own (those of the files and images pipelines, as they name them for a subclass).
SCRAPY_SETTINGS_WITHOUT_DEFAULT = (
    "CONCURRENT_REQUESTS_PER_IP",
    "META_COPY_WARN_SKIP_KEYS",
    "FILES_EXPIRES",
    "FILES_URLS_FIELD",
    "FILES_RESULT_FIELD",
    "IMAGES_EXPIRES",
    "IMAGES_URLS_FIELD",
    "IMAGES_RESULT_FIELD",
    "IMAGES_MIN_WIDTH",
    "IMAGES_MIN_HEIGHT",
    "IMAGES_THUMBS",
    "MEDIA_ALLOW_REDIRECTS",
)

# Environment variables read when the settings load, and the setting each stands for: given
# with -s they would change nothing.
ENVIRONMENT_VARIABLES = {
    "NEWSSCRAPER_CONTACT": "USER_AGENT",
    "NEWSSCRAPER_OUTPUT_DIR": "OUTPUT_DIR",
}

NOW_YEARS = (2000, 9000)  # the years a NEWSSCRAPER_NOW may fall in, the last one excluded


def setting_problems(settings) -> list[str]:
    """What is wrong with the crawl's settings, one message per bad setting (none: fine)."""
    problems = _unknown_setting_problems(settings)
    now = settings.get("NEWSSCRAPER_NOW")
    if now:
        try:
            instant = dt.datetime.fromisoformat(now)
            aware = instant.tzinfo is not None
        except ValueError:
            aware = False
        if not aware:
            problems.append(
                f"NEWSSCRAPER_NOW must be an ISO 8601 instant with an offset, such as "
                f"2026-03-07T10:00:00+07:00; got {now!r}"
            )
        elif not NOW_YEARS[0] <= instant.year < NOW_YEARS[1]:
            # Before 2000 no article time is believed; near year 9999 a day or two ahead of the
            # clock is past the last date Python holds, and run ids need a 4-digit year.
            problems.append(
                f"NEWSSCRAPER_NOW must lie in the years {NOW_YEARS[0]} to {NOW_YEARS[1] - 1}; "
                f"got {now!r}"
            )
    base_url = str(settings.get("CAFEF_BASE_URL") or "")
    try:
        parts = urlsplit(base_url)
        is_http = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        is_http = False
    if not is_http:
        problems.append(
            f"CAFEF_BASE_URL must be an http(s) URL, such as https://cafef.vn; got {base_url!r}"
        )
    output_dir = settings.get("OUTPUT_DIR")
    if output_dir is not None and not _is_text_path(output_dir):
        # A settings module's `OUTPUT_DIR = 5` (or bytes): no folder name, and a traceback.
        problems.append(
            f"OUTPUT_DIR must be a folder's name, as text or a path; got {output_dir!r}"
        )
    elif output_dir is not None and not str(output_dir).strip():
        # Path("") is the working directory: cron's is $HOME, and the dataset would land there.
        # The environment variable is named only where the value can have come from it.
        from_environment = (
            settings.getpriority("OUTPUT_DIR") != SETTINGS_PRIORITIES["cmdline"]
            and not os.environ.get("NEWSSCRAPER_OUTPUT_DIR", "x").strip()
        )
        hint = " (NEWSSCRAPER_OUTPUT_DIR is set but empty?)" if from_environment else ""
        problems.append(f"OUTPUT_DIR must name the dataset folder{hint}; got {output_dir!r}")
    elif output_dir is not None and os.path.lexists(output_dir) and not os.path.isdir(output_dir):
        # A file (or a link to nothing) there: making the folder would fail as a disk fault.
        problems.append(
            "OUTPUT_DIR must be the dataset's folder, or where to make one; "
            f"{named(output_dir)} is a file, not a folder"
        )
    elif output_dir is not None and (unnamed := unnamed_for_pyarrow(output_dir)):
        problems.append(f"OUTPUT_DIR: {unnamed}")
    for name, whole, smallest, largest in NUMBERS:
        problem = _number_problem(settings, name, whole, smallest, largest)
        if problem:
            problems.append(problem)
    compression = settings.get("PARQUET_COMPRESSION")
    if compression is not None and (
        problem := compression_problem("PARQUET_COMPRESSION", compression)
    ):
        problems.append(problem)
    level = settings.get("LOG_LEVEL")
    if level is not None and not _is_log_level(level):
        problems.append(
            f"LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; got {level!r}"
        )
    problems += _scrapy_feature_problems(settings)
    run_id = settings.get("RUN_ID")
    if run_id and not is_safe_path_value(run_id):
        problems.append(
            f"RUN_ID {run_id!r} cannot name files: use up to 100 letters, digits, '.', '_' "
            "and '-', starting with a letter or digit"
        )
    return problems


def settings_not_taken(settings, given: dict[str, str]) -> list[str]:
    """One message for each of the `-s` settings `given` (name → the text given) that Scrapy
    cannot set in `settings`: a setting holding components by name (DOWNLOADER_MIDDLEWARES,
    ITEM_PIPELINES, FEEDS) takes a JSON object, and anything else ended in a traceback."""
    problems = []
    for name, value in given.items():
        if not isinstance(settings.get(name), BaseSettings):
            continue  # any text is taken for any other setting (`setting_problems` judges it)
        try:
            settings.copy().set(name, value, priority="cmdline")
        except (TypeError, ValueError):
            problems.append(f"{name} takes a JSON object, {{name: value, …}}; got {value!r}")
    return problems


def run_id_refused(settings) -> str | None:
    """Why RUN_ID cannot name this run (a run of OUTPUT_DIR already has it), or None; the
    commands ask under the crawl lock and exit 1 with the reason, before the crawl starts."""
    run_id = settings.get("RUN_ID")
    output_dir = settings.get("OUTPUT_DIR")
    if run_id and run_id_used(output_dir, run_id):
        return (
            f"RUN_ID {run_id!r} is already used in {output_dir}: a run id names one run and its "
            "files; give a new one"
        )
    return None


def _unknown_setting_problems(settings) -> list[str]:
    """Names given with -s that neither Scrapy nor newsscraper reads: a typo such as
    CAFEF_MAX_PAGE=3 would run with the default instead, 20 listing pages of the live site."""
    known = _known_setting_names()
    problems = []
    for name in sorted(settings):
        if name in known or settings.getpriority(name) != SETTINGS_PRIORITIES["cmdline"]:
            continue
        if name in ENVIRONMENT_VARIABLES:
            problems.append(
                f"{name} is an environment variable, not a setting: set it in the environment, "
                f"or give {ENVIRONMENT_VARIABLES[name]} with -s"
            )
            continue
        # Compared in upper case, as every setting is named: cafef_max_pages is CAFEF_MAX_PAGES.
        close = difflib.get_close_matches(name.upper(), sorted(known), n=1)
        if name.lower() in ARGUMENT_NAMES:
            also = f" (or -s {close[0]}={settings[name]})" if close else ""
            problems.append(
                f"{name} is a spider argument, not a setting: give it with "
                f"-a {name.lower()}={settings[name]}{also}"
            )
            continue
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(f"{name} is no setting of Scrapy or newsscraper{hint}")
    return problems


def _known_setting_names() -> set[str]:
    """Scrapy's settings, newsscraper's, and those of the settings module the crawl runs with
    (SCRAPY_SETTINGS_MODULE: one's own, for a component of one's own)."""
    names = {*SCRAPY_SETTINGS_WITHOUT_DEFAULT}
    modules = [default_settings, project_settings]
    own = os.environ.get("SCRAPY_SETTINGS_MODULE")
    if own:
        with contextlib.suppress(ImportError):  # Scrapy has said so already, or will
            modules.append(importlib.import_module(own))
    for module in modules:
        names.update(name for name in dir(module) if name.isupper())
    return names


def _scrapy_feature_problems(settings) -> list[str]:
    """Scrapy features that lose or double articles in an incremental crawl."""
    problems = []
    try:
        cached = settings.getbool("HTTPCACHE_ENABLED")
    except ValueError:
        cached = True
    if cached:
        problems.append(
            "HTTPCACHE_ENABLED cannot be used: a listing page read from the cache hides the "
            "articles published since, and an error page read from it keeps an article failing "
            f"until it is given up; got {settings.get('HTTPCACHE_ENABLED')!r}"
        )
    jobdir = settings.get("JOBDIR")
    if jobdir:
        problems.append(
            "JOBDIR cannot be used: a crawl takes up where the last one stopped by itself (the "
            "watermark and the pending pages), and the requests a job directory kept would be "
            f"asked for a second time; got {jobdir!r}"
        )
    return problems


def _number_problem(settings, name: str, whole: bool, smallest, largest) -> str | None:
    value = settings.get(name)
    if value is None:  # unset: the component's own default
        return None
    try:
        number = settings.getint(name) if whole else settings.getfloat(name)
    except (TypeError, ValueError):
        number = None
    if number is not None and number >= smallest and (largest is None or number <= largest):
        return None
    kind = "a whole number" if whole else "a number"
    bounds = f"from {smallest} to {largest}" if largest is not None else f"{smallest} or more"
    return f"{name} must be {kind}, {bounds}; got {value!r}"


def _is_text_path(value) -> bool:
    return isinstance(value, str | os.PathLike) and isinstance(os.fspath(value), str)


def _is_log_level(level) -> bool:
    try:
        logging.Handler().setLevel(level)
    except (TypeError, ValueError):
        return False
    return True
