"""The site's time formats on generated times and junk: a time written is read back as that
Vietnam time (so its Vietnam date is the one written), and what is no time is None, never an
exception that loses the article."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from newsscraper.pages.dates import (
    VIETNAM_TZ,
    is_date_only,
    news_time,
    parse_iso_time,
    parse_listing_time,
    parse_visible_time,
    vietnam_date,
)

any_character = st.characters(codec=None, categories=None, exclude_categories=())
# Minutes, as the site writes them; year 1 and 9999 included (no UTC instant at their ends).
minutes = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59))
minutes = minutes.map(lambda t: t.replace(second=0, microsecond=0))
junk = st.one_of(
    st.text(any_character),
    st.text(st.sampled_from("0123456789/-: APM\n\u00a0٠١٢"), max_size=24),
)


def storable(naive: dt.datetime) -> dt.datetime | None:
    """`naive` as Vietnam time, or None when it has no UTC instant."""
    try:
        return naive.replace(tzinfo=VIETNAM_TZ).astimezone(dt.UTC).astimezone(VIETNAM_TZ)
    except OverflowError:
        return None


@given(minutes, st.booleans(), st.sampled_from(["", " ", "  "]))
def test_a_focus_time_is_read_as_the_vietnam_time_written(naive, stray_2, space):
    text = f"{'2' if stray_2 else ''}{naive:%d/%m}/{naive.year:04d}{space}-{space}{naive:%H:%M}"
    parsed = parse_listing_time(text)
    assert parsed == storable(naive)
    if parsed is not None:
        assert parsed.utcoffset() == dt.timedelta(hours=7)
        assert vietnam_date(parsed) == naive.date()


@given(minutes, st.sampled_from(["AM", "PM", ""]), st.text(any_character, max_size=5))
def test_an_article_header_time_is_read_as_the_vietnam_time_written_suffix_ignored(
    naive, suffix, before
):
    text = f"{before} {naive:%d-%m}-{naive.year:04d} - {naive:%H:%M} {suffix}"
    parsed = parse_visible_time(text)
    if any(c.isdigit() for c in before):
        return  # digits before the time may be read as part of it
    assert parsed == storable(naive)
    if parsed is not None:
        assert vietnam_date(parsed) == naive.date()


@given(minutes, st.sampled_from(["", " -", ",", " |", " AM"]), st.sampled_from("-/."))
def test_an_article_header_time_written_time_first_is_the_vietnam_time_written(
    naive, separator, slash
):
    text = f"{naive:%H:%M}{separator} {naive:%d}{slash}{naive:%m}{slash}{naive.year:04d}"
    assert parse_visible_time(text) == storable(naive)


@given(
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.one_of(
        st.none(),
        st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
            lambda m: dt.timezone(dt.timedelta(minutes=m))
        ),
    ),
)
# DATA_FORMAT.md: a time before 2000-01-01 (UTC) is no time of a story; that instant itself is
# one. 07:00 in Vietnam is midnight UTC.
@example(dt.datetime(2000, 1, 1, 7, 0), None)
@example(dt.datetime(2000, 1, 1, 6, 59, 59, 999999), None)
# .NET's empty date, `0001-01-01T00:00:00`, in Vietnam time is before year 1 in UTC: None.
@example(dt.datetime(1, 1, 1), None)
def test_an_iso_time_is_the_instant_written_in_vietnam_time(naive, zone):
    value = naive.replace(tzinfo=zone or VIETNAM_TZ)  # without an offset: Vietnam time
    parsed = parse_iso_time(naive.replace(tzinfo=zone).isoformat())
    try:
        instant = value.astimezone(dt.UTC)
    except OverflowError:
        assert parsed is None
        return
    assert parsed == instant and parsed.utcoffset() == dt.timedelta(hours=7)
    assert vietnam_date(parsed) == vietnam_date(instant)
    assert news_time(parsed) == (parsed if instant.year >= 2000 else None)


@given(st.dates())
def test_a_date_alone_is_date_only_and_read_as_its_midnight(day):
    assert is_date_only(day.isoformat())
    midnight = dt.datetime.combine(day, dt.time(), VIETNAM_TZ)
    assert parse_iso_time(day.isoformat()) == storable(midnight.replace(tzinfo=None))
    assert not is_date_only(midnight.isoformat())


@given(junk)
def test_junk_is_no_time_and_never_raises(text):
    for parse in (parse_listing_time, parse_visible_time, parse_iso_time):
        parsed = parse(text)
        assert parsed is None or parsed.utcoffset() == dt.timedelta(hours=7)
    assert is_date_only(text) in (True, False)
