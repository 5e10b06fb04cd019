"""Which earlier runs a finished run's health is judged against: those finished in the
DAYS_LOOKED_BACK + 1 days before it, and the last one before them (`looked_at`, which
`newsscraper.runs` reads from the run records), what a backfill's record says it is, and how
far below the usual a figure must fall to be flagged.
"""

from __future__ import annotations

import datetime as dt

BACKFILL = "backfill"  # a run record's `mode` when it crawled a date window
# A drop below this share of the usual is "far below".
FAR_BELOW = 0.3
# New articles are counted per 24 hours, whatever the cron cadence: a run every ten minutes
# finds one or two, an hourly one few at night; a day's total is what holds steady.
DAY = dt.timedelta(hours=24)
# Days with a run judged unhealthy are left out of the comparison, so a collapse that lasts
# stays flagged; up to this many days back are looked at to find DAYS_COMPARED others.
DAYS_LOOKED_BACK = 28


def looked_at(recent: list[dict], end: dt.datetime) -> list[dict]:
    """Of `recent` (newest first), the runs `judge` looks at for a run finished at `end`, as
    `newsscraper.runs.closing_runs` reads them: those finished since `oldest_looked_at(end)`,
    the newest, and the one finished last before them. Nothing older decides anything, even
    where a clock was wrong: a crawl reads only these of a year of records."""
    oldest = oldest_looked_at(end)
    before = [run for run in recent if (run.get("finished_at") or oldest) < oldest]
    last_before = max(before, key=lambda run: run["finished_at"], default=None)
    return [
        run
        for index, run in enumerate(recent)
        if index == 0 or run is last_before or _finished_since(run, oldest)
    ]


def _finished_since(run: dict, oldest: dt.datetime) -> bool:
    return run.get("finished_at") is not None and run["finished_at"] >= oldest


def oldest_looked_at(end: dt.datetime) -> dt.datetime:
    """The earliest finish of a run that `judge`, for a run finished at `end`, looks at: the
    days of DAYS_LOOKED_BACK and the day being judged. Of the runs before it, only the newest
    counts, for when the rows of the first run after it were published."""
    return end - (DAYS_LOOKED_BACK + 1) * DAY
