"""Times the site writes that are not a time: never an exception that loses the article."""

from __future__ import annotations

import datetime as dt

import pytest

from newsscraper.pages.dates import (
    VIETNAM_TZ,
    parse_iso_time,
    parse_listing_time,
    parse_visible_time,
)


@pytest.mark.parametrize("parse", [parse_listing_time, parse_visible_time, parse_iso_time])
@pytest.mark.parametrize(
    "text", [None, "", "  ", "hôm qua", "31/02/2026 - 10:00", "31-02-2026 - 10:00"]
)
def test_text_that_is_no_time_is_none(parse, text):
    assert parse(text) is None


def test_an_iso_time_padded_with_whitespace_is_read():
    assert parse_iso_time(" \n2026-03-26T08:06:00 ") == dt.datetime(
        2026, 3, 26, 8, 6, tzinfo=VIETNAM_TZ
    )


def test_an_impossible_iso_time_is_none():
    assert parse_iso_time("2026-02-30T08:06:00") is None
