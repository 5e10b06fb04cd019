"""The health check (`judge`) against what README's "Exit 5, unhealthy" says of it, over
generated histories of run records: a steady stream of articles crawled at any cadence, with
quieter weekends, clocks set wrong then corrected, and collapses that last."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import holidays
from hypothesis import example, given, note, settings
from hypothesis import strategies as st

from newsscraper import exitcodes
from newsscraper.health import judge
from newsscraper.pages.dates import VIETNAM_TZ

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
COLLAPSE = "new articles in the last 24 h fell to"

# When the judged run finishes: any minute of 2026.
ENDS = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31, 23, 59)
).map(lambda when: when.replace(second=0, microsecond=0, tzinfo=UTC))
ALIKE = st.just(1.0)  # weekends as busy as weekdays
WEEKS = st.integers(0, 35)
BUSY = st.integers(60, 3000)
MONTH = st.integers(4, 30)
CADENCES = st.sampled_from([dt.timedelta(minutes=10), HOUR, 3 * HOUR, 6 * HOUR, DAY])


def vietnam(when: dt.datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M} UTC (Vietnam {when.astimezone(VIETNAM_TZ):%a %H:%M})"


def is_weekend(when: dt.datetime) -> bool:
    return when.astimezone(VIETNAM_TZ).weekday() >= 5


# Vietnam's public holidays: the calendar README's rule names, not a rule of the health check.
VIETNAM_HOLIDAYS = holidays.country_holidays("VN")


def is_holiday(when: dt.datetime) -> bool:
    return when.astimezone(VIETNAM_TZ).date() in VIETNAM_HOLIDAYS


def middles_before(end: dt.datetime, span: dt.timedelta) -> list[dt.datetime]:
    """The middles of the whole 24 hours before the last 24 hours to `end`, within `span` of
    it, newest first."""
    return [end - day * DAY - DAY / 2 for day in range(1, int(span / DAY))]


def ordinary_days_before(end: dt.datetime, span: dt.timedelta) -> int:
    """How many of those 24 hours (`middles_before`) are mostly no public holiday in Vietnam."""
    return sum(not is_holiday(middle) for middle in middles_before(end, span))


class Stream:
    """Articles published at a steady pace: `daily` a day on weekdays, `weekend` times as many
    on a Saturday or Sunday in Vietnam, `holiday` times as many on a public holiday there,
    each Vietnam date `noise[date]` times that."""

    def __init__(self, start: dt.datetime, end: dt.datetime, daily, weekend, noise, holiday=1.0):
        self.start = start
        hours = math.ceil((end - start) / HOUR) + 1
        self.cumulative = [0.0]
        for hour in range(hours):
            middle = start + hour * HOUR + HOUR / 2
            rate = daily / 24 * noise(middle.astimezone(VIETNAM_TZ).date())
            if is_weekend(middle):
                rate *= weekend
            if is_holiday(middle):
                rate *= holiday
            self.cumulative.append(self.cumulative[-1] + rate)

    def published_by(self, when: dt.datetime) -> int:
        """Articles published from `start` to `when`, a whole number."""
        hours = (when - self.start) / HOUR
        whole = min(int(hours), len(self.cumulative) - 2)
        part = hours - whole
        exact = self.cumulative[whole] + part * (
            self.cumulative[whole + 1] - self.cumulative[whole]
        )
        return math.floor(exact + 1e-9)


def record(number: int, finished_at: dt.datetime, new_rows: int, **fields) -> dict:
    return {
        "run_number": number,
        "finish_reason": "finished",
        "exit_code": exitcodes.OK,
        "mode": "incremental",
        "finished_at": finished_at,
        "articles_fetched": new_rows,
        "new_rows": new_rows,
        "duplicates": 0,
        "fill_rates": {"author": 0.9, "title": 1.0},
    } | fields


def crawled(stream: Stream, times: list[dt.datetime], backlog: int) -> list[dict]:
    """The run records of runs finishing at `times` (oldest first), newest first: each stores
    the articles published since the run before it, the first the listing's `backlog`."""
    runs = [record(0, times[0], backlog)]
    for number, (since, until) in enumerate(itertools.pairwise(times), start=1):
        runs.append(record(number, until, stream.published_by(until) - stream.published_by(since)))
    return runs[::-1]


