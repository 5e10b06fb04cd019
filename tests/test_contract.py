"""DATA_FORMAT.md, `Article` and the Arrow schemas describe the same columns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
from pathlib import Path

import pytest

from newsscraper import items
from newsscraper.items import Article
from newsscraper.schema import (
    ARTICLE_PARTITION_COLUMNS,
    ARTICLES_FILE_SCHEMA,
    ARTICLES_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_SCHEMA,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
)

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


def test_layout_is_documented():
    text = DATA_FORMAT.read_text(encoding="utf-8")
    assert "articles/section=<slug>/published_date=<YYYY-MM-DD>/part-<run_id>-<n>.parquet" in text
    assert "rejects/part-<run_id>-<n>.parquet" in text
