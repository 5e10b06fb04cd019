"""`scrapy fetch`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

from scrapy.commands.fetch import Command as ScrapyFetchCommand

from newsscraper.scrapy_commands import write_nothing


class Command(ScrapyFetchCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        write_nothing(self.settings)
