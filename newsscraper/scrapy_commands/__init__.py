"""Scrapy commands of this project (COMMANDS_MODULE); `crawl` here replaces Scrapy's own.

`parse`, `fetch`, `view` and `shell` replace Scrapy's own too, to look at pages without
touching the dataset: they hold no lock and walk no listing, so a page they read must not
become a row, a reject or a run record of OUTPUT_DIR (a reject is never asked for again).
"""

from __future__ import annotations

from scrapy.exceptions import UsageError
from scrapy.utils.conf import arglist_to_dict

from newsscraper.context import checking_now
from newsscraper.crawl_args import ArgumentError, CrawlArguments
from newsscraper.setting_checks import setting_problems, settings_not_taken
from newsscraper.standard_streams import open_closed_standard_streams

# What writes OUTPUT_DIR: the names settings.py gives them.
DATASET_WRITERS = {
    "EXTENSIONS": ("newsscraper.rejects.RejectsExtension", "newsscraper.runs.RunRecordExtension"),
    "ITEM_PIPELINES": ("pipelines.parquet.ParquetSinkPipeline",),
}


def write_nothing(settings) -> None:
    """Switch off in `settings` every component that writes OUTPUT_DIR."""
    for name, components in DATASET_WRITERS.items():
        enabled = settings.getdict(name)
        enabled.update(dict.fromkeys(components))
        settings.set(name, enabled, priority="cmdline")


def check_arguments(spider_arguments: dict, settings) -> None:
    """UsageError (exit 2) for a spider argument or a setting the cafef spider refuses, said
    before anything is locked, read or asked for."""
    try:
        CrawlArguments.parse(spider_arguments, default_max_pages=1, now=checking_now(settings))
    except ArgumentError as exc:
        raise UsageError(str(exc), print_help=False) from None
    problems = setting_problems(settings)
    if problems:
        raise UsageError("; ".join(problems), print_help=False)


def refuse_unknown_options(args: list[str]) -> None:
    """UsageError (exit 2) naming the options among `args` that Scrapy did not know and passed
    on as positional arguments: taken for one more spider (or spider file), they were said as
    "more than one spider", or as the command's help, naming neither."""
    if unknown := [arg for arg in args if arg.startswith("-")]:
        raise UsageError(f"unrecognized arguments: {' '.join(unknown)}", print_help=False)


class StandardStreamsOpen:
    """Mixed into a Scrapy command class: a stdout or stderr the caller closed (`2>&-`) is
    opened on /dev/null before Scrapy sets up its log (see `open_closed_standard_streams`)."""

    def process_options(self, args, opts):
        open_closed_standard_streams()
        try:
            given = arglist_to_dict(opts.set)
        except ValueError:
            given = {}  # `-s` without `=`: Scrapy says so
        problems = settings_not_taken(self.settings, given)
        if problems:
            raise UsageError("; ".join(problems), print_help=False)
        super().process_options(args, opts)


class WritesNothing(StandardStreamsOpen):
    """Mixed into a Scrapy command class: its settings have every dataset writer off, and a
    setting or spider argument (`scrapy parse -a`) the spider refuses is a usage error, as
    for `scrapy crawl`, not the traceback of a spider that could not be made."""

    def process_options(self, args, opts):
        super().process_options(args, opts)
        write_nothing(self.settings)
        check_arguments(getattr(opts, "spargs", {}), self.settings)
