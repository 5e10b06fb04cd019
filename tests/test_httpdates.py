"""delta-seconds and HTTP dates, as Retry-After and the caching headers give them."""

from __future__ import annotations

import datetime as dt

from newsscraper.httpdates import GREATEST_DELTA_SECONDS, delta_seconds, http_date


def test_a_delta_seconds_with_leading_zeros_is_its_number():
    # 1*DIGIT (RFC 9110, 10.2.3): zeros in front change nothing, however many there are.
    assert delta_seconds("0000000000030") == 30
    assert delta_seconds("00000000000000000000") == 0


def test_a_delta_seconds_past_2_31_is_read_as_2_31():
    # RFC 9111, 1.2.2; past the digits Python turns into a number too, never an error.
    assert GREATEST_DELTA_SECONDS == 2**31
    assert delta_seconds("2147483648") == 2**31
    assert delta_seconds("2147483649") == 2**31
    assert delta_seconds("99999999999") == 2**31
    assert delta_seconds("9" * 5000) == 2**31


def test_an_http_date_is_an_instant_in_its_zone_and_none_is_no_date():
    assert http_date("Sat, 07 Mar 2026 10:30:00 GMT") == dt.datetime(
        2026, 3, 7, 10, 30, tzinfo=dt.UTC
    )
    assert http_date("Sat, 07 Mar 2026 17:30:00 +0700") == dt.datetime(
        2026, 3, 7, 10, 30, tzinfo=dt.UTC
    )
    for no_date in ("", "0", "soon", "Sat, 07 Mar 2026", "Sat, 32 Mar 2026 10:30:00 GMT"):
        assert http_date(no_date) is None, no_date


def test_an_http_date_without_a_zone_is_utc_never_a_naive_time():
    # RFC 9110: every HTTP date is UTC. asctime's form names no zone, `-0000` says none is
    # known: both are UTC instants, which a caller can compare with its clock.
    assert http_date("Sun Nov  6 08:49:37 1994") == dt.datetime(
        1994, 11, 6, 8, 49, 37, tzinfo=dt.UTC
    )
    assert http_date("Sat, 07 Mar 2026 10:30:00 -0000") == dt.datetime(
        2026, 3, 7, 10, 30, tzinfo=dt.UTC
    )


def test_a_delta_seconds_of_ten_digits_below_2_31_is_its_number():
    # As many digits as 2**31 is not yet past it.
    assert delta_seconds("1000000000") == 1_000_000_000
    assert delta_seconds("2147483647") == 2**31 - 1
    assert delta_seconds("0001000000000") == 1_000_000_000


def test_text_without_a_digit_or_with_more_than_digits_is_no_delta_seconds():
    # A blank Retry-After is none, not "ask again now".
    for no_delta in ("", "   ", "+30", "-1", "1.5", "30s", "3 0", "²", "٣٠"):
        assert delta_seconds(no_delta) is None, no_delta
    assert delta_seconds(" 30\t") == 30  # the spaces around a header's value are no part of it


def test_an_http_date_with_a_number_too_large_for_a_date_is_no_date():
    # A year, day, hour or zone of more digits than a date holds: no date, as a day 32 is,
    # not an error out of the Retry-After or Expires that carried it.
    for too_large in (
        "Sat, 07 Mar 99999999999 10:30:00 GMT",
        "Sat, 99999999999 Mar 2026 10:30:00 GMT",
        "Sat, 07 Mar 2026 99999999999:30:00 GMT",
        "Sat, 07 Mar 2026 10:30:00 +99999999999999999999",
    ):
        assert http_date(too_large) is None, too_large