@st.composite
def steady(draw, weekend=ALIKE, days=WEEKS, daily=BUSY, holiday=ALIKE, ends=ENDS):
    """(the newest run, the runs before it newest first) of a section whose daily count is
    steady within ±20%, crawled at one cadence for `days` days and a bit."""
    end = draw(ends)
    cadence = draw(CADENCES)
    length = draw(days) * DAY + draw(st.integers(0, 23)) * HOUR
    count = max(1, int(length / cadence))
    start = end - count * cadence
    factors = draw(st.lists(st.floats(0.8, 1.2), min_size=40, max_size=40))
    first = start.astimezone(VIETNAM_TZ).date()
    per_day, weekend_share, holiday_share = draw(daily), draw(weekend), draw(holiday)
    note(f"{per_day} a weekday, weekends {weekend_share} of it, holidays {holiday_share} of it")
    stream = Stream(
        start - DAY,
        end,
        per_day,
        weekend_share,
        lambda date: factors[(date - first).days % len(factors)],
        holiday_share,
    )
    times = [start + k * cadence for k in range(count + 1)]
    runs = crawled(stream, times, backlog=draw(st.integers(0, 500)))
    note(f"{len(runs)} runs every {cadence} from {vietnam(start)} to {vietnam(end)}")
    return runs[0], runs[1:]


@given(history=steady())
def test_a_steady_section_at_any_cadence_is_healthy(history):
    """README: new articles count "over the time since the run before it, so ... a cron every
    few minutes or a quiet night is judged as fairly as a daily run", and a fill rate that
    holds is no drop. A section publishing about as many a day (±20%) every day is healthy
    whether it is crawled every 10 minutes, hourly or daily, however long it has been crawled."""
    newest, recent = history
    verdict = judge(newest, recent)
    note(f"judged {verdict}")
    assert verdict == (exitcodes.OK, [])


@given(history=steady(weekend=st.floats(0.3, 1.0)))
def test_a_section_quieter_at_weekends_is_healthy_from_its_first_day(history):
    """README: "Once a week of runs is known, the day must also fall under 30% of the same
    weekday's usual ...: a section quiet at weekends is judged against its weekends, not its
    weekdays. In the first week, 24 hours mostly of a Saturday or Sunday (Vietnam time) are
    judged likewise against the weekend days known, and not at all on the first weekend".

    Narrowed to weekends of 30% of a weekday or more: in the first week a Saturday may be
    judged against the Sunday before it, whose 24 hours can hold up to half a Monday; a weekend
    of a fifth of a weekday (with ±20% a day) can fall under 30% of that mixed day."""
    newest, recent = history
    verdict = judge(newest, recent)
    note(f"judged {verdict}")
    assert verdict == (exitcodes.OK, [])


@given(history=steady(weekend=st.floats(0.05, 1.0), days=st.integers(8, 35)))
def test_a_section_quiet_at_weekends_is_judged_against_its_weekends(history):
    """README: "Once a week of runs is known, the day must also fall under 30% of the same
    weekday's usual": a section whose weekends hold as little as a twentieth of a weekday's,
    steady otherwise, is healthy on every day once it has been crawled for over a week."""
    newest, recent = history
    verdict = judge(newest, recent)
    note(f"judged {verdict}")
    assert verdict == (exitcodes.OK, [])


