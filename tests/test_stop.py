"""Stopping a crawl: what a SIGTERM or Ctrl-C leaves for the exit code to read."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.utils.test import get_crawler
from twisted.internet import defer

from newsscraper import exitcodes
from newsscraper.scrapy_commands.crawl import exit_code_of
from newsscraper.stop import (
    STOP_REQUESTED_STAT,
    is_stopping,
    note_early_signals,
    note_signals,
    stop_crawl,
)


class Process:
    """The signal handlers of a Scrapy CrawlerProcess, recording what they were called with;
    with `suffix="_reactorless"`, those its asyncio form installs without Twisted's reactor
    (TWISTED_REACTOR_ENABLED=False)."""

    def __init__(self, suffix: str = ""):
        self.handled = []
        for name, what in (("_signal_shutdown", "shutdown"), ("_signal_kill", "kill")):
            setattr(self, name + suffix, self._handler(what))

    def _handler(self, what: str):
        return lambda signum, frame: self.handled.append((what, signum))


def test_a_signal_before_the_spider_closed_is_a_shutdown_not_an_abnormal_end():
    # The engine was still opening the spider: the process stopped with no finish reason.
    process, crawler = Process(), get_crawler()
    note_signals(process, crawler)
    assert exit_code_of(crawler) == exitcodes.ABNORMAL  # no signal: abnormal, as before

    process._signal_shutdown(15, None)

    assert process.handled == [("shutdown", 15)]  # Scrapy's own handler still runs
    assert exit_code_of(crawler) == exitcodes.INTERRUPTED


def test_a_second_signal_is_an_unclean_stop():
    process, crawler = Process(), get_crawler()
    note_signals(process, crawler)

    process._signal_shutdown(2, None)
    process._signal_kill(2, None)

    assert process.handled == [("shutdown", 2), ("kill", 2)]
    assert exit_code_of(crawler) == exitcodes.ABNORMAL


def test_a_finish_reason_the_engine_gave_still_decides_after_a_signal():
    process, crawler = Process(), get_crawler()
    note_signals(process, crawler)
    process._signal_shutdown(15, None)
    crawler.stats.set_value("finish_reason", "finished")  # the signal came after the close

    assert exit_code_of(crawler) == exitcodes.OK


def test_signals_are_noted_without_twisteds_reactor_too():
    process, crawler = Process("_reactorless"), get_crawler()
    note_signals(process, crawler)

    process._signal_shutdown_reactorless(15, None)

    assert process.handled == [("shutdown", 15)]
    assert exit_code_of(crawler) == exitcodes.INTERRUPTED
    process._signal_kill_reactorless(15, None)
    assert exit_code_of(crawler) == exitcodes.ABNORMAL


def crawler_without_stats_yet():
    """A crawler as Scrapy is still making it, with no stats yet, and what gives them to it."""
    crawler = get_crawler()
    stats, crawler._stats = crawler.stats, None
    return crawler, lambda: setattr(crawler, "stats", stats)


def test_a_signal_while_scrapy_still_makes_the_crawler_is_noted_once_the_crawl_is_over():
    process, (crawler, give_stats) = Process(), crawler_without_stats_yet()
    early = note_signals(process, crawler)
    process._signal_shutdown(15, None)
    assert process.handled == [("shutdown", 15)]
    give_stats()

    note_early_signals(crawler, early)

    assert exit_code_of(crawler) == exitcodes.INTERRUPTED


def test_a_second_signal_noted_since_stands_over_an_early_one():
    process, (crawler, give_stats) = Process(), crawler_without_stats_yet()
    early = note_signals(process, crawler)
    process._signal_shutdown(2, None)
    give_stats()
    process._signal_kill(2, None)

    note_early_signals(crawler, early)

    assert exit_code_of(crawler) == exitcodes.ABNORMAL


class Engine:
    """The part of Scrapy's engine `stop_crawl` uses, recording the closes it is asked for."""

    def __init__(self, spider):
        self.spider, self.running, self.closes = spider, True, []

    def close_spider_async(self, reason):
        self.closes.append(reason)
        return defer.succeed(None)


def test_stopping_a_crawl_closes_the_spider_with_the_first_reason_asked():
    # A full disk must end the crawl, not leave it fetching pages it can no longer store.
    crawler = get_crawler()
    crawler.engine = Engine(spider=SimpleNamespace(name="cafef"))
    assert not is_stopping(crawler)

    stop_crawl(crawler, "disk_error")
    stop_crawl(crawler, "soft_blocked")  # a second stop while closing: the engine keeps one

    assert crawler.engine.closes == ["disk_error", "soft_blocked"]
    assert crawler.stats.get_value(STOP_REQUESTED_STAT) == "disk_error"
    assert is_stopping(crawler)


def test_stopping_a_crawl_whose_spider_is_not_open_asks_nothing_of_the_engine():
    crawler = get_crawler()
    crawler.engine = Engine(spider=None)  # not opened yet, or closed already

    stop_crawl(crawler, "disk_error")

    assert crawler.engine.closes == []
    assert crawler.stats.get_value(STOP_REQUESTED_STAT) is None
