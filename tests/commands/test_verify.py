"""`newsscraper verify`: a clean dataset passes; each kind of damage is named with its file."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import time
import weakref

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsscraper import cli, dataset, dataset_read, dataset_write
from newsscraper.commands import compact
from newsscraper.commands.verify import STALE_STAGING_AFTER, check_staging
from newsscraper.schema import ARTICLES_FILE_SCHEMA, RUNS_SCHEMA, SCHEMA_VERSION

UTC = dt.UTC
PARTITION_07 = "articles/section=doanh-nghiep/published_date=2026-03-07"


@pytest.fixture
def clean(tmp_path, make_row, write_batch):
    write_batch(
        [
            make_row("101"),
            make_row(
                "102",
                published_at=dt.datetime(2026, 3, 6, 16, 59, tzinfo=UTC),  # 23:59 in Vietnam
                published_date=dt.date(2026, 3, 6),
            ),
        ],
        seq=1,
    )
    # 17:30Z on the 6th is 00:30 on the 7th in Vietnam: rightly in the 7th's partition.
    write_batch([make_row("103", published_at=dt.datetime(2026, 3, 6, 17, 30, tzinfo=UTC))], seq=2)
    at = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
    dataset_write.commit_rejects(
        tmp_path, [{"reason": "missing_title", "scraped_at": at, "run_id": "a"}], "a", 1
    )
    run = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "a",
        "section": "doanh-nghiep",
        "mode": "incremental",
        "started_at": at,
        "finished_at": at,
        "exit_code": 0,
    }
    runs = pa.Table.from_pylist([run], schema=RUNS_SCHEMA)
    dataset_write.commit_part_file(runs, dataset.runs_dir(tmp_path) / "part-a.parquet", tmp_path)
    return tmp_path


def verify(output_dir, capsys) -> tuple[int, list[str]]:
    """The exit code and the lines said above the last, which names the dataset checked."""
    code = cli.main(["verify", "--output-dir", str(output_dir)])
    *lines, named = capsys.readouterr().out.splitlines()
    assert named == f"  dataset: {output_dir}"
    return code, lines


def test_a_clean_dataset_passes(clean, capsys):
    code, lines = verify(clean, capsys)
    assert (code, lines) == (0, ["5 files checked: 0 problem(s), 0 warning(s)"])


def test_the_dataset_checked_is_named_as_an_absolute_path(clean, capsys, monkeypatch):
    # Read in cron's mail or a log, `output` does not say which folder was checked.
    monkeypatch.chdir(clean.parent)
    assert cli.main(["verify", "--output-dir", clean.name]) == 0
    assert capsys.readouterr().out == (
        f"5 files checked: 0 problem(s), 0 warning(s)\n  dataset: {clean}\n"
    )


def write_file(path, table):
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


@pytest.mark.parametrize(
    ("folder", "holds"),
    [
        ("articles", "section=*"),
        ("articles/section=doanh-nghiep", "published_date=*"),
        (PARTITION_07, "*.parquet"),
        ("runs", "*.parquet"),
    ],
)
def test_a_folder_inside_the_dataset_is_not_taken_for_an_empty_one(clean, capsys, folder, holds):
    inside = clean / folder
    assert cli.main(["verify", "--output-dir", str(inside)]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        f"newsscraper verify: {inside}: not the dataset's folder, which holds articles/, "
        f"rejects/ and runs/ (it holds {holds}, as a folder of the dataset does)\n",
    )


def test_a_folder_with_nothing_yet_is_an_empty_dataset(tmp_path, capsys):
    (tmp_path / ".gitkeep").touch()
    code, lines = verify(tmp_path, capsys)
    assert (code, lines) == (0, ["0 files checked: 0 problem(s), 0 warning(s)"])


def test_a_folder_of_other_files_is_said_not_to_look_like_a_dataset(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "photos").mkdir()
    code, lines = verify(tmp_path, capsys)
    assert (code, lines) == (
        0,
        [
            f"WARNING {tmp_path}: holds no articles/, rejects/ nor runs/ but 2 other file(s) or "
            "folder(s): not a dataset's folder? (--output-dir)",
            "0 files checked: 0 problem(s), 1 warning(s)",
        ],
    )


def test_an_unreadable_file(clean, capsys):
    path = clean / PARTITION_07 / "part-b-1.parquet"
    path.write_bytes(b"PAR1 not really parquet PAR1")
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0].startswith(f"PROBLEM {path}: unreadable:")


def test_an_unreadable_file_does_not_end_the_checks_of_the_files_after_it(clean, make_row, capsys):
    unreadable = clean / "articles/section=doanh-nghiep/published_date=2026-03-06/part-b-1.parquet"
    unreadable.write_bytes(b"PAR1 not really parquet PAR1")
    row = make_row("104", published_at=dt.datetime(2026, 3, 5, 3, tzinfo=UTC))
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, dataset_write.items_to_table([row]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0].startswith(f"PROBLEM {unreadable}: unreadable:")
    assert lines[1] == (
        f"PROBLEM {path}: 1 row(s) published on another Vietnam date than the partition's "
        "2026-03-07: 104 (2026-03-05)"
    )


def test_a_file_with_another_schema(clean, make_row, capsys):
    table = dataset_write.items_to_table([make_row("104")])
    other = table.drop_columns(["sapo"]).set_column(
        table.schema.get_field_index("word_count") - 1,
        "word_count",
        pa.array([4], pa.int64()),
    )
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, other.replace_schema_metadata(None))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[:3] == [
        f"PROBLEM {path}: newsscraper.schema_version is None, expected '8'",
        f"PROBLEM {path}: missing columns ['sapo']",
        f"PROBLEM {path}: word_count is int64, declared int32",
    ]


def test_a_file_with_the_declared_columns_in_another_order(clean, make_row, capsys):
    table = dataset_write.items_to_table([make_row("104")])
    names = ["url", "article_id", *table.column_names[2:]]
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, table.select(names).replace_schema_metadata(table.schema.metadata))
    code, lines = verify(clean, capsys)
    assert (code, lines[0]) == (1, f"PROBLEM {path}: columns out of order: {names}")


@pytest.mark.parametrize("version", ["0", str(int(SCHEMA_VERSION) + 1)])
@pytest.mark.parametrize("folder", ["articles", "runs"])
def test_a_schema_version_before_the_first_or_after_this_one(
    clean, make_row, capsys, version, folder
):
    if folder == "articles":
        table = dataset_write.items_to_table([make_row("104")])
        path = clean / PARTITION_07 / "part-b-1.parquet"
    else:
        table = pq.read_table(dataset.runs_dir(clean) / "part-a.parquet")
        path = dataset.runs_dir(clean) / "part-b.parquet"
    write_file(path, table.replace_schema_metadata({b"newsscraper.schema_version": version}))
    code, lines = verify(clean, capsys)
    # Its columns are checked against this version's: those of a file written now are no more
    # (a run record of version 1 had fewer).
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: newsscraper.schema_version is {version!r}, "
            f"expected {SCHEMA_VERSION!r}",
            "6 files checked: 1 problem(s), 0 warning(s)",
        ],
    )


def test_a_run_record_of_an_older_version_may_lack_the_columns_added_since(clean, capsys):
    # Version 2 added runs.pending_articles, version 3 runs.walked_down_to, version 4
    # runs.rests_until, version 5 runs.run_number, version 6 runs.newsscraper_version, version
    # 7 runs.since and runs.until, version 8 runs.stop_url: an older record without them is
    # fine, a record of the current version without them is not.
    run = {name: None for name in RUNS_SCHEMA.names} | {
        "run_id": "old",
        "section": "doanh-nghiep",
        "mode": "incremental",
        "started_at": dt.datetime(2026, 3, 7, tzinfo=UTC),
        "finished_at": dt.datetime(2026, 3, 7, 0, 5, tzinfo=UTC),
        "exit_code": 0,
    }
    full = pa.Table.from_pylist([run], schema=RUNS_SCHEMA)
    path = clean / "runs" / "part-old.parquet"
    since_7 = ["stop_url"]
    since_6 = ["since", "until", *since_7]
    since_4 = ["run_number", "newsscraper_version", *since_6]
    for version, added_since in (
        (b"1", ["pending_articles", "walked_down_to", "rests_until", *since_4]),
        (b"2", ["walked_down_to", "rests_until", *since_4]),
        (b"3", ["rests_until", *since_4]),
        (b"4", since_4),
        (b"5", ["newsscraper_version", *since_6]),
        (b"6", since_6),
        (b"7", since_7),
    ):
        table = full.drop_columns(added_since)
        write_file(path, table.replace_schema_metadata({b"newsscraper.schema_version": version}))
        assert verify(clean, capsys) == (0, ["6 files checked: 0 problem(s), 0 warning(s)"])
        write_file(path, table)  # says the current version
        code, lines = verify(clean, capsys)
        assert (code, lines[0]) == (1, f"PROBLEM {path}: missing columns {added_since}")


def test_an_instant_with_no_vietnam_date_before_year_10000_is_named(clean, make_row, capsys):
    # 9999-12-31 23:30 UTC is 10000-01-01 in Vietnam, a date Python cannot hold.
    row = make_row("104", published_at=dt.datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, dataset_write.items_to_table([row]))
    code, lines = verify(clean, capsys)
    assert (code, lines[0]) == (
        1,
        f"PROBLEM {path}: 1 row(s) published on another Vietnam date than the partition's "
        "2026-03-07: 104 (after 9999-12-31)",
    )


def test_a_file_the_disk_cannot_read_is_named_with_the_other_problems(
    clean, make_row, capsys, monkeypatch
):
    # An I/O error reading one file (a bad sector, a file of mode 000 to another user) ends no
    # check of the files after it.
    failing = clean / "articles/section=doanh-nghiep/published_date=2026-03-06/part-run-a-1.parquet"
    wrong = clean / PARTITION_07 / "part-b-1.parquet"
    row = make_row("104", published_at=dt.datetime(2026, 3, 5, 3, tzinfo=UTC))
    write_file(wrong, dataset_write.items_to_table([row]))
    real_read = dataset_read.read_part_file

    def read(path, *args, **kwargs):
        if path == failing:
            raise OSError(5, "Input/output error", str(path))
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(dataset_read, "read_part_file", read)
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {failing}: unreadable: [Errno 5] Input/output error: '{failing}'",
            f"PROBLEM {wrong}: 1 row(s) published on another Vietnam date than the partition's "
            "2026-03-07: 104 (2026-03-05)",
            "6 files checked: 2 problem(s), 0 warning(s)",
        ],
    )


def test_an_article_stored_twice(clean, make_row, write_batch, capsys):
    (second,) = write_batch(
        [make_row("101", scraped_at=dt.datetime(2026, 3, 9, tzinfo=UTC))], "run-b", 1
    )
    first = clean / PARTITION_07 / "part-run-a-1.parquet"
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0] == f"PROBLEM {first}: article_id 101 is stored 2 times (also in {second})"


def test_articles_stored_twice_are_named_in_article_id_order(clean, make_row, write_batch, capsys):
    # 102 sits in the 6th's partition, listed before the 7th's that holds 101.
    write_batch([make_row("101"), make_row("102", published_date=dt.date(2026, 3, 6))], "run-b")
    code, lines = verify(clean, capsys)
    stored_twice = [line.split("article_id ")[1][:3] for line in lines if "stored 2 times" in line]
    assert (code, stored_twice) == (1, ["101", "102"])


def test_a_row_in_the_wrong_date_partition(clean, make_row, capsys):
    # 17:30Z on the 6th is the 7th in Vietnam, but the file sits in the 6th's partition.
    row = make_row("104", published_at=dt.datetime(2026, 3, 6, 17, 30, tzinfo=UTC))
    path = clean / "articles/section=doanh-nghiep/published_date=2026-03-06/part-b-1.parquet"
    write_file(path, dataset_write.items_to_table([row]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0] == (
        f"PROBLEM {path}: 1 row(s) published on another Vietnam date than the partition's "
        "2026-03-06: 104 (2026-03-07)"
    )


@pytest.mark.parametrize(
    ("dropped", "dates"),
    [
        ("published_at", None),  # no date to check
        ("run_id", "104 (2026-03-05)"),  # no crawl to check the section with
        ("article_id", "row 0 (2026-03-05)"),
        ("content_sha256", "104 (2026-03-05)"),  # no hash to check the body against
    ],
)
def test_a_file_without_a_column_the_row_checks_read(clean, make_row, capsys, dropped, dates):
    row = make_row("104", published_at=dt.datetime(2026, 3, 5, 3, tzinfo=UTC))
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, dataset_write.items_to_table([row]).drop_columns([dropped]))
    code, lines = verify(clean, capsys)
    expected = [f"PROBLEM {path}: missing columns [{dropped!r}]"]
    if dates is not None:
        expected.append(
            f"PROBLEM {path}: 1 row(s) published on another Vietnam date than the partition's "
            f"2026-03-07: {dates}"
        )
    assert (code, lines[:-1]) == (1, expected)


def test_a_row_without_published_at_does_not_hide_the_rows_after_it(clean, make_row, capsys):
    schema = ARTICLES_FILE_SCHEMA.set(
        ARTICLES_FILE_SCHEMA.get_field_index("published_at"),
        ARTICLES_FILE_SCHEMA.field("published_at").with_nullable(True),
    )
    rows = [
        make_row("104", published_at=None),
        make_row("105", published_at=dt.datetime(2026, 3, 5, 3, tzinfo=UTC)),
    ]
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, dataset_write.items_to_table(rows, schema))
    code, lines = verify(clean, capsys)
    assert (code, lines[:-1]) == (
        1,
        [
            f"PROBLEM {path}: published_at is nullable, declared not null",
            f"PROBLEM {path}: 1 row(s) published on another Vietnam date than the partition's "
            "2026-03-07: 105 (2026-03-05)",
        ],
    )


def test_many_rows_at_fault_are_all_counted_and_the_first_five_named(clean, make_row, capsys):
    # Six rows of run "a" (a crawl of doanh-nghiep), published on the 5th, their bodies changed
    # since hashed, in the bat-dong-san partition of the 7th: each check counts the six.
    ids = [str(n) for n in range(104, 110)]
    rows = [
        make_row(
            article_id,
            run_id="a",
            published_at=dt.datetime(2026, 3, 5, 3, tzinfo=UTC),
            content_sha256=hashlib.sha256(b"another body").hexdigest(),
        )
        for article_id in ids
    ]
    path = clean / "articles/section=bat-dong-san/published_date=2026-03-07/part-a-1.parquet"
    write_file(path, dataset_write.items_to_table(rows))
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: 6 row(s) stored by a crawl of section 'doanh-nghiep', in a "
            "partition of 'bat-dong-san': 104, 105, 106, 107, 108",
            f"PROBLEM {path}: 6 row(s) whose body does not match its content_sha256: "
            "104, 105, 106, 107, 108",
            f"PROBLEM {path}: 6 row(s) published on another Vietnam date than the partition's "
            "2026-03-07: 104 (2026-03-05), 105 (2026-03-05), 106 (2026-03-05), "
            "107 (2026-03-05), 108 (2026-03-05)",
            "6 files checked: 3 problem(s), 0 warning(s)",
        ],
    )


def test_a_null_body_or_a_published_at_without_time_zone_is_only_a_schema_problem(
    clean, make_row, capsys
):
    # Another tool wrote them: the file's schema says so; the row checks pass over such rows
    # rather than stop on them.
    schema = ARTICLES_FILE_SCHEMA.set(
        ARTICLES_FILE_SCHEMA.get_field_index("body"),
        ARTICLES_FILE_SCHEMA.field("body").with_nullable(True),
    )
    index = schema.get_field_index("published_at")
    schema = schema.set(index, schema.field(index).with_type(pa.timestamp("us")))
    row = make_row(
        "104",
        body=None,
        content_sha256=hashlib.sha256(b"a body").hexdigest(),
        published_at=dt.datetime(2026, 3, 7, 3, 0),
    )
    path = clean / PARTITION_07 / "part-b-1.parquet"
    write_file(path, dataset_write.items_to_table([row], schema))
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: body is nullable, declared not null",
            f"PROBLEM {path}: published_at is timestamp[us], declared timestamp[us, tz=UTC]",
            "6 files checked: 2 problem(s), 0 warning(s)",
        ],
    )


def test_a_row_in_the_partition_of_another_section_than_its_crawl(clean, make_row, capsys):
    # Run "a" crawled doanh-nghiep (its run record says so): its rows belong in that section.
    row = make_row("104", run_id="a")
    path = clean / "articles/section=bat-dong-san/published_date=2026-03-07/part-a-1.parquet"
    write_file(path, dataset_write.items_to_table([row]))
    # A run record file without a section column (of another schema) is only that problem.
    rejects = clean / "runs/part-b.parquet"
    write_file(rejects, pq.read_table(dataset.list_part_files(clean, dataset.REJECTS)[0]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0] == (
        f"PROBLEM {path}: 1 row(s) stored by a crawl of section 'doanh-nghiep', in a partition "
        "of 'bat-dong-san': 104"
    )
    assert lines[-1] == "7 files checked: 3 problem(s), 0 warning(s)"  # and runs/part-b's two


def test_a_file_of_only_article_ids_and_run_ids_still_has_its_section_checked(
    clean, make_row, capsys
):
    # Another tool's file: every other column missing, the two that name the crawl still read.
    table = dataset_write.items_to_table([make_row("104", run_id="a")])
    path = clean / "articles/section=bat-dong-san/published_date=2026-03-07/part-a-1.parquet"
    write_file(path, table.select(["article_id", "run_id"]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert (
        f"PROBLEM {path}: 1 row(s) stored by a crawl of section 'doanh-nghiep', in a partition "
        "of 'bat-dong-san': 104"
    ) in lines


def test_a_run_record_file_of_another_schema_listed_first_hides_no_crawl(clean, make_row, capsys):
    row = make_row("104", run_id="a")
    path = clean / "articles/section=bat-dong-san/published_date=2026-03-07/part-a-1.parquet"
    write_file(path, dataset_write.items_to_table([row]))
    rejects = dataset.list_part_files(clean, dataset.REJECTS)[0]
    write_file(clean / "runs/part-0.parquet", pq.read_table(rejects))  # before part-a.parquet
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0] == (
        f"PROBLEM {path}: 1 row(s) stored by a crawl of section 'doanh-nghiep', in a partition "
        "of 'bat-dong-san': 104"
    )


def test_the_tables_of_runs_and_rejects_are_not_kept_once_checked(
    clean, make_row, capsys, monkeypatch
):
    # Each file's table kept to the end held about 30 kB: 3 GB over a year of uncompacted run
    # records of a cron every five minutes. Only the section each run crawled is kept.
    write_file(
        clean / "articles/section=bat-dong-san/published_date=2026-03-07/part-a-1.parquet",
        dataset_write.items_to_table([make_row("104", run_id="a")]),
    )
    records, alive_at_articles, real_read = [], [], dataset_read.read_part_file

    def read_watched(path, *args, **kwargs):
        table = real_read(path, *args, **kwargs)
        if dataset.articles_dir(clean) in path.parents:
            alive_at_articles.append(sum(ref() is not None for ref in records))
        else:
            records.append(weakref.ref(table))
        return table

    monkeypatch.setattr(dataset_read, "read_part_file", read_watched)
    code, lines = verify(clean, capsys)
    assert len(records) == 2 and alive_at_articles == [0, 0, 0, 0]
    assert code == 1 and "stored by a crawl of section 'doanh-nghiep'" in lines[0]


def test_an_unknown_section_and_a_file_outside_any_partition(clean, make_row, capsys):
    table = dataset_write.items_to_table([make_row("104")])
    unknown = clean / "articles/section=the-thao/published_date=2026-03-07/part-b-1.parquet"
    loose = clean / "articles/part-b-2.parquet"
    write_file(unknown, table)
    write_file(loose, dataset_write.items_to_table([make_row("105")]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert f"PROBLEM {unknown}: section 'the-thao' is not a known section" in lines
    assert any(line.startswith(f"PROBLEM {loose}: not in a partition folder") for line in lines)


@pytest.mark.parametrize("name", ["20260307", "2026-W10-6"])
def test_a_partition_date_not_written_yyyy_mm_dd(clean, make_row, capsys, name):
    # Python reads both as 2026-03-07; pyarrow cannot read them as dates, DuckDB reads text.
    path = clean / f"articles/section=doanh-nghiep/published_date={name}/part-b-1.parquet"
    write_file(path, dataset_write.items_to_table([make_row("104")]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0] == (
        f"PROBLEM {path}: not in a partition folder: published_date {name!r} is not "
        f"YYYY-MM-DD: {path.parent}"
    )


def test_files_the_readers_would_disagree_on(clean, make_row, capsys):
    leftover = clean / PARTITION_07 / "part-b-1.parquet.tmp"
    hidden = clean / PARTITION_07 / ".part-b-2.parquet"
    leftover.write_bytes(b"half")
    write_file(hidden, dataset_write.items_to_table([make_row("104")]))
    code, lines = verify(clean, capsys)
    assert code == 1
    assert f"PROBLEM {hidden}: hidden to pyarrow/pandas but read by DuckDB/polars globs" in lines
    assert f"PROBLEM {leftover}: not a .parquet file, yet pyarrow/pandas would read it" in lines


def test_a_hidden_file_no_reader_lists_is_a_warning(clean, capsys):
    hidden = clean / PARTITION_07 / ".part-b-1.parquet.tmp"
    hidden.write_bytes(b"half")
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        0,
        [
            f"WARNING {hidden}: stray file (no reader lists it)",
            "5 files checked: 0 problem(s), 1 warning(s)",
        ],
    )


@pytest.mark.parametrize("folder", ["rejects", "runs"])
def test_a_file_the_readers_would_disagree_on_in_rejects_or_runs(clean, capsys, folder):
    leftover = clean / folder / "part-b.parquet.tmp"
    leftover.write_bytes(b"half")
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {leftover}: not a .parquet file, yet pyarrow/pandas would read it",
            "5 files checked: 1 problem(s), 0 warning(s)",
        ],
    )


def test_an_unreadable_rejects_file(clean, capsys):
    path = dataset.rejects_dir(clean) / "part-b-1.parquet"
    path.write_bytes(b"garbage")
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0].startswith(f"PROBLEM {path}: unreadable:")


def test_old_staging_leftovers_are_warnings_and_fresh_ones_are_ignored(clean, capsys):
    staging = dataset.staging_dir(clean)
    old, fresh = staging / "part-x-1.parquet.123.tmp", staging / "part-y-1.parquet.456.tmp"
    old.write_bytes(b"partial")
    fresh.write_bytes(b"being written")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(old, (two_hours_ago, two_hours_ago))
    code, lines = verify(clean, capsys)
    assert code == 0
    assert len(lines) == 2 and lines[0].startswith(f"WARNING {old}: left in staging since ")
    assert lines[1] == "5 files checked: 0 problem(s), 1 warning(s)"


def test_a_folder_just_moved_into_staging_is_not_a_leftover_however_old_its_files(clean, capsys):
    # What `compact` does with a partition's old folder before deleting it: the files keep
    # their times, only the folder's change time says when it was moved.
    old_partition = dataset.staging_dir(clean) / "compact-123" / "published_date=2026-03-07"
    old_partition.mkdir(parents=True)
    moved = old_partition / "part-x-1.parquet"
    moved.write_bytes(b"old rows")
    two_days_ago = time.time() - 2 * 86400
    os.utime(moved, (two_days_ago, two_days_ago))
    code, lines = verify(clean, capsys)
    assert (code, lines) == (0, ["5 files checked: 0 problem(s), 0 warning(s)"])

    later = dt.datetime.now(dt.UTC) + 2 * STALE_STAGING_AFTER  # left there: a leftover then
    assert [f.path for f in check_staging(clean, later)] == [moved]


def test_a_compaction_between_listing_and_reading_is_no_problem(clean, capsys, monkeypatch):
    real_read, swapped, missing = dataset_read.read_part_file, [], []

    def compact_then_read(path):
        articles = dataset.articles_dir(clean) in path.parents
        if articles and not swapped:  # the listed files of 2026-03-07 are gone when one is read
            swapped.append(None)  # (compact reads through here too)
            swapped[0] = compact.compact(clean)
        if not path.exists():
            missing.append(path)
        return real_read(path)

    monkeypatch.setattr(dataset_read, "read_part_file", compact_then_read)
    code, lines = verify(clean, capsys)
    assert [r.files_merged for r in swapped[0]] == [2]
    assert missing, "verify read a file compact had swapped away, then listed them again"
    assert (code, lines) == (0, ["4 files checked: 0 problem(s), 0 warning(s)"])


def test_a_file_gone_for_good_is_one_message_not_a_traceback(clean, capsys, monkeypatch):
    def gone(path):
        raise FileNotFoundError(2, "No such file or directory", str(path))

    monkeypatch.setattr(dataset_read, "read_part_file", gone)
    assert cli.main(["verify", "--output-dir", str(clean)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"newsscraper verify: {clean}: a listed file went away while checked (")
    assert err.endswith("); run verify again\n")


def test_a_folder_that_cannot_be_listed_is_a_problem_not_a_clean_dataset(clean, capsys, unlistable):
    unlisted = clean / PARTITION_07
    unlistable(unlisted)
    assert cli.main(["verify", "--output-dir", str(clean)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"PROBLEM {unlisted}: unreadable: [Errno 13] Permission denied")


@pytest.mark.parametrize("folder", ["articles", "rejects", "runs"])
def test_a_file_in_place_of_a_dataset_folder_is_a_problem_not_an_empty_dataset(
    clean, capsys, folder
):
    moved = clean / f"{folder}.moved"
    (clean / folder).rename(moved)
    (clean / folder).write_text("x")
    assert cli.main(["verify", "--output-dir", str(clean)]) == 1
    assert capsys.readouterr().err.startswith(
        f"PROBLEM {clean / folder}: unreadable: [Errno 20] not a folder"
    )
    (clean / folder).unlink()
    (clean / folder).symlink_to(clean / "nowhere")  # a link to nothing: the same
    assert cli.main(["verify", "--output-dir", str(clean)]) == 1


def test_a_link_to_a_file_not_there_is_named_with_the_other_problems(clean, capsys):
    link = clean / PARTITION_07 / "part-b-1.parquet"
    link.symlink_to(clean / "elsewhere.parquet")
    (runs_link := clean / "runs/part-b.parquet").symlink_to(clean / "elsewhere.parquet")
    (clean / PARTITION_07 / "notes.txt").write_text("not a part file")
    code, lines = verify(clean, capsys)
    assert code == 1
    message = f"unreadable: a link to {clean / 'elsewhere.parquet'}, which is not there"
    assert f"PROBLEM {link}: {message}" in lines
    assert f"PROBLEM {runs_link}: {message}" in lines
    assert lines[0].startswith(f"PROBLEM {clean / PARTITION_07 / 'notes.txt'}: not a .parquet")
    assert lines[-1] == "7 files checked: 3 problem(s), 0 warning(s)"


def test_a_staging_file_gone_once_listed_is_passed_over(clean, capsys, monkeypatch):
    renamed = dataset.staging_dir(clean) / "part-x-1.parquet.123.tmp"  # listed, then renamed
    monkeypatch.setattr(dataset, "staging_files", lambda output_dir: [renamed])
    code, lines = verify(clean, capsys)
    assert (code, lines) == (0, ["5 files checked: 0 problem(s), 0 warning(s)"])

    left = dataset.staging_dir(clean) / "part-y-1.parquet.456.tmp"  # listed after it
    left.write_bytes(b"partial")
    written = dt.datetime(2026, 3, 8, 1, 0, tzinfo=UTC).timestamp()
    os.utime(left, (written, written))
    monkeypatch.setattr(dataset, "staging_files", lambda output_dir: [renamed, left])
    later = dt.datetime(2026, 3, 8, 3, 0, tzinfo=UTC)
    assert [str(f) for f in check_staging(clean, later)] == [
        f"WARNING {left}: left in staging since 2026-03-08 01:00Z (a process stopped between "
        "write and rename, or a file a compaction swapped out; the next crawl or compaction "
        "removes it)"
    ]


def test_a_staging_file_is_a_leftover_only_once_older_than_an_hour(clean):
    left = dataset.staging_dir(clean) / "part-x-1.parquet.123.tmp"
    left.write_bytes(b"partial")
    written = dt.datetime(2026, 3, 8, 1, 0, tzinfo=UTC)
    os.utime(left, (written.timestamp(), written.timestamp()))
    assert check_staging(clean, written + STALE_STAGING_AFTER) == []
    later = written + STALE_STAGING_AFTER + dt.timedelta(seconds=1)
    assert [f.path for f in check_staging(clean, later)] == [left]


def test_the_declared_schema_itself_has_no_differences():
    assert dataset_write.items_to_table([]).schema.equals(ARTICLES_FILE_SCHEMA, check_metadata=True)


def rewrite_run_record_column(clean, column: str, value):
    """Run record 'a' with its `column` holding `value` (in the column's own type), as another
    tool would write it again."""
    path = dataset.runs_dir(clean) / "part-a.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index(column)
    field = table.schema.field(index)
    table = table.set_column(index, field, pa.array([value], field.type))
    pq.write_table(table.replace_schema_metadata(RUNS_SCHEMA.metadata), path)
    return path


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("pending_articles", "{not json"),
        ("fill_rates", "[0.5]"),
        ("rejects_by_reason", "7"),
        ("rejects_by_reason", '{"a": ' * 100_000),  # deeper than Python's stack: quoted cut
    ],
)
def test_a_run_record_whose_json_column_holds_no_json_object_is_named(clean, capsys, column, value):
    # Another tool wrote it again: every crawl reading that record would stop on it.
    path = rewrite_run_record_column(clean, column, value)
    code, lines = verify(clean, capsys)
    assert code == 1
    shown = value if len(value) <= 80 else value[:80] + "…"
    assert lines[0] == f"PROBLEM {path}: run record 'a': {column} is no JSON object: {shown!r}"


def test_a_run_record_without_a_json_column_still_has_the_others_checked(clean, capsys):
    path = dataset.runs_dir(clean) / "part-a.parquet"
    table = pq.read_table(path).drop_columns(["fill_rates"])
    index = table.schema.get_field_index("rejects_by_reason")
    table = table.set_column(index, "rejects_by_reason", pa.array(["7"], pa.string()))
    pq.write_table(table.replace_schema_metadata(RUNS_SCHEMA.metadata), path)
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: missing columns ['fill_rates']",
            f"PROBLEM {path}: run record 'a': rejects_by_reason is no JSON object: '7'",
            "5 files checked: 2 problem(s), 0 warning(s)",
        ],
    )


@pytest.mark.parametrize(("name", "make"), [(".staging", "file"), (".lock", "folder")])
def test_a_staging_file_or_a_lock_folder_is_named_as_stopping_every_crawl(
    clean, capsys, name, make
):
    # A crawl cannot write through such a .staging, nor lock such a .lock: exit 4 every run.
    path = clean / name
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)
    path.mkdir() if make == "folder" else path.touch()
    code, lines = verify(clean, capsys)
    assert code == 1
    expected = "a file, not a folder" if make == "file" else "a folder, not a file"
    assert lines[0] == (
        f"PROBLEM {path}: {expected}: every crawl and compaction stops on it (exit 4)"
    )


def test_a_staging_link_to_nothing_is_named_as_stopping_every_crawl(clean, capsys):
    # A crawl cannot make its folder where the link stands (File exists): exit 4 every run.
    staging = dataset.staging_dir(clean)
    staging.rmdir()
    staging.symlink_to(clean / "moved-away")
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {staging}: a link to {clean / 'moved-away'}, which is not there: every "
            "crawl and compaction stops on it (exit 4)",
            "5 files checked: 1 problem(s), 0 warning(s)",
        ],
    )
    with pytest.raises(dataset_write.PartFileWriteError, match="File exists"):
        dataset_write.commit_part_file(
            pq.read_table(dataset.runs_dir(clean) / "part-a.parquet"),
            dataset.runs_dir(clean) / "part-b.parquet",
            clean,
        )


def test_a_body_that_no_longer_matches_its_content_sha256_is_named(clean, capsys):
    # A byte changed on disk where the file still reads: DATA_FORMAT promises the hash can be
    # recomputed from the row, so a changed body is told from a stored one.
    path = clean / PARTITION_07 / "part-run-a-1.parquet"
    table = pq.read_table(path)
    bodies = table.column("body").to_pylist()
    hashes = [hashlib.sha256(body.encode("utf-8")).hexdigest() for body in bodies]
    changed = ["Đoạn mốt.\n\nĐoạn hai.", *bodies[1:]]
    assert changed[0] != bodies[0]
    for name, values in (("content_sha256", hashes), ("body", changed)):
        index = table.schema.get_field_index(name)
        table = table.set_column(index, table.schema.field(index), pa.array(values, pa.string()))
    pq.write_table(table, path)
    code, lines = verify(clean, capsys)
    assert code == 1
    ids = table.column("article_id").to_pylist()
    assert lines == [
        f"PROBLEM {path}: 1 row(s) whose body does not match its content_sha256: {ids[0]}",
        "5 files checked: 1 problem(s), 0 warning(s)",
    ]


def test_rows_whose_bodies_give_their_content_sha256_pass(tmp_path, make_row, write_batch, capsys):
    # As a crawl writes them: the hex SHA-256 of the body's UTF-8 (DATA_FORMAT), the bodies in
    # Vietnamese.
    bodies = ["Đoạn một.\n\nĐoạn hai.", "Lợi nhuận quý I tăng mạnh."]
    rows = [
        make_row(
            f"10{n}",
            body=body,
            content_sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        )
        for n, body in enumerate(bodies, 1)
    ]
    write_batch(rows)
    code, lines = verify(tmp_path, capsys)
    assert (code, lines) == (0, ["1 files checked: 0 problem(s), 0 warning(s)"])


@pytest.mark.parametrize(
    ("column", "value", "said"),
    [
        ("pending_articles", '{"1": "u"}', "no object of url and first_failed_at texts: '1'"),
        (
            "pending_articles",
            '{"1": {"url": "u", "first_failed_at": "x"}}',
            "no first_failed_at instant with an offset: '1'",
        ),
        ("fill_rates", '{"title": "0.5"}', "no number: 'title'"),
        ("rejects_by_reason", '{"no_title": true}', "no count: 'no_title'"),
    ],
)
def test_a_run_record_whose_json_column_holds_other_values_is_named(
    clean, capsys, column, value, said
):
    path = rewrite_run_record_column(clean, column, value)
    code, lines = verify(clean, capsys)
    assert code == 1
    assert lines[0] == f"PROBLEM {path}: run record 'a': {column} holds {said}"


def test_a_text_of_80_characters_that_is_no_json_object_is_quoted_whole_one_more_is_cut():
    from newsscraper.schema import json_object

    with pytest.raises(ValueError) as caught:
        json_object("[" + "1," * 39 + "1")  # 80 characters
    assert str(caught.value) == "no JSON object: '[" + "1," * 39 + "1'"
    with pytest.raises(ValueError) as caught:
        json_object("[" + "1," * 39 + "12")  # 81 characters: the 80 first, then "…"
    assert str(caught.value) == "no JSON object: '[" + "1," * 39 + "1…'"


def _with_far_instants(clean, name: str, unit: str = "us"):
    """A part file of `clean` whose timestamp column `name` holds, in `unit`, the number of
    nanoseconds of an instant of 2026 (another tool's nanoseconds, if read as microseconds)."""
    path = next((clean / PARTITION_07).glob("*.parquet"))
    table = pq.read_table(path)
    index = table.schema.get_field_index(name)
    field = table.schema.field(index).with_type(pa.timestamp(unit, tz="UTC"))
    column = pa.array([1_772_000_000 * 10**9] * table.num_rows, pa.int64()).cast(field.type)
    table = table.set_column(index, field, column)
    write_file(path, table.replace_schema_metadata(pq.read_schema(path).metadata))
    return path


def test_a_column_holding_an_instant_past_year_9999_is_named_not_a_traceback(clean, capsys):
    # Another tool's nanoseconds written as microseconds: some 56,000 years ahead.
    path = _with_far_instants(clean, "scraped_at")
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: column scraped_at holds an instant outside the years 1 to 9999",
            "5 files checked: 1 problem(s), 0 warning(s)",
        ],
    )


