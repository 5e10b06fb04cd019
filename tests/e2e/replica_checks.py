"""Checks shared by the fault, crash, disk and security crawls: what was stored, compared with
the replica's own model of its articles, and what the crawl asked the replica for."""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from newsscraper.dataset import articles_dir, is_visible_part_file
from newsscraper.dataset_read import read_articles, read_rejects
from newsscraper.runs import read_runs
from replica import ServerHandle, SyntheticArticle

# The columns a correct crawl can be checked against: `SyntheticArticle.expected_fields()`.
MODEL_COLUMNS = [
    "article_id",
    "url",
    "section",
    "category",
    "title",
    "sapo",
    "body",
    "author",
    "source",
    "source_url",
    "published_at",
    "modified_at",
    "published_date",
    "tags",
    "tickers",
    "image_urls",
]


def assert_stored_exactly(output_dir, articles: list[SyntheticArticle]) -> None:
    """Every article of `articles` is stored once, each row as the model says; nothing else."""
    rows = read_articles(output_dir, columns=MODEL_COLUMNS).to_pylist()
    twice = [i for i, n in Counter(r["article_id"] for r in rows).items() if n > 1]
    assert not twice, f"stored more than once: {twice}"
    stored = {row["article_id"]: row for row in rows}
    expected = {a.article_id: a.expected_fields() for a in articles}
    assert sorted(stored) == sorted(expected)
    for article_id, row in expected.items():
        assert stored[article_id] == row, f"article {article_id} stored wrong"


def stored_ids(output_dir) -> list[str]:
    return read_articles(output_dir, columns=["article_id"]).column("article_id").to_pylist()


def assert_complete_part_files(output_dir) -> list[Path]:
    """Every file under articles/ is a whole Parquet file a reader can read; returns them."""
    base = articles_dir(output_dir)
    files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []
    for path in files:
        assert is_visible_part_file(path, base), f"not a part file in the dataset: {path}"
        pq.ParquetFile(path).read()  # raises on a truncated or half-written file
    return files


def only_run(output_dir) -> dict:
    runs = read_runs(output_dir)
    assert len(runs) == 1, runs
    return runs[0]


def reject_reasons(output_dir) -> dict[str | None, str]:
    """article_id -> reason of every reject row."""
    table = read_rejects(output_dir)
    return dict(zip(table["article_id"].to_pylist(), table["reason"].to_pylist(), strict=True))


def requests_for(handle: ServerHandle, path: str, since: int = 0):
    """The requests for `path` (any query), from the `since`-th request of the log on."""
    return [r for r in handle.requests[since:] if r.path.split("?", 1)[0] == path]


_STATS_BLOCK = re.compile(r"Dumping Scrapy stats:\n(\{.*?\})\n", re.DOTALL)
_DATETIME = re.compile(r"datetime\.datetime\((?:[^()]|\([^()]*\))*\)")


def crawl_stats(log: str) -> dict:
    """The stats Scrapy dumps at the end of a crawl, from its log (datetimes left out)."""
    found = _STATS_BLOCK.search(log)
    assert found, f"no stats in the crawl log:\n{log[-3000:]}"
    return ast.literal_eval(_DATETIME.sub("None", found.group(1)))


def assert_only_replica_fetched(handle: ServerHandle, stats: dict) -> None:
    """Nothing left the replica: each request the crawler made reached it, for its own host.

    The replica may see more requests than the crawler counts (Twisted's connection pool
    resends a request on its own when a reused connection was reset), never fewer.
    """
    host = f"127.0.0.1:{handle.port}"
    assert {r.host for r in handle.requests} == {host}
    assert stats.get("downloader/request_count", 0) <= len(handle.requests), (
        "the crawler made requests the replica never saw"
    )
