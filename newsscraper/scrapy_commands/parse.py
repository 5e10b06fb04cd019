"""`scrapy parse`, Scrapy's own, writing nothing into the dataset (see __init__)."""

from __future__ import annotations

import warnings

from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.exceptions import ScrapyDeprecationWarning

from newsscraper.scrapy_commands import WritesNothing


class Command(WritesNothing, ScrapyParseCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        # Scrapy's parse command wraps the callback in one of its own that returns a Deferred,
        # which Scrapy (2.19) then calls deprecated on every page: nothing this spider, or a
        # user of the command, could change.
        warnings.filterwarnings(
            "ignore",
            message=r".* returned a Deferred\. Returning Deferreds from spider callbacks",
            category=ScrapyDeprecationWarning,
        )
