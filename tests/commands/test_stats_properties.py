"""Properties of `newsscraper stats` over small random datasets written as crawls write them
(articles of several sections and Vietnam days, rejects, run records of several modes and
schema versions, some part files merged by `newsscraper compact` and some not): `--json` gives
the figures the rows hold, counted here in plain Python, the tables show the same numbers, and
neither a compaction nor older run records change them."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from run_records import run_record

from newsscraper import cli, dataset, dataset_write
from newsscraper.schema import ARTICLES_SCHEMA, RUNS_SCHEMA
from tests.example_folders import fresh
from tests.test_compaction_properties import FAST, SECTIONS, of_version, vietnamese

UTC = dt.UTC
VIETNAM = dt.timezone(dt.timedelta(hours=7))
# 17 Vietnam days: now and then more than the 14 the per-day table shows.
DAYS = [dt.date(2026, 3, 1) + dt.timedelta(days=n) for n in range(17)]
SCRAPED = dt.datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
REASONS = ["body_too_short", "http_404", "missing_title", "published_in_future"]
PROBLEMS = ["no rows", "3 rejects", "site failing; retried"]
# The columns the runs table and `recent_runs` hold (README, "Other commands").
RUN_KEYS = [
    "run_id",
    "section",
    "mode",
    "since",
    "until",
    "started_at",
    "finished_at",
    "finish_reason",
    "exit_code",
    "new_rows",
    "duplicates",
    "rejects",
    "problems",
    "stop_url",
]
# The listing page a walk stopped at (`stop_url`, from version 8 on).
STOP_URLS = ["https://cafef.vn/timelinelist/18836/2.chn", "https://cafef.vn/doanh-nghiep.chn"]
# Each example writes a dataset and runs stats (twice, with a compaction between): fewer.
SLOW = settings(FAST, max_examples=max(1, settings.default.max_examples // 10))

# --- Generated datasets -------------------------------------------------------------------------

maybe_text = st.none() | st.just("") | vietnamese
maybe_list = st.none() | st.lists(vietnamese, max_size=2)


@st.composite
def published_instants(draw) -> dt.datetime:
    """An instant near a Vietnam midnight (either side of it), to the microsecond."""
    day = draw(st.sampled_from(DAYS))
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM)
    minutes = draw(st.integers(-180, 180))
    return (
        midnight + dt.timedelta(minutes=minutes, microseconds=draw(st.integers(0, 999)))
    ).astimezone(UTC)


@st.composite
def article_rows(draw, article_id: str, section: str, run_id: str, earlier: list[str]) -> dict:
    published_at = draw(published_instants())
    return {
        "article_id": article_id,
        "url": f"https://cafef.vn/bai-viet-{article_id}.chn",
        "section": section,
        "category": draw(maybe_text),
        "title": draw(vietnamese),
        "sapo": draw(maybe_text),
        "body": draw(vietnamese),
        "author": draw(maybe_text),
        "source": draw(maybe_text),
        "source_url": draw(st.none() | st.just("") | st.just("https://vneconomy.vn/a.htm")),
        "published_at": published_at,
        "modified_at": draw(st.none() | published_instants()),
        # The Vietnam (UTC+7) date of published_at, worked out here.
        "published_date": (published_at + dt.timedelta(hours=7)).date(),
        "tags": draw(maybe_list),
        "tickers": draw(st.none() | st.lists(st.sampled_from(["HPG", "VHM", "FPT"]), max_size=2)),
        "image_urls": draw(st.none() | st.lists(st.just("https://cafef.vn/a.jpg"), max_size=2)),
        "word_count": draw(st.none() | st.integers(0, 5000)),
        "content_sha256": draw(st.none() | st.just("ab" * 32)),
        "simhash": draw(st.none() | st.integers(-(2**63), 2**63 - 1)),
        "duplicate_of": draw(st.none() | (st.sampled_from(earlier) if earlier else st.none())),
        "scraped_at": SCRAPED,
        "run_id": run_id,
    }


@st.composite
def run_records(draw, run_id: str, number: int, section: str, version: int) -> dict:
    """A run's record of schema `version`: incremental or a backfill (with since, until, both
    or neither from version 7 on; older records hold neither), numbered from version 5 on,
    with the listing page its walk stopped at, or none, from version 8 on (DATA_FORMAT.md,
    "Migration notes"), its finish time drawn apart from its number (a clock
    set back now and then)."""
    mode = draw(st.sampled_from(["incremental", "backfill"]))
    since = until = None
    if mode == "backfill" and version >= 7:
        since = draw(st.none() | st.sampled_from(DAYS))
        until = draw(st.none() | st.sampled_from(DAYS))
    return run_record(
        run_id,
        draw(st.integers(0, 58)),
        section=section,
        mode=mode,
        since=since,
        until=until,
        run_number=number if version >= 5 else None,
        stop_url=draw(st.none() | st.sampled_from(STOP_URLS)) if version >= 8 else None,
        finish_reason=draw(st.sampled_from(["finished", "shutdown", "site_failing", None])),
        exit_code=draw(st.sampled_from([0, 1, 3, 5])),
        problems=draw(st.lists(st.sampled_from(PROBLEMS), max_size=2, unique=True)),
        new_rows=draw(st.none() | st.integers(0, 50)),
        duplicates=draw(st.none() | st.integers(0, 5)),
        rejects=draw(st.none() | st.integers(0, 5)),
    )


@st.composite
def datasets(draw) -> list[dict]:
    """Runs in the order they were written: each of a section, with article batches (a part
    file per partition each), rejects in 0-2 files, its record (of the current schema version
    or, now and then, an older one, in a part file of that version), and whether `compact` ran
    after it."""
    ids = iter(range(10**15, 10**16))
    originals: list[str] = []
    crawled = []
    for number in range(1, draw(st.integers(1, 13)) + 1):
        run_id = f"202603{number:02d}T000000Z-{number:04x}"
        section = draw(st.sampled_from(SECTIONS))
        batches = []
        for _ in range(draw(st.integers(0, 2))):
            batch = []
            for _ in range(draw(st.integers(1, 4))):
                row = draw(article_rows(str(next(ids)), section, run_id, originals))
                if row["duplicate_of"] is None:
                    originals.append(row["article_id"])
                batch.append(row)
            batches.append(batch)
        reasons = st.lists(st.sampled_from(REASONS), min_size=1, max_size=4)
        version = draw(st.one_of(st.just(8), st.integers(1, 8)))
        crawled.append(
            {
                "run_id": run_id,
                "batches": batches,
                "rejects": draw(st.lists(reasons, max_size=2)),
                "record": draw(run_records(run_id, number, section, version)),
                "version": version,
                "compact_after": draw(st.sampled_from([False, False, True])),
            }
        )
    return crawled


def write_run(output_dir: Path, run: dict) -> None:
    for seq, batch in enumerate(run["batches"], 1):
        dataset_write.commit_articles(output_dir, batch, run["run_id"], seq)
    for seq, reasons in enumerate(run["rejects"], 1):
        rows = [{"reason": r, "scraped_at": SCRAPED, "run_id": run["run_id"]} for r in reasons]
        dataset_write.commit_rejects(output_dir, rows, run["run_id"], seq)
    table = pa.Table.from_pylist([run["record"]], schema=RUNS_SCHEMA)
    path = dataset.runs_dir(output_dir) / f"part-{run['run_id']}.parquet"
    dataset_write.commit_part_file(of_version(table, run["version"]), path, output_dir)


def compact(output_dir: Path, capsys) -> None:
    assert cli.main(["compact", "--output-dir", str(output_dir)]) == 0
    capsys.readouterr()


def write(output_dir: Path, crawled: list[dict], capsys) -> None:
    for run in crawled:
        write_run(output_dir, run)
        if run["compact_after"]:
            compact(output_dir, capsys)


def stats_json(output_dir: Path, capsys) -> dict:
    assert cli.main(["stats", "--output-dir", str(output_dir), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def stats_text(output_dir: Path, capsys) -> str:
    assert cli.main(["stats", "--output-dir", str(output_dir)]) == 0
    return capsys.readouterr().out


def articles(crawled: list[dict]) -> list[dict]:
    return [row for run in crawled for batch in run["batches"] for row in batch]


# --- What the rows hold, counted here -----------------------------------------------------------


def is_filled(value) -> bool:
    """README: a value counts as filled when it is "not null, not an empty string and not an
    empty list" (0, a blank-looking but non-empty string, a list of one empty string do)."""
    return value is not None and value != "" and value != []


