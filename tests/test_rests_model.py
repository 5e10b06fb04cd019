"""Rests the site asked for, across runs, against a model of what README ("What a run costs
the site") and DATA_FORMAT.md (`rests_until`) say.

Cron starts crawls one after another on a machine whose clock may move forward, be set back
(a step of NTP), run ahead and be corrected. Each crawl asks `start_refused` whether it may
start; one that starts may meet a Retry-After of any length, then ends (stopped by a long one,
or while waiting a short one out, or later) and writes its record as `runs.py` does, its
`rests_until` from `rest_left`. What is checked:

- a crawl is refused (exit 3) exactly while a recorded rest holds: its end is after the
  crawl's clock, its run did not finish more than RETRY_AFTER_MAX after that clock, and it
  is no longer than a day from the run's finish (README: a rest is kept at most a day long,
  whatever the header says); the rest named is the latest of those;
- a run that met no rest neither extends nor shortens one;
- none holds for ever: from a day after the last run finished (by any clock), nothing does.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from run_records import run_record
from scrapy.settings import Settings

from newsscraper import exitcodes, rests
from newsscraper.dataset import runs_dir
from newsscraper.retries import REST_REMEMBERED_MAX
from newsscraper.schema import RUNS_SCHEMA
from newsscraper.start_checks import start_refused

T0 = dt.datetime(2026, 3, 7, tzinfo=dt.UTC)  # real time 0 of the model
DAY = dt.timedelta(seconds=REST_REMEMBERED_MAX)
MICROSECOND = dt.timedelta(microseconds=1)
SECTIONS = ["doanh-nghiep", "bat-dong-san"]

# How far the machine's clock is off the real time at a crawl, in seconds: right, a step of
# NTP either way, ahead by hours or days (corrected by the next crawl that is right), behind.
OFFSETS = st.one_of(
    st.just(0),
    st.integers(-900, 900),
    st.integers(0, 3 * 86_400),
    st.sampled_from([-365 * 86_400, 365 * 86_400]),
)
RETRY_AFTERS = st.one_of(
    st.integers(0, 1_200),
    st.integers(0, 2 * 86_400),
    st.sampled_from([86_400 - 1, 86_400, 86_400 + 1, 2**31]),
)


@st.composite
def crawl(draw) -> dict:
    """One cron start: after `gap` seconds, by a clock `offset` off; a run of `duration` that
    met a rest of `retry_after` (or none) and ended `ended_after` seconds after it met it."""
    retry_after = draw(st.none() | RETRY_AFTERS)
    ended_after = 0
    if retry_after is not None:
        ended_after = draw(st.integers(0, 5) | st.integers(0, retry_after + 600))
    return {
        "gap": draw(st.integers(0, 600) | st.integers(0, 3 * 86_400)),
        "offset": draw(OFFSETS),
        "duration": draw(st.integers(0, 3_600)),
        "section": draw(st.sampled_from(SECTIONS)),
        "retry_after": retry_after,
        "ended_after": ended_after,
    }


@st.composite
def foreign_record(draw) -> dict:
    """A record no crawl wrote as such (another tool, an edit by hand): a rest of up to 60 days
    from its finish, which may be anywhere in the model's days."""
    finished = T0 + dt.timedelta(seconds=draw(st.integers(-86_400, 10 * 86_400)))
    rest = dt.timedelta(seconds=draw(st.integers(0, 60 * 86_400)))
    return {"finished_at": finished, "rests_until": finished + rest}


def holds(record: dict, now: dt.datetime, set_back: dt.timedelta) -> bool:
    """The documented rule."""
    until = record["rests_until"]
    return (
        until is not None
        and now < until
        and record["finished_at"] <= now + set_back
        and until <= record["finished_at"] + DAY
    )


def expected(records: list[dict], now: dt.datetime, set_back: dt.timedelta):
    held = [r for r in records if holds(r, now, set_back)]
    if not held:
        return None
    latest = max(r["rests_until"] for r in held)
    return latest, sorted(r["run_id"] for r in held if r["rests_until"] == latest)


def observed(output_dir: Path, now: dt.datetime, set_back: dt.timedelta):
    rest = rests.site_rest(output_dir, now, set_back)
    if rest is None:
        return None
    return rest["rests_until"], [rest["run_id"]]