def test_a_published_at_past_year_9999_is_named_and_its_rows_not_read(clean, capsys):
    path = _with_far_instants(clean, "published_at")
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: column published_at holds an instant outside the years 1 to 9999",
            "5 files checked: 1 problem(s), 0 warning(s)",
        ],
    )


def test_a_nanosecond_column_of_this_century_is_named_for_its_type_only(clean, capsys):
    path = _with_far_instants(clean, "scraped_at", "ns")
    code, lines = verify(clean, capsys)
    assert (code, lines) == (
        1,
        [
            f"PROBLEM {path}: scraped_at is timestamp[ns, tz=UTC], declared timestamp[us, tz=UTC]",
            "5 files checked: 1 problem(s), 0 warning(s)",
        ],
    )


def test_the_first_and_last_microseconds_a_datetime_holds_are_in_range():
    first = dt.datetime(1, 1, 1, tzinfo=UTC)
    last = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    step = dt.timedelta(microseconds=1)
    for inside, instant in [(True, first), (True, last), (False, first), (False, last)]:
        us = (instant - dt.datetime(1970, 1, 1, tzinfo=UTC)) // step
        if not inside:
            us += -1 if instant == first else 1
        table = pa.table({"at": pa.array([us], pa.int64()).cast(pa.timestamp("us", tz="UTC"))})
        assert dataset_read.columns_out_of_range(table) == ([] if inside else ["at"])


