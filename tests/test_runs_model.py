"""What the next crawl reads from the run records, checked against a model of the rules the
data format states: the watermark it walks down to, the newest record (its pending pages), the
next `run_number` and the records its health check compares with, over histories of runs of
two sections and several schema versions written by the crawl's own writer, with clocks set
back and ahead, and `runs/` merged now and then (which changes none of it)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler

from newsscraper import dataset, dataset_read, dataset_write, health, records_merge, runs, runs_read
from newsscraper.commands import compact
from newsscraper.pending import PendingArticles
from newsscraper.runs import RunRecordExtension
from newsscraper.schema import RUNS_SCHEMA, SCHEMA_VERSION_KEY, added_in
from tests.example_folders import fresh

UTC = dt.UTC
SECTIONS = ["doanh-nghiep", "bat-dong-san"]
START = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)
# Each example writes up to nine records, reading them all back after each: an eighth of the
# examples.
FEW = settings(
    max_examples=settings.default.max_examples // 8,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# How a crawl ends: (finish reason, its walk covered down to the watermark, a listing failed).
OUTCOMES = {
    "finished": ("finished", True, False),
    "cut_short": ("finished", False, False),
    "listing_failed": ("finished", True, True),
    "shutdown": ("shutdown", True, False),
    "site_failing": ("site_failing", False, False),
    "closespider_timeout": ("closespider_timeout", False, False),
    "dataset_unreadable": ("dataset_unreadable", False, False),
}
# How the machine's clock moved since the last run: mostly on, now and then set back (an
# hour, a day), ahead (days, more than the health check's window) or not at all.
CLOCK_STEPS = [dt.timedelta(minutes=m) for m in (5, 5, 10, 0, -30, -60 * 24, 60 * 24 * 3)] + [
    dt.timedelta(days=31),
    dt.timedelta(days=-31),
]


@st.composite
def histories(draw) -> list[dict]:
    """Crawls in the order they ran: a section, a mode, how each ended, what its listing
    showed, the schema version of the release that ran it (older ones first, as an upgrade
    leaves them), its clock, and whether `runs/` was merged after it."""
    count = draw(st.integers(1, 9))
    versions = sorted(draw(st.lists(st.integers(1, 8), min_size=count, max_size=count)))
    clock, top = START, START - DAY
    crawls = []
    for n, version in enumerate(versions):
        clock += draw(st.sampled_from(CLOCK_STEPS))
        # The listing's newest time: often the same as the last run's (a quiet night).
        top += draw(st.sampled_from([0, 0, 0, 0, 20, 60])) * MINUTE
        # A second of its own: no two records finish at one instant, which the format leaves
        # unordered among those without a run_number.
        finished = clock + n * dt.timedelta(seconds=1)
        newest = draw(st.sampled_from([None, 0, 0, 0, 0, 0, 20, 80]))  # minutes below the top
        pending = draw(st.lists(st.integers(1, 6), max_size=2, unique=True))
        crawls.append(
            {
                "n": n,
                "version": version,
                "section": draw(st.sampled_from([SECTIONS[0]] * 3 + [SECTIONS[1]])),
                "backfill": draw(st.integers(0, 5)) == 0,
                "outcome": draw(st.sampled_from(["finished"] * 7 + sorted(OUTCOMES))),
                "newest": None if newest is None else top - newest * MINUTE,
                # The bottom of a page the walk reached: no newer than the newest it listed.
                "walked_down_to": (top if newest is None else top - newest * MINUTE)
                - draw(st.integers(0, 600)) * MINUTE,
                "pending": [f"18826{n:02d}{article:011d}" for article in pending],
                "clock": finished,
                "merge": draw(st.sampled_from([None, None, "compact", "merge"])),
            }
        )
    return crawls


# --- The model: the rules as the data format states them ------------------------------------


def model_to_reach(records: list[dict], section: str) -> dt.datetime | None:
    """The watermark the next incremental run of `section` walks down to: none before a
    record holds one; the first run's `walked_down_to` (its watermark, for a record older than
    version 3) while one record holds one; then the one before the newest, or the newest itself
    once a second record holds it; but no further than the first run's `walked_down_to` until
    two records after it hold a watermark later than that (two runs walked down past it); a
    backfill's record placed first (by a clock set back) by its watermark."""
    held = [r for r in records if r["section"] == section and r["watermark"] is not None]
    if not held:
        return None
    first = min(held, key=written_key)
    end_of_first = first["watermark"]
    if not first["backfill"]:
        end_of_first = first["walked_down_to"] or end_of_first
    marks = sorted({r["watermark"] for r in held}, reverse=True)
    if len(held) == 1:
        mark = end_of_first
    elif sum(r["watermark"] == marks[0] for r in held) > 1 or len(marks) == 1:
        mark = marks[0]
    else:
        mark = marks[1]
    if sum(r is not first and r["watermark"] > end_of_first for r in held) < 2:
        return min(mark, end_of_first)
    return mark


