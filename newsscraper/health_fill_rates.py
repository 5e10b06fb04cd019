"""The fill-rate check: a column that was always filled going empty in the newest new
articles, against the samples of the runs before them.
"""

from __future__ import annotations

import statistics
from collections import Counter
from itertools import islice

from newsscraper import exitcodes
from newsscraper.health_window import BACKFILL, FAR_BELOW, oldest_looked_at

# Fill rates are compared over samples of at least this many new articles, the newest runs
# pooled until they hold that many: a column filled half the time is often empty in five rows,
# and at most about twice in a hundred samples below 30% in twenty.
ROWS_PER_SAMPLE = 20
SAMPLES_COMPARED = 10
MIN_SAMPLES_FOR_MEDIAN = 5
MIN_MEDIAN_FILL_RATE = 0.5


def fill_rate_drops(record: dict, recent: list[dict]) -> list[str]:
    """A column far less often filled in the newest sample of new articles (this run's and,
    until they hold ROWS_PER_SAMPLE, the runs' before it) than in the samples before them,
    taken from the runs finished in the DAYS_LOOKED_BACK + 1 days before (`oldest_looked_at`),
    like the daily counts.
    Runs judged unhealthy are left out of those: a layout change stays flagged until fixed.
    An incremental run is judged with incremental runs only: a backfill's rows are older
    articles, which can fill a column otherwise, and pooled with the few rows of the cron runs
    after it they would speak for those (a drop flagged in runs that have none, or hidden)."""
    if not record.get("new_rows"):
        return []  # no new article: nothing new to say about the columns
    if record.get("mode") != BACKFILL:
        recent = [run for run in recent if run.get("mode") != BACKFILL]
    end = record.get("finished_at")
    if end is not None:
        oldest = oldest_looked_at(end)
        recent = [run for run in recent if run["finished_at"] >= oldest]
    runs = iter([record, *recent])
    first = next(_samples(runs), None)
    if first is None:
        return []
    current, rows = _pooled_rates(first), sum(r.get("new_rows") or 0 for r in first)
    healthy = (r for r in runs if r.get("exit_code") != exitcodes.UNHEALTHY)
    past = [_pooled_rates(sample) for sample in islice(_samples(healthy), SAMPLES_COMPARED)]
    if len(past) < MIN_SAMPLES_FOR_MEDIAN:
        return []
    drops = []
    for column, rate in sorted(current.items()):
        values = [rates[column] for rates in past if column in rates]
        if len(values) < MIN_SAMPLES_FOR_MEDIAN:
            continue
        median = statistics.median(values)
        if median >= MIN_MEDIAN_FILL_RATE and rate < FAR_BELOW * median:
            drops.append(
                f"fill rate of {column} fell to {rate:.0%} over the last {rows} new articles "
                f"against a median of {median:.0%}"
            )
    return drops


def _samples(runs):
    """Consecutive runs taken from the iterator `runs`, pooled into lists holding at least
    ROWS_PER_SAMPLE new articles each (a last, smaller one is not given)."""
    sample: list[dict] = []
    rows = 0
    for run in runs:
        sample.append(run)
        rows += run.get("new_rows") or 0
        if rows >= ROWS_PER_SAMPLE:
            yield sample
            sample, rows = [], 0


def _pooled_rates(runs: list[dict]) -> dict[str, float]:
    """Each column's fill rate over the new articles of `runs` together."""
    filled: Counter = Counter()
    rows: Counter = Counter()
    for run in runs:
        count = run.get("new_rows") or 0
        for column, rate in (run.get("fill_rates") or {}).items():
            filled[column] += rate * count
            rows[column] += count
    return {column: filled[column] / rows[column] for column in rows if rows[column]}
