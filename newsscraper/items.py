"""The output contract: one `Article` is one row of `output/articles`.

Field names and order match the Arrow schema in `newsscraper.schema` and the table in
DATA_FORMAT.md; `tests/test_contract.py` keeps the three in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class Article:
    article_id: str | None = None
    url: str | None = None
    section: str | None = None
    category: str | None = None
    title: str | None = None
    sapo: str | None = None
    body: str | None = None
    author: str | None = None
    source: str | None = None
    source_url: str | None = None
    published_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None
    published_date: dt.date | None = None
    tags: list[str] | None = None
    tickers: list[str] | None = None
    image_urls: list[str] | None = None
    word_count: int | None = None
    content_sha256: str | None = None
    simhash: int | None = None
    duplicate_of: str | None = None
    scraped_at: dt.datetime | None = None
    run_id: str | None = None
