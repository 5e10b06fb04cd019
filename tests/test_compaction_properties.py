"""Properties of `newsscraper compact`, of the merge of runs/ and rejects/ and of the seen set,
over small random datasets written as crawls write them: every row kept as it was, in the
order promised, and the seen set knowing what the rows hold before and after."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import unicodedata
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from run_records import run_record

from newsscraper import dataset, dataset_read, dataset_write, records_merge, runs
from newsscraper.commands import compact, stats, verify
from newsscraper.history import History
from newsscraper.pages.dates import vietnam_date
from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_SCHEMA,
    SCHEMA_VERSION_KEY,
    added_in,
)
from newsscraper.simhash import hamming, to_unsigned
from tests.example_folders import fresh

UTC = dt.UTC
VIETNAM = dt.timezone(dt.timedelta(hours=7))
SECTIONS = ["doanh-nghiep", "thi-truong-chung-khoan", "bat-dong-san"]
DAYS = [dt.date(2026, 3, 6), dt.date(2026, 3, 7), dt.date(2026, 3, 8)]
# The listing page a walk stopped at, in a record of version 8 on (`stop_url`).
STOP_URL = "https://cafef.vn/timelinelist/18836/2.chn"
SCRAPED = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
NOW = dt.datetime(2026, 3, 9, 5, 0, tzinfo=UTC)
HOUR_US = 3600 * 10**6
# Each example writes a dataset: a few of them, under the shared profile (tests/conftest.py).
FAST = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Generated values ---------------------------------------------------------------------------

LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵĐÂƯ"
)
vietnamese = st.text(alphabet=LETTERS + " ,.\n0123456789", min_size=1, max_size=30).map(
    lambda text: unicodedata.normalize("NFC", text)
)
maybe_text = st.none() | st.just("") | vietnamese
# A few bodies, so some rows share one (and so its content_sha256).
bodies = (
    st.sampled_from(["Đoạn một.\n\nĐoạn hai.", "Giá vàng tăng mạnh.", "Cổ phiếu HPG"]) | vietnamese
)
# A few simhashes, so some rows share one or lie within a few bits of another.
simhashes = (
    st.none() | st.sampled_from([0, 1, -1, 2**62, -(2**63), 7]) | st.integers(-(2**63), 2**63 - 1)
)
string_lists = st.none() | st.lists(vietnamese, max_size=3)
instants_us = st.integers(-3 * HOUR_US, 3 * HOUR_US)


@st.composite
def published_instants(draw) -> dt.datetime:
    """An instant within three hours of a Vietnam midnight, to the microsecond."""
    day = draw(st.sampled_from(DAYS))
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM)
    return (midnight + dt.timedelta(microseconds=draw(instants_us))).astimezone(UTC)


def sha(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


@st.composite
def article_rows(draw, article_id: str, section: str, run_id: str, earlier: list[str]) -> dict:
    body = draw(bodies)
    published_at = draw(published_instants())
    return {
        "article_id": article_id,
        "url": f"https://cafef.vn/bai-viet-{article_id}.chn",
        "section": section,
        "category": draw(maybe_text),
        "title": draw(vietnamese),
        "sapo": draw(maybe_text),
        "body": body,
        "author": draw(maybe_text),
        "source": draw(maybe_text),
        "source_url": draw(st.none() | st.just("https://vneconomy.vn/a.htm")),
        "published_at": published_at,
        "modified_at": draw(st.none() | published_instants()),
        "published_date": vietnam_date(published_at),
        "tags": draw(string_lists),
        "tickers": draw(st.none() | st.lists(st.sampled_from(["HPG", "VHM", "FPT"]), max_size=2)),
        "image_urls": draw(st.none() | st.lists(st.just("https://cafef.vn/a.jpg"), max_size=2)),
        "word_count": draw(st.none() | st.integers(0, 2**31 - 1)),
        "content_sha256": draw(st.none() | st.just(sha(body))),
        "simhash": draw(simhashes),
        "duplicate_of": draw(st.none() | (st.sampled_from(earlier) if earlier else st.none())),
        "scraped_at": SCRAPED + dt.timedelta(microseconds=draw(instants_us)),
        "run_id": run_id,
    }


REASONS = ["body_too_short", "http_404", "published_in_future", "parse_error"]


@st.composite
def reject_rows(draw, run_id: str) -> dict:
    return {
        "article_id": draw(st.none() | st.sampled_from(["188260307000000001", "2"])),
        "url": draw(st.none() | st.just("https://cafef.vn/x-188260307000000001.chn")),
        "reason": draw(st.sampled_from(REASONS)),
        "detail": draw(maybe_text),
        "raw": draw(st.none() | vietnamese.map(lambda t: json.dumps({"title": t}))),
        # Few distinct instants: rejects of several runs at one instant, ordered by run_id.
        "scraped_at": SCRAPED + dt.timedelta(seconds=draw(st.integers(0, 3))),
        "run_id": run_id,
    }


@st.composite
def crawls(draw, copies: bool = False) -> list[dict]:
    """Runs as crawls leave them: each of a section, of a schema version, with article batches
    (a part file per partition each) and rejects, in the order they were written; with
    `copies`, now and then an article stored again in a later file, scraped later (which
    compact keeps once, the earliest scraped)."""
    ids = iter(range(10**16 + 1, 10**16 + 10**6))
    originals: list[str] = []
    stored: list[dict] = []
    crawled = []
    for number in range(draw(st.integers(1, 7))):
        run_id = f"2026030{number}T000000Z-{number:04x}"
        section = draw(st.sampled_from(SECTIONS))
        batches = []
        for _ in range(draw(st.integers(0, 3))):
            batch = []
            for _ in range(draw(st.integers(1, 4))):
                # Now and then a long id (18 digits), whose text sorts before a shorter one's.
                article_id = str(next(ids) * draw(st.sampled_from([1, 1, 10])))
                row = draw(article_rows(article_id, section, run_id, originals))
                batch.append(row)
                if row["duplicate_of"] is None:
                    originals.append(article_id)
            same_section = [row for row in stored if row["section"] == section]
            if copies and same_section and draw(st.booleans()):
                row = draw(st.sampled_from(same_section))
                later = row["scraped_at"] + dt.timedelta(hours=draw(st.integers(1, 30)))
                batch.append(
                    row | {"title": draw(vietnamese), "scraped_at": later, "run_id": run_id}
                )
            batches.append(batch)
        stored += itertools.chain.from_iterable(batches)
        version = draw(st.integers(1, 8))
        record = run_record(
            run_id,
            draw(st.integers(0, 3)),  # finish times tie, and run later than a later record's
            section=section,
            run_number=number + 1 if version >= 5 else None,
            newsscraper_version="0.1.0" if version >= 6 else None,
            since=draw(st.none() | st.sampled_from(DAYS)) if version >= 7 else None,
            stop_url=draw(st.none() | st.just(STOP_URL)) if version >= 8 else None,
            pending_articles=draw(st.none() | st.just("{}")) if version >= 2 else None,
            problems=draw(st.none() | st.lists(st.sampled_from(["no rows"]), max_size=1)),
        )
        rejects = draw(st.lists(st.lists(reject_rows(run_id), min_size=1, max_size=4), max_size=2))
        crawled.append(
            {"run_id": run_id, "version": version, "batches": batches, "record": record}
            | {"rejects": rejects, "file_version": draw(st.sampled_from([1, 5, 8]))}
            | {"compact_after": draw(st.booleans())}
        )
    return crawled


# --- Writing them as crawls do ------------------------------------------------------------------


def of_version(table: pa.Table, version: int) -> pa.Table:
    """`table` as a release of schema `version` wrote it: without the columns added since, and
    without `newsscraper.version` before version 6."""
    schema = RUNS_SCHEMA if "finished_at" in table.column_names else table.schema
    table = table.drop_columns([f.name for f in schema if added_in(f) > version])
    if version == 8:
        return table
    metadata = {SCHEMA_VERSION_KEY: str(version).encode()}
    if version >= 6:
        metadata[b"newsscraper.version"] = b"0.1.0"
    return table.replace_schema_metadata(metadata)


def write(output_dir: Path, crawled: list[dict]) -> None:
    for run in crawled:
        write_run(output_dir, run)


def write_run(output_dir: Path, run: dict) -> None:
    version = run["file_version"]
    for seq, batch in enumerate(run["batches"], 1):
        if version == 8:
            dataset_write.commit_articles(output_dir, batch, run["run_id"], seq)
            continue
        for (section, day), rows in dataset_write.group_by_partition(batch).items():
            path = dataset.article_partition_dir(output_dir, section, day)
            path /= dataset.part_file_name(run["run_id"], seq)
            table = of_version(dataset_write.items_to_table(rows), version)
            dataset_write.commit_part_file(table, path, output_dir)
    for seq, rows in enumerate(run["rejects"]):
        path = dataset.rejects_dir(output_dir) / dataset.part_file_name(run["run_id"], seq)
        table = of_version(dataset_write.items_to_table(rows, REJECTS_SCHEMA), version)
        dataset_write.commit_part_file(table, path, output_dir)
    table = pa.Table.from_pylist([run["record"]], schema=RUNS_SCHEMA)
    path = dataset.runs_dir(output_dir) / f"part-{run['run_id']}.parquet"
    dataset_write.commit_part_file(of_version(table, run["version"]), path, output_dir)


# --- What the dataset holds ---------------------------------------------------------------------


def row_key(row: dict) -> tuple:
    """A hashable whole row, for multiset comparison."""
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(row.items()))


def partitions(output_dir: Path) -> dict[tuple[str, dt.date], Counter]:
    """Each partition folder's rows, read from its own files (the folder names its columns)."""
    held: dict[tuple[str, dt.date], Counter] = {}
    for path in dataset.list_part_files(output_dir):
        section, day = dataset.parse_partition_dir(path.parent)
        rows = dataset_read.in_schema(pq.read_table(path), ARTICLES_FILE_SCHEMA).to_pylist()
        rows = [row | {"section": section, "published_date": day} for row in rows]
        held.setdefault((section, day), Counter()).update(map(row_key, rows))
    return held


