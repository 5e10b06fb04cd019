"""`scrapy shell`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShellCommand

from newsscraper.scrapy_commands import write_nothing


class Command(ScrapyShellCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        write_nothing(self.settings)
