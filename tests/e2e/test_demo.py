"""`make demo`: the replica crawled into a folder, a summary of what landed, a line to read it."""

from __future__ import annotations

import re
import subprocess

import duckdb

import replica.demo
from newsscraper.dataset_read import read_articles
from replica.demo import main


def test_demo_crawls_the_replica_and_prints_a_query_that_reads_what_landed(tmp_path, capsys):
    output_dir = tmp_path / "Hòa's output"  # a quote in the folder's name ends no SQL string

    assert main(["--articles", "12", "--output-dir", str(output_dir)]) == 0

    printed = capsys.readouterr().out
    assert read_articles(output_dir, columns=["article_id"]).num_rows == 12
    assert "12 new rows; 12 rows in" in printed
    query = re.search(r"read it in DuckDB: (FROM read_parquet\(.*\))$", printed, re.M).group(1)
    rows = duckdb.sql(f"SELECT published_date, count(*) {query} GROUP BY 1").fetchall()
    assert sum(count for _, count in rows) == 12
    assert all(type(day).__name__ == "date" for day, _ in rows)  # a date, not the folder's text

    # Again into the same folder: nothing new, the same rows.
    assert main(["--articles", "12", "--output-dir", str(output_dir)]) == 0
    assert "0 new rows; 12 rows in" in capsys.readouterr().out


def test_demo_never_crawls_into_the_dataset_of_make_crawl(tmp_path, monkeypatch, capsys):
    # Its synthetic articles and its watermark (March 2026) would join the live ones there.
    monkeypatch.chdir(tmp_path)

    assert main(["--articles", "3"]) == 0

    assert not (tmp_path / "output").exists()
    assert read_articles(tmp_path / "demo-output", columns=["article_id"]).num_rows == 3
    printed = capsys.readouterr().out
    assert "3 new rows; 3 rows in" in printed
    # The commands it suggests read what it wrote, not the empty output/.
    for command in ("stats", "verify"):
        folder = re.search(rf"newsscraper {command} --output-dir (\S+)", printed).group(1)
        assert read_articles(tmp_path / folder, columns=["article_id"]).num_rows == 3


def test_demo_fails_with_the_crawls_exit_code_and_shows_its_error(tmp_path, monkeypatch, capsys):
    failed = subprocess.CompletedProcess([], 3, "", "Traceback ...\nOSError: disk full\n")
    monkeypatch.setattr(replica.demo, "run_crawl", lambda *args, **kwargs: failed)

    assert main(["--output-dir", str(tmp_path / "output")]) == 3

    printed = capsys.readouterr()
    assert "replica of the Doanh nghiệp section: 60 articles" in printed.out  # the default
    assert "OSError: disk full" in printed.err and "exit code 3" in printed.err
