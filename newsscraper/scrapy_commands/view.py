"""`scrapy view`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

from scrapy.commands.view import Command as ScrapyViewCommand

from newsscraper.scrapy_commands import WritesNothing


class Command(WritesNothing, ScrapyViewCommand):
    pass
