"""Arrow schemas of the three datasets under OUTPUT_DIR (articles, rejects, runs).

Explicit, never inferred from the first batch: an all-null column in a small batch must still
be written with its declared type, or readers see a different schema file by file.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa

from newsscraper import __version__

SCHEMA_VERSION = "8"
SCHEMA_VERSION_KEY = b"newsscraper.schema_version"
# The release of newsscraper that wrote the file (a crawl, or compact merging older files).
VERSION_KEY = b"newsscraper.version"
# The key-value metadata of every part file written.
FILE_METADATA = {SCHEMA_VERSION_KEY: SCHEMA_VERSION, VERSION_KEY: __version__}
# On a column added after version 1: the version that added it. Older files lack it, and
# readers see it as null there (DATA_FORMAT.md, "Migration notes").
ADDED_IN_KEY = b"newsscraper.added_in"


def added_in(field: pa.Field) -> int:
    """The schema version that added `field` (1: it was there from the start)."""
    return int((field.metadata or {}).get(ADDED_IN_KEY, b"1"))


UTC_TS = pa.timestamp("us", tz="UTC")

ARTICLE_FIELDS: list[pa.Field] = [
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("url", pa.string(), nullable=False),
    pa.field("section", pa.string(), nullable=False),
    pa.field("category", pa.string()),
    pa.field("title", pa.string(), nullable=False),
    pa.field("sapo", pa.string()),
    pa.field("body", pa.string(), nullable=False),
    pa.field("author", pa.string()),
    pa.field("source", pa.string()),
    pa.field("source_url", pa.string()),
    pa.field("published_at", UTC_TS, nullable=False),
    pa.field("modified_at", UTC_TS),
    pa.field("published_date", pa.date32(), nullable=False),
    pa.field("tags", pa.list_(pa.string())),
    pa.field("tickers", pa.list_(pa.string())),
    pa.field("image_urls", pa.list_(pa.string())),
    pa.field("word_count", pa.int32()),
    pa.field("content_sha256", pa.string()),
    pa.field("simhash", pa.int64()),
    pa.field("duplicate_of", pa.string()),
    pa.field("scraped_at", UTC_TS, nullable=False),
    pa.field("run_id", pa.string(), nullable=False),
]

ARTICLES_SCHEMA = pa.schema(ARTICLE_FIELDS, metadata=FILE_METADATA)

# The partition columns live in the directory names (Hive style), not inside the files.
ARTICLE_PARTITION_COLUMNS = ("section", "published_date")
ARTICLES_FILE_SCHEMA = pa.schema(
    [f for f in ARTICLE_FIELDS if f.name not in ARTICLE_PARTITION_COLUMNS],
    metadata=FILE_METADATA,
)

REJECTS_SCHEMA = pa.schema(
    [
        pa.field("article_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("raw", pa.string()),  # the item's fields as JSON, as they were when rejected
        pa.field("scraped_at", UTC_TS, nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
    ],
    metadata=FILE_METADATA,
)

RUNS_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("section", pa.string(), nullable=False),
        pa.field("mode", pa.string(), nullable=False),  # incremental | backfill
        pa.field("started_at", UTC_TS, nullable=False),
        pa.field("finished_at", UTC_TS, nullable=False),
        pa.field("finish_reason", pa.string()),
        pa.field("exit_code", pa.int32(), nullable=False),
        pa.field("problems", pa.list_(pa.string())),  # why the run is unhealthy, if it is
        pa.field("listing_pages", pa.int64()),
        pa.field("articles_fetched", pa.int64()),
        pa.field("new_rows", pa.int64()),
        pa.field("duplicates", pa.int64()),  # same article_id dropped, or duplicate_of set
        pa.field("rejects", pa.int64()),
        pa.field("rejects_by_reason", pa.string()),  # JSON object: reason -> count
        pa.field("http_errors", pa.int64()),  # 4xx/5xx responses and network errors
        pa.field("soft_blocks", pa.int64()),
        pa.field("failed_articles", pa.int64()),  # failed after every retry: now pending
        pa.field("fill_rates", pa.string()),  # JSON object: column -> share of non-null
        pa.field("stop_reason", pa.string()),  # why the listing walk stopped
        # Everything listed at or before this instant is stored or pending (see listing_walk.py).
        pa.field("watermark", UTC_TS),
        # JSON object: article_id -> {url, first_failed_at} of the article pages still to fetch
        # (see pending.py).
        pa.field("pending_articles", pa.string(), metadata={ADDED_IN_KEY: b"2"}),
        # The oldest stream listing time the walk reached (see runs.watermark_to_reach).
        pa.field("walked_down_to", UTC_TS, metadata={ADDED_IN_KEY: b"3"}),
        # The end of a rest the site asked for (Retry-After) that outlasted the run: no crawl of
        # this dataset asks the site for anything before it (see rests.site_rest).
        pa.field("rests_until", UTC_TS, metadata={ADDED_IN_KEY: b"4"}),
        # 1 + the highest of the dataset's records before it: which record is the newest, when
        # a clock set back makes `finished_at` say otherwise (see runs.runs_to_start_from).
        pa.field("run_number", pa.int64(), metadata={ADDED_IN_KEY: b"5"}),
        # The release of newsscraper that ran the crawl (newsscraper.__version__).
        pa.field("newsscraper_version", pa.string(), metadata={ADDED_IN_KEY: b"6"}),
        # The Vietnam dates a backfill was given (`-a since`, `-a until`), days back resolved
        # (see crawl_args.CrawlArguments): which days it filled, without its log.
        pa.field("since", pa.date32(), metadata={ADDED_IN_KEY: b"7"}),
        pa.field("until", pa.date32(), metadata={ADDED_IN_KEY: b"7"}),
        # The URL of the listing page the walk stopped at, when its stop reason is one
        # (listing_walk.STOPPED_AT_A_PAGE): the page the run's problem names.
        pa.field("stop_url", pa.string(), metadata={ADDED_IN_KEY: b"8"}),
    ],
    metadata=FILE_METADATA,
)

# The columns of a run record that hold a JSON object as text (null: an empty one).
RUNS_JSON_COLUMNS = ("fill_rates", "rejects_by_reason", "pending_articles")


JSON_SHOWN = 80  # characters of such a text a message quotes


def json_object(text: str | None) -> dict:
    """The JSON object a run record's column holds (`RUNS_JSON_COLUMNS`); ValueError for text
    that is no JSON object (written again by another tool)."""
    try:
        value = json.loads(text or "{}")
    except (json.JSONDecodeError, RecursionError):  # nested deeper than Python's stack
        value = None
    if not isinstance(value, dict):
        shown = text if text is None or len(text) <= JSON_SHOWN else text[:JSON_SHOWN] + "…"
        raise ValueError(f"no JSON object: {shown!r}")
    return value


def run_record_json(name: str, text: str | None) -> dict:
    """What the run record's JSON column `name` holds (`RUNS_JSON_COLUMNS`), as the crawl reads
    it; ValueError saying what is wrong ("is no JSON object: …", "holds no count: …") when
    another tool wrote it again otherwise, as what the crawl would trip over in the middle."""
    try:
        value = json_object(text)
    except ValueError as error:
        raise ValueError(f"is {error}") from None
    for key, entry in value.items():
        if (problem := _entry_problem(name, entry)) is not None:
            raise ValueError(f"holds {problem}: {key!r}")
    return value


def _entry_problem(name: str, entry) -> str | None:
    """What is wrong with one value of the JSON column `name`; None when nothing is."""
    if name == "fill_rates":
        is_number = isinstance(entry, int | float) and not isinstance(entry, bool)
        return None if is_number else "no number"
    if name == "rejects_by_reason":
        return None if isinstance(entry, int) and not isinstance(entry, bool) else "no count"
    if name == "pending_articles":
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("url"), str)
            and isinstance(entry.get("first_failed_at"), str)
        ):
            return "no object of url and first_failed_at texts"
        try:
            aware = dt.datetime.fromisoformat(entry["first_failed_at"]).tzinfo is not None
        except ValueError:
            aware = False
        return None if aware else "no first_failed_at instant with an offset"
    return None
