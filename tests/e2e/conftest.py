"""Fixtures for end-to-end crawls: a replica on 127.0.0.1 and `scrapy crawl cafef` against it."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from newsscraper.dataset_read import read_articles
from replica import ReplicaSite, serve
from replica.crawl import run_crawl


@pytest.fixture
def replica():
    """`replica(site)` serves a ReplicaSite for the test and returns its handle."""
    with ExitStack() as stack:

        def start(site: ReplicaSite):
            return stack.enter_context(serve(site))

        yield start


@pytest.fixture
def output_dir(tmp_path):
    return tmp_path / "output"


@pytest.fixture
def crawl(output_dir):
    """`crawl(handle, **spider_args, settings={...})` runs one crawl; returns the process."""

    def run(handle, settings: dict | None = None, expect_exit: int | None = 0, **spider_args):
        result = run_crawl(
            handle.base_url,
            output_dir,
            spider_args={k: str(v) for k, v in spider_args.items()},
            settings={k: str(v) for k, v in (settings or {}).items()},
        )
        if expect_exit is not None:
            assert result.returncode == expect_exit, (
                f"exit {result.returncode}, expected {expect_exit}\n{result.stderr[-6000:]}"
            )
        return result

    return run


def stored_rows(output_dir, columns: list[str] | None = None) -> list[dict]:
    return read_articles(output_dir, columns=columns).to_pylist()


@pytest.fixture
def stored(output_dir):
    """`stored(columns)` reads back what the crawl stored, as a list of dicts."""
    return lambda columns=None: stored_rows(output_dir, columns)
