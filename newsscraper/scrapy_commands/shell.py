"""`scrapy shell`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

from scrapy.commands.shell import Command as ScrapyShellCommand

from newsscraper.scrapy_commands import WritesNothing


class Command(WritesNothing, ScrapyShellCommand):
    pass
