"""Shared by every test: what a test changes of the process it runs in is put back, the
settings of the property tests, and crawl processes forked from a warm interpreter."""

from __future__ import annotations

import os
import signal

import pytest
from hypothesis import settings

import replica.crawl
from tests.warm_processes import WarmProcesses

# Every process a test starts has a buffered stdout, as from a crontab: a shell or IDE that
# sets PYTHONUNBUFFERED would hide a summary lost in that buffer. A test wanting one unbuffered
# says so in the environment it gives.
os.environ.pop("PYTHONUNBUFFERED", None)
_warm = WarmProcesses()


def pytest_configure(config):
    """Every crawl and `newsscraper` command run through `replica.crawl.run_command` starts
    from an interpreter that imported Scrapy and pyarrow once (see `tests.warm_processes`)."""
    replica.crawl.run_command = _warm.run


def pytest_unconfigure(config):
    _warm.close()


@pytest.fixture(autouse=True)
def _signal_handlers_put_back():
    """A crawl run in-process (a stub CrawlerProcess) ends by giving SIGTERM and Ctrl-C their
    default action (`newsscraper.stop.end_on_held_signal`): pytest keeps its own."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in before.items():
        signal.signal(signum, handler)


# The property and model tests (hypothesis): the same examples on every run and no example
# database written, so a failure is one every machine sees again; fifty examples each (fewer
# where an example is a crawl), so that the whole suite stays within CI's ten minutes on two
# slow cores. `HYPOTHESIS_PROFILE=explore` draws many more, fresh each time.
settings.register_profile(
    "ci", derandomize=True, deadline=None, database=None, max_examples=50, print_blob=True
)
settings.register_profile("explore", deadline=None, database=None, max_examples=20_000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
