""" "Articles per day mentioning a ticker", by DuckDB and by polars, over a million rows.

The dataset is laid out like the real one (`articles/section=<slug>/published_date=<day>/`,
one part file per day, full file schema) and built in numpy: ids, URLs, titles, bodies,
timestamps and a `tickers` list per row whose symbols follow a Zipf-like popularity. The
right answer is counted in numpy from the generated arrays, and both engines must give it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.common import BenchResult, Figure, fmt_seconds, median
from bench.synthetic import FIRST_DAY, SECTION, text_bank, ticker_universe, ticker_weights

NAME = "queries"
TITLE = "Query: articles per day mentioning HPX (DuckDB, polars)"
TICKER = "HPX"
WARM_RUNS = 3

DUCKDB_SQL = """
SELECT published_date, count(*) AS articles
FROM read_parquet('{glob}', hive_partitioning = true)
WHERE list_contains(tickers, '{ticker}')
GROUP BY published_date
ORDER BY published_date
"""


def build_dataset(output_dir: Path, rows: int, days: int, seed: int = 11) -> dict[str, int]:
    """Write `rows` articles over `days` days; the true {day: rows mentioning TICKER}."""
    from newsscraper.dataset import article_partition_dir
    from newsscraper.schema import ARTICLES_FILE_SCHEMA

    rng = np.random.default_rng(seed)
    symbols = ticker_universe()
    weights = ticker_weights(len(symbols))
    per_row = rng.choice(4, size=rows, p=[0.4, 0.35, 0.15, 0.1])
    offsets = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int32)
    ticker_codes = rng.choice(len(symbols), size=int(offsets[-1]), p=weights)
    row_of_ticker = np.repeat(np.arange(rows), per_row)
    day_of_row = np.arange(rows) * days // rows
    mentions = np.unique(row_of_ticker[symbols[ticker_codes] == TICKER])
    truth_counts = np.bincount(day_of_row[mentions], minlength=days)
    truth = {
        (FIRST_DAY + dt.timedelta(days=int(d))).isoformat(): int(c)
        for d, c in enumerate(truth_counts)
        if c
    }

    bank = text_bank()
    titles = pa.array(list(bank.titles), pa.string())
    bodies = pa.array(["\n\n".join(bank.paragraphs[i : i + 6]) for i in range(0, 30, 6)])
    tickers_all = pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(symbols[ticker_codes], pa.string())
    )
    ts_type = ARTICLES_FILE_SCHEMA.field("published_at").type
    bounds = np.searchsorted(day_of_row, np.arange(days + 1))
    for d in range(days):
        lo, hi = int(bounds[d]), int(bounds[d + 1])
        n = hi - lo
        if not n:
            continue
        day = FIRST_DAY + dt.timedelta(days=d)
        midnight_utc = dt.datetime.combine(day, dt.time(0), dt.UTC) - dt.timedelta(hours=7)
        seconds = np.sort(rng.integers(0, 86_400, n))
        published = np.datetime64(midnight_utc.replace(tzinfo=None), "us") + seconds.astype(
            "timedelta64[s]"
        )
        ids = [f"188{day:%y%m%d}{i:09d}" for i in range(lo, hi)]
        columns = {
            "article_id": pa.array(ids, pa.string()),
            "url": pa.array([f"https://cafef.vn/bai-viet-{i}.chn" for i in ids], pa.string()),
            "category": pa.array(["Doanh nghiệp"] * n, pa.string()),
            "title": titles.take(pa.array(rng.integers(0, len(titles), n))),
            "body": bodies.take(pa.array(rng.integers(0, len(bodies), n))),
            "published_at": pa.array(published, ts_type),
            "tickers": tickers_all.slice(lo, n),
            "scraped_at": pa.array(published + np.timedelta64(1, "h"), ts_type),
            "run_id": pa.array([f"bench-{d:05d}"] * n, pa.string()),
        }
        table = pa.table(
            [
                columns[name].cast(field.type) if name in columns else pa.nulls(n, field.type)
                for name, field in zip(
                    ARTICLES_FILE_SCHEMA.names, ARTICLES_FILE_SCHEMA, strict=True
                )
            ],
            schema=ARTICLES_FILE_SCHEMA,
        )
        folder = article_partition_dir(output_dir, SECTION, day)
        folder.mkdir(parents=True, exist_ok=True)
        # Written directly (no fsync per file): a build step, not the thing measured.
        pq.write_table(table, folder / "part-bench-0.parquet", compression="zstd")
    return truth


def duckdb_query(output_dir: Path) -> dict[str, int]:
    import duckdb

    glob = str(output_dir / "articles" / "**" / "*.parquet")
    with duckdb.connect() as connection:
        found = connection.execute(DUCKDB_SQL.format(glob=glob, ticker=TICKER)).fetchall()
    return {str(day): int(count) for day, count in found}


def polars_query(output_dir: Path) -> dict[str, int]:
    import polars as pl

    glob = str(output_dir / "articles" / "**" / "*.parquet")
    frame = (
        pl.scan_parquet(glob, hive_partitioning=True)
        .filter(pl.col("tickers").list.contains(TICKER))
        .group_by("published_date")
        .len()
        .sort("published_date")
        .collect()
    )
    return {str(day): int(count) for day, count in frame.iter_rows()}


def _timed(query, output_dir: Path) -> tuple[dict[str, int], float, float]:
    """(answer, first run seconds, median of the warm runs)."""
    start = time.perf_counter()
    answer = query(output_dir)
    first = time.perf_counter() - start
    warm = []
    for _ in range(WARM_RUNS):
        start = time.perf_counter()
        query(output_dir)
        warm.append(time.perf_counter() - start)
    return answer, first, median(warm)


def run(smoke: bool = False) -> BenchResult:
    import duckdb  # noqa: F401  (imported here so no query time includes the import)
    import polars  # noqa: F401

    rows, days = (20_000, 40) if smoke else (1_000_000, 2_000)
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        output_dir = Path(tmp)
        start = time.perf_counter()
        truth = build_dataset(output_dir, rows, days)
        build_seconds = time.perf_counter() - start
        dataset_bytes = sum(p.stat().st_size for p in output_dir.rglob("*.parquet"))
        results = {
            name: _timed(fn, output_dir)
            for name, fn in (("duckdb", duckdb_query), ("polars", polars_query))
        }

    result = BenchResult(NAME, TITLE)
    result.data = {
        "rows": rows,
        "days": days,
        "files": days,
        "dataset_mb": dataset_bytes / 1e6,
        "build_seconds": build_seconds,
        "matching_rows": sum(truth.values()),
    }
    result.figures = [
        Figure(
            "dataset",
            f"{rows:,} rows, {days:,} day partitions, {dataset_bytes / 1e6:,.0f} MB; "
            f"{sum(truth.values()):,} rows mention {TICKER}",
        ),
    ]
    for name, (answer, first, warm) in results.items():
        correct = answer == truth
        result.data[name] = {"first_seconds": first, "warm_seconds": warm, "correct": correct}
        result.figures.append(
            Figure(
                f"{name}: first run / warm (median of {WARM_RUNS})",
                f"{fmt_seconds(first)} / {fmt_seconds(warm)}",
                "answer matches",
                correct,
            )
        )
    return result
