"""The dataset on disk: part files per partition, read back by every reader the README names."""

from __future__ import annotations

import datetime as dt
import errno
import math
import os
import stat
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from newsscraper import cli, dataset, dataset_read, dataset_write, runs_read
from newsscraper.items import Article
from newsscraper.pages.dates import vietnam_date
from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_SCHEMA,
    SCHEMA_VERSION_KEY,
)

UTC = dt.UTC
SCRAPED = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
BACKFILL_SINCE = dt.date(2026, 3, 1)
STOPPED_AT = "https://cafef.vn/timelinelist/18836/2.chn"  # a run record's stop_url
# The run record columns added after version 1, in the order they were added.
ADDED_SINCE_VERSION_1 = [
    "pending_articles",
    "walked_down_to",
    "rests_until",
    "run_number",
    "newsscraper_version",
    "since",
    "until",
    "stop_url",
]


def full_article(article_id: str, **fields) -> dict:
    row = {
        "article_id": article_id,
        "url": f"https://cafef.vn/bai-viet-{article_id}.chn",
        "section": "doanh-nghiep",
        "category": "Doanh nghiệp",
        "title": "Hòa Phát lãi kỷ lục nhờ giá thép phục hồi",
        "sapo": "Tập đoàn Hòa Phát báo lãi quý I tăng 40%.",
        "body": "Đoạn một về thép.\n\nĐoạn hai về lợi nhuận và cổ tức.",
        "author": "Hồ Hương",
        "source": "Nhịp sống thị trường",
        "source_url": "https://example.vn/goc",
        "published_at": dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC),
        "modified_at": dt.datetime(2026, 3, 7, 2, 15, tzinfo=UTC),
        "published_date": dt.date(2026, 3, 7),
        "tags": ["Hòa Phát", "thép", "lợi nhuận"],
        "tickers": ["HPG"],
        "image_urls": ["https://cafef.vn/anh-bia.jpg", "https://cafef.vn/anh-2.jpg"],
        "word_count": 12,
        "content_sha256": "ab" * 32,
        "simhash": -8_070_450_532_247_928_832,  # an unsigned value >= 2**63, stored signed
        "duplicate_of": None,
        "scraped_at": SCRAPED,
        "run_id": "20260308T020000Z-aaaa0001",
    }
    row.update(fields)
    return row


def sparse_article(article_id: str, **fields) -> dict:
    """Only the required columns: every optional column of its batch is null."""
    row = {name: None for name in full_article("0")}
    row.update(
        article_id=article_id,
        url=f"https://cafef.vn/tin-{article_id}.chn",
        section="doanh-nghiep",
        title="Vingroup công bố kế hoạch",
        body="Nội dung ngắn gọn.",
        published_at=dt.datetime(2026, 3, 6, 16, 59, 59, tzinfo=UTC),
        published_date=dt.date(2026, 3, 6),  # 23:59:59 in Vietnam
        scraped_at=SCRAPED,
        run_id="20260308T020000Z-aaaa0001",
    )
    row.update(fields)
    return row


BATCH_1 = [
    # 17:30Z on the 6th is 00:30 on the 7th in Vietnam: the partition is the Vietnam date.
    full_article(
        "188260306173000001",
        published_at=dt.datetime(2026, 3, 6, 17, 30, tzinfo=UTC),
        published_date=dt.date(2026, 3, 7),
    ),
    full_article("188260307080000002", tags=[], tickers=[]),
    full_article(
        "188260307090000003",
        section="thi-truong-chung-khoan",
        category="Thị trường chứng khoán",
        duplicate_of="188260307080000002",
    ),
]
# The tricky batch: all optional columns null, one minute either side of Vietnam midnight.
BATCH_2 = [
    sparse_article("188260306235959004"),
    sparse_article(
        "188260307000000005",
        published_at=dt.datetime(2026, 3, 6, 17, 0, tzinfo=UTC),
        published_date=dt.date(2026, 3, 7),
    ),
]
ALL_ROWS = BATCH_1 + BATCH_2


@pytest.fixture
def written(tmp_path):
    """OUTPUT_DIR holding BATCH_1 (as Article items) and BATCH_2 (as dicts)."""
    dataset_write.commit_articles(tmp_path, [Article(**row) for row in BATCH_1], "run-a", 1)
    dataset_write.commit_articles(tmp_path, BATCH_2, "run-a", 2)
    return tmp_path


def canonical(row: dict) -> dict:
    """A row as plain Python values, whichever reader produced it, for field-by-field equality."""

    def plain(value):
        if isinstance(value, np.ndarray):
            return [plain(v) for v in value.tolist()]
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, dt.datetime):
            return value.astimezone(UTC)
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return {name: plain(row[name]) for name in sorted(row)}


def expected_rows(rows=ALL_ROWS) -> list[dict]:
    return sorted((canonical(r) for r in rows), key=lambda r: r["article_id"])


def test_each_batch_makes_one_file_per_partition_named_by_run_and_seq(written):
    relative = [p.relative_to(written).as_posix() for p in dataset.list_part_files(written)]
    assert relative == [
        "articles/section=doanh-nghiep/published_date=2026-03-06/part-run-a-2.parquet",
        "articles/section=doanh-nghiep/published_date=2026-03-07/part-run-a-1.parquet",
        "articles/section=doanh-nghiep/published_date=2026-03-07/part-run-a-2.parquet",
        "articles/section=thi-truong-chung-khoan/published_date=2026-03-07/part-run-a-1.parquet",
    ]


def test_files_have_the_declared_schema_and_version_even_when_columns_are_all_null(written):
    for path in dataset.list_part_files(written):
        schema = pq.read_schema(path)
        assert schema.equals(ARTICLES_FILE_SCHEMA, check_metadata=False), path
        assert schema.metadata[SCHEMA_VERSION_KEY] == b"8"
    sparse = pq.ParquetFile(
        written / "articles/section=doanh-nghiep/published_date=2026-03-06/part-run-a-2.parquet"
    ).read()
    assert sparse.column("tags").null_count == 1
    assert sparse.schema.field("tags").type == ARTICLES_FILE_SCHEMA.field("tags").type
    assert pq.ParquetFile(dataset.list_part_files(written)[0]).metadata.row_group(0).column(
        0
    ).compression == ("ZSTD")


def test_round_trip_through_the_typed_dataset(written):
    rows = dataset_read.read_articles(written).to_pylist()
    assert sorted(map(canonical, rows), key=lambda r: r["article_id"]) == expected_rows()


def test_pandas_reads_the_folder_with_partition_columns(written):
    frame = pd.read_parquet(dataset.articles_dir(written))
    rows = [canonical(r) for r in frame.to_dict(orient="records")]
    assert sorted(rows, key=lambda r: r["article_id"]) == expected_rows()


def test_pyarrow_hive_dataset_reads_the_folder(written):
    table = pads.dataset(dataset.articles_dir(written), partitioning="hive").to_table()
    rows = [canonical(r) for r in table.to_pylist()]
    assert sorted(rows, key=lambda r: r["article_id"]) == expected_rows()


