"""DATA_FORMAT.md, `Article` and the Arrow schemas describe the same columns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import re
import typing
from pathlib import Path

import pytest
import scrapy.extensions.closespider

from newsscraper import __version__, items, listing_walk
from newsscraper.exitcodes import FINISH_REASON_CODES
from newsscraper.health import BACKFILL
from newsscraper.items import Article
from newsscraper.listing_walk import FORBIDDEN_BY_ROBOTS
from newsscraper.pending import FAILED_REPEATEDLY
from newsscraper.rejects import PARSE_ERROR, PIPELINE_ERROR, SITE_SAID_GONE, Rejected
from newsscraper.schema import (
    ARTICLE_PARTITION_COLUMNS,
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_SCHEMA,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    VERSION_KEY,
)
from newsscraper.spiders.cafef import DATASET_UNREADABLE
from newsscraper.stop import DISK_ERROR_REASON
from pipelines.validate import REQUIRED_FIELDS, validate_item

DATA_FORMAT = Path(__file__).parents[1] / "DATA_FORMAT.md"
# Which Python annotation each Arrow type has in `Article`.
PYTHON_TYPE = {
    "string": str | None,
    "int32": int | None,
    "int64": int | None,
    "date32[day]": dt.date | None,
    "timestamp[us, tz=UTC]": dt.datetime | None,
    "list<item: string>": list[str] | None,
}


def doc_table(heading: str) -> list[tuple[str, str, bool]]:
    """(column, Arrow type, nullable) rows of the first table under `## heading`."""
    text = DATA_FORMAT.read_text(encoding="utf-8")
    section = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section, f"no '## {heading}' section in DATA_FORMAT.md"
    rows = []
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("column", "") or set(cells[0]) <= {"-"}:
            continue
        assert cells[2] in ("yes", "no"), line
        rows.append((cells[0], cells[1].strip("`"), cells[2] == "yes"))
    assert rows, f"no table under '## {heading}'"
    return rows


def schema_rows(schema) -> list[tuple[str, str, bool]]:
    return [(f.name, str(f.type), f.nullable) for f in schema]


def test_articles_table_matches_the_arrow_schema():
    assert doc_table("Articles") == schema_rows(ARTICLES_SCHEMA)


def test_rejects_table_matches_the_arrow_schema():
    assert doc_table("Rejects") == schema_rows(REJECTS_SCHEMA)


def test_runs_table_matches_the_arrow_schema():
    assert doc_table("Runs") == schema_rows(RUNS_SCHEMA)


def test_article_dataclass_has_the_columns_in_order_with_matching_types():
    hints = typing.get_type_hints(Article, globalns=vars(items))
    fields = dataclasses.fields(Article)
    assert [f.name for f in fields] == ARTICLES_SCHEMA.names
    for f in fields:
        arrow_type = str(ARTICLES_SCHEMA.field(f.name).type)
        assert hints[f.name] == PYTHON_TYPE[arrow_type], f.name


def test_files_hold_every_column_but_the_partition_ones():
    assert ARTICLE_PARTITION_COLUMNS == ("section", "published_date")
    assert ARTICLES_FILE_SCHEMA.names == [
        n for n in ARTICLES_SCHEMA.names if n not in ARTICLE_PARTITION_COLUMNS
    ]


@pytest.mark.parametrize("schema", [ARTICLES_SCHEMA, ARTICLES_FILE_SCHEMA, REJECTS_SCHEMA])
def test_schema_version_is_in_the_metadata_and_documented(schema):
    assert schema.metadata[SCHEMA_VERSION_KEY] == SCHEMA_VERSION.encode()
    text = DATA_FORMAT.read_text(encoding="utf-8")
    assert f"`{SCHEMA_VERSION_KEY.decode()}`" in text
    assert f"**Version {SCHEMA_VERSION}**" in text.split("## Migration notes", 1)[1]
    assert f"(currently `{SCHEMA_VERSION}`)" in text


@pytest.mark.parametrize(
    "schema", [ARTICLES_SCHEMA, ARTICLES_FILE_SCHEMA, REJECTS_SCHEMA, RUNS_SCHEMA]
)
def test_every_file_says_the_release_that_wrote_it_and_the_key_is_documented(schema):
    assert schema.metadata == {
        SCHEMA_VERSION_KEY: SCHEMA_VERSION.encode(),
        VERSION_KEY: __version__.encode(),
    }
    assert f"`{VERSION_KEY.decode()}`" in DATA_FORMAT.read_text(encoding="utf-8")


def test_layout_is_documented():
    text = DATA_FORMAT.read_text(encoding="utf-8")
    assert "articles/section=<slug>/published_date=<YYYY-MM-DD>/part-<run_id>-<n>.parquet" in text
    assert "rejects/part-<run_id>-<n>.parquet" in text


def runs_meaning(column: str) -> str:
    """The meaning cell of `column` in the runs table."""
    text = DATA_FORMAT.read_text(encoding="utf-8").split("## Runs", 1)[1]
    [row] = [line for line in text.splitlines() if line.startswith(f"| {column} |")]
    return row.split("|")[4]


def reject_reasons() -> set[str]:
    """Every reason a reject row can carry: the site's and the pages', and each verdict of
    `validate_item`, drawn out of it."""
    now = dt.datetime(2026, 3, 7, tzinfo=dt.UTC)
    good = dict(
        article_id="188260307000000001",
        url="https://cafef.vn/a-188260307000000001.chn",
        title="Tiêu đề",
        body="x" * 200,
        published_at=now,
    )
    variants = [{name: None} for name in REQUIRED_FIELDS] + [
        {"published_at": now.replace(tzinfo=None)},
        {"published_at": now + dt.timedelta(days=2)},
        {"published_at": dt.datetime(1999, 1, 1, tzinfo=dt.UTC)},
        {"body": "x"},
        {"title": "x" * 501},
    ]
    verdicts = set()
    for change in variants:
        with pytest.raises(Rejected) as rejected:
            validate_item(Article(**(good | change)), now)
        verdicts.add(rejected.value.reason)
    site = {*SITE_SAID_GONE, PARSE_ERROR, PIPELINE_ERROR, FAILED_REPEATEDLY, FORBIDDEN_BY_ROBOTS}
    return verdicts | site | {"response_too_large"}


def test_every_reject_reason_is_documented():
    text = DATA_FORMAT.read_text(encoding="utf-8")
    rejects = re.search(r"^## Rejects\n(.*?)(?=^## )", text, re.M | re.S).group(1)
    documented = set(re.findall(r"`([a-z0-9_]+)`", rejects.split("Reasons:", 1)[1]))
    assert reject_reasons() <= documented


def test_every_finish_reason_a_run_record_can_hold_is_documented():
    closespider = inspect.getsource(scrapy.extensions.closespider)
    scrapys = set(re.findall(r'"(closespider_[a-z_]+)"', closespider))
    assert scrapys  # Scrapy still names its reasons so
    recorded = (set(FINISH_REASON_CODES) - {DISK_ERROR_REASON}) | {DATASET_UNREADABLE} | scrapys
    meaning = runs_meaning("finish_reason")
    assert {reason for reason in recorded if f"`{reason}`" not in meaning} == set()


def test_every_stop_reason_of_the_walk_is_documented():
    reasons = {
        value
        for name, value in vars(listing_walk).items()
        if name.isupper() and isinstance(value, str)
    }
    meaning = runs_meaning("stop_reason")
    assert {reason for reason in reasons if f"`{reason}`" not in meaning} == set()
    assert "null when" in meaning


def test_every_mode_is_documented():
    assert {"incremental", BACKFILL} <= set(re.findall(r"`([a-z]+)`", runs_meaning("mode")))
