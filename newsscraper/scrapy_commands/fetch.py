"""`scrapy fetch`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

from scrapy.commands.fetch import Command as ScrapyFetchCommand

from newsscraper.scrapy_commands import WritesNothing


class Command(WritesNothing, ScrapyFetchCommand):
    pass
