"""The new-rows collapse check: new articles of the last 24 hours far below the days before,
the usual sign that the site's layout changed being not an error but a quiet collapse. Its
calendar counts a run's rows in the days they were published over, judges a day against
the same weekday or, in the first week, the days of its kind (weekend or weekday in Vietnam),
leaves out Vietnam's public holidays, and places the runs of a machine clock that jumped in
the order their records were written.
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics

from newsscraper import exitcodes
from newsscraper.health_window import BACKFILL, DAY, DAYS_LOOKED_BACK, FAR_BELOW
from newsscraper.pages.dates import VIETNAM_TZ

DAYS_COMPARED = 7
# The same 24 hours of the weeks before (days 7, 14, 21 and 28 back) say what is usual for
# that day of the week: a section far quieter at weekends is not collapsing every Sunday.
WEEKS_BACK = (7, 14, 21, 28)
MIN_DAYS_FOR_MEDIAN = 3
# Daily totals this small say nothing (a quiet section).
MIN_MEDIAN_DAILY_NEW_ROWS = 20
# Vietnam's public holidays (Tết and the days off around it, Hùng Kings' day, 30 April, 1 May,
# National Day, New Year's Day, and the days off moved to join them), as the `holidays` library
# keeps them: the site is far quieter on them, as the market is closed. Their 24 hours are not
# judged by the count of new articles, nor part of what is usual for the days after them.
HOLIDAY_COUNTRY = "VN"


def new_rows_collapse(record: dict, recent: list[dict]) -> list[str]:
    """New articles of the last 24 hours (this run and the incremental ones before it) far
    below the median of the days before. A backfill's count says how much of its window was
    not stored yet, nothing about the section's pace: backfills are neither judged by it nor
    counted. Rows stored are counted whatever a run's exit code, so one alarm does not hide
    the rows that would end it; an earlier day with a run judged unhealthy is left out, so a
    lasting collapse does not become the usual. A run's rows are the articles published since
    the run before it: they are spread over that time, so the hundreds a run stores after the
    machine was off for days count for those days, not as one far busier day that the days
    after it would seem to collapse from. Once the same day of the week before is known, the
    day must also be far below the median of that weekday's counts, which must itself say
    something: a section quiet at weekends is judged against its weekends. Those judged
    unhealthy are left out too, so that a collapse lasting weeks does not become that weekday's
    usual; when all of them were (a quiet Sunday flagged before a Sunday was known), they are
    that weekday's usual, or every Sunday after it would be flagged. Before the same weekday
    is known (the first week), a day is judged against the known days of its kind, weekend
    or weekday in Vietnam: the first weekend against none. A public holiday in Vietnam is not
    judged, and not counted in the usual of any day."""
    end = record.get("finished_at")
    if record.get("mode") == BACKFILL or end is None or _is_holiday(end, 0):
        return []
    runs = _as_written([run for run in [record, *recent] if run.get("mode") != BACKFILL])
    totals: dict[int, float] = {}
    unhealthy: set[int] = set()
    for (at, run), (since, _) in zip(runs, [*runs[1:], (None, None)], strict=True):
        if run.get("exit_code") == exitcodes.UNHEALTHY:
            unhealthy.add(int((end - at) / DAY))
        if since is None:
            # The section's first run (`recent` holds the run before the days looked at, when
            # there is one): it stored the listing's backlog, days of articles, not a day's.
            continue
        for day, share in _day_shares(end, since, at):
            totals[day] = totals.get(day, 0) + share * (run.get("new_rows") or 0)
    if runs:
        _whole_day_of_first(totals, end, runs[-1][0])
    holidays_left_out = [day for day in totals if _is_holiday(end, day)]
    for day in holidays_left_out:
        del totals[day]
    past_days = [
        day for day in range(1, DAYS_LOOKED_BACK + 1) if day in totals and day not in unhealthy
    ][:DAYS_COMPARED]
    past = [totals[day] for day in past_days]
    if len(past) < MIN_DAYS_FOR_MEDIAN:
        return []
    median = statistics.median(past)
    today = totals.get(0, 0)
    if median < MIN_MEDIAN_DAILY_NEW_ROWS or today >= FAR_BELOW * median:
        return []
    problem = (
        f"new articles in the last 24 h fell to {today:.0f} against a median of "
        f"{median:.0f} a day over the {len(past)} days before"
    )
    same_weekday = _known(totals, WEEKS_BACK, unhealthy)
    if set(WEEKS_BACK) & set(holidays_left_out) and all(
        d in unhealthy for d in WEEKS_BACK if d in totals
    ):
        # A holiday took the place of the same weekday, and the others known were flagged (a
        # collapse that lasts): they are no usual, and the day is judged as in the first week.
        same_weekday = []
    if same_weekday:
        alike, said = same_weekday, f"on the same weekday over {_the(same_weekday, 'week')} before"
    else:
        # No same weekday known yet (the dataset's first week): a weekend day is judged
        # against the weekend days known, a weekday against the weekdays; the first weekend
        # against none, so a section quiet at weekends is not flagged all its first weekend.
        weekend = _is_weekend(end, 0)
        days = [d for d in range(1, DAYS_LOOKED_BACK + 1) if _is_weekend(end, d) == weekend]
        if weekend:  # not against the days of its own weekend: its Sunday not by its Saturday
            this_weekend = next(d for d in range(1, DAYS_LOOKED_BACK + 2) if d not in days)
            days = [d for d in days if d > this_weekend]
        if all(day in days for day in past_days):
            return [problem]  # the days before were all of its kind: judged against them
        alike = _known(totals, days, unhealthy)
        if not alike:
            return []
        kind = "weekend day" if weekend else "weekday"
        said = f"a {kind} over {_the(alike, kind)} before"
    usual = statistics.median(alike)
    if usual < MIN_MEDIAN_DAILY_NEW_ROWS or today >= FAR_BELOW * usual:
        return []
    return [f"{problem}, and of {usual:.0f} {said}"]


def _whole_day_of_first(totals: dict[int, float], end: dt.datetime, first: dt.datetime):
    """The day the oldest run finished in counts only from then: as a whole day of the same
    pace when half of it or more is covered, else not at all (an hour of it would pass for a
    day of a twenty-fourth of the usual)."""
    day = int((end - first) / DAY)
    if day == 0 or day not in totals:
        return
    covered = (end - day * DAY - first) / DAY
    if covered < 0.5:
        del totals[day]
    else:
        totals[day] /= covered


def _known(totals: dict[int, float], days, unhealthy: set[int]) -> list[float]:
    """The totals of those of `days` that are known, leaving out days with a run judged
    unhealthy unless all of them had one (a quiet Sunday flagged before a Sunday was known
    must not make every Sunday after it a collapse)."""
    known = [day for day in days if day in totals]
    return [totals[day] for day in known if day not in unhealthy] or [totals[day] for day in known]


def _is_weekend(end: dt.datetime, day: int) -> bool:
    """Whether the 24 hours ending `day` days before `end` are mostly a Saturday or Sunday
    in Vietnam, the section's calendar."""
    return _middle(end, day).weekday() >= 5