def test_a_run_record_numbered_the_largest_int64_is_named(clean, capsys):
    # Another tool's number: the record a crawl writes next, one past it, cannot be written.
    path = rewrite_run_record_column(clean, "run_number", 2**63 - 1)
    code, lines = verify(clean, capsys)
    assert (code, lines[0]) == (
        1,
        f"PROBLEM {path}: column run_number holds the largest number an int64 holds: no record "
        "can follow it",
    )
    rewrite_run_record_column(clean, "run_number", 2**63 - 2)
    assert verify(clean, capsys)[0] == 0


@pytest.mark.parametrize("section", ["doanh_nghiep", "the-thao"])
def test_a_run_record_of_a_section_the_crawler_does_not_know_is_a_warning(clean, capsys, section):
    # A typo, or another tool's record: no crawl reads it (each reads its own section's), so
    # no crawl is harmed, but the watermark and pending pages it holds are no section's.
    path = rewrite_run_record_column(clean, "section", section)
    code, lines = verify(clean, capsys)
    assert code == 0
    assert lines[0] == (
        f"WARNING {path}: run record 'a': section {section!r} is not a known section; no crawl "
        "reads its watermark or pending pages"
    )
    assert lines[-1] == "5 files checked: 0 problem(s), 1 warning(s)"