def same(want, got) -> bool:
    """The rest named is the latest; of rests ending at once, any of them."""
    if want is None or got is None:
        return want is got
    return want[0] == got[0] and got[1][0] in want[1]


def write(output_dir: Path, records: list[dict]) -> None:
    runs_dir(output_dir).mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(records, schema=RUNS_SCHEMA),
        runs_dir(output_dir) / "part-model.parquet",
    )


def record(run_id: str, section: str, finished_at, rests_until) -> dict:
    return run_record(run_id, 0, section=section, exit_code=3 if rests_until else 0) | {
        "started_at": finished_at,
        "finished_at": finished_at,
        "rests_until": rests_until,
    }


# Each example writes and reads run records: half the profile's examples keep the test a few
# seconds long.
@settings(max_examples=settings.default.max_examples // 2)
@given(
    crawls=st.lists(crawl(), min_size=1, max_size=5),
    foreign=st.lists(foreign_record(), max_size=1),
    set_back_seconds=st.sampled_from([600, 60, 3_600]),
)
def test_a_crawl_is_refused_exactly_while_a_recorded_rest_holds_and_none_holds_for_ever(
    crawls, foreign, set_back_seconds
):
    set_back = dt.timedelta(seconds=set_back_seconds)
    with ExitStack() as stack:
        output_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        real = [0.0]  # seconds since T0, the time that passes: time.monotonic()
        stack.enter_context(mock.patch.object(rests.time, "monotonic", lambda: real[0]))
        records = [record(f"foreign-{i}", SECTIONS[0], **r) for i, r in enumerate(foreign)]
        if records:
            write(output_dir, records)
        for number, run in enumerate(crawls):
            real[0] += run["gap"]
            clock = dt.timedelta(seconds=run["offset"])
            now = T0 + dt.timedelta(seconds=real[0]) + clock
            crawl_settings = Settings(
                {
                    "OUTPUT_DIR": str(output_dir),
                    "NEWSSCRAPER_NOW": now.isoformat(),
                    "RETRY_AFTER_MAX": set_back_seconds,
                }
            )
            want = expected(records, now, set_back)
            refused = start_refused(crawl_settings)
            got = observed(output_dir, now, set_back)
            assert (refused and refused[0], same(want, got)) == (
                exitcodes.SOFT_BLOCKED if want else None,
                True,
            ), (want, got, refused)
            if refused:
                continue
            real[0] += run["duration"]
            deadline = None
            if run["retry_after"] is not None:
                deadline = real[0] + min(run["retry_after"], REST_REMEMBERED_MAX)
                real[0] += run["ended_after"]
            finished_at = T0 + dt.timedelta(seconds=real[0]) + clock
            rests_until = rests.rest_left(deadline, finished_at)
            left = None if deadline is None else deadline - real[0]
            assert rests_until == (
                finished_at + dt.timedelta(seconds=left) if left and left > 0 else None
            )
            new = record(f"run-{number}", run["section"], finished_at, rests_until)
            if rests_until is None:
                # Met no rest: what any clock is refused is as it was.
                probes = [finished_at] + [
                    r["rests_until"] - MICROSECOND for r in records if r["rests_until"]
                ]
                before = [observed(output_dir, probe, set_back) for probe in probes]
                write(output_dir, [*records, new])
                after = [observed(output_dir, probe, set_back) for probe in probes]
                assert after == before
            else:
                write(output_dir, [*records, new])
            records.append(new)

        if not records:
            return
        # Every record's rest at its edges: the clocks it starts and stops holding.
        probes = []
        for r in records:
            if r["rests_until"] is not None:
                probes += [r["rests_until"] - MICROSECOND, r["rests_until"]]
            edge = r["finished_at"] - set_back
            probes += [edge - MICROSECOND, edge]
        wrong = [
            (probe, want, got)
            for probe in probes
            if not same(
                want := expected(records, probe, set_back),
                got := observed(output_dir, probe, set_back),
            )
        ]
        assert wrong == []
        # None holds for ever: a day after the last finish, by any clock, nothing is held.
        last = max(r["finished_at"] for r in records)
        assert observed(output_dir, last + DAY, set_back) is None