# Histories that end in the weeks around Vietnam's public holidays of 2026.
NEAR_HOLIDAYS = st.sampled_from(
    [date for date in holidays.country_holidays("VN", years=2026) if date.year == 2026]
).flatmap(
    lambda date: st.integers(-3 * 24 * 60, 10 * 24 * 60).map(
        lambda minutes: dt.datetime.combine(date, dt.time(), UTC) + dt.timedelta(minutes=minutes)
    )
)


@given(
    history=steady(
        holiday=st.floats(0.0, 0.3), days=st.integers(0, 35), ends=st.one_of(ENDS, NEAR_HOLIDAYS)
    )
)
def test_a_section_quiet_on_public_holidays_is_healthy(history):
    """README: the 24 hours mostly of a public holiday in Vietnam are not judged by the count
    of new articles, nor part of what is usual for the days after them. A steady section whose
    public holidays hold at most 30% of an ordinary day's articles (Tết, National Day) is
    healthy at any cadence, on the holidays and on the days after them."""
    newest, recent = history
    verdict = judge(newest, recent)
    note(f"judged {verdict}")
    assert verdict == (exitcodes.OK, [])


@st.composite
def collapsed(draw, days=MONTH):
    """(the newest run, the runs before it) of a steady section (30 to 3000 a day, ±20% a day,
    as many at weekends) whose last 24 hours hold at most 15% of what was published: the
    listing shows fewer, and each page fetched is stored."""
    newest, recent = draw(steady(days=days, daily=st.integers(30, 3000)))
    share = draw(st.floats(0.0, 0.15))
    note(f"the last 24 hours keep {share:.0%} of their new articles")
    end = newest["finished_at"]
    runs = [
        run | {"new_rows": (kept := int(run["new_rows"] * share)), "articles_fetched": kept}
        if end - run["finished_at"] < DAY
        else run
        for run in [newest, *recent]
    ]
    return runs[0], runs[1:]


def spans(runs: list[dict]) -> dt.timedelta:
    return runs[0]["finished_at"] - runs[-1]["finished_at"]


@given(history=collapsed())
def test_new_articles_far_below_the_days_before_are_unhealthy(history):
    """README: unhealthy when "the new articles of the last 24 hours of incremental runs" fall
    "under 30% of the median ... against the days before (when those hold 20 a day or more)";
    once a week is known, also under 30% of the same weekday's. A day keeping at most 15% of
    a steady pace of 30 a day or more is flagged, with a problem saying what fell, once 3 days
    before it are known: in the first week on a weekday (a weekend day is judged against the
    weekend days known, and the first weekend not at all), after it on any day; a public
    holiday in Vietnam never, and not as one of those days."""
    newest, recent = history
    end = newest["finished_at"]
    # The section's first run stores a backlog and counts for no day; 3 days before the last
    # 24 hours are covered by the runs after it. A public holiday in Vietnam is neither judged
    # nor one of those days (README).
    if is_holiday(end - DAY / 2) or ordinary_days_before(end, spans([newest, *recent])) < 3:
        return
    span = spans([newest, *recent])
    week_known = span >= 8 * DAY
    if not week_known and is_weekend(end - DAY / 2):
        return
    # Holidays left out can leave no day of its kind known (a Monday after a week of Tết whose
    # weekend is all that is known): judged against none, as in the first week.
    if not alike_known(end, span):
        return
    code, problems = judge(newest, recent)
    note(f"judged {code, problems}")
    assert code == exitcodes.UNHEALTHY
    assert len(problems) == 1 and problems[0].startswith(COLLAPSE)


def alike_known(end: dt.datetime, span: dt.timedelta) -> bool:
    """Whether the whole 24 hours before the last 24 hours to `end`, within `span` of it,
    hold one of the same kind as the last (a weekend day or a weekday in Vietnam) that is no
    public holiday, and for a weekend day not one of its own weekend; or no holiday at all."""
    middles = middles_before(end, span)
    if not any(is_holiday(middle) for middle in middles):
        return True
    weekend = is_weekend(end - DAY / 2)
    own_weekend = weekend
    for middle in middles:
        if is_weekend(middle) != weekend:
            own_weekend = False
        elif not own_weekend and not is_holiday(middle):
            return True
    return False