def written(crawled: list[dict]) -> dict[tuple[str, dt.date], Counter]:
    held: dict[tuple[str, dt.date], Counter] = {}
    for run in crawled:
        for row in itertools.chain.from_iterable(run["batches"]):
            held.setdefault(dataset.partition_of(row), Counter())[row_key(row)] += 1
    return held


def records_in_order(files: list[Path], schema: pa.Schema, keys: list[str]) -> list[dict]:
    """Every row of `files` in `schema` (null where an older file lacks a column), in a stable
    sort by `keys`: the files in their order, each file's rows in theirs."""
    rows = [
        row
        for path in files
        for row in dataset_read.in_schema(pq.read_table(path), schema).to_pylist()
    ]
    return sorted(rows, key=lambda row: tuple(row[name] for name in keys))


def listed(output_dir: Path, folder: str) -> list[Path]:
    return [
        p for p in dataset.list_part_files(output_dir, folder) if p.parent == output_dir / folder
    ]


def files_and_inodes(output_dir: Path) -> dict[str, int]:
    return {
        p.relative_to(output_dir).as_posix(): p.stat().st_ino
        for name in dataset.DATASETS
        for p in dataset.list_part_files(output_dir, name)
    }


# --- Properties ---------------------------------------------------------------------------------


# The order of a merged file's records; the readers of runs/ order them by run_number.
RECORDS = {
    dataset.RUNS: (RUNS_SCHEMA, ["finished_at", "run_id"]),
    dataset.REJECTS: (REJECTS_SCHEMA, ["scraped_at", "run_id"]),
}


