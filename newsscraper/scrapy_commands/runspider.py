"""`scrapy runspider newsscraper/spiders/cafef.py`: run as `scrapy crawl cafef` is.

Scrapy's own `runspider` takes no lock and exits 0 whatever the run did, while the project's
settings have the spider write OUTPUT_DIR: the cafef spider run from its file holds the lock,
is refused a rest not ended, and exits with the run's code, as `scrapy crawl cafef` does.
Any other spider file runs as Scrapy runs it, with every writer of the dataset switched off,
as for `scrapy fetch`: its items are no CafeF articles, and it holds no lock.
"""

from __future__ import annotations

from pathlib import Path

from scrapy.commands.runspider import Command as ScrapyRunSpiderCommand
from scrapy.commands.runspider import _import_file
from scrapy.utils.spider import iter_spider_classes

from newsscraper.scrapy_commands import (
    StandardStreamsOpen,
    check_arguments,
    refuse_unknown_options,
    write_nothing,
)
from newsscraper.scrapy_commands.crawl import crawl_under_lock
from newsscraper.spiders.cafef import CafefSpider


class Command(StandardStreamsOpen, ScrapyRunSpiderCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        if cafef_spider_in(args) is not None:
            check_arguments(opts.spargs, self.settings)  # before Scrapy logs its start

    def run(self, args, opts):
        refuse_unknown_options(args)
        spider = cafef_spider_in(args)
        if spider is None:
            write_nothing(self.crawler_process.settings)  # the settings its crawler will copy
            super().run(args, opts)
            return
        crawl_under_lock(self, spider, opts)


def cafef_spider_in(args):
    """The spider class `scrapy runspider` would run, when it is the cafef spider; else None
    (Scrapy's own command then says what is wrong with the file)."""
    if len(args) != 1 or not Path(args[0]).exists():
        return None
    try:
        spiders = list(iter_spider_classes(_import_file(args[0])))
    except (ImportError, ValueError):
        return None
    if spiders and spiders[-1].name == CafefSpider.name:
        return spiders[-1]
    return None
