"""Opening the seen set (`History.load`) over a grown dataset: time and peak RSS.

The dataset and the measuring script are `bench.history_open`'s (`build_dataset`, and the
script its `run` starts in a fresh process); this module starts that script through
`bench.common.run_measured`'s small wrapper instead of from this process. Linux carries a
process's peak RSS across exec, so a script started straight from a process that has just
built a million rows reports that process's peak, not the load's.

Full size: a million rows over ten years of daily files. Smoke: ten thousand rows over 20 days
(spread over ten years they would be 7,300 files, half a minute to write).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from bench import history_open
from bench.common import BenchResult, Figure, fmt_seconds, run_measured

NAME = "history"
TITLE = "History: opening the seen set (`History.load`)"
SMOKE_DAYS = 20


def measure(rows: int, days: int | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        dataset = Path(tmp) / "output"
        extra = {} if days is None else {"days": days}
        files = history_open.build_dataset(dataset, rows, **extra)
        out = Path(tmp) / "measured.json"
        usage = run_measured(
            [sys.executable, "-c", history_open._MEASURE, str(dataset)], stdout_path=out
        )
        if usage.returncode != 0:
            raise RuntimeError(f"History.load exited {usage.returncode}: {usage.stderr[-2000:]}")
        measured = json.loads(out.read_text(encoding="utf-8"))
    return {"rows": rows, "files": files, **measured, "process_cpu_seconds": usage.cpu_seconds}


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