def kept_once(held: dict[tuple[str, dt.date], Counter]) -> dict[tuple[str, dt.date], Counter]:
    """Each partition's rows with one row per article_id, the earliest scraped, as compact
    keeps them."""
    kept = {}
    for partition, rows in held.items():
        earliest: dict[str, tuple] = {}
        for row in rows.elements():
            values = dict(row)
            first = earliest.get(values["article_id"])
            if first is None or values["scraped_at"] < dict(first)["scraped_at"]:
                earliest[values["article_id"]] = row
        kept[partition] = Counter(earliest.values())
    return kept


def compact_and_check(output_dir: Path, now: dt.datetime) -> None:
    """Compact the whole dataset: each partition keeps its rows (once each), runs/ and rejects/
    every record, in order; a folder of one file is left as it was; verify finds nothing."""
    before = partitions(output_dir)
    single = {
        path.relative_to(output_dir).as_posix(): path.stat().st_ino
        for partition in dataset.list_article_partitions(output_dir)
        if len(files := partition.part_files()) == 1
        for path in files
    }
    records = {}
    for folder, (schema, order) in RECORDS.items():
        files = listed(output_dir, folder)
        keys = order if len(files) > 1 else []  # one file: left alone
        records[folder] = (schema, len(files) > 1, records_in_order(files, schema, keys))
    read_before = what_crawls_read(output_dir)

    compact.compact(output_dir, now=now)
    compact.compact_run_records(output_dir, now=now)

    assert partitions(output_dir) == kept_once(before)
    held = files_and_inodes(output_dir)
    assert {name: held.get(name) for name in single} == single
    for partition in dataset.list_article_partitions(output_dir):
        (path,) = partition.part_files()
        if path.relative_to(output_dir).as_posix() not in single:
            assert pq.read_schema(path).metadata == ARTICLES_FILE_SCHEMA.metadata
    for folder, (schema, merged, expected) in records.items():
        files = listed(output_dir, folder)
        if merged:
            (path,) = files
            assert pq.read_schema(path).metadata == schema.metadata
        assert records_in_order(files, schema, []) == expected
    assert verify.verify(output_dir, now) == []
    # The readers order the records by run_number, then finished_at: not by where they are.
    assert what_crawls_read(output_dir) == read_before


