"""Times the site writes that are not a time: never an exception that loses the article."""

from __future__ import annotations

import datetime as dt

import pytest

from newsscraper.pages.dates import (
    VIETNAM_TZ,
    is_date_only,
    parse_iso_time,
    parse_listing_time,
    parse_visible_time,
    vietnam_date,
)


@pytest.mark.parametrize("parse", [parse_listing_time, parse_visible_time, parse_iso_time])
@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "  ",
        "hôm qua",
        "31/02/2026 - 10:00",
        "31-02-2026 - 10:00",
        "10:5:31 24/10/2023",  # its minute and second are no hour and minute (05:31)
    ],
)
def test_text_that_is_no_time_is_none(parse, text):
    assert parse(text) is None


@pytest.mark.parametrize("text", [None, "", "  ", "hôm qua", "10:31", "2026-02-31", "07/03/2026"])
def test_text_that_is_no_iso_date_is_not_a_date_alone(text):
    # `is_date_only`: True only for an ISO 8601 date without a time of day (`2026-07-04`).
    assert is_date_only(text) is False


def test_an_iso_time_padded_with_whitespace_is_read():
    assert parse_iso_time(" \n2026-03-26T08:06:00 ") == dt.datetime(
        2026, 3, 26, 8, 6, tzinfo=VIETNAM_TZ
    )


def test_an_impossible_iso_time_is_none():
    assert parse_iso_time("2026-02-30T08:06:00") is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("27/03/2026 - 10:00", 27),
        ("227/03/2026 - 10:00", 27),
        ("20/03/2026 - 10:00", 20),
        ("222/03/2026 - 10:00", 22),
        ("02/03/2026 - 10:00", 2),
        ("202/03/2026 - 10:00", 2),
    ],
)
def test_a_focus_day_starting_with_2_is_read_whole_with_or_without_the_stray_2(text, day):
    assert parse_listing_time(text) == dt.datetime(2026, 3, day, 10, 0, tzinfo=VIETNAM_TZ)


@pytest.mark.parametrize(
    ("text", "day", "month"),
    [
        ("4/9/2024 10:31", 4, 9),
        ("4/9/2024 - 10:31", 4, 9),
        ("04/9/2024 10:31", 4, 9),
        ("24/9/2024 10:31", 24, 9),  # two digits are the day as written, not a stray `2`
        ("204/9/2024 10:31", 4, 9),
        ("2/3/2024 10:31", 2, 3),
    ],
)
def test_a_focus_time_with_an_unpadded_day_or_month_is_read(text, day, month):
    assert parse_listing_time(text) == dt.datetime(2024, month, day, 10, 31, tzinfo=VIETNAM_TZ)


def test_the_vietnam_date_is_of_the_instant_and_a_naive_time_has_none():
    assert vietnam_date(dt.datetime(2026, 3, 6, 17, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 7)
    with pytest.raises(ValueError):
        vietnam_date(dt.datetime(2026, 3, 6, 17, 30))


@pytest.mark.parametrize(
    "text",
    [
        "10:05:31 24/10/2023",
        "10:05:31 AM - 24/10/2023",
        "Lúc:10:05:31 24/10/2023",  # after a word and a colon
        "24/10/2023 10:05:31",
    ],
)
def test_a_header_time_with_seconds_is_read_by_its_hour_and_minute_before_or_after_its_date(text):
    # Never its minute and second as the hour and minute (05:31).
    assert parse_visible_time(text) == dt.datetime(2023, 10, 24, 10, 5, tzinfo=VIETNAM_TZ)


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [
        ("10:31 SA 24/10/2023", 10, 31),  # sáng, "morning"
        ("10:31:05 SA - 24/10/2023", 10, 31),
        ("18:07 CH 24/10/2023", 18, 7),  # chiều, "afternoon"
        ("24/10/2023 18:07 CH", 18, 7),
        # A 24-hour clock, the suffix ignored as AM/PM is (`02:31 PM` is 02:31): never 14:31.
        ("02:31 CH 24/10/2023", 2, 31),
        ("24/10/2023 00:01 SA", 0, 1),
    ],
)
def test_a_header_time_with_a_vietnamese_suffix_is_read_on_a_24_hour_clock(text, hour, minute):
    assert parse_visible_time(text) == dt.datetime(2023, 10, 24, hour, minute, tzinfo=VIETNAM_TZ)
