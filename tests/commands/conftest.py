"""Small datasets for the command tests: rows built field by field, written as crawls would;
and a folder the disk will not list."""

from __future__ import annotations

import datetime as dt
import errno
import os

import pytest

from newsscraper import dataset, dataset_write

UTC = dt.UTC


def article_row(article_id: str, **fields) -> dict:
    row = {
        "article_id": article_id,
        "url": f"https://cafef.vn/bai-viet-{article_id}.chn",
        "section": "doanh-nghiep",
        "category": "Doanh nghiệp",
        "title": f"Doanh nghiệp {article_id} công bố kết quả kinh doanh",
        "sapo": "Lợi nhuận quý I tăng mạnh.",
        "body": "Đoạn một.\n\nĐoạn hai.",
        "author": None,
        "source": None,
        "source_url": None,
        "published_at": dt.datetime(2026, 3, 7, 3, 0, tzinfo=UTC),
        "modified_at": None,
        "published_date": dt.date(2026, 3, 7),
        "tags": ["kết quả kinh doanh"],
        "tickers": ["HPG"],
        "image_urls": [],
        "word_count": 4,
        "content_sha256": None,
        "simhash": None,
        "duplicate_of": None,
        "scraped_at": dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC),
        "run_id": "run-a",
    }
    if "published_date" in fields and "published_at" not in fields:
        # 03:00 UTC is 10:00 in Vietnam: the same calendar day as the partition.
        day = fields["published_date"]
        row["published_at"] = dt.datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    row.update(fields)
    return row


@pytest.fixture
def make_row():
    return article_row


@pytest.fixture
def write_batch(tmp_path):
    """write_batch(rows, run_id, seq): commit rows into tmp_path as the sink would."""

    def write(rows, run_id="run-a", seq=1):
        return dataset_write.commit_articles(tmp_path, rows, run_id, seq)

    return write


@pytest.fixture
def site_resting(tmp_path):
    """A run record in tmp_path, of run-1 (bat-dong-san), whose site asked for a rest until
    06:00 UTC on 2026-03-07; the rest, as the commands say it."""
    import pyarrow as pa

    from newsscraper.schema import RUNS_SCHEMA

    asked = dt.datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    row = {"run_id": "run-1", "section": "bat-dong-san", "mode": "incremental", "exit_code": 3}
    row |= {"started_at": asked, "finished_at": asked, "rests_until": asked.replace(hour=6)}
    table = pa.Table.from_pylist([row], schema=RUNS_SCHEMA)
    dataset_write.commit_part_file(
        table, dataset.runs_dir(tmp_path) / "part-run-1.parquet", tmp_path
    )
    return (
        "not crawling: the site asked for a rest (Retry-After) until 2026-03-07 06:00:00 UTC, "
        "in run run-1 (bat-dong-san); no crawl of this dataset asks it for anything before then"
    )


@pytest.fixture
def unlistable(monkeypatch):
    """`unlistable(folder)`: listing `folder` fails as the kernel answers for a folder of mode
    000 (chmod stops nothing as root); every other folder is listed as it is."""
    refused = set()
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) in refused:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return lambda folder: refused.add(os.fspath(folder))


@pytest.fixture
def unsearchable(monkeypatch):
    """`unsearchable(folder)`: `folder` is of mode 000 (chmod stops nothing as root): listing it,
    or looking up anything in it, fails as the kernel answers; `folder` itself is still seen."""
    refused = []
    real_scandir, real_stat, real_lstat = os.scandir, os.stat, os.lstat

    def inside(path) -> bool:
        name = os.path.abspath(os.fsdecode(path))
        return any(name.startswith(folder + os.sep) for folder in refused)

    def denied(path):
        return PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))

    def scandir(path="."):
        if os.path.abspath(os.fsdecode(path)) in refused or inside(path):
            raise denied(path)
        return real_scandir(path)

    def stat(path, *args, **kwargs):
        if not isinstance(path, int) and inside(path):
            raise denied(path)
        return real_stat(path, *args, **kwargs)

    def lstat(path, *args, **kwargs):
        if not isinstance(path, int) and inside(path):
            raise denied(path)
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    return lambda folder: refused.append(os.path.abspath(os.fspath(folder)))