def write_run_records_of_section(clean, run_ids: list[str], section: str, drop=()):
    """Run record 'a' again once per id of `run_ids`, each of `section`, without `drop`'s
    columns, as another tool would write the file."""
    path = dataset.runs_dir(clean) / "part-a.parquet"
    one = pq.read_table(path)
    table = pa.concat_tables([one] * len(run_ids))
    for column, values in [("run_id", run_ids), ("section", [section] * len(run_ids))]:
        index = table.schema.get_field_index(column)
        table = table.set_column(index, table.schema.field(index), pa.array(values, pa.string()))
    table = table.drop_columns(list(drop))
    pq.write_table(table.replace_schema_metadata(RUNS_SCHEMA.metadata), path)
    return path


def test_run_records_of_one_unknown_section_are_one_warning_naming_five_of_them(clean, capsys):
    # A typo in a crontab line, a year of records: one line, not one per record.
    ids = [f"r{n}" for n in range(1, 8)]
    path = write_run_records_of_section(clean, ids, "doanh_nghiep")
    code, lines = verify(clean, capsys)
    assert code == 0
    assert [line for line in lines if line.startswith("WARNING")] == [
        f"WARNING {path}: 7 run records ('r1', 'r2', 'r3', 'r4', 'r5'): section 'doanh_nghiep' "
        "is not a known section; no crawl reads its watermark or pending pages"
    ]
    assert lines[-1] == "5 files checked: 0 problem(s), 1 warning(s)"


def test_run_records_without_a_run_id_column_are_named_not_a_traceback_and_warned_of(clean, capsys):
    path = write_run_records_of_section(clean, ["r1", "r2"], "the-thao", drop=["run_id"])
    code, lines = verify(clean, capsys)
    assert code == 1  # the missing column is the file's problem
    assert any(line.startswith(f"PROBLEM {path}: missing columns ['run_id']") for line in lines)
    assert (
        f"WARNING {path}: 2 run records (None, None): section 'the-thao' is not a known "
        "section; no crawl reads its watermark or pending pages"
    ) in lines