def written_key(record: dict) -> tuple:
    """Newest last: by run_number; records without one before every numbered one, by
    finished_at."""
    number = record["run_number"]
    return (number is not None, number or 0, record["finished_at"])


def model_newest(records: list[dict], section: str) -> dict | None:
    """The newest record of `section` (no two finish at one instant here)."""
    return max((r for r in records if r["section"] == section), key=written_key, default=None)


def model_next_number(records: list[dict]) -> int:
    """1 + the highest run_number of the dataset, whatever the clocks said."""
    return 1 + max((r["run_number"] or 0 for r in records), default=0)


def model_judged(records: list[dict], section: str, end: dt.datetime) -> list[str]:
    """The records of `section` a run closing at `end` is judged with, newest first: those
    finished since `health.oldest_looked_at(end)`, the one finished last before them, and the
    newest."""
    own = [r for r in records if r["section"] == section]
    oldest = health.oldest_looked_at(end)
    before = [r for r in own if r["finished_at"] < oldest]
    chosen = [r for r in own if r["finished_at"] >= oldest]
    chosen += [max(before, key=lambda r: r["finished_at"])] if before else []
    chosen += [model_newest(records, section)] if own else []
    return [
        r["run_id"]
        for r in sorted({r["run_id"]: r for r in chosen}.values(), key=written_key, reverse=True)
    ]


# --- Writing the records as crawls do --------------------------------------------------------


def of_version(table: pa.Table, version: int) -> pa.Table:
    """`table` as a release of schema `version` wrote it: without the columns added since."""
    if version == 8:
        return table
    table = table.drop_columns([f.name for f in RUNS_SCHEMA if added_in(f) > version])
    metadata = {SCHEMA_VERSION_KEY: str(version).encode()}
    if version >= 6:
        metadata[b"newsscraper.version"] = b"0.1.0"
    return table.replace_schema_metadata(metadata)


def crawl_closes(output_dir: Path, crawl: dict, to_reach: dt.datetime | None) -> None:
    """The crawl's record written by `RunRecordExtension` (a release of an older version: built
    by it and written without the columns added since), its walk given `to_reach`, the
    watermark the crawl read at its start."""
    reason, covered, listing_failed = OUTCOMES[crawl["outcome"]]
    run_id = f"{crawl['clock']:%Y%m%dT%H%M%SZ}-{crawl['n']:08x}"
    crawler = get_crawler(
        settings_dict={
            "NEWSSCRAPER_NOW": crawl["clock"].isoformat(),
            "RUN_ID": run_id,
            "OUTPUT_DIR": str(output_dir),
        }
    )
    crawler.stats.set_value("newsscraper/spider/listing_failed", int(listing_failed))
    ext = RunRecordExtension.from_crawler(crawler)
    args = SimpleNamespace(
        section=crawl["section"], is_backfill=crawl["backfill"], since=None, until=None
    )
    spider = SimpleNamespace(args=args, walk=None, pending=None)
    if reason != "dataset_unreadable":
        spider.walk = SimpleNamespace(
            watermark=to_reach,
            newest_listed=crawl["newest"],
            walked_down_to=crawl["walked_down_to"],
            stop_reason="caught_up" if covered else "max_pages",
            stop_url=None,
            failed_because=None,
            covered_to_watermark=lambda: covered,
        )
        spider.pending = PendingArticles(give_up_after=DAY)
        for article_id in crawl["pending"]:
            spider.pending.add(article_id, f"https://cafef.vn/a-{article_id}.chn", START)
    if crawl["version"] == 8:
        ext.spider_closed(spider, reason)
        return
    recent, number = runs.closing_runs(output_dir, crawl["section"], crawl["clock"])
    record = ext.build_record(spider, reason, recent) | {"run_number": number}
    row = record | {
        name: json.dumps(record[name], sort_keys=True)
        for name in ("fill_rates", "rejects_by_reason", "pending_articles")
    }
    table = of_version(pa.Table.from_pylist([row], schema=RUNS_SCHEMA), crawl["version"])
    path = dataset.runs_dir(output_dir) / f"part-{run_id}.parquet"
    dataset_write.commit_part_file(table, path, output_dir)


