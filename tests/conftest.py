"""Shared by every test: what a test changes of the process it runs in is put back."""

from __future__ import annotations

import signal

import pytest


@pytest.fixture(autouse=True)
def _signal_handlers_put_back():
    """A crawl run in-process (a stub CrawlerProcess) ends by giving SIGTERM and Ctrl-C their
    default action (`newsscraper.stop.end_on_held_signal`): pytest keeps its own."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)
