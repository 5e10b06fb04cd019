"""The date formats of cafef.vn, all read as Vietnam time (UTC+7, no daylight saving), and which
of a page's times is a time of the story (not a CMS's empty date, a bare date last)."""

from __future__ import annotations

import datetime as dt
import re

VIETNAM_TZ = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")
# No story of the site is older (CafeF started in 2007): a time before this is a CMS's empty or
# default date (`1900-01-01`), not a time of the article.
EARLIEST_NEWS_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def news_time(value: dt.datetime | None) -> dt.datetime | None:
    """`value`, or None for a time before any story of the site (`EARLIEST_NEWS_TIME`): a CMS's
    empty or default date (`1900-01-01`, .NET's `0001-01-01`) is no time of a story."""
    return value if value is not None and value >= EARLIEST_NEWS_TIME else None


def vietnam_date(instant: dt.datetime) -> dt.date:
    """The Vietnam (UTC+7) calendar date of an aware instant: the `published_date` partition."""
    if instant.tzinfo is None:
        raise ValueError(f"naive datetime has no calendar date in Vietnam: {instant!r}")
    return instant.astimezone(VIETNAM_TZ).date()


# Focus block of a section page: `07/03/2026 - 00:01`, or with the day or month unpadded and
# the dash left out (`4/9/2024 10:31`). Some values carry a stray leading `2` (`206/03/2026 -
# 00:05` is 06/03/2026): three digits before the `/` are that `2` and the day; one or two are
# the day as written (`24/9/2024` is the 24th).
_LISTING_TIME = re.compile(
    r"^\s*(?:2(?=\d{2}/))?(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*-\s*|\s+)(\d{1,2}):(\d{2})"
)

# Article header: `07-03-2026 - 00:01 AM`, `04-07-2026 - 18:07 PM`. The clock is 24-hour and
# the AM/PM suffix means nothing, so it is ignored (18:07 PM is 18:07, never 06:07 or 30:07);
# so is the Vietnamese one, `SA` (sáng) or `CH` (chiều): `02:31 CH` is 02:31, as `02:31 PM` is.
# The older template's pages may write the day with slashes or dots and the time after a space,
# a comma or a bar (`24/10/2023 10:31 AM`, `Thứ ba, 24/10/2023, 10:31`): read the same way.
_VISIBLE_TIME = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?:\s*[-–,|])?\s*(\d{1,2}):(\d{2})")
# Some write the time first (`10:31 24/10/2023`, `10:31 - 24/10/2023`, `10:31, 24/10/2023`,
# `10:31 AM 24/10/2023`, `10:31 SA 24/10/2023`): read when no date-first time is there. Its
# seconds, if any, are ignored (`10:05:31` is 10:05, never 05:31): a digit, or a digit and a
# colon, just before the hour is no part of it.
_VISIBLE_TIME_FIRST = re.compile(
    r"(?<!\d)(?<!\d:)(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*(?:[AP]M|SA|CH)\b)?(?:\s*[-–,|])?\s*"
    r"(\d{1,2})([-/.])(\d{1,2})\4(\d{4})",
    re.I,
)


def _vietnam_time(year: str, month: str, day: str, hour: str, minute: str) -> dt.datetime | None:
    try:
        value = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), tzinfo=VIETNAM_TZ
        )
    except ValueError:
        return None
    return _storable(value)


def _storable(value: dt.datetime) -> dt.datetime | None:
    """`value` (aware) in UTC+7, or None when it has no UTC instant a row can hold: the very
    first hours of year 1 (`0001-01-01T00:00:00`, .NET's empty date) or the last of year 9999
    are out of `datetime`'s range once moved to UTC, and storing them would raise."""
    try:
        value.astimezone(dt.UTC)
        return value.astimezone(VIETNAM_TZ)
    except OverflowError:
        return None


def parse_listing_time(text: str | None) -> dt.datetime | None:
    """`DD/MM/YYYY - HH:MM` of a focus item (day and month padded or not, the dash optional, with
    the stray-`2` quirk) as Vietnam time."""
    match = _LISTING_TIME.match(text or "")
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    return _vietnam_time(year, month, day, hour, minute)


def parse_visible_time(text: str | None) -> dt.datetime | None:
    """`DD-MM-YYYY - HH:MM AM|PM` of an article header (or `DD/MM/YYYY HH:MM`, see
    `_VISIBLE_TIME`, or the time first, `HH:MM DD/MM/YYYY`) as Vietnam time, suffix ignored."""
    match = _VISIBLE_TIME.search(text or "")
    if match:
        day, _, month, year, hour, minute = match.groups()
        return _vietnam_time(year, month, day, hour, minute)
    match = _VISIBLE_TIME_FIRST.search(text or "")
    if match:
        hour, minute, day, _, month, year = match.groups()
        return _vietnam_time(year, month, day, hour, minute)
    return None


def is_date_only(text: str | None) -> bool:
    """True for an ISO 8601 date without a time of day (`2026-07-04`), which `parse_iso_time`
    reads as midnight: the day a story came out, not when."""
    text = (text or "").strip()
    # No ISO date is longer than `2026-07-04` (or `2026-W27-6`): a time is never parsed twice.
    if not text or len(text) > 10:
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_iso_time(text: str | None) -> dt.datetime | None:
    """An ISO 8601 time; without an offset it is Vietnam time. Aware, in UTC+7, or None (also
    for a time with no UTC instant, see `_storable`)."""
    if not text or not text.strip():
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM_TZ)
    return _storable(value)


def first_news_time(candidates) -> dt.datetime | None:
    """The first of the `candidates` that is a time of news: not None, not a CMS's empty
    date (before 2000)."""
    return next((t for t in map(news_time, candidates) if t is not None), None)


def iso_times(texts, then=()):
    """The times of ISO `texts`, in order, then those of `then`; a date without a time of day
    (`2026-07-04`, read as midnight) only after all of them, as the day alone does not say
    when the story came out."""
    dates_only = []
    for text in texts:
        if is_date_only(text):
            dates_only.append(text)
        else:
            yield parse_iso_time(text)
    yield from then
    for text in dates_only:
        yield parse_iso_time(text)