def test_duckdb_reads_the_glob_with_hive_partitioning(written):
    relation = duckdb.sql(
        f"SELECT * FROM read_parquet('{dataset.articles_dir(written)}/**/*.parquet', "
        "hive_partitioning=true)"
    )
    rows = [dict(zip(relation.columns, values, strict=True)) for values in relation.fetchall()]
    assert sorted(map(canonical, rows), key=lambda r: r["article_id"]) == expected_rows()


def test_polars_scans_the_glob_with_hive_partitioning(written):
    frame = pl.scan_parquet(
        f"{dataset.articles_dir(written)}/**/*.parquet", hive_partitioning=True
    ).collect()
    rows = [canonical(r) for r in frame.to_dicts()]
    assert sorted(rows, key=lambda r: r["article_id"]) == expected_rows()


def readme_block(language: str, after: str, doc: str = "README.md") -> str:
    """The first ```language block of `doc` (README.md) after the line `after`."""
    text = (Path(__file__).resolve().parent.parent / doc).read_text(encoding="utf-8")
    rest = text[text.index(after) :]
    start = rest.index(f"```{language}\n") + len(f"```{language}\n")
    return rest[start : rest.index("```", start)]


def test_the_readme_snippets_read_published_date_as_a_date(tmp_path, monkeypatch):
    rows = [dict(row, tickers=["HPX"]) for row in ALL_ROWS]  # the ticker the snippets ask for
    dataset_write.commit_articles(tmp_path / "output", rows, "run-a", 1)
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(readme_block("python", "### Reading it"), names)
    sql = readme_block("sql", "### Reading it")

    assert {type(d) for d in names["df"]["published_date"]} == {dt.date}
    assert names["table"].schema.field("published_date").type == pa.date32()
    assert names["lf"].collect_schema()["published_date"] == pl.Date
    dates = sorted({r["published_date"] for r in ALL_ROWS})
    assert [day for day, _ in duckdb.sql(sql).fetchall()] == dates
    assert sorted(set(names["df"]["published_date"])) == dates
    assert sorted(set(names["table"].column("published_date").to_pylist())) == dates


def test_the_data_format_snippet_reads_older_run_records_with_every_column(tmp_path, monkeypatch):
    # A version 1 record sorts first, as the oldest run's file does: a reader taking the
    # columns of the first file would lose pending_articles, walked_down_to, rests_until,
    # run_number, newsscraper_version, since, until and stop_url.
    runs = tmp_path / "output"
    record = {name: None for name in RUNS_SCHEMA.names} | {
        "section": "doanh-nghiep",
        "mode": "incremental",
        "started_at": SCRAPED,
        "finished_at": SCRAPED,
        "exit_code": 0,
    }
    old = pa.Table.from_pylist([record | {"run_id": "20260301T000000Z-aaaa0001"}], RUNS_SCHEMA)
    old = old.drop_columns(ADDED_SINCE_VERSION_1)
    old = old.replace_schema_metadata({SCHEMA_VERSION_KEY: b"1"})
    new = record | {"run_id": "20260308T020000Z-aaaa0002", "pending_articles": "{}"}
    new |= {"walked_down_to": SCRAPED, "rests_until": SCRAPED, "run_number": 7}
    new |= {"newsscraper_version": "0.1.0", "since": BACKFILL_SINCE, "until": None}
    new |= {"stop_reason": "listing_failed", "stop_url": STOPPED_AT}
    new = pa.Table.from_pylist([new], RUNS_SCHEMA)
    dataset_write.commit_part_file(old, dataset.runs_dir(runs) / "part-a.parquet", runs)
    dataset_write.commit_part_file(new, dataset.runs_dir(runs) / "part-b.parquet", runs)
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(readme_block("python", "## Migration notes", doc="DATA_FORMAT.md"), names)

    read = {
        "pandas": names["runs"].to_dict("records"),
        "pyarrow": names["table"].to_pylist(),
        "polars": names["frame"].to_dicts(),
        "duckdb": names["relation"].pl().to_dicts(),
    }
    for reader, rows in read.items():
        assert list(rows[0]) == RUNS_SCHEMA.names, reader
        got = sorted(
            (
                r["run_id"],
                *(canonical(r)[c] for c in ADDED_SINCE_VERSION_1[1:]),
            )
            for r in rows
        )
        assert got == [
            ("20260301T000000Z-aaaa0001", None, None, None, None, None, None, None),
            (
                *("20260308T020000Z-aaaa0002", SCRAPED, SCRAPED, 7, "0.1.0", "2026-03-01"),
                *(None, STOPPED_AT),
            ),
        ]


def test_a_later_batch_only_adds_files(written):
    before = {p: p.read_bytes() for p in dataset.list_part_files(written)}
    dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-b", 1)
    after = dataset.list_part_files(written)
    assert {p: p.read_bytes() for p in before} == before
    assert set(after) - set(before) == {
        written / "articles/section=doanh-nghiep/published_date=2026-03-07/part-run-b-1.parquet"
    }


def test_a_part_file_name_already_stored_is_never_replaced(written):
    """Two runs given the same RUN_ID name their files alike: the second must not overwrite."""
    before = {p: p.read_bytes() for p in dataset.list_part_files(written)}
    with pytest.raises(dataset_write.PartFileWriteError, match="already stored") as raised:
        dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-a", 2)

    assert raised.value.errno == errno.EEXIST
    assert "part-run-a-2.parquet" in str(raised.value)
    assert {p: p.read_bytes() for p in dataset.list_part_files(written)} == before
    assert dataset.staging_files(written) == []
    rows = [canonical(r) for r in dataset_read.read_articles(written).to_pylist()]
    assert sorted(rows, key=lambda r: r["article_id"]) == expected_rows()


def test_a_file_between_write_and_rename_is_invisible_to_every_reader(written, monkeypatch):
    """Stop the commit after the staging file is complete, before the rename."""

    class Interrupted(Exception):
        pass

    seen = {}

    def look_then_interrupt(src, dst):
        staged = dataset.staging_files(written)
        seen["staged"] = [p.name for p in staged]
        seen["staged_rows"] = pq.ParquetFile(staged[0]).metadata.num_rows
        seen["listed"] = dataset.list_part_files(written)
        seen["pandas"] = len(pd.read_parquet(dataset.articles_dir(written)))
        seen["duckdb"] = duckdb.sql(
            f"SELECT count(*) FROM read_parquet('{dataset.articles_dir(written)}/**/*.parquet')"
        ).fetchall()[0][0]
        seen["polars"] = pl.scan_parquet(f"{dataset.articles_dir(written)}/**/*.parquet").collect()
        raise Interrupted

    monkeypatch.setattr(dataset_write.os, "replace", look_then_interrupt)
    files_before = dataset.list_part_files(written)
    with pytest.raises(Interrupted):
        dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-b", 1)

    assert seen["staged"] and seen["staged"][0].startswith("part-run-b-1.parquet")
    assert seen["staged_rows"] == 1  # the staged file was complete, yet no reader saw it
    assert seen["listed"] == files_before
    assert seen["pandas"] == seen["duckdb"] == seen["polars"].height == len(ALL_ROWS)
    assert dataset.staging_files(written) == []  # the interrupted commit cleaned up
    assert dataset.list_part_files(written) == files_before
    for path in dataset.list_part_files(written):
        pq.ParquetFile(path).read()  # complete, readable