@given(
    days=st.integers(10, 20),
    lasting=st.integers(1, 18),
    cadence=st.sampled_from([3 * HOUR, 6 * HOUR, DAY]),
    daily=st.integers(30, 3000),
    share=st.floats(0.0, 0.05),
    end=ENDS,
)
@settings(max_examples=max(1, settings.default.max_examples // 2))
# Steady from 10 days before Tết 2026 (16 to 20 February), collapsed from the Monday after it:
# that Monday's same weekday a week back was flagged, the one before a holiday.
@example(
    days=10,
    lasting=12,
    cadence=DAY,
    daily=30,
    share=0.0,
    end=dt.datetime(2026, 3, 7, tzinfo=UTC),
)
def test_a_lasting_collapse_stays_flagged(days, lasting, cadence, daily, share, end):
    """README: "Days judged unhealthy are left out of the comparison", so a collapse that
    lasts does not become the usual (health_new_rows.py: the same weekday's judged unhealthy are
    left out too). Each run judged as it finished, its exit code kept in its record: a steady
    section (±20% a day) collapsing to at most 5% stays flagged for up to 18 days, once 10
    days of steady runs came before it."""
    onset = end - lasting * DAY
    start = onset - days * DAY
    noise = [1.0 + 0.2 * math.sin(k) for k in range(60)]
    first = start.astimezone(VIETNAM_TZ).date()
    stream = Stream(start - DAY, end, daily, 1.0, lambda date: noise[(date - first).days % 60])
    runs: list[dict] = []
    at, since = start, None
    while at <= end:
        rows = 100 if since is None else stream.published_by(at) - stream.published_by(since)
        if at > onset:
            rows = int(rows * share)
        newest = record(len(runs), at, rows)
        code, _ = judge(newest, runs[::-1])
        runs.append(newest | {"exit_code": code})
        at, since = at + cadence, at
    if is_holiday(end - DAY / 2):  # README: a public holiday in Vietnam is not judged
        return
    code, problems = judge(runs[-1], runs[-2::-1])
    note(f"judged {code, problems}")
    assert code == exitcodes.UNHEALTHY
    assert len(problems) == 1 and problems[0].startswith(COLLAPSE)


@given(
    history=steady(days=st.integers(1, 35)),
    where=st.floats(0.0, 1.0),
    length=st.integers(1, 12),
    shift=st.integers(-3 * 24 * 60, 3 * 24 * 60).map(
        lambda minutes: minutes * dt.timedelta(minutes=1)
    ),
)
def test_a_clock_set_wrong_then_corrected_does_not_make_a_steady_section_unhealthy(
    history, where, length, shift
):
    """README: "Runs are placed in the order their records were written (`run_number`): after
    a clock that ran ahead or behind was corrected, the runs of those hours count as finished
    between the runs written before and after them." A steady section some of whose runs
    (up to 12 in a row, before the run judged) wrote finish times up to 3 days ahead or behind
    is judged healthy once the clock is right again. A run with the right clock is written
    before them (the oldest is never wrong): with every earlier run days behind, the records
    read as those of a machine off for days whose one run then stored a day's articles, a
    collapse, and nothing in them says otherwise."""
    newest, recent = history
    first = int(where * (len(recent) - 1))
    wrong = range(first, min(first + length, len(recent) - 1))
    note(f"runs {[recent[i]['run_number'] for i in wrong]} finished {shift} off")
    recent = [
        run | {"finished_at": run["finished_at"] + shift} if i in wrong else run
        for i, run in enumerate(recent)
    ]
    verdict = judge(newest, recent)
    note(f"judged {verdict}")
    assert verdict == (exitcodes.OK, [])
