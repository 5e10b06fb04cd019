"""The waits between retries, against what README says of them: a Retry-After (delta-seconds or
an HTTP date) read from any header a server may send, the exponential back-off, and the
failures in a row that stop a run."""

from __future__ import annotations

import datetime as dt
import email.utils
import math

from hypothesis import given
from hypothesis import strategies as st
from scrapy import Request

from newsscraper.httpdates import GREATEST_DELTA_SECONDS
from newsscraper.retries import InARow, backoff_seconds, retry_after_seconds

# A crawl's clock (time.time()): 1970 to 2100.
NOW = st.floats(min_value=0, max_value=4.1e9, allow_nan=False)
SPACES = st.text(alphabet=" \t", max_size=3)
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
LONG_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def imf_fixdate(when: dt.datetime) -> str:
    return email.utils.format_datetime(when, usegmt=True)


def rfc850_date(when: dt.datetime) -> str:
    """`Sunday, 06-Nov-94 08:49:37 GMT`: two digits of year (1969 to 2068 read as such)."""
    return (
        f"{LONG_DAYS[when.weekday()]}, {when.day:02d}-{MONTHS[when.month - 1]}-"
        f"{when.year % 100:02d} {when:%H:%M:%S} GMT"
    )


def asctime_date(when: dt.datetime) -> str:
    """`Sun Nov  6 08:49:37 1994`: no zone, which HTTP reads as UTC."""
    return (
        f"{DAYS[when.weekday()]} {MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S} {when.year}"
    )


# Whole seconds, as HTTP dates give them; years every format reads as themselves.
DATES = st.datetimes(
    min_value=dt.datetime(1969, 1, 1), max_value=dt.datetime(2068, 12, 31, 23, 59, 59)
).map(lambda when: when.replace(microsecond=0, tzinfo=dt.UTC))
FORMATS = st.sampled_from([imf_fixdate, rfc850_date, asctime_date])


def header(text: str, as_bytes: bool) -> bytes | str:
    return text.encode("latin-1") if as_bytes else text


@given(
    value=st.one_of(
        st.binary(max_size=40),
        st.text(max_size=40),
        st.sampled_from(["inf", "-inf", "nan", "1e999", "-1", "1.5", "0x10", "+5", "", " "]),
        st.integers().map(str),
        st.floats().map(str),
        st.builds(lambda when, form: form(when), DATES, FORMATS),
        st.sampled_from(
            [
                "Fri, 31 Dec 9999 23:59:59 -2359",
                "Mon, 01 Jan 0001 00:00:00 +2359",
                "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
                "Mon, 01 Jan 2026 99999999999999999999:00:00 GMT",
                "Mon, 01 Jan 2026 00:00:00 +99999999999999999999",
            ]
        ),
    ),
    now=NOW,
)
def test_any_retry_after_header_is_no_wait_or_a_finite_wait_never_an_error(value, now):
    seconds = retry_after_seconds(value, now=now)
    assert seconds is None or (isinstance(seconds, float) and 0 <= seconds < math.inf), seconds


@given(
    number=st.one_of(st.integers(0, 10**6), st.integers(0, 10**40)),
    zeros=st.integers(0, 5),
    before=SPACES,
    after=SPACES,
    as_bytes=st.booleans(),
    now=NOW,
)
def test_a_delta_seconds_is_that_many_seconds_up_to_2_31(
    number, zeros, before, after, as_bytes, now
):
    text = f"{before}{'0' * zeros}{number}{after}"
    assert retry_after_seconds(header(text, as_bytes), now=now) == float(
        min(number, GREATEST_DELTA_SECONDS)
    )


@given(
    number=st.one_of(
        st.integers(max_value=-1).map(str),
        st.floats(allow_nan=True, allow_infinity=True)
        .map(str)
        .filter(lambda s: "." in s or "n" in s),
        st.integers(1, 10**6).map(lambda n: f"+{n}"),
    ),
    now=NOW,
)
def test_a_signed_or_fractional_number_is_no_retry_after(number, now):
    """delta-seconds is digits only (RFC 9110): `-5`, `+5`, `1.5`, `inf`, `nan` ask for no
    rest of their own; the back-off is waited."""
    assert retry_after_seconds(number, now=now) is None


@given(
    when=DATES,
    form=FORMATS,
    before=SPACES,
    after=SPACES,
    as_bytes=st.booleans(),
    now=NOW,
)
def test_an_http_date_is_its_distance_from_now_and_none_once_past(
    when, form, before, after, as_bytes, now
):
    text = f"{before}{form(when)}{after}"
    assert retry_after_seconds(header(text, as_bytes), now=now) == max(0.0, when.timestamp() - now)


@given(
    attempt=st.integers(min_value=-3, max_value=10**9),
    more=st.integers(min_value=0, max_value=10**9),
    base=st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1e6)),
    cap=st.floats(min_value=0, max_value=1e9),
)
def test_the_back_off_is_finite_never_above_its_cap_and_never_shorter_for_a_later_attempt(
    attempt, more, base, cap
):
    wait = backoff_seconds(attempt, base, cap)
    later = backoff_seconds(attempt + more, base, cap)
    assert (0 <= wait <= cap, 0 <= later <= cap, wait <= later) == (True, True, True), (
        wait,
        later,
    )


@given(
    attempt=st.integers(min_value=1, max_value=40),
    base=st.floats(min_value=1e-3, max_value=1e3),
    cap=st.floats(min_value=0, max_value=1e6),
)
def test_the_back_off_doubles_from_its_base_until_its_cap(attempt, base, cap):
    """base, 2·base, 4·base, … (README: 2, 4, 8, 16 s), never above RETRY_BACKOFF_MAX."""
    assert backoff_seconds(attempt, base, cap) == min(cap, base * 2 ** (attempt - 1))


PAGES = [f"https://cafef.vn/page-{n}.chn" for n in range(3)]


@given(
    stop_after=st.integers(1, 6),
    # A failed fetch of a page (as first asked, maybe through a redirect), or a page that came.
    events=st.lists(st.tuples(st.sampled_from(PAGES), st.booleans()) | st.just(None), max_size=30),
)
def test_failures_stop_the_run_once_stop_after_came_in_a_row_on_more_than_one_page(
    stop_after, events
):
    """SITE_FAILING_STOP_AFTER failed fetches in a row, on more than one page, stop the run:
    one page that always fails (its retries in a row) does not."""
    in_a_row = InARow(stop_after)
    since_a_page_came: list[str] = []
    stops, expected = [], []
    for event in events:
        if event is None:
            in_a_row.clear()
            since_a_page_came = []
            continue
        page, redirected = event
        request = Request(page)
        if redirected:
            request = Request("https://cafef.vn/captcha.chn", meta={"redirect_urls": [page]})
        since_a_page_came.append(page)
        stops.append(in_a_row.add(request))
        expected.append(len(since_a_page_came) >= stop_after and len(set(since_a_page_came)) > 1)
    assert stops == expected