def _is_holiday(end: dt.datetime, day: int) -> bool:
    """Whether the 24 hours ending `day` days before `end` are mostly a public holiday in
    Vietnam."""
    return _middle(end, day).date() in _holidays()


def _middle(end: dt.datetime, day: int) -> dt.datetime:
    """The middle of the 24 hours ending `day` days before `end`, in Vietnam."""
    return (end - day * DAY - DAY / 2).astimezone(VIETNAM_TZ)


@functools.cache
def _holidays():
    # Imported when first asked: only a run that has days to judge needs the calendar.
    import holidays

    return holidays.country_holidays(HOLIDAY_COUNTRY)


def _the(days: list, noun: str) -> str:
    """`the week`, `the 3 weeks`: how many of `noun` the `days` are."""
    return f"the {noun}" if len(days) == 1 else f"the {len(days)} {noun}s"


def _as_written(runs: list[dict]) -> list[tuple[dt.datetime, dict]]:
    """(when it finished, run) of `runs` (the run judged, then the runs before it, newest
    first), newest first, each placed in the order the records were written.

    A machine's clock that was wrong then corrected (NTP, or by hand) leaves records whose
    times go back: a run written before another cannot have finished after it. Taken at their
    word, the rows of the hours of the wrong clock fell outside the last 24 hours, and the runs
    after the correction seemed to collapse. The runs of such a stretch (`_wrong_clock`), and
    any other that seems to finish after a run written after it (a clock set back and never
    corrected: the runs since are timed by the judged run's clock, the measure), are spread
    evenly between the last time to trust written before them and the first after."""
    written = [run for run in reversed(runs) if run.get("finished_at") is not None]
    times = [run["finished_at"] for run in written]
    wrong = _wrong_clock(times)
    kept = [index for index in range(len(times)) if index not in wrong]
    trusted, earliest = set(), None
    for index in reversed(kept):  # in order with every kept run written after it
        if earliest is None or times[index] <= earliest:
            trusted.add(index)
            earliest = times[index]
    placed = list(times)
    anchor = None
    for index in range(len(times)):
        if index not in trusted:
            continue
        if anchor is not None:
            step = (times[index] - times[anchor]) / (index - anchor)
            for between in range(anchor + 1, index):
                placed[between] = times[anchor] + step * (between - anchor)
        anchor = index
    # Runs before any time to trust (the oldest ones) finished by the run written after them.
    first = min(trusted)
    for index in reversed(range(first)):
        placed[index] = min(placed[index], placed[index + 1])
    return list(reversed(list(zip(placed, written, strict=True))))


def _wrong_clock(times: list[dt.datetime]) -> set[int]:
    """The positions in `times` (finish times in the order written, the run judged last) of
    the runs of the stretches a clock was wrong, then corrected. A time going back by `jump`
    is where a clock was set back: either the runs after it are behind, until the time goes
    forward by `jump` or more at the correction, or those before it were ahead, since the
    time went forward by as much when the clock went wrong. The stretch holding fewer runs
    is taken."""
    wrong: set[int] = set()
    for at in range(1, len(times)):
        jump = times[at - 1] - times[at]
        if jump <= dt.timedelta(0):
            continue
        after = next(
            (j for j in range(at + 1, len(times)) if times[j] - times[j - 1] >= jump), None
        )
        before = next((f for f in range(at - 1, 0, -1) if times[f] - times[f - 1] >= jump), None)
        stretches = []
        if after is not None:
            stretches.append(range(at, after))
        if before is not None:
            stretches.append(range(before, at))
        if stretches:
            wrong.update(min(stretches, key=len))
    return wrong


def _day_shares(end: dt.datetime, since: dt.datetime, until: dt.datetime):
    """(day, share) of the time from `since` to `until` in each day up to DAYS_LOOKED_BACK
    before `end` (0: the last 24 hours, 1: the 24 before, ...); all of it in `until`'s day
    when the two are one instant."""
    first = int((end - until) / DAY)
    span = until - since
    if span <= dt.timedelta(0):
        if first <= DAYS_LOOKED_BACK:
            yield first, 1.0
        return
    last = min(int((end - since) / DAY), DAYS_LOOKED_BACK)
    for day in range(first, last + 1):
        start, stop = max(since, end - (day + 1) * DAY), min(until, end - day * DAY)
        if stop > start:
            yield day, (stop - start) / span
