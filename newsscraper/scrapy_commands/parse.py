"""`scrapy parse`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

from scrapy.commands.parse import Command as ScrapyParseCommand

from newsscraper.scrapy_commands import WritesNothing


class Command(WritesNothing, ScrapyParseCommand):
    pass
