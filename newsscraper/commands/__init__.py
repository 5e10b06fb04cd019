"""The `newsscraper` commands: `COMMANDS` names each one, says what it does and declares its
options; its work is `run(args) -> int` (the exit code) in `newsscraper/commands/<name>.py`.

This module stays light (argparse and the project's settings only): the parser is built from
it for every run, and a command's own module, with the libraries it reads or crawls with
(Scrapy, lxml, pyarrow), is imported only when that command runs. So `--help` and `--version`
answer at once, and `newsscraper cron` does not load the modules of extract, stats and verify.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from newsscraper import settings as project_settings
from newsscraper.sections import DEFAULT_SECTION


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]

    def run(self, args: argparse.Namespace) -> int:
        return importlib.import_module(f"{__name__}.{self.name}").run(args)


# Every command's `--output-dir`, said in the same words (the default of settings.py).
OUTPUT_DIR_HELP = (
    "dataset folder (default: the environment variable NEWSSCRAPER_OUTPUT_DIR, else output)"
)


def wait_seconds(text: str) -> float:
    """`--wait SECONDS` of the commands that take the lock: a number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds, 0 or more; got {text!r}")
    return value


def days_count(text: str) -> int:
    """`--older-than DAYS` of compact: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of days, 0 or more; got {text!r}"
        )
    return value


def extract_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="saved article page (HTML); - reads stdin"
    )
    parser.add_argument(
        "--url",
        help="the page's URL, which decides article_id and url: it wins over the file name and "
        "the page's canonical link (only with a single FILE)",
    )


def cron_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--section",
        metavar="SLUG",
        help=f"section slug, as -a section=SLUG (default: {DEFAULT_SECTION})",
    )
    parser.add_argument(
        "--output-dir", metavar="DIR", help=f"{OUTPUT_DIR_HELP}; as -s OUTPUT_DIR=DIR"
    )
    parser.add_argument(
        "--log-file",
        metavar="FILE",
        help="rotating log file (default: OUTPUT_DIR/logs/newsscraper.log; 10 MB × 5)",
    )
    parser.add_argument(
        "--wait",
        type=wait_seconds,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for the lock another run holds (a crawl of another section, "
        "a compaction) before exiting 75 (default: 0, exit at once)",
    )
    parser.add_argument(
        "-a",
        dest="spider_args",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="spider argument, as for scrapy crawl (max_pages, stop_after_seen_pages, …)",
    )
    parser.add_argument(
        "-s",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting, as for scrapy crawl",
    )


def output_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output-dir", default=project_settings.OUTPUT_DIR, metavar="DIR", help=OUTPUT_DIR_HELP
    )


def compact_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--section",
        metavar="SLUG",
        help="only partitions of this section slug (default: every section)",
    )
    parser.add_argument(
        "--older-than",
        type=days_count,
        metavar="DAYS",
        help="only partitions whose published_date is more than DAYS days before today "
        "(default: every day)",
    )
    output_dir_argument(parser)
    parser.add_argument(
        "--wait",
        type=wait_seconds,
        default=0,
        metavar="SECONDS",
        help="wait up to SECONDS for the lock a crawl holds before exiting 75 (default: 0, "
        "exit at once)",
    )
    parser.add_argument(
        "--compression",
        default=project_settings.PARQUET_COMPRESSION,
        metavar="CODEC",
        help="codec of the merged files, as the PARQUET_COMPRESSION setting: zstd, snappy, "
        "gzip, brotli, lz4 or none (default: %(default)s)",
    )


def stats_arguments(parser: argparse.ArgumentParser) -> None:
    output_dir_argument(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of tables")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw articles per day to FILE.png")


COMMANDS = {
    command.name: command
    for command in (
        Command("extract", "print one JSON object per saved article page", extract_arguments),
        Command(
            "cron",
            "one locked crawl with a run record, incremental or (-a since=DATE) a backfill",
            cron_arguments,
        ),
        Command(
            "compact",
            "merge the part files of each partition, and of runs/ and rejects/, into one",
            compact_arguments,
        ),
        Command(
            "stats", "rows per day, fill rates, duplicates, rejects, recent runs", stats_arguments
        ),
        Command(
            "verify",
            "check every file, the schema, ids and partitions; exit 1 on a problem",
            output_dir_argument,
        ),
    )
}
