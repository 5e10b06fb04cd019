"""Crawl throughput and memory: one `scrapy crawl cafef` process against the local replica.

The replica (`replica.serve`) runs in this process on 127.0.0.1, so its memory is not the
crawl's; the crawl runs as a child with politeness off (`replica.crawl.POLITENESS_OFF`:
no robots.txt, no delay, no AutoThrottle, 16 concurrent requests) and LOG_LEVEL=WARNING, and
`wait4` gives its wall time, CPU time and peak RSS. Two sizes show whether memory stays flat
as a crawl grows; the dataset is read back to check that every article landed once.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from bench.common import BenchResult, Figure, fmt_seconds, run_measured

NAME = "crawl"
TITLE = "Crawl of the local replica: articles/s, peak RSS, CPU per article"
TARGET_RSS_GROWTH = 1.2  # peak RSS at the large size over the small one, at most


def whole_site_settings(site, articles: int) -> dict[str, str]:
    """Crawl settings that walk every listing page of a `site` of `articles` (and two more),
    quietly."""
    pages = -(-articles // site.page_size) + 2
    return {"CAFEF_MAX_PAGES": str(pages), "LOG_LEVEL": "WARNING"}


def crawl_once(articles: int) -> dict:
    """Serve a replica of `articles` stories and crawl it all once, in a fresh output dir."""
    from newsscraper.dataset import list_part_files
    from newsscraper.dataset_read import read_articles
    from replica import ReplicaSite, serve
    from replica.crawl import PROJECT_ROOT, crawl_command, crawl_env

    start = time.perf_counter()
    site = ReplicaSite(articles=articles)
    build_seconds = time.perf_counter() - start
    settings = whole_site_settings(site, articles)
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        output_dir = Path(tmp) / "output"
        before = resource.getrusage(resource.RUSAGE_SELF)
        with serve(site) as handle:
            usage = run_measured(
                crawl_command(handle.base_url, output_dir, settings=settings),
                cwd=PROJECT_ROOT,
                env=crawl_env(),
            )
            requests = len(handle.requests)
        after = resource.getrusage(resource.RUSAGE_SELF)
        if usage.returncode != 0:
            raise RuntimeError(f"scrapy crawl exited {usage.returncode}: {usage.stderr[-3000:]}")
        ids = read_articles(output_dir, columns=["article_id"]).column("article_id")
        part_files = list_part_files(output_dir)
        dataset_bytes = sum(p.stat().st_size for p in part_files)
    rows, distinct = len(ids), len(set(ids.to_pylist()))
    return {
        "articles": articles,
        "rows": rows,
        "distinct_ids": distinct,
        "rows_right": rows == articles and distinct == articles,
        "requests": requests,
        "part_files": len(part_files),
        "wall_seconds": usage.wall_seconds,
        "cpu_seconds": usage.cpu_seconds,
        "peak_rss_mb": usage.peak_rss_mb,
        "articles_per_second": rows / usage.wall_seconds,
        "cpu_ms_per_article": usage.cpu_seconds / max(rows, 1) * 1e3,
        "replica_cpu_seconds": (after.ru_utime + after.ru_stime)
        - (before.ru_utime + before.ru_stime),
        "replica_build_seconds": build_seconds,
        "dataset_bytes_per_article": dataset_bytes / max(rows, 1),
        "stderr_tail": usage.stderr[-500:],
    }


def run(smoke: bool = False) -> BenchResult:
    sizes = (50,) if smoke else (2_000, 20_000)
    runs = {str(n): crawl_once(n) for n in sizes}
    result = BenchResult(NAME, TITLE)
    result.data = {"sizes": list(sizes), "runs": runs}
    for n in sizes:
        r = runs[str(n)]
        result.figures += [
            Figure(
                f"{n:,} articles: articles/s (wall {fmt_seconds(r['wall_seconds'])})",
                f"{r['articles_per_second']:.0f}",
            ),
            Figure(f"{n:,} articles: peak RSS of the crawl", f"{r['peak_rss_mb']:.0f} MB"),
            Figure(
                f"{n:,} articles: CPU per article (crawl / replica)",
                f"{r['cpu_ms_per_article']:.2f} ms / "
                f"{r['replica_cpu_seconds'] / max(r['rows'], 1) * 1e3:.2f} ms",
            ),
            Figure(
                f"{n:,} articles: rows in the dataset",
                f"{r['rows']:,} ({r['distinct_ids']:,} distinct ids, {r['part_files']} files, "
                f"{r['dataset_bytes_per_article']:,.0f} B/article)",
                f"= {n:,}",
                r["rows_right"],
            ),
        ]
    if len(sizes) == 2:
        small, large = (runs[str(n)] for n in sizes)
        growth = large["peak_rss_mb"] / small["peak_rss_mb"]
        result.data["rss_growth"] = growth
        result.figures.append(
            Figure(
                f"peak RSS {sizes[1]:,} / {sizes[0]:,}",
                f"{growth:.2f}×",
                f"≤ {TARGET_RSS_GROWTH}×",
                growth <= TARGET_RSS_GROWTH,
            )
        )
    return result
