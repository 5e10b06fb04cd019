import datetime as dt

import pytest

from newsscraper.crawl_args import ArgumentError, CrawlArguments

VIETNAM = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 3, 7, 12, 0, tzinfo=VIETNAM)  # the crawl's clock


def test_defaults_crawl_doanh_nghiep_incrementally():
    args = CrawlArguments.parse({}, default_max_pages=20)
    assert args == CrawlArguments(section="doanh-nghiep", max_pages=20, stop_after_seen_pages=1)
    assert args.zone_id == 18836
    assert not args.is_backfill


def test_backfill_has_no_page_limit_unless_asked():
    args = CrawlArguments.parse(
        {"since": "2026-01-01", "until": "2026-01-31"}, default_max_pages=20
    )
    assert args.max_pages is None
    assert args.since == dt.date(2026, 1, 1) and args.until == dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"section": "the-thao"}, "valid sections: bat-dong-san, doanh-nghiep"),
        # The slug is the partition's name and the page's path: no other spelling is one.
        ({"section": "Doanh-Nghiep"}, "unknown section 'Doanh-Nghiep'; valid sections: "),
        ({"max_pages": "0"}, "max_pages must be a positive integer"),
        ({"max_pages": "ten"}, "max_pages must be a positive integer"),
        ({"max_pages": "-3"}, "max_pages must be a positive integer"),
        ({"stop_after_seen_pages": "1.5"}, "stop_after_seen_pages must be a positive integer"),
        ({"since": "24/10/2023"}, "since must be a date as YYYY-MM-DD"),
        ({"since": "20260101"}, "since must be a date as YYYY-MM-DD"),
        ({"until": "2026-W05-1"}, "until must be a date as YYYY-MM-DD"),
        ({"until": "2026-02-30"}, "until must be a date as YYYY-MM-DD"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "is after until"),
        # Days back are 0 or negative: a positive number is no day of the past.
        ({"since": "1"}, r"since must be a date as YYYY-MM-DD or days back \(0, -1, -2, …\)"),
        ({"since": "+1"}, "since must be a date as YYYY-MM-DD or days back"),
        ({"since": "-1.5"}, "since must be a date as YYYY-MM-DD or days back"),
        ({"until": "--1"}, "until must be a date as YYYY-MM-DD or days back"),
        ({"until": "-"}, "until must be a date as YYYY-MM-DD or days back"),
        ({"since": "yesterday"}, "since must be a date as YYYY-MM-DD or days back"),
        ({"since": "-99999999"}, r"since: -99999999 days back is before the year 1"),
        ({"since": "0", "until": "-1"}, r"since \(2026-03-07\) is after until \(2026-03-06\)"),
        # A name close to one the spider takes is named, as a setting's typo is.
        (
            {"max_page": "3"},
            r"unknown argument 'max_page' \(did you mean max_pages\?\); valid arguments: "
            "section, max_pages",
        ),
        # A lower-case name is no setting: no -s is offered for it.
        (
            {"sinse": "2026-01-01"},
            r"unknown argument 'sinse' \(did you mean since\?\); valid arguments: [a-z_, ]*$",
        ),
        ({"pages": "3"}, r"unknown argument 'pages' \(did you mean max_pages\?\); valid "),
        ({"depth": "3"}, r"unknown argument 'depth'; valid arguments: [a-z_, ]*$"),
        ({"SECTION": "bat-dong-san"}, r"SECTION: argument names are lower case: -a section="),
        (
            {"CAFEF_MAX_PAGES": "3"},
            r"'CAFEF_MAX_PAGES'; valid arguments: .*; a setting is given with "
            r"-s CAFEF_MAX_PAGES=3$",
        ),
    ],
)
def test_bad_arguments_name_the_valid_values(raw, message):
    with pytest.raises(ArgumentError, match=message):
        CrawlArguments.parse(raw, default_max_pages=20, now=NOW)


@pytest.mark.parametrize("raw", [{"since": "2026-01-01"}, {"until": "2026-01-31"}])
def test_since_or_until_alone_is_a_backfill(raw):
    # A backfill moves no watermark and judges its window's rejects again.
    args = CrawlArguments.parse(raw, default_max_pages=20)
    assert args.is_backfill
    assert args.max_pages is None


