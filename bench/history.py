"""Opening the seen set (`History.load`) over a grown dataset: time and peak RSS.

The measurement itself is `bench.history_open` (a fresh process per load, so the RSS is the
load's own); this module runs it at a million rows and reports it. The smoke builds its ten
thousand rows over 20 days with `history_open.build_dataset` and measures them with the same
script: `history_open.run` lays any size over ten years of daily files (7,300 files, half a
minute to write), too slow for a check that has to take seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import history_open
from bench.common import BenchResult, Figure, fmt_seconds

NAME = "history"
TITLE = "History: opening the seen set (`History.load`)"
SMOKE_DAYS = 20


def _smoke_measure(rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        files = history_open.build_dataset(Path(tmp), rows, days=SMOKE_DAYS)
        done = subprocess.run(
            [sys.executable, "-c", history_open._MEASURE, tmp],
            check=True,
            capture_output=True,
            text=True,
        )
    return {"rows": rows, "files": files, **json.loads(done.stdout)}


def run(smoke: bool = False) -> BenchResult:
    measured = _smoke_measure(10_000) if smoke else history_open.run(1_000_000)
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