def test_a_part_file_is_on_disk_before_its_name_and_its_name_after(tmp_path, monkeypatch):
    """A power cut after the commit must find the whole file under its name, not an empty or
    missing one: the staged file is flushed before the rename, the folder after it."""
    events, synced_sizes = [], []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}"))))
        if stat.S_ISREG(os.fstat(fd).st_mode):
            synced_sizes.append(os.fstat(fd).st_size)
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", Path(src).resolve(), Path(dst).resolve()))
        real_replace(src, dst)

    monkeypatch.setattr(dataset_write.os, "fsync", fsync)
    monkeypatch.setattr(dataset_write.os, "replace", replace)
    [path] = dataset_write.commit_articles(
        tmp_path, [full_article("188260307100000006")], "run-a", 1
    )

    path = path.resolve()
    staged = (dataset.staging_dir(tmp_path) / f"{path.name}.{os.getpid()}.tmp").resolve()
    assert events == [("fsync", staged), ("replace", staged, path), ("fsync", path.parent)]
    assert synced_sizes == [path.stat().st_size]  # all of it written out before the fsync


def test_a_write_that_fails_leaves_earlier_files_and_no_partial_file(written, monkeypatch):
    before = {p: p.read_bytes() for p in dataset.list_part_files(written)}

    def disk_full(table, where, **kwargs):
        where.write(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dataset_write.pq, "write_table", disk_full)
    with pytest.raises(dataset_write.PartFileWriteError) as raised:
        dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-b", 1)

    message = str(raised.value)
    assert "part-run-b-1.parquet" in message and "No space left on device" in message
    assert raised.value.errno == errno.ENOSPC
    assert {p: p.read_bytes() for p in dataset.list_part_files(written)} == before
    assert dataset.staging_files(written) == []