def test_a_backfill_of_one_day_has_since_and_until_on_that_day():
    args = CrawlArguments.parse(
        {"since": "2026-01-05", "until": "2026-01-05"}, default_max_pages=20
    )
    assert args.since == args.until == dt.date(2026, 1, 5) and args.is_backfill


def test_arguments_of_the_deployment_with_a_leading_underscore_are_let_through():
    # scrapyd passes `_job` to every spider it runs.
    args = CrawlArguments.parse(
        {"_job": "6487ec79", "section": "bat-dong-san"}, default_max_pages=20
    )
    assert args.section == "bat-dong-san" and not args.is_backfill


def test_one_is_the_smallest_page_count_taken():
    args = CrawlArguments.parse(
        {"max_pages": "1", "stop_after_seen_pages": "1"}, default_max_pages=20
    )
    assert args.max_pages == 1 and args.max_pages_given
    assert args.stop_after_seen_pages == 1


def test_values_padded_with_whitespace_are_read():
    args = CrawlArguments.parse(
        {"since": " 2026-01-01\n", "max_pages": " 3 "}, default_max_pages=20
    )
    assert args.since == dt.date(2026, 1, 1) and args.max_pages == 3


def test_each_section_falls_back_to_the_zone_id_its_pages_carry_on_the_site():
    # What a section page says in its hdZoneId; used when a section page lacks it.
    from newsscraper.sections import SECTION_ZONES

    assert SECTION_ZONES == {
        "doanh-nghiep": 18836,
        "thi-truong-chung-khoan": 18831,
        "tai-chinh-quoc-te": 18832,
        "vi-mo-dau-tu": 18833,
        "tai-chinh-ngan-hang": 18834,
        "bat-dong-san": 18835,
        "thi-truong": 18839,
    }
    for section, zone in SECTION_ZONES.items():
        assert CrawlArguments.parse({"section": section}, default_max_pages=20).zone_id == zone


@pytest.mark.parametrize(
    ("raw", "since", "until"),
    [
        ({"since": "-1"}, dt.date(2026, 3, 6), None),
        ({"since": "0"}, dt.date(2026, 3, 7), None),
        ({"since": "-0"}, dt.date(2026, 3, 7), None),
        ({"until": "0"}, None, dt.date(2026, 3, 7)),
        ({"since": "-7", "until": "-1"}, dt.date(2026, 2, 28), dt.date(2026, 3, 6)),
        ({"since": "2026-03-01", "until": "-2"}, dt.date(2026, 3, 1), dt.date(2026, 3, 5)),
        ({"since": " -1\n"}, dt.date(2026, 3, 6), None),
    ],
)
def test_since_and_until_take_days_back_from_the_crawls_clock(raw, since, until):
    args = CrawlArguments.parse(raw, default_max_pages=20, now=NOW)
    assert (args.since, args.until) == (since, until)
    assert args.is_backfill and args.max_pages is None


@pytest.mark.parametrize(
    ("now", "today"),
    [
        # Late evening in Vietnam: still the 7th there.
        ("2026-03-07T23:30:00+07:00", dt.date(2026, 3, 7)),
        # 17:30 UTC is 00:30 on the 8th in Vietnam: the UTC date is not the crawl's day.
        ("2026-03-07T17:30:00+00:00", dt.date(2026, 3, 8)),
        ("2026-03-07T16:59:00+00:00", dt.date(2026, 3, 7)),
        ("2026-03-07T17:00:00+00:00", dt.date(2026, 3, 8)),
        # A clock in another zone is read in Vietnam time, not its own.
        ("2026-03-07T09:00:00-10:00", dt.date(2026, 3, 8)),
    ],
)
def test_days_back_count_from_the_vietnam_date_of_the_clock(now, today):
    instant = dt.datetime.fromisoformat(now)
    args = CrawlArguments.parse({"since": "-1", "until": "0"}, default_max_pages=20, now=instant)
    assert args.until == today
    assert args.since == today - dt.timedelta(days=1)


def test_dates_given_as_dates_do_not_depend_on_the_clock():
    args = CrawlArguments.parse({"since": "2026-01-01"}, default_max_pages=20, now=NOW)
    assert args == CrawlArguments.parse({"since": "2026-01-01"}, default_max_pages=20)
