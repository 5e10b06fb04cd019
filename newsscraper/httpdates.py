"""The times HTTP headers give: an HTTP date (Retry-After, Expires, Date) and delta-seconds
(Retry-After, Cache-Control max-age, Age)."""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_DELTA_SECONDS = re.compile(r"[0-9]+", re.ASCII)  # `isdigit` would take "²"
# The most a delta-seconds is read as, however many digits it has (RFC 9111, 1.2.2).
GREATEST_DELTA_SECONDS = 2**31


def delta_seconds(text: str) -> float | None:
    """A delta-seconds value (ASCII digits only), at most GREATEST_DELTA_SECONDS; None for one
    that is none (a sign, a fraction, a date)."""
    text = text.strip()
    if not _DELTA_SECONDS.fullmatch(text):
        return None
    digits = text.lstrip("0")
    if len(digits) > len(str(GREATEST_DELTA_SECONDS)):
        return float(GREATEST_DELTA_SECONDS)
    return float(min(int(digits or "0"), GREATEST_DELTA_SECONDS))


def http_date(text: str) -> dt.datetime | None:
    """An HTTP date as an aware instant, or None. A date without a zone (asctime's form, or
    `-0000`) is UTC, as RFC 9110 has every HTTP date, never the machine's own time. A year,
    day, hour or zone of more digits than a C integer holds (OverflowError) is no date either."""
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
