"""Scrapy commands of this project (COMMANDS_MODULE); `crawl` here replaces Scrapy's own.

`parse`, `fetch`, `view` and `shell` replace Scrapy's own too, to look at pages without
touching the dataset: they hold no lock and walk no listing, so a page they read must not
become a row, a reject or a run record of OUTPUT_DIR (a reject is never asked for again).
"""

from __future__ import annotations

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


class WritesNothing:
    """Mixed into a Scrapy command class: its settings have every dataset writer off."""

    def process_options(self, args, opts):
        super().process_options(args, opts)
        write_nothing(self.settings)