def what_crawls_read(output_dir: Path) -> tuple:
    """The run records as crawls and stats read them, newest first; a column an older record
    lacks as null, as the merged file holds it."""
    end = NOW + dt.timedelta(days=3)

    def whole(records: list[dict]) -> list[dict]:
        return [{name: record.get(name) for name in RUNS_SCHEMA.names} for record in records]

    closing = [runs.closing_runs(output_dir, section, end) for section in SECTIONS]
    return (
        whole(runs.read_runs(output_dir)),
        [whole(runs.runs_to_start_from(output_dir, section)) for section in SECTIONS],
        [(whole(records), number) for records, number in closing],
        [
            {name: run.get(name) for name in stats.RUN_COLUMNS}
            for run in stats.recent_runs(output_dir)
        ],
    )


@settings(FAST, max_examples=max(1, settings.default.max_examples // 25))
@given(
    crawled=crawls(copies=True),
    knobs=st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 3), st.booleans()),
)
def test_compact_keeps_every_row_as_it_was_and_twice_changes_nothing(
    tmp_path, monkeypatch, crawled, knobs
):
    # Small batches, row groups and slices: the merge spills, and reads a merged file a batch
    # at a time.
    batch_rows, group_rows, slice_files, small_groups = knobs
    monkeypatch.setattr(records_merge, "MERGE_BATCH_ROWS", batch_rows)
    monkeypatch.setattr(records_merge, "MERGED_ROW_GROUP_ROWS", group_rows)
    monkeypatch.setattr(records_merge, "MERGED_ROW_GROUP_BYTES", 600 if small_groups else 2**24)
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", slice_files)
    output_dir = fresh(tmp_path)
    for number, run in enumerate(crawled):
        write_run(output_dir, run)
        if run["compact_after"]:  # as a daily compaction, or cron's merge, between crawls
            compact_and_check(output_dir, NOW + dt.timedelta(hours=number))
    compact_and_check(output_dir, NOW + dt.timedelta(days=1))
    assert partitions(output_dir) == kept_once(written(crawled))

    held = files_and_inodes(output_dir)
    assert compact.compact(output_dir, now=NOW + dt.timedelta(days=2)) == []
    assert compact.compact_run_records(output_dir, now=NOW + dt.timedelta(days=2)) == []
    assert files_and_inodes(output_dir) == held


@settings(FAST, max_examples=max(1, settings.default.max_examples // 20))
@given(crawled=crawls())
def test_a_dataset_without_copies_is_clean_before_compaction(tmp_path, crawled):
    output_dir = fresh(tmp_path)
    write(output_dir, crawled)
    assert partitions(output_dir) == written(crawled)
    assert verify.verify(output_dir, NOW) == []


def seen(rows: list[dict], content_sha256, simhash, max_distance: int) -> str | None:
    """What the seen set answers, from the rows themselves: the earliest stored (by scraped_at,
    then article_id as a number) with that body hash or a simhash that close, or the original
    it names."""
    for row in sorted(rows, key=lambda r: (r["scraped_at"], int(r["article_id"]))):
        same = content_sha256 is not None and row["content_sha256"] == content_sha256
        close = (
            simhash is not None
            and row["simhash"] is not None
            and hamming(to_unsigned(row["simhash"]), to_unsigned(simhash)) <= max_distance
        )
        if same or close:
            return row["duplicate_of"] or row["article_id"]
    return None


def assert_seen_set_knows(output_dir: Path, rows: list[dict]) -> None:
    history = History.load(output_dir)
    ids = {row["article_id"] for row in rows}
    assert {i for i in ids if history.is_stored(i)} == ids
    assert not history.is_stored(str(10**17)) and not history.is_stored("9" * 18)
    asked = [(row["content_sha256"], None) for row in rows] + [
        (None, row["simhash"]) for row in rows
    ]
    asked += [(sha("Một bài chưa từng lưu."), None), (None, 0x5555_5555_5555_5555)]
    for max_distance in (0, 3):
        answers = [history.content_duplicate_of(s, h, max_distance) for s, h in asked]
        assert answers == [seen(rows, s, h, max_distance) for s, h in asked]


@settings(FAST, max_examples=max(1, settings.default.max_examples // 10))
@given(crawled=crawls(copies=True))
def test_the_seen_set_knows_the_stored_rows_before_and_after_compaction(tmp_path, crawled):
    output_dir = fresh(tmp_path)
    write(output_dir, crawled)
    rows = [row for run in crawled for row in itertools.chain.from_iterable(run["batches"])]
    assert_seen_set_knows(output_dir, rows)
    compact.compact(output_dir, now=NOW)
    # Compaction keeps the earliest scraped copy of an id stored twice: the seen set's answers
    # are the same without the later ones.
    assert_seen_set_knows(output_dir, dataset_read.read_articles(output_dir).to_pylist())
