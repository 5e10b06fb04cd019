"""A run record as a crawl of doanh-nghiep writes it, for tests that write runs/ files."""

from __future__ import annotations

import datetime as dt

from newsscraper.schema import RUNS_SCHEMA

UTC = dt.UTC


def run_record(run_id: str, minute: int, **fields) -> dict:
    """Every column of the record (None unless given), the run started at 02:`minute` UTC on
    2026-03-08, finished a minute later, its watermark an hour before it started."""
    return {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": run_id,
        "section": "doanh-nghiep",
        "mode": "incremental",
        "started_at": dt.datetime(2026, 3, 8, 2, minute, tzinfo=UTC),
        "finished_at": dt.datetime(2026, 3, 8, 2, minute + 1, tzinfo=UTC),
        "exit_code": 0,
        "watermark": dt.datetime(2026, 3, 8, 1, minute, tzinfo=UTC),
        **fields,
    }
