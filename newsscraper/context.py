"""Per-crawl state shared by the spider, pipelines and extensions: run id and clock.

Time enters the crawl here and only here, so a fixed `NEWSSCRAPER_NOW` makes a crawl of
fixtures give the same rows on every run.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def fixed_clock(instant: dt.datetime) -> Clock:
    return lambda: instant


def clock_of(settings) -> Clock:
    """The clock a crawl with `settings` runs by: NEWSSCRAPER_NOW when it is set."""
    fixed = settings.get("NEWSSCRAPER_NOW")
    if not fixed:
        return system_clock
    instant = dt.datetime.fromisoformat(fixed)
    if instant.tzinfo is None:
        raise ValueError(f"NEWSSCRAPER_NOW needs a time zone offset, got {fixed!r}")
    return fixed_clock(instant.astimezone(dt.UTC))


def checking_now(settings) -> dt.datetime:
    """The instant a crawl's arguments are checked against before it starts (days back in
    `-a since=-1`): its clock's, or the machine's when NEWSSCRAPER_NOW cannot be read (the
    setting checks refuse it then)."""
    try:
        return clock_of(settings)()
    except ValueError:
        return system_clock()


def new_run_id(now: dt.datetime) -> str:
    """Sortable and unique per process: part-file names derive from it."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


@dataclass
class RunContext:
    run_id: str
    clock: Clock
    started_at: dt.datetime

    @classmethod
    def from_settings(cls, settings) -> RunContext:
        clock = clock_of(settings)
        started = clock()
        run_id = settings.get("RUN_ID") or new_run_id(started)
        return cls(run_id=run_id, clock=clock, started_at=started)

    @classmethod
    def of(cls, crawler) -> RunContext:
        """The one context of this crawl, made on first use."""
        ctx = getattr(crawler, "_newsscraper_context", None)
        if ctx is None:
            ctx = cls.from_settings(crawler.settings)
            crawler._newsscraper_context = ctx
        return ctx
