"""`make demo`: start the replica, crawl it into a folder of its own, show what landed, stop.

python -m replica.demo [--articles 60] [--output-dir DIR]  (default: demo-output)

Never the crawl's dataset (`output/`, `OUTPUT_DIR`) by default: the replica's synthetic articles
would sit there among the live ones, and its run record's watermark (the replica's stories are
dated March 2026) would send the next live crawl paging back through every month since, to
catch up with it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import pyarrow.compute as pc

from newsscraper.dataset import articles_dir
from newsscraper.dataset_read import read_articles
from replica import ReplicaSite, serve
from replica.crawl import run_crawl

DEMO_OUTPUT_DIR = "demo-output"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m replica.demo", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--articles", type=int, default=60)
    parser.add_argument("--output-dir", default=DEMO_OUTPUT_DIR)
    args = parser.parse_args(argv)
    # Absolute: the crawl runs in the project's folder, the summary is read from this one.
    output_dir = Path(args.output_dir).resolve()

    before = read_articles(output_dir, columns=["article_id"]).num_rows
    with serve(ReplicaSite(articles=args.articles)) as handle:
        print(f"replica of the Doanh nghiệp section: {args.articles} articles, {handle.base_url}")
        result = run_crawl(
            handle.base_url,
            output_dir,
            spider_args={"max_pages": "50"},
            settings={"LOG_LEVEL": "WARNING"},
        )
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        print(f"the crawl failed with exit code {result.returncode}", file=sys.stderr)
        return result.returncode

    table = read_articles(output_dir, columns=["published_date", "title", "published_at"])
    where = articles_dir(output_dir)
    print(f"\n{table.num_rows - before} new rows; {table.num_rows} rows in {where}/\n")
    per_day = (
        table.group_by("published_date")
        .aggregate([("title", "count")])
        .sort_by([("published_date", "descending")])
    )
    print("rows per day (Vietnam date):")
    for day, count in zip(
        per_day["published_date"].to_pylist(), per_day["title_count"].to_pylist(), strict=True
    ):
        print(f"  {day}  {count:4d}")
    newest = table.take(pc.sort_indices(table, [("published_at", "descending")])[:5])
    print("\nnewest titles:")
    for when, title in zip(
        newest["published_at"].to_pylist(), newest["title"].to_pylist(), strict=True
    ):
        print(f"  {when:%Y-%m-%d %H:%M} UTC  {title}")
    # stats and verify read output/ unless told: name the folder the demo wrote.
    where_given = shlex.quote(args.output_dir)
    # In an SQL string a quote is written twice: a folder named "Hòa's" must not end it.
    parquet_glob = f"{articles_dir(output_dir)}/**/*.parquet".replace("'", "''")
    print(
        f"\nread it in DuckDB: FROM read_parquet('{parquet_glob}',"
        " hive_partitioning=true)\n(pandas, pyarrow, polars and Spark: README.md, 'Reading it')"
        f"\n.venv/bin/newsscraper stats --output-dir {where_given}"
        f"  ·  .venv/bin/newsscraper verify --output-dir {where_given}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
