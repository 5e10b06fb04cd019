"""Scrapy commands of this project (COMMANDS_MODULE); `crawl` here replaces Scrapy's own.

`parse`, `fetch`, `view` and `shell` replace Scrapy's own too, to look at pages without
touching the dataset: they hold no lock and walk no listing, so a page they read must not
become a row, a reject or a run record of OUTPUT_DIR (a reject is never asked for again).
"""

from __future__ import annotations

from newsscraper.cli import open_closed_standard_streams

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


class StandardStreamsOpen:
    """Mixed into a Scrapy command class: a stdout or stderr the caller closed (`2>&-`) is
    opened on /dev/null before Scrapy sets up its log (see `open_closed_standard_streams`)."""

    def process_options(self, args, opts):
        open_closed_standard_streams()
        super().process_options(args, opts)


class WritesNothing(StandardStreamsOpen):
    """Mixed into a Scrapy command class: its settings have every dataset writer off."""

    def process_options(self, args, opts):
        super().process_options(args, opts)
        write_nothing(self.settings)
