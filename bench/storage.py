"""Bytes per article: our Parquet dataset against JSON Lines of the same rows.

Synthetic rows in real Vietnamese words (`bench.synthetic`) go through the dataset writer a
crawl uses (`newsscraper.dataset_write.commit_articles`, zstd) in batches of
PARQUET_BATCH_ITEMS, as a crawl commits them; then the same rows as one file per partition (what
`compact` leaves), as JSON Lines, and as gzipped JSON Lines.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from bench.common import BenchResult, Figure
from bench.synthetic import article_rows

NAME = "storage"
TITLE = "Dataset size: Parquet vs JSON Lines, bytes per article"


def _json_default(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def jsonl_bytes(rows: list[dict]) -> bytes:
    lines = (json.dumps(row, ensure_ascii=False, default=_json_default) for row in rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def tree_bytes(folder: Path) -> tuple[int, int]:
    """(bytes, files) of the Parquet files under `folder`."""
    files = list(folder.rglob("*.parquet"))
    return sum(p.stat().st_size for p in files), len(files)


def run(smoke: bool = False) -> BenchResult:
    from newsscraper.dataset_read import read_articles
    from newsscraper.dataset_write import commit_articles
    from newsscraper.settings import PARQUET_BATCH_ITEMS, PARQUET_COMPRESSION

    count = 200 if smoke else 10_000
    rows = article_rows(count)
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        as_crawled = Path(tmp) / "as-crawled"
        for seq, start in enumerate(range(0, count, PARQUET_BATCH_ITEMS)):
            batch = rows[start : start + PARQUET_BATCH_ITEMS]
            commit_articles(
                as_crawled, batch, "bench-storage", seq, compression=PARQUET_COMPRESSION
            )
        crawled_bytes, crawled_files = tree_bytes(as_crawled / "articles")
        stored = read_articles(as_crawled)
        if stored.num_rows != count:
            raise RuntimeError(f"wrote {count} rows, read back {stored.num_rows}")

        compacted = Path(tmp) / "compacted"
        commit_articles(compacted, rows, "bench-storage", 0, compression=PARQUET_COMPRESSION)
        compact_bytes, compact_files = tree_bytes(compacted / "articles")
        single = Path(tmp) / "single.parquet"
        pq.write_table(stored, single, compression=PARQUET_COMPRESSION)
        single_bytes = single.stat().st_size

    raw_json = jsonl_bytes(rows)
    json_bytes, gz_bytes = len(raw_json), len(gzip.compress(raw_json, 6))
    body_bytes = sum(len(row["body"].encode("utf-8")) for row in rows)
    per = lambda n: n / count  # noqa: E731
    result = BenchResult(NAME, TITLE)
    result.data = {
        "rows": count,
        "body_utf8_bytes_per_article": per(body_bytes),
        "parquet_as_crawled": {"bytes_per_article": per(crawled_bytes), "files": crawled_files},
        "parquet_compacted": {"bytes_per_article": per(compact_bytes), "files": compact_files},
        "parquet_single_file": {"bytes_per_article": per(single_bytes), "files": 1},
        "jsonl": {"bytes_per_article": per(json_bytes)},
        "jsonl_gzip": {"bytes_per_article": per(gz_bytes)},
    }
    result.figures = [
        Figure("rows (synthetic, every column filled)", f"{count:,}"),
        Figure("body text alone (UTF-8)", f"{per(body_bytes):,.0f} B/article"),
        Figure("JSON Lines", f"{per(json_bytes):,.0f} B/article"),
        Figure("JSON Lines, gzip -6", f"{per(gz_bytes):,.0f} B/article"),
        Figure(
            f"Parquet as a crawl commits it ({crawled_files} files, batches of "
            f"{PARQUET_BATCH_ITEMS})",
            f"{per(crawled_bytes):,.0f} B/article ({json_bytes / crawled_bytes:.1f}× smaller "
            "than JSONL)",
        ),
        Figure(
            f"Parquet, one file per day ({compact_files} files)",
            f"{per(compact_bytes):,.0f} B/article ({json_bytes / compact_bytes:.1f}× smaller)",
        ),
        Figure(
            "Parquet, one file",
            f"{per(single_bytes):,.0f} B/article ({json_bytes / single_bytes:.1f}× smaller)",
        ),
    ]
    return result
