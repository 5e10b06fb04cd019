"""The robots.txt a run got, kept in OUTPUT_DIR/.robots/ for the next runs of the dataset."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from newsscraper import kept_robotstxt
from newsscraper.kept_robotstxt import (
    KeptRobotsTxt,
    forget,
    keep,
    origin_of,
    own_lifetime,
    read_kept,
)

UTC = dt.UTC
FETCHED = dt.datetime(2026, 3, 7, 10, 0, tzinfo=UTC)
DAY = 24 * 3600.0


def kept(body: bytes = b"User-agent: *\nDisallow: /private\n", **fields) -> KeptRobotsTxt:
    values = {
        "origin": "https://cafef.vn:443",
        "status": 200,
        "body": body,
        "fetched_at": FETCHED,
        "lifetime": None,
    }
    return KeptRobotsTxt(**(values | fields))


def test_the_origin_names_scheme_host_and_port_the_default_port_spelled_out():
    assert origin_of("https://cafef.vn/doanh-nghiep.chn") == "https://cafef.vn:443"
    assert origin_of("https://CafeF.vn:443/x") == "https://cafef.vn:443"
    assert origin_of("http://cafef.vn/x") == "http://cafef.vn:80"
    assert origin_of("http://127.0.0.1:8123/x") == "http://127.0.0.1:8123"
    assert origin_of("http://[::1]:8123/x") == "http://[::1]:8123"


def test_a_kept_copy_reads_back_as_it_was_kept_byte_for_byte(tmp_path):
    utf8_with_bom, no_utf8 = b"\xef\xbb\xbfDisallow: /t\xe1\xba\xa1m\n", b"\xff\xfe x"
    for body in (b"User-agent: *\nAllow: /\n", utf8_with_bom, no_utf8):
        keep(tmp_path, kept(body, lifetime=600.0))
        assert read_kept(tmp_path, "https://cafef.vn:443") == kept(body, lifetime=600.0)
    # One file per origin, in a hidden folder outside every dataset folder.
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        ".robots/https_cafef.vn_443.json"
    ]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Ho_Chi_Minh"])
def test_a_kept_copy_was_fetched_at_the_same_instant_whatever_the_machines_zone(
    tmp_path, monkeypatch, zone
):
    # Its age counts from that instant: read seven hours off in Vietnam, a copy would be
    # taken for younger than it is and used past its lifetime.
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        keep(tmp_path, kept(lifetime=600.0))
        record = json.loads((tmp_path / ".robots" / "https_cafef.vn_443.json").read_text())
        assert record["fetched_at"] == "2026-03-07T10:00:00+00:00"
        copy = read_kept(tmp_path, "https://cafef.vn:443")
        assert copy.fetched_at == FETCHED
        assert copy.fetched_at.utcoffset() == dt.timedelta(0)
        assert not copy.is_fresh(FETCHED + dt.timedelta(seconds=600), DAY)
    finally:
        monkeypatch.undo()
        time.tzset()


def test_each_origin_has_its_own_copy(tmp_path):
    keep(tmp_path, kept(b"Disallow: /a\n", origin="https://cafef.vn:443"))
    keep(tmp_path, kept(b"Disallow: /b\n", origin="http://cafef.vn:80"))
    keep(tmp_path, kept(b"Disallow: /c\n", origin="https://cafef.vn:8443"))
    assert read_kept(tmp_path, "https://cafef.vn:443").body == b"Disallow: /a\n"
    assert read_kept(tmp_path, "http://cafef.vn:80").body == b"Disallow: /b\n"
    assert read_kept(tmp_path, "https://cafef.vn:8443").body == b"Disallow: /c\n"
    assert read_kept(tmp_path, "https://other.vn:443") is None


def test_forget_removes_the_copy_of_one_origin(tmp_path):
    keep(tmp_path, kept())
    forget(tmp_path, "https://cafef.vn:443")
    forget(tmp_path, "https://cafef.vn:443")  # nothing there: nothing to do
    assert read_kept(tmp_path, "https://cafef.vn:443") is None


# Fields of a copy edited or damaged into values of another type.
WRONG_TYPES = {
    "status_text": {"status": "two hundred"},
    "lifetime_text": {"lifetime": "a day"},
    "lifetime_list": {"lifetime": [600]},
    "body_number": {"body": 42},
    # JSON's Infinity (1e999), no status a response has: int() of it overflows.
    "status_infinite": {"status": float("inf")},
    # Instants with an offset that fall outside the years a date holds once in UTC.
    "fetched_before_year_1_in_utc": {"fetched_at": "0001-01-01T00:00:00+07:00"},
    "fetched_after_year_9999_in_utc": {"fetched_at": "9999-12-31T23:00:00-05:00"},
}


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"\x00garbage"),
        lambda path: path.write_text("{}", encoding="utf-8"),
        lambda path: path.write_text('{"origin": "https://cafef.vn:443"}', encoding="utf-8"),
        lambda path: path.write_text(
            json.dumps(json.loads(path.read_text()) | {"fetched_at": "yesterday"}), encoding="utf-8"
        ),
        lambda path: path.write_text(
            json.dumps(json.loads(path.read_text()) | {"origin": "https://other.vn:443"}),
            encoding="utf-8",
        ),
        lambda path: (path.unlink(), path.mkdir()),
        *(
            lambda path, field=field: path.write_text(
                json.dumps(json.loads(path.read_text()) | field), encoding="utf-8"
            )
            for field in WRONG_TYPES.values()
        ),
        lambda path: path.write_text("[]", encoding="utf-8"),
        lambda path: path.write_text("[" * 100_000, encoding="utf-8"),
    ],
    ids=[
        "garbage",
        "empty",
        "fields_missing",
        "bad_time",
        "other_origin",
        "a_folder",
        *WRONG_TYPES,
        "no_object",
        "nested_deeper_than_the_stack",
    ],
)
def test_a_corrupt_or_unreadable_copy_reads_as_none(damage, tmp_path, caplog):
    keep(tmp_path, kept())
    (path,) = (tmp_path / ".robots").iterdir()
    damage(path)
    assert read_kept(tmp_path, "https://cafef.vn:443") is None
    assert f"robots.txt kept in {path} cannot be used" in caplog.text


def test_a_copy_is_written_whole_through_staging(tmp_path, monkeypatch):
    keep(tmp_path, kept(b"Disallow: /old\n"))

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kept_robotstxt.os, "replace", refuse)
    with pytest.raises(OSError):
        keep(tmp_path, kept(b"Disallow: /new\n"))
    assert read_kept(tmp_path, "https://cafef.vn:443").body == b"Disallow: /old\n"
    assert list((tmp_path / ".staging").iterdir()) == []


def test_a_copy_is_fresh_while_younger_than_the_setting_and_its_own_lifetime():
    copy = kept()
    assert copy.is_fresh(FETCHED, DAY)
    assert copy.is_fresh(FETCHED + dt.timedelta(hours=23, minutes=59), DAY)
    assert not copy.is_fresh(FETCHED + dt.timedelta(hours=24), DAY)
    assert not copy.is_fresh(FETCHED + dt.timedelta(seconds=10), 10)
    assert not copy.is_fresh(FETCHED, 0)  # ROBOTSTXT_MAX_AGE=0: every run asks
    short = kept(lifetime=600.0)
    assert short.is_fresh(FETCHED + dt.timedelta(seconds=599), DAY)
    assert not short.is_fresh(FETCHED + dt.timedelta(seconds=600), DAY)
    # A lifetime longer than the setting does not lengthen it: a day at most (RFC 9309).
    long = kept(lifetime=7 * DAY)
    assert long.is_fresh(FETCHED + dt.timedelta(hours=23), DAY)
    assert not long.is_fresh(FETCHED + dt.timedelta(hours=24), DAY)
    assert not long.is_fresh(FETCHED, 0)
    # Kept after the clock of this run (a clock set back since, NEWSSCRAPER_NOW): no age known.
    assert not copy.is_fresh(FETCHED - dt.timedelta(seconds=1), DAY)


def test_the_response_says_how_long_it_may_be_kept():
    assert own_lifetime({}, FETCHED) is None  # nothing said: the setting alone decides
    assert own_lifetime({"cache-control": "public, max-age=600"}, FETCHED) == 600
    assert own_lifetime({"cache-control": 'max-age="600"'}, FETCHED) == 600
    assert own_lifetime({"cache-control": "max-age=600", "age": "100"}, FETCHED) == 500
    assert own_lifetime({"cache-control": "max-age=60", "age": "100"}, FETCHED) == 0
    assert own_lifetime({"cache-control": "max-age=soon"}, FETCHED) == 0
    for never in ("no-store", "no-cache", "max-age=3600, no-store", "No-Cache", "max-age=0"):
        assert own_lifetime({"cache-control": never}, FETCHED) == 0, never
    expires = {
        "expires": "Sat, 07 Mar 2026 11:00:00 GMT",
        "date": "Sat, 07 Mar 2026 10:30:00 GMT",
    }
    assert own_lifetime(expires, FETCHED) == 1800  # against the server's own Date
    assert own_lifetime({"expires": expires["expires"]}, FETCHED) == 3600
    assert own_lifetime({"expires": "0"}, FETCHED) == 0  # an invalid date: expired
    # max-age wins over Expires.
    assert own_lifetime({"cache-control": "max-age=60"} | expires, FETCHED) == 60


def test_a_max_age_given_twice_counts_as_given_first():
    # RFC 9111, 4.2.1: the first occurrence; the last would keep a copy the first said not to.
    assert own_lifetime({"cache-control": "max-age=0, max-age=1"}, FETCHED) == 0
    assert own_lifetime({"cache-control": "max-age=1, max-age=0"}, FETCHED) == 1
    assert own_lifetime({"cache-control": "max-age=60, max-age=86400"}, FETCHED) == 60


def test_a_delta_seconds_too_long_or_not_digits_is_read_as_http_caching_says():
    # Longer than any number a cache holds: 2**31 (RFC 9111, 1.2.2), which the setting caps.
    huge = "9" * 400
    assert own_lifetime({"cache-control": f"max-age={huge}"}, FETCHED) == 2**31
    assert own_lifetime({"cache-control": "max-age=600", "age": huge}, FETCHED) == 0
    # An Age that is no delta-seconds is ignored: it never lengthens the response's lifetime.
    for age in ("-1000", "+100", "1_000", "1e3", " "):
        assert own_lifetime({"cache-control": "max-age=600", "age": age}, FETCHED) == 600, age
    # A max-age that is no delta-seconds: stale at once.
    for max_age in ("-5", "+600", "6_00", "600.5"):
        assert own_lifetime({"cache-control": f"max-age={max_age}"}, FETCHED) == 0, max_age


def test_no_copy_kept_reads_as_none_without_a_warning(tmp_path, caplog):
    # The first run of a dataset, and every run after a no-store answer: nothing to log.
    assert read_kept(tmp_path, "https://cafef.vn:443") is None
    (tmp_path / ".robots").mkdir()
    assert read_kept(tmp_path, "https://cafef.vn:443") is None
    assert caplog.records == []