def written_later(record: dict) -> tuple:
    """README: the order of the recent runs, the last written first: by `run_number`,
    whatever the clock said; a record without one (older than version 5) was written before
    every one that has, and those are ordered by `finished_at`."""
    numbered = record["run_number"] is not None
    return (numbered, record["run_number"] if numbered else 0, record["finished_at"])


def shown_run(record: dict) -> dict:
    """A record as `recent_runs` holds it: instants in ISO 8601 with offset, since/until as
    YYYY-MM-DD or null (null too in records older than version 7), problems a list."""
    row = {key: record[key] for key in RUN_KEYS}
    for key in ("started_at", "finished_at"):
        row[key] = record[key].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    for key in ("since", "until"):
        row[key] = None if record[key] is None else record[key].strftime("%Y-%m-%d")
    return row


def assert_recent_runs(recent: list[dict], crawled: list[dict]) -> None:
    """README: "the 10 run records written last", the last first. Records finished at the same
    instant without a number may come in either order: each shown is one written last, in
    that order, and shown as written."""
    by_id = {run["run_id"]: run["record"] for run in crawled}
    ids = [run["run_id"] for run in recent]
    assert len(set(ids)) == len(ids), ids
    order = sorted(map(written_later, by_id.values()), reverse=True)[:10]
    assert [written_later(by_id[run_id]) for run_id in ids] == order
    assert recent == [shown_run(by_id[run_id]) for run_id in ids]


