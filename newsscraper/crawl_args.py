"""The spider's `-a` arguments, checked before anything is requested."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

from newsscraper.pages.dates import vietnam_date
from newsscraper.sections import DEFAULT_SECTION, SECTION_ZONES, unknown_section


class ArgumentError(ValueError):
    """A bad `-a` argument; the message names the valid values."""


ARGUMENT_NAMES = ("section", "max_pages", "stop_after_seen_pages", "since", "until")


@dataclass(frozen=True)
class CrawlArguments:
    section: str = DEFAULT_SECTION
    max_pages: int | None = None  # None: no limit (a backfill walks to `since` or the end)
    # True when `-a max_pages` was given: a hard limit. The default (`CAFEF_MAX_PAGES`) gives
    # way while a run catches up on a watermark it has not reached (`ListingWalk`).
    max_pages_given: bool = False
    stop_after_seen_pages: int = 1
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def zone_id(self) -> int:
        return SECTION_ZONES[self.section]

    @property
    def is_backfill(self) -> bool:
        return self.since is not None or self.until is not None

    @classmethod
    def parse(
        cls, raw: dict, *, default_max_pages: int, now: dt.datetime | None = None
    ) -> CrawlArguments:
        """The arguments of `raw`; `since`/`until` given as days back (`-1`) are resolved to
        dates from `now`, the crawl's clock (`RunContext`), in Vietnam time."""
        # A misspelt name would otherwise be dropped silently (`-a sinse=…` crawling
        # incrementally). Names with a leading underscore are a deployment's own (scrapyd's
        # `_job`), not the spider's.
        unknown = sorted(name for name in raw if name not in ARGUMENT_NAMES and name[:1] != "_")
        if unknown:
            raise ArgumentError(_unknown_argument(unknown[0], raw[unknown[0]]))
        section = raw.get("section", DEFAULT_SECTION)
        if (problem := unknown_section(section)) is not None:
            raise ArgumentError(problem)
        since = _date(raw, "since", now)
        until = _date(raw, "until", now)
        if since and until and since > until:
            raise ArgumentError(f"since ({since}) is after until ({until})")
        backfill = since is not None or until is not None
        max_pages = _positive_int(raw, "max_pages")
        max_pages_given = max_pages is not None
        if max_pages is None and not backfill:
            max_pages = default_max_pages
        stop_after = _positive_int(raw, "stop_after_seen_pages")
        return cls(
            section=section,
            max_pages=max_pages,
            max_pages_given=max_pages_given,
            stop_after_seen_pages=cls.stop_after_seen_pages if stop_after is None else stop_after,
            since=since,
            until=until,
        )


def _unknown_argument(name: str, value: str) -> str:
    """What to say of `-a name=value`, a name the spider does not take."""
    if name.lower() in ARGUMENT_NAMES:
        return f"{name}: argument names are lower case: -a {name.lower()}={value}"
    # A near name is offered for a typo; an upper-case one is a setting, offered below.
    close = [] if name.isupper() else difflib.get_close_matches(name, ARGUMENT_NAMES, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    message = f"unknown argument {name!r}{hint}; valid arguments: {', '.join(ARGUMENT_NAMES)}"
    if name.isupper():  # CAFEF_MAX_PAGES, DOWNLOAD_DELAY: settings are upper case
        message += f"; a setting is given with -s {name}={value}"
    return message


def _positive_int(raw: dict, name: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ArgumentError(f"{name} must be a positive integer (1, 2, 3, …), got {value!r}")
    return number


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Days back from the crawl's Vietnam date: `0` today, `-1` yesterday. A crontab line cannot
# easily compute a date (`%` needs escaping there, `date -d` is GNU's), so a daily backfill
# gives `-a since=-1`. Only 0 and negative numbers: `1` reads as tomorrow, or as a typo.
_DAYS_BACK = re.compile(r"0|-[0-9]+")


def _date(raw: dict, name: str, now: dt.datetime | None) -> dt.date | None:
    value = raw.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if _DAYS_BACK.fullmatch(text):
        if now is None:
            raise ValueError(f"{name}={text}: days back need the crawl's clock")
        try:
            return vietnam_date(now) + dt.timedelta(days=int(text))
        except OverflowError:
            raise ArgumentError(f"{name}: {text} days back is before the year 1") from None
    try:
        # fromisoformat alone also takes 20260101 and 2026-W05-1: the README promises one form.
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ArgumentError(
            f"{name} must be a date as YYYY-MM-DD or days back (0, -1, -2, …) from today "
            f"in Vietnam, got {value!r}"
        ) from None
