"""Runs the benchmarks in order, one failure not stopping the others."""

from __future__ import annotations

import importlib
import os
import time
import traceback

from bench.common import BenchResult

# Module names under bench/, in the order they run and are reported.
BENCHMARKS = ("extraction", "extract_cli", "crawl", "storage", "queries", "history", "profile")


def run_benchmark(name: str, *, smoke: bool) -> BenchResult:
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.{name}")
        result = module.run(smoke=smoke)
    except Exception:  # recorded in the results; the other benchmarks still run
        result = BenchResult(name, name, error=traceback.format_exc())
    result.seconds = time.perf_counter() - start
    # Other work on the machine skews the figures: say how busy it was.
    result.load_average = (load_before, os.getloadavg()[0])
    return result


def run_benchmarks(names: tuple[str, ...] = BENCHMARKS, *, smoke: bool) -> list[BenchResult]:
    results = []
    for name in names:
        print(f"[bench] {name}{' (smoke)' if smoke else ''} …", flush=True)
        result = run_benchmark(name, smoke=smoke)
        status = "failed" if result.error else f"done in {result.seconds:.1f} s"
        print(f"[bench] {name} {status}", flush=True)
        results.append(result)
    return results
