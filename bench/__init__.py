"""Benchmarks of newsscraper, side by side in one run: `python -m bench` (or `make bench`).

Each benchmark is a module with `NAME`, `TITLE` and `run(smoke: bool) -> BenchResult`;
`bench.__main__` runs them all, prints one table and writes `bench/RESULTS.md`. Figures are
recorded, never asserted: `tests/test_bench_smoke.py` only checks that every benchmark still
runs (`--smoke`) and reports the figures it should.
"""