def test_a_staging_file_the_disk_will_not_remove_does_not_hide_the_write_error(
    written, monkeypatch
):
    # A disk full mid-write, then remounted read-only: the staged half file cannot be removed,
    # yet the error said is still the one that stopped the write, naming the file.
    def disk_full(table, where, **kwargs):
        where.write(b"PAR1 half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    def read_only_unlink(self, missing_ok=False):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(dataset_write.pq, "write_table", disk_full)
    monkeypatch.setattr(Path, "unlink", read_only_unlink)
    with pytest.raises(dataset_write.PartFileWriteError) as raised:
        dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-b", 1)

    assert raised.value.errno == errno.ENOSPC
    assert "part-run-b-1.parquet" in str(raised.value)
    assert "No space left on device" in str(raised.value)


def test_a_commit_interrupted_by_ctrl_c_leaves_no_staging_file(written, monkeypatch):
    def interrupted(src, dst):
        raise KeyboardInterrupt

    before = dataset.list_part_files(written)
    monkeypatch.setattr(dataset_write.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-b", 1)
    assert dataset.staging_files(written) == []
    assert dataset.list_part_files(written) == before


def test_a_read_only_output_dir_raises_a_clear_error_and_keeps_earlier_files(written, monkeypatch):
    before = {p: p.read_bytes() for p in dataset.list_part_files(written)}
    real_open = open

    def read_only_open(path, mode="r", *args, **kwargs):
        # chmod alone does not stop root, so the filesystem's answer is given here too.
        if "w" in mode and str(path).startswith(str(written)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(dataset_write, "open", read_only_open, raising=False)
    (written / dataset.STAGING).chmod(0o555)
    try:
        with pytest.raises(
            dataset_write.PartFileWriteError, match="Read-only file system"
        ) as raised:
            dataset_write.commit_articles(written, [full_article("188260307100000006")], "run-b", 1)
    finally:
        (written / dataset.STAGING).chmod(0o755)
    assert "part-run-b-1.parquet" in str(raised.value)
    assert {p: p.read_bytes() for p in dataset.list_part_files(written)} == before


def test_on_commit_reports_each_partition_as_it_lands(tmp_path):
    landed = []
    paths = dataset_write.commit_articles(
        tmp_path, BATCH_1, "run-a", 7, on_commit=lambda rows, path: landed.append((rows, path))
    )
    assert [path for _, path in landed] == paths
    assert [[r["article_id"] for r in rows] for rows, _ in landed] == [
        ["188260306173000001", "188260307080000002"],
        ["188260307090000003"],
    ]


@pytest.mark.parametrize(
    "section", ["../etc", "doanh nghiep", "", ".hidden", "a/b", "doanh-nghiệp"]
)
def test_unsafe_partition_values_are_refused(tmp_path, section):
    with pytest.raises(ValueError):
        dataset_write.commit_articles(tmp_path, [full_article("1", section=section)], "run-a", 1)
    assert not dataset.articles_dir(tmp_path).exists()


def test_a_safe_value_is_text_of_at_most_100_characters_without_two_dots():
    assert dataset.is_safe_path_value("a" * 100)
    assert dataset.is_safe_path_value("run-2026.03.07_a")
    for unsafe in ("a" * 101, "a..b", "run..", None, 20260307, b"doanh-nghiep", "nightly-1\n"):
        assert not dataset.is_safe_path_value(unsafe), unsafe


def test_a_published_date_given_as_iso_text_partitions_like_a_date(tmp_path):
    row = full_article("188260307100000006", published_date="2026-03-07")
    assert dataset.partition_of(row) == ("doanh-nghiep", dt.date(2026, 3, 7))
    [path] = dataset_write.commit_articles(tmp_path, [row], "run-a", 1)
    assert path.parent.name == "published_date=2026-03-07"
    with pytest.raises(ValueError):
        dataset.partition_of({**row, "published_date": dt.datetime(2026, 3, 7, tzinfo=UTC)})


def test_a_row_without_a_safe_section_or_a_published_date_has_no_partition():
    # Refused as the item is buffered, with the reason its drop is logged with, not when its
    # whole batch is committed.
    row = full_article("188260307100000006")
    for section in (None, ""):
        with pytest.raises(ValueError, match=r"^row has no section to partition by$"):
            dataset.partition_of({**row, "section": section})
    with pytest.raises(ValueError, match=r"^row has no published_date to partition by$"):
        dataset.partition_of({**row, "published_date": None})
    with pytest.raises(ValueError, match=r"section '\.\./doanh' is not a safe partition"):
        dataset.partition_of({**row, "section": "../doanh"})


def test_a_run_id_is_used_once_a_part_file_of_it_is_stored_even_without_its_run_record(tmp_path):
    # A killed run writes no run record, but its part files keep their names.
    dataset_write.commit_articles(tmp_path, [full_article("188260307100000006")], "killed", 1)
    reject = {"url": "https://cafef.vn/x-188.chn", "reason": "http_404", "scraped_at": SCRAPED}
    dataset_write.commit_rejects(tmp_path, [{**reject, "run_id": "killed-2"}], "killed-2", 3)
    assert runs_read.run_id_used(tmp_path, "killed")
    assert runs_read.run_id_used(tmp_path, "killed-2")
    assert not runs_read.run_id_used(tmp_path, "kill")
    assert not runs_read.run_id_used(tmp_path, "killed-3")


def test_vietnam_date_of_an_instant():
    assert vietnam_date(dt.datetime(2026, 3, 6, 17, 30, tzinfo=UTC)) == dt.date(2026, 3, 7)
    assert vietnam_date(dt.datetime(2026, 3, 6, 16, 59, tzinfo=UTC)) == dt.date(2026, 3, 6)
    with pytest.raises(ValueError):
        vietnam_date(dt.datetime(2026, 3, 6, 17, 30))


def test_rejects_are_one_flat_file_per_call(tmp_path):
    rows = [
        {
            "url": "https://cafef.vn/x-188.chn",
            "reason": "body_too_short",
            "detail": "42 < 200 chars",
            "raw": '{"title": "Tiêu đề"}',
            "scraped_at": SCRAPED,
            "run_id": "run-a",
        }
    ]
    path = dataset_write.commit_rejects(tmp_path, rows, "run-a", 3)
    assert path == tmp_path / "rejects/part-run-a-3.parquet"
    assert pq.read_schema(path).equals(REJECTS_SCHEMA, check_metadata=True)
    assert dataset_read.read_rejects(tmp_path).to_pylist() == [{"article_id": None, **rows[0]}]


def test_a_rejects_file_without_a_column_read_is_named_with_the_column(tmp_path):
    # Another tool's file: Arrow reads the columns it has and says nothing of the one it lacks.
    row = {"reason": "body_too_short", "scraped_at": SCRAPED, "run_id": "run-a"}
    dataset_write.commit_rejects(tmp_path, [row], "run-a", 1)
    other = dataset.rejects_dir(tmp_path) / "part-other.parquet"
    pq.write_table(pa.Table.from_pylist([row]).drop_columns(["reason"]), other)
    with pytest.raises(pa.ArrowInvalid) as raised:
        dataset_read.read_rejects(tmp_path, columns=["run_id", "reason"])
    assert str(raised.value) == f"cannot read Parquet file '{other}': no column ['reason']"


# The run record columns every version wrote: those of version 1.
RUN_COLUMNS_OF_VERSION_1 = [n for n in RUNS_SCHEMA.names if n not in ADDED_SINCE_VERSION_1]


def test_an_article_file_of_another_tools_columns_is_named_with_the_columns_it_lacks(written):
    # Read in the declared schema, its rows would be rows of nulls, counted as articles.
    folder = dataset.article_partition_dir(written, "doanh-nghiep", dt.date(2026, 3, 6))
    other = folder / "part-other.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), other)
    with pytest.raises(pa.ArrowInvalid) as raised:
        dataset_read.read_articles(written, columns=["article_id"])
    lacking = ARTICLES_FILE_SCHEMA.names
    assert str(raised.value) == f"cannot read Parquet file '{other}': no column {lacking}"
    # An export of our rows without one column every version wrote is no file of ours either.
    table = pq.read_table(next(folder.glob("part-run-a-*.parquet")))
    pq.write_table(table.drop_columns(["sapo"]), other)
    with pytest.raises(pa.ArrowInvalid) as raised:
        dataset_read.read_articles(written)
    assert str(raised.value) == f"cannot read Parquet file '{other}': no column ['sapo']"


@pytest.mark.parametrize(
    ("table", "lacking"),
    [
        (pa.table({"a": [1]}), RUN_COLUMNS_OF_VERSION_1),
        (
            pa.Table.from_pylist(
                [{"run_id": "run-b", "section": "doanh-nghiep", "exit_code": 0}]
            ).append_column("a", pa.array([1])),
            [n for n in RUN_COLUMNS_OF_VERSION_1 if n not in ("run_id", "section", "exit_code")],
        ),
    ],
    ids=["other-columns", "some-of-ours"],
)
def test_a_run_record_file_of_another_tools_columns_is_named_with_the_columns_it_lacks(
    tmp_path, table, lacking
):
    # Columns added since version 1 an older file may lack; one of version 1, never.
    run_record_files(tmp_path, 2, drop=tuple(ADDED_SINCE_VERSION_1))
    other = dataset.runs_dir(tmp_path) / "part-other.parquet"
    pq.write_table(table, other)
    expected = f"cannot read Parquet file '{other}': no column {lacking}"
    for read in (
        lambda: runs_read.read_runs(tmp_path),
        lambda: runs_read.read_runs(tmp_path, columns=["run_id"]),
        lambda: runs_read.read_chosen_runs(tmp_path, ["run_id"], lambda keys: []),
    ):
        with pytest.raises(pa.ArrowInvalid) as raised:
            read()
        assert str(raised.value) == expected
    other.unlink()
    assert runs_read.read_runs(tmp_path).num_rows == 2  # version 1 files read as before


def test_rejects_of_many_files_are_joined_as_they_are_read_in_the_order_of_their_files(
    tmp_path, monkeypatch
):
    # A crawl reads the rejects twice (the raw column only when needed) and lines the rows up.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 16)
    for n in range(40):
        row = {"article_id": f"1882603070000{n:05d}", "reason": "body_too_short"}
        dataset_write.commit_rejects(
            tmp_path, [{**row, "scraped_at": SCRAPED, "run_id": "r"}], "r", n
        )
    rejects = dataset_read.read_rejects(tmp_path, columns=["article_id", "reason"])
    files = dataset.list_part_files(tmp_path, "rejects")
    assert rejects.column("article_id").to_pylist() == [
        pq.read_table(path).column("article_id")[0].as_py() for path in files
    ]
    assert {rejects.column(name).num_chunks for name in rejects.column_names} == {3}


def test_a_folder_named_in_utf_8_is_read_under_a_locale_whose_file_names_are_not(tmp_path):
    # Under LC_ALL=C with UTF-8 mode off (or a Latin-1 locale), Python names the folder a
    # crontab gave as `dữ liệu` by other characters than pyarrow, which names files in UTF-8:
    # what Python wrote, pyarrow did not find, and the second crawl stopped as unreadable.
    as_python_names_it = "dữ liệu".encode().decode("ascii", errors="surrogateescape")
    output_dir = tmp_path / as_python_names_it
    dataset_write.commit_articles(output_dir, BATCH_1, "run-a", 1)
    reject = {"reason": "body_too_short", "scraped_at": SCRAPED, "run_id": "run-a"}
    dataset_write.commit_rejects(output_dir, [reject], "run-a", 2)
    assert (tmp_path / "dữ liệu" / "articles").is_dir()
    assert dataset_read.read_articles(output_dir).num_rows == len(BATCH_1)
    assert dataset_read.read_rejects(output_dir, columns=["reason"]).to_pylist() == [
        {"reason": "body_too_short"}
    ]
    (path, *_) = dataset.list_part_files(output_dir)
    assert dataset_read.read_part_file(path).num_rows > 0


def test_listing_an_empty_output_dir(tmp_path):
    assert dataset.list_part_files(tmp_path) == []
    assert dataset.list_article_partitions(tmp_path) == []
    assert runs_read.read_runs(tmp_path) is None
    assert dataset_read.read_rejects(tmp_path).num_rows == 0
    assert dataset_read.read_articles(tmp_path).schema.names == ARTICLES_SCHEMA.names
    some = dataset_read.read_articles(tmp_path, columns=["article_id", "published_at"])
    assert (some.num_rows, some.column_names) == (0, ["article_id", "published_at"])
    with pytest.raises(ValueError):
        dataset.list_part_files(tmp_path, "other")


def run_record_files(output_dir, count: int, *, drop: tuple[str, ...] = ()) -> None:
    """`count` run records, one file each, as a cron writes them between compactions."""
    for n in range(count):
        record = {name: None for name in RUNS_SCHEMA.names} | {
            "run_id": f"20260308T{n // 60:02d}{n % 60:02d}00Z-{n:08x}",
            "section": "doanh-nghiep",
            "mode": "incremental",
            "started_at": SCRAPED + dt.timedelta(minutes=n),
            "finished_at": SCRAPED + dt.timedelta(minutes=n, seconds=5),
            "exit_code": 0,
            "problems": [],
        }
        table = pa.Table.from_pylist([record], RUNS_SCHEMA).drop_columns(list(drop))
        path = dataset.runs_dir(output_dir) / f"part-{record['run_id']}.parquet"
        dataset_write.commit_part_file(table, path, output_dir)


def test_run_records_of_many_files_are_joined_as_they_are_read(tmp_path, monkeypatch):
    # One table per file kept to the end held about 70 kB each: 4 GB for a year of records
    # of a cron every five minutes that were never compacted.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 16)
    run_record_files(tmp_path, 100)
    runs = runs_read.read_runs(tmp_path)
    assert runs.num_rows == 100
    assert sorted(runs.column("run_id").to_pylist()) == runs.column("run_id").to_pylist()
    assert {runs.column(name).num_chunks for name in runs.column_names} == {math.ceil(100 / 16)}


def test_run_records_of_older_versions_in_a_slice_of_their_own_are_joined_with_newer_ones(
    tmp_path, monkeypatch
):
    # The oldest records fill the first slices, without the columns added since; the newest,
    # one file past a whole slice, has them: every record is read, the older ones null there.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 4)
    run_record_files(tmp_path, 8, drop=tuple(ADDED_SINCE_VERSION_1))
    run_record_files(tmp_path / "newer", 1)
    os.rename(
        next(dataset.runs_dir(tmp_path / "newer").iterdir()),
        dataset.runs_dir(tmp_path) / "part-newer.parquet",
    )
    runs = runs_read.read_runs(tmp_path)
    assert runs.column("run_id").num_chunks == 3  # read in three slices of four files at most
    assert runs.num_rows == 9 and runs.column_names == RUNS_SCHEMA.names
    assert runs.column("rests_until").null_count == 9
    assert runs.column("run_id").to_pylist()[-1] == "20260308T000000Z-00000000"


def test_run_records_read_for_some_columns_have_those_a_file_holds(tmp_path):
    run_record_files(tmp_path, 2, drop=("rests_until",))
    run_record_files(tmp_path / "newer", 1)
    os.rename(
        next(dataset.runs_dir(tmp_path / "newer").iterdir()),
        dataset.runs_dir(tmp_path) / "part-newer.parquet",
    )
    runs = runs_read.read_runs(tmp_path, columns=["run_id", "rests_until", "section"])
    assert runs.column_names == ["run_id", "section", "rests_until"]
    assert runs.num_rows == 3
    assert runs.column("rests_until").null_count == 3
    older = runs_read.read_runs(tmp_path / "nothing-yet", columns=["run_id"])
    assert older is None


def test_partitions_are_listed_with_their_values(written):
    partitions = dataset.list_article_partitions(written)
    assert [(p.section, p.published_date, len(p.part_files())) for p in partitions] == [
        ("doanh-nghiep", dt.date(2026, 3, 6), 1),
        ("doanh-nghiep", dt.date(2026, 3, 7), 2),
        ("thi-truong-chung-khoan", dt.date(2026, 3, 7), 1),
    ]


def test_a_file_or_a_folder_not_named_as_a_partition_is_no_partition(written):
    section = dataset.articles_dir(written) / "section=doanh-nghiep"
    (section / "published_date=2026-03-08").write_bytes(b"")  # a file, not a folder
    # A folder not named section=: what it holds is no partition, whatever its name.
    (dataset.articles_dir(written) / "notes" / "published_date=2026-03-08").mkdir(parents=True)
    assert [(p.section, p.published_date) for p in dataset.list_article_partitions(written)] == [
        ("doanh-nghiep", dt.date(2026, 3, 6)),
        ("doanh-nghiep", dt.date(2026, 3, 7)),
        ("thi-truong-chung-khoan", dt.date(2026, 3, 7)),
    ]
    with pytest.raises(ValueError, match="not an articles partition directory"):
        dataset.parse_partition_dir(section / "2026-03-07")


@pytest.mark.parametrize("value", ["2026-03-071", "2026-03-07x", "\u0662\u0660\u0662\u0666-03-07"])
def test_a_partition_date_with_more_than_yyyy_mm_dd_or_other_digits_is_named_so(tmp_path, value):
    path = tmp_path / "articles" / "section=doanh-nghiep" / f"published_date={value}"
    with pytest.raises(ValueError, match=f"published_date '{value}' is not YYYY-MM-DD"):
        dataset.parse_partition_dir(path)


def test_a_dataset_folder_with_a_parquet_file_of_its_own_beside_is_the_dataset(written):
    # No rejects/ yet, and a file exported next to articles/: still the dataset's own folder.
    pq.write_table(pa.table({"article_id": ["1"]}), written / "export.parquet")
    assert not dataset.rejects_dir(written).exists()
    assert dataset.inside_a_dataset(written) is None
    assert dataset.folder_problem(written) is None


def test_a_missing_folder_is_said_with_what_to_give(tmp_path):
    give = "give the dataset's folder with --output-dir"
    assert dataset.folder_problem(tmp_path / "output") == f"no such directory; {give}"


@pytest.mark.parametrize("command", ["stats", "verify", "compact"])
def test_a_folder_name_longer_than_the_file_system_takes_is_said_not_a_traceback(
    tmp_path, capsys, command
):
    too_long = tmp_path / ("é" * 200)  # 400 bytes: past the 255 a file name may hold
    assert dataset.folder_problem(too_long) == os.strerror(errno.ENAMETOOLONG)
    assert cli.main([command, "--output-dir", str(too_long)]) == 1
    said = f"newsscraper {command}: {too_long}: {os.strerror(errno.ENAMETOOLONG)}\n"
    assert capsys.readouterr().err == said


def test_a_dataset_inside_a_hidden_folder_lists_its_part_files(tmp_path):
    # Only what lies under the dataset's own folder hides a file: a dataset kept in ~/.local
    # or _data/ found empty would have every article stored again.
    output_dir = tmp_path / ".local" / "_news"
    paths = dataset_write.commit_articles(output_dir, [Article(**row) for row in BATCH_1], "r", 1)
    assert len(paths) == 2  # one file per partition of the batch
    assert dataset.list_part_files(output_dir) == sorted(paths)
    [partition, *_] = dataset.list_article_partitions(output_dir)
    assert partition.part_files() == [p for p in paths if p.parent == partition.path]


def test_a_folder_that_cannot_be_listed_is_an_error_not_a_folder_without_files(
    written, monkeypatch
):
    # chmod stops nothing as root: the kernel's answer for a folder of mode 000 is given here.
    unlisted = written / dataset.ARTICLES / "section=thi-truong-chung-khoan"
    real_scandir = os.scandir

    def scandir(path="."):
        if Path(path) == unlisted:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    # Passed over, its articles would count as not stored: a crawl would store them again.
    with pytest.raises(PermissionError, match="Permission denied"):
        dataset.list_part_files(written)
    with pytest.raises(PermissionError):
        dataset_read.read_articles(written, columns=["article_id"])


def test_a_listed_file_missing_from_a_listing_that_stays_the_same_is_not_read_forever(tmp_path):
    missing = dataset.runs_dir(tmp_path) / "part-gone.parquet"
    listings = []

    def list_files():
        if len(listings) == 3:
            pytest.fail("listed again and again, the listing staying the same")
        listings.append([missing])
        return [missing]

    with pytest.raises(FileNotFoundError):
        dataset_read.read_listed(
            list_files, lambda files: [dataset_read.read_part_file(p) for p in files]
        )
    assert len(listings) == 2


def test_a_listed_file_a_compaction_swapped_away_is_read_from_the_new_listing(tmp_path):
    # Listed before a compaction swapped its folder, gone when opened: the rows are read from
    # the merged file the next listing names, once.
    table = pa.Table.from_pylist([{"run_id": "run-a", "exit_code": 0}])
    merged = dataset.runs_dir(tmp_path) / "part-compact-20260308T030000Z.parquet"
    dataset_write.commit_part_file(table, merged, tmp_path)
    gone = dataset.runs_dir(tmp_path) / "part-run-a.parquet"
    listings = [[gone], [merged], [merged]]
    listed = []

    def list_files():
        if len(listed) == len(listings):
            pytest.fail(f"listed again and again, reading {listed[-1]}")
        listed.append(listings[len(listed)])
        return listed[-1]

    read = dataset_read.read_listed(
        list_files, lambda files: [dataset_read.read_part_file(p).to_pylist() for p in files]
    )
    assert read == [[{"run_id": "run-a", "exit_code": 0}]]
    assert listed == [[gone], [merged]]


def test_a_partition_is_swapped_whole_and_flushed_under_a_relative_output_dir(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # the default --output-dir, `output`, is relative
    output_dir = Path("output")
    [old] = dataset_write.commit_articles(
        output_dir, [full_article("188260307100000006")], "run-a", 1
    )
    partition = old.parent
    flushed = []
    real_fsync_dir = dataset_write._fsync_dir
    monkeypatch.setattr(
        dataset_write, "_fsync_dir", lambda path: (flushed.append(path), real_fsync_dir(path))
    )
    replaced = dataset_write.replace_partition_files(
        partition, pq.read_table(old), "part-merged.parquet", output_dir
    )
    assert [p.name for p in partition.iterdir()] == ["part-merged.parquet"]
    assert [p.name for p in replaced.iterdir()] == [old.name]
    assert flushed[-1] == partition.parent  # the swap itself survives a power cut


# A filesystem without hard links refuses them with EPERM (vfat, exFAT) or EOPNOTSUPP (some
# network and FUSE filesystems): copies, either way.
@pytest.mark.parametrize("refused_with", [None, errno.EPERM, errno.EOPNOTSUPP])
def test_a_partition_swap_carries_the_named_entries_into_the_new_folder(
    tmp_path, monkeypatch, refused_with
):
    [old] = dataset_write.commit_articles(
        tmp_path, [full_article("188260307100000006")], "run-a", 1
    )
    partition = old.parent
    (partition / "README.txt").write_text("ghi chú")
    (partition / "notes").mkdir()
    (partition / "notes" / "a.txt").write_text("sổ tay")
    # Links stay links, not copies of what they point to.
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.txt").write_text("nơi khác")
    elsewhere = str(tmp_path / "elsewhere")
    links_to = {"latest": "README.txt", "notes/newest": "a.txt"}
    links_to |= {"archive": elsewhere, "notes/archive": elsewhere}
    for link, target in links_to.items():
        (partition / link).symlink_to(target)
    if refused_with is not None:

        def refused(*args, **kwargs):
            raise OSError(refused_with, os.strerror(refused_with))

        monkeypatch.setattr(dataset_write.os, "link", refused)
    replaced = dataset_write.replace_partition_files(
        partition,
        pq.read_table(old),
        "part-merged.parquet",
        tmp_path,
        carried=["README.txt", "archive", "latest", "notes"],
    )
    assert sorted(p.name for p in partition.iterdir()) == [
        "README.txt",
        "archive",
        "latest",
        "notes",
        "part-merged.parquet",
    ]
    for link, target in links_to.items():
        assert (partition / link).is_symlink() and (partition / link).readlink() == Path(target)
    assert (partition / "README.txt").read_text() == "ghi chú"
    assert (partition / "notes" / "a.txt").read_text() == "sổ tay"
    linked = (partition / "README.txt").stat().st_ino == (replaced / "README.txt").stat().st_ino
    assert linked == (refused_with is None)


def test_a_partition_swap_that_cannot_be_made_is_an_error_and_leaves_no_staged_folder(tmp_path):
    [old] = dataset_write.commit_articles(
        tmp_path, [full_article("188260307100000006")], "run-a", 1
    )
    gone = old.parent.with_name("published_date=2026-03-01")
    with pytest.raises(OSError) as raised:
        dataset_write.replace_partition_files(
            gone, pq.read_table(old), "part-merged.parquet", tmp_path
        )
    assert raised.value.errno == errno.ENOENT and str(gone) in str(raised.value)
    assert list(dataset.staging_dir(tmp_path).iterdir()) == []
    assert dataset.list_part_files(tmp_path) == [old]


def test_a_partition_swap_interrupted_by_ctrl_c_leaves_the_old_files_and_no_staged_folder(
    tmp_path, monkeypatch
):
    [old] = dataset_write.commit_articles(
        tmp_path, [full_article("188260307100000006")], "run-a", 1
    )

    def interrupted(a, b):
        raise KeyboardInterrupt

    monkeypatch.setattr(dataset_write, "exchange_paths", interrupted)
    with pytest.raises(KeyboardInterrupt):
        dataset_write.replace_partition_files(
            old.parent, pq.read_table(old), "part-merged.parquet", tmp_path
        )
    assert list(dataset.staging_dir(tmp_path).iterdir()) == []
    assert dataset.list_part_files(tmp_path) == [old]


def test_a_staged_folder_the_disk_will_not_remove_does_not_hide_the_partition_swap_error(
    tmp_path, monkeypatch
):
    # A disk full while the merged file is written, then remounted read-only.
    [old] = dataset_write.commit_articles(
        tmp_path, [full_article("188260307100000006")], "run-a", 1
    )

    def disk_full(table, where, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(dataset_write.pq, "write_table", disk_full)
    monkeypatch.setattr(os, "unlink", read_only)
    monkeypatch.setattr(os, "rmdir", read_only)
    with pytest.raises(dataset_write.PartFileWriteError) as raised:
        dataset_write.replace_partition_files(
            old.parent, pq.read_table(old), "part-merged.parquet", tmp_path
        )
    assert raised.value.errno == errno.ENOSPC and "part-merged.parquet" in str(raised.value)
    assert dataset.list_part_files(tmp_path) == [old]


def test_run_records_whose_older_files_fill_a_slice_are_read_with_the_newer_ones(
    tmp_path, monkeypatch
):
    # A dataset upgraded with many uncompacted records: the first slices hold only files
    # without the columns added since, the last one files with them.
    monkeypatch.setattr(dataset_read, "READ_SLICE_FILES", 2)
    run_record_files(tmp_path, 4, drop=("rests_until", "pending_articles"))
    run_record_files(tmp_path / "newer", 1)
    os.rename(
        next(dataset.runs_dir(tmp_path / "newer").iterdir()),
        dataset.runs_dir(tmp_path) / "part-newer.parquet",
    )
    runs = runs_read.read_runs(tmp_path)
    assert runs.column("run_id").num_chunks == 3  # read in three slices of two files at most
    assert runs.num_rows == 5
    assert {"rests_until", "pending_articles"} <= set(runs.column_names)
    assert runs.column("rests_until").null_count == 5


def test_clearing_staging_removes_links_and_never_what_they_lead_to(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "folder").mkdir(parents=True)
    (elsewhere / "folder" / "kept.txt").write_text("giữ lại")
    (elsewhere / "kept.parquet").write_bytes(b"PAR1")
    staged = tmp_path / "inside"
    dataset.staging_dir(staged).mkdir(parents=True)
    (dataset.staging_dir(staged) / "left.tmp").write_bytes(b"PAR1 partial")
    (dataset.staging_dir(staged) / "link").symlink_to(elsewhere / "folder")
    dataset_write.clear_staging(staged)
    assert list(dataset.staging_dir(staged).iterdir()) == []
    linked = tmp_path / "linked"
    linked.mkdir()
    dataset.staging_dir(linked).symlink_to(elsewhere)  # .staging itself a link: left alone
    dataset_write.clear_staging(linked)
    assert (elsewhere / "folder" / "kept.txt").read_text() == "giữ lại"
    assert (elsewhere / "kept.parquet").read_bytes() == b"PAR1"


@pytest.mark.parametrize("kind", ["file", "link to a file", "link to nothing"])
def test_a_staging_that_is_no_folder_stops_the_lock_holder_naming_it(tmp_path, kind):
    # Every part file goes through .staging: the run must stop before it fetches anything.
    staging = dataset.staging_dir(tmp_path)
    if kind == "file":
        staging.write_text("notes")
        what = "a file, not a folder"
    elif kind == "link to a file":
        (tmp_path / "notes.txt").write_text("notes")
        staging.symlink_to(tmp_path / "notes.txt")
        what = "a file, not a folder"  # as verify names it: the link leads somewhere
    else:
        staging.symlink_to(tmp_path / "moved-away")
        what = f"a link to {tmp_path / 'moved-away'}, which is not there"
    with pytest.raises(OSError) as stopped:
        dataset_write.clear_staging(tmp_path)
    assert str(stopped.value) == (
        f"{staging} is {what}: every part file is written there before it is renamed into "
        "place; move it out of the way"
    )
    assert os.path.lexists(staging)  # left for its owner to look at
    if kind == "file":
        assert staging.read_text() == "notes"


def test_clearing_staging_on_a_read_only_disk_leaves_it_as_it_is(tmp_path, monkeypatch):
    # What the disk will not let go of stays for verify to report; the lock holder goes on.
    staging = dataset.staging_dir(tmp_path)
    (staging / "compact-1-part-merged.parquet" / "published_date=2026-03-07").mkdir(parents=True)
    (
        staging / "compact-1-part-merged.parquet" / "published_date=2026-03-07" / "a.parquet"
    ).write_bytes(b"PAR1")
    (staging / "part-run-a-1.parquet.1.tmp").write_bytes(b"PAR1 partial")

    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(os, "unlink", read_only)
    monkeypatch.setattr(os, "rmdir", read_only)
    dataset_write.clear_staging(tmp_path)
    assert [p.relative_to(staging).as_posix() for p in dataset.staging_files(tmp_path)] == [
        "compact-1-part-merged.parquet/published_date=2026-03-07/a.parquet",
        "part-run-a-1.parquet.1.tmp",
    ]


def test_a_partition_linked_from_another_disk_is_listed_as_readers_read_it(written, tmp_path):
    partition = written / dataset.ARTICLES / "section=doanh-nghiep" / "published_date=2026-03-06"
    elsewhere = tmp_path / "other-disk" / partition.name
    elsewhere.parent.mkdir()
    partition.rename(elsewhere)
    partition.symlink_to(elsewhere, target_is_directory=True)

    # pandas reads its rows: left out, they would count as not stored and be stored again.
    assert len(pd.read_parquet(dataset.articles_dir(written))) == len(ALL_ROWS)
    assert [p.relative_to(written).as_posix() for p in dataset.list_part_files(written)] == [
        "articles/section=doanh-nghiep/published_date=2026-03-06/part-run-a-2.parquet",
        "articles/section=doanh-nghiep/published_date=2026-03-07/part-run-a-1.parquet",
        "articles/section=doanh-nghiep/published_date=2026-03-07/part-run-a-2.parquet",
        "articles/section=thi-truong-chung-khoan/published_date=2026-03-07/part-run-a-1.parquet",
    ]
    rows = dataset_read.read_articles(written).to_pylist()
    assert sorted(map(canonical, rows), key=lambda r: r["article_id"]) == expected_rows()


def test_a_link_back_up_the_dataset_lists_each_part_file_once(written):
    # A link to a folder above it (`ln -s .. up`) leads nowhere new: walked into again, it
    # would list every part file once per turn of the loop, until the path is too long.
    before = dataset.list_part_files(written)
    (dataset.articles_dir(written) / "section=doanh-nghiep" / "up").symlink_to(
        "..", target_is_directory=True
    )
    assert dataset.list_part_files(written) == before


def test_a_dataset_reached_through_a_link_lists_each_part_file_once(tmp_path):
    # OUTPUT_DIR given as a link to the disk that holds it (`/data/news -> /mnt/disk/news`):
    # the link back up leads to the same folders as the dataset's own, by their real path.
    disk = tmp_path / "disk"
    paths = dataset_write.commit_articles(disk, [Article(**row) for row in BATCH_1], "r", 1)
    (dataset.articles_dir(disk) / "section=doanh-nghiep" / "up").symlink_to(
        "..", target_is_directory=True
    )
    linked = tmp_path / "news"
    linked.symlink_to(disk, target_is_directory=True)
    assert dataset.list_part_files(linked) == sorted(linked / p.relative_to(disk) for p in paths)


def _commit_declared_run_record(output_dir, run_id: str) -> None:
    """A run record of `run_id` in the declared types, exit code 0, committed as a crawl does."""
    at = dt.datetime(2026, 3, 7, 6, tzinfo=dt.UTC)
    record = {"run_id": run_id, "section": "doanh-nghiep", "mode": "incremental"}
    record |= {"started_at": at, "finished_at": at, "exit_code": 0}
    declared = pa.Table.from_pylist([record], schema=RUNS_SCHEMA)
    path = dataset.runs_dir(output_dir) / f"part-{run_id}.parquet"
    dataset_write.commit_part_file(declared, path, output_dir)


def _run_record_written_again(output_dir, run_id: str, name: str, values: pa.Array) -> pa.Table:
    """Run-a's record (`_commit_declared_run_record`) as another tool writes it again under
    `run_id`: every column, `name` holding `values`."""
    table = runs_read.read_runs(output_dir).filter(pc.field("run_id") == "run-a")
    table = table.set_column(table.schema.get_field_index("run_id"), "run_id", pa.array([run_id]))
    return table.set_column(table.schema.get_field_index(name), name, values)


def test_a_run_record_of_another_column_type_is_read_in_the_declared_type(tmp_path):
    # A run record another tool wrote again with exit_code as text: read as the number it
    # holds, beside records of the declared type, not a merge error naming no file.
    _commit_declared_run_record(tmp_path, "run-a")
    as_text = _run_record_written_again(tmp_path, "run-b", "exit_code", pa.array(["5"]))
    pq.write_table(as_text, dataset.runs_dir(tmp_path) / "part-run-b.parquet")
    runs = runs_read.read_runs(tmp_path, ["run_id", "exit_code"])
    assert runs.schema.field("exit_code").type == pa.int32()
    assert sorted(runs.to_pylist(), key=lambda r: r["run_id"]) == [
        {"run_id": "run-a", "exit_code": 0},
        {"run_id": "run-b", "exit_code": 5},
    ]
    odd = dataset.runs_dir(tmp_path) / "part-run-c.parquet"
    pq.write_table(_run_record_written_again(tmp_path, "run-c", "exit_code", pa.array([[1]])), odd)
    with pytest.raises(pa.ArrowInvalid) as raised:
        runs_read.read_runs(tmp_path)
    assert f"cannot read Parquet file '{odd}': column exit_code is list<element: int64>" in str(
        raised.value
    )


def test_a_run_record_with_a_column_not_declared_is_read_with_that_column(tmp_path):
    # Another tool's note beside a record: read as it is, not a failure to read the records.
    _commit_declared_run_record(tmp_path, "run-a")
    noted = _run_record_written_again(tmp_path, "run-b", "exit_code", pa.array([5], pa.int32()))
    noted = noted.append_column("note", pa.array(["chạy lại"]))
    pq.write_table(noted, dataset.runs_dir(tmp_path) / "part-run-b.parquet")
    runs = runs_read.read_runs(tmp_path, ["run_id", "exit_code", "note"])
    assert sorted(runs.to_pylist(), key=lambda r: r["run_id"]) == [
        {"run_id": "run-a", "exit_code": 0, "note": None},
        {"run_id": "run-b", "exit_code": 5, "note": "chạy lại"},
    ]


def test_a_schema_version_of_bytes_no_utf8_reads_is_named_as_a_version_not_an_error():
    # Another tool's metadata: verify named it with a UnicodeDecodeError traceback.
    from newsscraper.commands.verify import schema_differences

    schema = ARTICLES_SCHEMA.with_metadata({SCHEMA_VERSION_KEY: b"\xff\xfe"})
    assert dataset_read.schema_version_of(schema) == "\\xff\\xfe"
    assert schema_differences(schema, ARTICLES_SCHEMA)[0].startswith(
        "newsscraper.schema_version is '\\\\xff\\\\xfe', expected"
    )


def test_the_run_records_chosen_are_read_whole_in_the_order_chosen(tmp_path, monkeypatch):
    # From a merged file read a few rows at a time and from part files of a record each: the
    # records chosen come back whole, in the order `choose` gave their positions.
    monkeypatch.setattr(runs_read, "RUN_BATCH_ROWS", 2)
    start = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)

    def records(numbers) -> pa.Table:
        return pa.Table.from_pylist(
            [
                {name: None for name in RUNS_SCHEMA.names}
                | {"run_id": f"run-{n}", "section": "doanh-nghiep", "mode": "incremental"}
                | {"started_at": start, "finished_at": start + dt.timedelta(minutes=n)}
                | {"exit_code": 0, "run_number": n, "new_rows": 10 * n}
                for n in numbers
            ],
            schema=RUNS_SCHEMA,
        )

    runs_dir = dataset.runs_dir(tmp_path)
    dataset_write.commit_part_file(records(range(7)), runs_dir / "part-compact-1.parquet", tmp_path)
    for n in (7, 8):
        dataset_write.commit_part_file(records([n]), runs_dir / f"part-run-{n}.parquet", tmp_path)
    seen = []

    def choose(keys: pa.Table) -> list[int]:
        seen.append(keys)
        ids = keys["run_id"].to_pylist()
        return [ids.index(f"run-{n}") for n in (8, 5, 0, 7, 3, 4)]

    keys, chosen = runs_read.read_chosen_runs(tmp_path, ["run_id", "run_number"], choose)

    assert keys.column_names == ["run_id", "run_number"] and keys.num_rows == 9
    assert seen[0].equals(keys)
    assert chosen.column_names == RUNS_SCHEMA.names
    assert chosen.to_pylist() == records((8, 5, 0, 7, 3, 4)).to_pylist()