# --- The tables, read back ----------------------------------------------------------------------


def blocks(text: str) -> dict[str, list[str]]:
    """The text output's blocks (separated by a blank line), by their heading's first words."""
    found = {}
    for block in text.split("\n\n")[1:]:
        heading, *lines = block.splitlines()
        found[heading] = lines
    return found


def block(text: str, starts: str) -> tuple[str, list[str]]:
    (heading,) = [h for h in blocks(text) if h.startswith(starts)]
    return heading, blocks(text)[heading]


def table_rows(lines: list[str]) -> list[dict[str, str]]:
    """A table's rows as {header: cell}, cut where the line of dashes under each header is."""
    header, dashes, *rows = lines
    spans = [m.span() for m in re.finditer(r"-+", dashes)]
    names = [header[a:b].strip() for a, b in spans]
    cut = [(a, spans[i + 1][0] if i + 1 < len(spans) else None) for i, (a, _) in enumerate(spans)]
    return [{n: line[a:b].strip() for n, (a, b) in zip(names, cut, strict=True)} for line in rows]


def utc_cell(instant: dt.datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# --- Properties ---------------------------------------------------------------------------------


@SLOW
@given(crawled=datasets())
def test_json_gives_the_figures_the_rows_hold(tmp_path, capsys, crawled):
    """README, stats `--json`: `articles` (rows); `rows_per_day_and_section`, a list of
    `{published_date, section, rows}` (days with no row left out); `fill_rates`, column →
    share of rows whose value is not null, not an empty string and not an empty list;
    `duplicates`, `{rows, by_section}` of the rows with `duplicate_of` set;
    `rejects_by_reason`, reason → rows; `recent_runs`, the 10 run records written last (by
    `run_number`, whatever the clock said), instants in ISO 8601 with offset, a backfill's
    `since`/`until` as `YYYY-MM-DD` (null when not given), and `problems` (an empty list when
    healthy)."""
    output_dir = fresh(tmp_path)
    write(output_dir, crawled, capsys)
    got = stats_json(output_dir, capsys)
    rows = articles(crawled)

    assert got["articles"] == len(rows)
    per_day = Counter((row["published_date"].isoformat(), row["section"]) for row in rows)
    assert got["rows_per_day_and_section"] == [
        {"published_date": day, "section": section, "rows": n}
        for (day, section), n in sorted(per_day.items())
    ]
    assert list(got["fill_rates"]) == ARTICLES_SCHEMA.names
    for name, rate in got["fill_rates"].items():
        if not rows:
            assert rate is None, name
        else:
            assert rate == sum(is_filled(row[name]) for row in rows) / len(rows), name
    marked = Counter(row["section"] for row in rows if row["duplicate_of"] is not None)
    assert got["duplicates"] == {"rows": marked.total(), "by_section": dict(sorted(marked.items()))}
    reasons = Counter(r for run in crawled for reasons in run["rejects"] for r in reasons)
    assert list(got["rejects_by_reason"].items()) == sorted(reasons.items())
    assert_recent_runs(got["recent_runs"], crawled)


@SLOW
@given(crawled=datasets())
def test_tables_show_the_numbers_of_json(tmp_path, capsys, crawled):
    """README: stats "prints tables (`--json` for machines)" of the same figures: rows per
    day and section (the newest 14 days with a row; the heading says how many earlier days
    `--json` holds), fill rates, duplicates, rejects and the recent runs, a backfill's dates in
    the `mode` cell (`backfill 2026-03-01…2026-03-07`) and problems joined with `; `."""
    output_dir = fresh(tmp_path)
    write(output_dir, crawled, capsys)
    got = stats_json(output_dir, capsys)
    text = stats_text(output_dir, capsys)

    first = text.splitlines()[0]
    assert first == f"{output_dir}: {got['articles']} articles in {got['part_files']} files"

    heading, lines = block(text, "Articles per day and section")
    per_day = got["rows_per_day_and_section"]
    days = sorted({r["published_date"] for r in per_day})
    newest = days[-14:]
    earlier = len(days) - len(newest)
    assert (f"; {earlier} earlier in --json" in heading) == (earlier > 0)
    if earlier:
        assert f"({earlier} " not in heading and f"; {earlier} earlier" in heading
    shown = [] if lines == ["(none)"] else table_rows(lines)
    assert shown == [
        {"published_date": r["published_date"], "section": r["section"], "rows": str(r["rows"])}
        for r in per_day
        if r["published_date"] in newest
    ]

    _, lines = block(text, "Fill rate per column")
    assert table_rows(lines) == [
        {"column": name, "filled": "-" if rate is None else f"{100 * rate:.1f}%"}
        for name, rate in got["fill_rates"].items()
    ]

    dup = got["duplicates"]
    heading, lines = block(text, "Duplicates (duplicate_of set)")
    assert heading == f"Duplicates (duplicate_of set): {dup['rows']} rows"
    assert (table_rows(lines) if lines else []) == [
        {"section": s, "rows": str(n)} for s, n in dup["by_section"].items()
    ]

    _, lines = block(text, "Rejects by reason")
    rejects = got["rejects_by_reason"]
    assert ([] if lines == ["(none)"] else table_rows(lines)) == [
        {"reason": r, "rows": str(n)} for r, n in rejects.items()
    ]

    _, lines = block(text, "Recent runs")
    by_id = {run["run_id"]: run["record"] for run in crawled}
    expected = []
    for run in got["recent_runs"]:
        record = by_id[run["run_id"]]
        mode = record["mode"]
        if mode == "backfill" and (record["since"] or record["until"]):
            window = [record[k].isoformat() if record[k] else "" for k in ("since", "until")]
            mode = f"backfill {window[0]}…{window[1]}"
        # The dates are in the mode's cell, the page a walk stopped at in its problem only.
        cells = {k: run[k] for k in RUN_KEYS if k not in ("since", "until", "stop_url")}
        cells |= {"mode": mode, "problems": "; ".join(run["problems"]) or "-"}
        cells |= {k: utc_cell(record[k]) for k in ("started_at", "finished_at")}
        expected.append({k: "-" if v is None else str(v) for k, v in cells.items()})
    assert table_rows(lines) == expected


@SLOW
@given(crawled=datasets())
def test_compaction_changes_no_figure(tmp_path, capsys, crawled):
    """README, compact: it "merges part files" ("every row kept"): stats gives the same
    figures before and after it, but the count of part files."""
    output_dir = fresh(tmp_path)
    write(output_dir, crawled, capsys)
    before = stats_json(output_dir, capsys)
    compact(output_dir, capsys)
    after = stats_json(output_dir, capsys)
    partitions = {(row["section"], row["published_date"]) for row in articles(crawled)}
    assert after["part_files"] == len(partitions) <= before["part_files"]
    assert {k: v for k, v in after.items() if k != "part_files"} == {
        k: v for k, v in before.items() if k != "part_files"
    }


@SLOW
@given(crawled=datasets())
def test_older_run_records_change_no_figure_but_the_recent_runs(tmp_path, capsys, crawled):
    """DATA_FORMAT.md, migration notes: older records lack `run_number` (before version 5),
    `since`/`until` (before version 7) and `stop_url` (before version 8); the articles and
    rejects columns are unchanged. So the same crawls, every record written in the current
    version, give the same figures; only the recent runs differ, each as its record holds it."""
    mixed, current = fresh(tmp_path), fresh(tmp_path)
    write(mixed, crawled, capsys)
    write(current, [run | {"version": 8} for run in crawled], capsys)
    got, usual = stats_json(mixed, capsys), stats_json(current, capsys)
    assert got.pop("output_dir") == str(mixed) and usual.pop("output_dir") == str(current)
    assert_recent_runs(got.pop("recent_runs"), crawled)
    usual.pop("recent_runs")
    assert got == usual