def model_record(crawl: dict, to_reach, records: list[dict]) -> dict:
    """The record the crawl leaves, as the format describes it."""
    reason, covered, listing_failed = OUTCOMES[crawl["outcome"]]
    moved = (
        reason == "finished"
        and covered
        and not listing_failed
        and not crawl["backfill"]
        and crawl["newest"] is not None
    )
    if reason == "dataset_unreadable":
        watermark = None
    elif moved:
        watermark = max(crawl["newest"], to_reach) if to_reach else crawl["newest"]
    else:
        watermark = to_reach  # a run that moves none records the one it was to walk down to
    version = crawl["version"]
    if version < 2:
        pending = set()
    elif reason == "dataset_unreadable":  # it read no list: the newest record's holds
        newest = model_newest(records, crawl["section"])
        pending = newest["pending"] if newest else set()
    else:
        pending = set(crawl["pending"])
    return {
        "run_id": f"{crawl['clock']:%Y%m%dT%H%M%SZ}-{crawl['n']:08x}",
        "section": crawl["section"],
        "finished_at": crawl["clock"],
        "run_number": model_next_number(records) if version >= 5 else None,
        "watermark": watermark,
        "walked_down_to": None
        if version < 3 or reason == "dataset_unreadable"
        else (crawl["walked_down_to"]),
        "pending": pending,
        "backfill": crawl["backfill"],
    }


# --- What the next crawl reads -----------------------------------------------------------------


def start_state(output_dir: Path, end: dt.datetime) -> dict:
    """What a crawl of each section starting (and closing) at `end` reads of `runs/`."""
    state = {}
    for section in SECTIONS:
        start = runs.runs_to_start_from(output_dir, section)
        judged, number = runs.closing_runs(output_dir, section, end)
        state[section] = {
            "sections read": {r["section"] for r in start + judged} - {section},
            "to reach": runs.watermark_to_reach(start, section),
            "pending": set(runs.last_pending(start, section)),
            "pending at the close": set(runs.last_pending(judged, section)),
            "next run_number": number,
            "judged": [r["run_id"] for r in judged],
        }
    return state


def model_state(records: list[dict], end: dt.datetime) -> dict:
    """What the model says a crawl of each section starting (and closing) at `end` reads."""
    state = {}
    for section in SECTIONS:
        newest = model_newest(records, section)
        pending = newest["pending"] if newest else set()
        state[section] = {
            "sections read": set(),
            "to reach": model_to_reach(records, section),
            "pending": pending,
            "pending at the close": pending,
            "next run_number": model_next_number(records),
            "judged": model_judged(records, section, end),
        }
    return state


def assert_reads_as_modelled(output_dir: Path, records: list[dict], end: dt.datetime) -> dict:
    real = start_state(output_dir, end)
    assert real == model_state(records, end)
    return real


@FEW
@given(crawls=histories())
def test_the_next_crawl_starts_where_the_records_say(tmp_path, monkeypatch, crawls):
    # Small batches and slices: a merged file is read a batch at a time, in several slices.
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", 2)
    monkeypatch.setattr(runs_read, "RUN_BATCH_ROWS", 2)
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 3)
    output_dir = fresh(tmp_path)
    records: list[dict] = []
    for crawl in crawls:
        state = assert_reads_as_modelled(output_dir, records, crawl["clock"])
        to_reach = state[crawl["section"]]["to reach"]
        expected = model_record(crawl, to_reach, records)
        crawl_closes(output_dir, crawl, to_reach)
        records.append(expected)
        if crawl["merge"] is not None:
            now = START + crawl["n"] * dt.timedelta(hours=1)
            before = start_state(output_dir, crawl["clock"])
            if crawl["merge"] == "compact":
                compact.compact_run_records(output_dir, now=now)
            else:
                folder, schema, order = compact.RECORD_FOLDERS[0]
                name = f"part-compact-{now:%Y%m%dT%H%M%SZ}.parquet"
                compact.compact_records(output_dir, folder, schema, order, name, "zstd")
            assert start_state(output_dir, crawl["clock"]) == before
        if crawl["backfill"] or OUTCOMES[crawl["outcome"]] != OUTCOMES["finished"]:
            # A backfill, or a run stopped or cut short, leaves the next run's walk as it was;
            # no less far where records older than version 5 (placed by their clocks) put a
            # record written after the first before it, its walk's end taken as the first's.
            walk = runs.watermark_to_reach(
                runs.runs_to_start_from(output_dir, crawl["section"]), crawl["section"]
            )
            held = [r for r in records if r["section"] == crawl["section"] and r["watermark"]]
            misplaced = held and min(held, key=written_key) is not held[0]
            assert walk == to_reach or (misplaced and walk <= to_reach)
    assert_reads_as_modelled(output_dir, records, crawls[-1]["clock"] + 5 * MINUTE)
