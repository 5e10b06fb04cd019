"""Opening the seen set (`History.load`) over a grown dataset: time and peak RSS.

The measurement is `bench.history_open` (it builds the dataset, then loads it in a fresh
process). It runs here as its own command, `python -m bench.history_open`, started through
`bench.common.run_measured`'s small wrapper: Linux carries a process's peak RSS across exec,
so its measuring process, started straight from this one, would report at least this
process's peak (hundreds of MB after the other benchmarks) rather than the load's.

Full size: a million rows over ten years of daily files (its defaults). Smoke: ten thousand
rows over 20 days.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench.common import REPO, BenchResult, Figure, fmt_seconds, run_measured

NAME = "history"
TITLE = "History: opening the seen set (`History.load`)"
SMOKE_DAYS = 20


def measure(rows: int, days: int | None = None) -> dict:
    command = [sys.executable, "-m", "bench.history_open", "--rows", str(rows)]
    if days is not None:
        command += ["--days", str(days)]
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        out = Path(tmp) / "measured.json"
        usage = run_measured(command, cwd=REPO, stdout_path=out)
        if usage.returncode != 0:
            raise RuntimeError(f"history_open exited {usage.returncode}: {usage.stderr[-2000:]}")
        return json.loads(out.read_text(encoding="utf-8"))


def run(smoke: bool = False) -> BenchResult:
    measured = measure(10_000, SMOKE_DAYS) if smoke else measure(1_000_000)
    result = BenchResult(NAME, TITLE)
    result.data = measured
    grown = measured["peak_rss_mb"] - measured["rss_before_mb"]
    result.figures = [
        Figure("stored rows / part files", f"{measured['rows']:,} / {measured['files']:,}"),
        Figure("History.load", fmt_seconds(measured["seconds"])),
        Figure(
            "peak RSS (after imports → after load)",
            f"{measured['rss_before_mb']:.0f} MB → {measured['peak_rss_mb']:.0f} MB "
            f"(+{grown:.0f} MB)",
        ),
        Figure(
            "is_stored + content_duplicate_of, per pair",
            fmt_seconds(measured["query_pair_us"] / 1e6),
        ),
    ]
    return result
