"""Rests the site asked for: a Retry-After that outlasts its run, remembered across runs.

A run that closes while the site still wants a rest notes its end in the run record
(`rests_until`); until it ends, no crawl of the dataset, whatever its section, asks the site
for anything.
"""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa
import pyarrow.compute as pc

from newsscraper import runs_read
from newsscraper.context import clock_of
from newsscraper.retries import REST_REMEMBERED_MAX


def rest_left(deadline: float | None, now: dt.datetime) -> dt.datetime | None:
    """When the rest ending at `deadline` (by time.monotonic()) ends, by the crawl's clock that
    says `now`; None when it has ended. Judged by the time that passed, as a clock fixed by
    NEWSSCRAPER_NOW stands still while the run waits a rest out."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    return now + dt.timedelta(seconds=left) if left > 0 else None


# How far a clock may have been set back since a rest was noted for the rest to still hold (a
# step of NTP, seconds or minutes); crawls give RETRY_AFTER_MAX, of which this is the default.
REST_CLOCK_SET_BACK = dt.timedelta(seconds=600)


def site_rest(
    output_dir, now: dt.datetime, set_back: dt.timedelta = REST_CLOCK_SET_BACK
) -> dict | None:
    """The run record (run_id, section, rests_until) that asks the latest rest of the site
    still running at `now`, whichever section it crawled: the site asked the crawler, not the
    section, for it. None when no rest is running.

    A rest noted by a run that finished more than `set_back` after `now` was noted by a clock
    ahead of this one (a machine clock since corrected, NEWSSCRAPER_NOW): when in its hours the
    rest fell is not known, and held until the end that clock gave, it would hold the crawl
    for as long as that clock was ahead, a day for one a day ahead, on top of the rest the site
    asked for. It holds nothing: a site still resting says so again with its Retry-After. So
    a rest holds at most as long as it was asked for, and `set_back` more. No rest is kept
    longer than REST_REMEMBERED_MAX from its run's finish either: a record noting a longer one
    (another tool's, one edited by hand) holds nothing, not even in that rest's last day, and a
    day's rest still holds whole for a clock set back since."""
    table = runs_read.read_runs(
        output_dir, columns=["run_id", "section", "finished_at", "rests_until"]
    )
    if table is None or "rests_until" not in table.column_names:
        return None  # only records older than version 4, which noted no rest
    ends = table.column("rests_until")
    noted = table.column("finished_at")
    longest = pa.scalar(dt.timedelta(seconds=REST_REMEMBERED_MAX), type=pa.duration("us"))
    table = table.filter(
        pc.and_(
            pc.and_(
                pc.greater(ends, pa.scalar(now, type=ends.type)),
                pc.less_equal(ends, pc.add(noted, longest)),
            ),
            pc.less_equal(noted, pa.scalar(now + set_back, type=noted.type)),
        )
    )
    if table.num_rows == 0:
        return None
    latest = table.sort_by([("rests_until", "descending")]).slice(0, 1)
    return latest.select(["run_id", "section", "rests_until"]).to_pylist()[0]


def rest_refused(settings) -> str | None:
    """Why a crawl with `settings` does not start (a rest the site asked for in an earlier run
    is still running), or None; the commands ask under the crawl lock and exit 3 with it."""
    set_back = dt.timedelta(seconds=settings.getfloat("RETRY_AFTER_MAX"))
    record = site_rest(settings.get("OUTPUT_DIR"), clock_of(settings)(), set_back)
    if record is None:
        return None
    return (
        f"the site asked for a rest (Retry-After) until {rest_end(record['rests_until'])}, "
        f"in run {record['run_id']} ({record['section']}); no crawl of this dataset asks it "
        "for anything before then"
    )


def rest_end(until: dt.datetime) -> str:
    """The end of a rest as a person is told it: to the second, in UTC, never before it ends."""
    until = until.astimezone(dt.UTC)
    if until.microsecond:
        until = until.replace(microsecond=0) + dt.timedelta(seconds=1)
    return f"{until:%Y-%m-%d %H:%M:%S} UTC"
