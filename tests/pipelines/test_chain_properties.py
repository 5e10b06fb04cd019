"""The whole pipeline chain, as settings.py orders it, on generated items (plausible, copied,
near-copied and hostile): each item ends once, as a row that keeps DATA_FORMAT.md's contract, a
reject with its reason, or a counted duplicate id; a second run over the same folder stores
nothing twice, and copies of a stored body name their original."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import random
import re
import unicodedata
from hashlib import blake2b

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import signals
from scrapy.exceptions import DropItem
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newsscraper import dataset, dataset_read
from newsscraper import settings as project_settings
from newsscraper.items import Article
from newsscraper.rejects import Rejected, RejectsExtension
from newsscraper.schema import ARTICLES_FILE_SCHEMA, ARTICLES_SCHEMA
from pipelines.dedupe import DuplicateArticle
from tests.pipelines.test_normalize_properties import NEVER_STORED, VIETNAMESE, texts

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
LATER = NOW + dt.timedelta(hours=1)  # the second run's clock
RUN_IDS = ("20260308T020000Z-chain001", "20260308T030000Z-chain002")
VALIDATION_REASONS = {
    "missing_article_id",
    "missing_url",
    "missing_title",
    "missing_published_at",
    "missing_body",
    "published_in_future",
    "published_too_early",
    "body_too_short",
    "title_too_long",
    "article_id_not_in_url",
    "unpartitionable",
}
SECTIONS = ["doanh-nghiep", "thi-truong-chung-khoan", "bat-dong-san", "tai-chinh-ngan-hang"]
WORDS = [*VIETNAMESE.split(), "lợi", "nhuận", "quý", "doanh", "thu", "tỷ", "HPG", "35%", "1.000"]
NON_NULL = ["article_id", "url", "section", "title", "body", "published_at", "published_date"]
NON_NULL += ["scraped_at", "run_id"]
TEXT_COLUMNS = ["article_id", "section", "category", "title", "sapo", "author", "source"]


# --- the chain, as a crawl builds and drives it -----------------------------------------------


class Chain:
    """The crawl's pipelines (ITEM_PIPELINES of settings.py, built by Scrapy's manager) and its
    rejects extension, driven as Scrapy's scraper drives them: a DropItem is `item_dropped`,
    any other exception `item_error`, then close_spider and `spider_closed`."""

    def __init__(self, output_dir, run_id: str, now: dt.datetime):
        self.crawler = get_crawler(
            settings_dict={
                "OUTPUT_DIR": str(output_dir),
                "RUN_ID": run_id,
                "NEWSSCRAPER_NOW": now.isoformat(),
                "ITEM_PIPELINES": project_settings.ITEM_PIPELINES,
                "PARQUET_BATCH_ITEMS": 3,  # several batches, and copies across them
                "EXTENSIONS_BASE": {},  # Scrapy's own want a started engine; rejects is below
            }
        )
        self.rejects = RejectsExtension.from_crawler(self.crawler)
        self.manager = ItemPipelineManager.from_crawler(self.crawler)
        # Each pipeline's process_item, in the order the crawl calls them.
        self.steps = list(self.manager.methods["process_item"])

    def _send(self, signal, **kwargs) -> None:
        results = self.crawler.signals.send_catch_log(signal, spider=None, **kwargs)
        failed = [result for _, result in results if isinstance(result, Failure)]
        assert failed == [], [f.getTraceback() for f in failed]

    def feed(self, item) -> tuple[str, object]:
        """(outcome, item as the chain left it): stored, rejected:<reason>, pipeline_error,
        duplicate_id, or dropped:<message> (a drop nothing documents)."""
        for step in self.steps:
            try:
                item = step(item)
            except DropItem as error:
                self._send(signals.item_dropped, item=item, response=None, exception=error)
                if isinstance(error, Rejected):
                    return f"rejected:{error.reason}", item
                if isinstance(error, DuplicateArticle):
                    return "duplicate_id", item
                return f"dropped:{error}", item
            except Exception:
                self._send(signals.item_error, item=item, response=None, failure=Failure())
                return "pipeline_error", item
        return "stored", item

    def close(self) -> None:
        for close_spider in self.manager.methods["close_spider"]:
            close_spider()
        self._send(signals.spider_closed, reason="finished")

    def stat(self, name: str) -> int:
        return self.crawler.stats.get_value(name, 0)


def run_chain(output_dir, run: int, items: list) -> tuple[Chain, list[tuple[str, object]]]:
    chain = Chain(output_dir, RUN_IDS[run], (NOW, LATER)[run])
    outcomes = [chain.feed(item) for item in items]
    chain.close()
    return chain, outcomes


# --- the contract, recomputed from DATA_FORMAT.md ---------------------------------------------

_MASK = (1 << 64) - 1
_WORD = re.compile(r"[^\W_]+")


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _MASK


def _splitmix64(z: int) -> int:
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & _MASK
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def simhash_as_documented(body: str) -> int:
    """DATA_FORMAT.md's simhash of a body, as signed int64."""
    words = _WORD.findall(unicodedata.normalize("NFC", body).casefold())
    hashes = [int.from_bytes(blake2b(w.encode(), digest_size=8).digest(), "little") for w in words]
    shingles = [hashes[i : i + 3] for i in range(max(1, len(hashes) - 2))] if hashes else []
    features = []
    for shingle in shingles:
        mixed = 0
        for k, h in enumerate(shingle):
            mixed ^= _rotl(h, 21 * k) if k else h
        features.append(_splitmix64(mixed))
    value = sum(1 << j for j in range(64) if 2 * sum(f >> j & 1 for f in features) > len(features))
    return value - (1 << 64) if value >= 1 << 63 else value


def word_count_as_documented(body: str) -> int:
    return sum(1 for token in body.split() if any(c.isalnum() for c in token))


def assert_row_keeps_the_contract(row: dict, run: int) -> None:
    assert [c for c in NON_NULL if row[c] is None] == []
    for column in TEXT_COLUMNS:
        text = row[column]
        if text is not None:
            assert unicodedata.is_normalized("NFC", text), (column, ascii(text))
            assert not NEVER_STORED & set(text), (column, ascii(text))
    assert unicodedata.is_normalized("NFC", row["body"])
    assert not (NEVER_STORED - {"\n"}) & set(row["body"]), ascii(row["body"])
    vietnam = row["published_at"].astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert row["published_date"] == vietnam.date()
    match = re.fullmatch(r"https://cafef\.vn/[a-z0-9-]+?-([0-9]{17,18})\.chn", row["url"])
    assert match is not None and match[1] == row["article_id"], (row["url"], row["article_id"])
    for name in ("tags", "tickers", "image_urls"):
        assert None not in (row[name] or []), (name, row[name])
    assert [t for t in row["tickers"] or [] if not re.fullmatch("[A-Z0-9]{3}", t)] == []
    assert dt.datetime(2000, 1, 1, tzinfo=UTC) <= row["published_at"]
    assert row["published_at"] <= (NOW, LATER)[run] + dt.timedelta(hours=24)
    assert (len(row["body"]) >= 200, len(row["title"]) <= 500) == (True, True)
    body = row["body"]
    assert (row["word_count"], row["content_sha256"], row["simhash"]) == (
        word_count_as_documented(body),
        hashlib.sha256(body.encode("utf-8")).hexdigest(),
        simhash_as_documented(body),
    )
    assert (row["run_id"], row["scraped_at"]) == (RUN_IDS[run], (NOW, LATER)[run])


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


def expected_originals(row: dict, before: list[dict]) -> set[str | None]:
    """What `duplicate_of` may be for `row` given the rows stored before it, earliest first:
    the original of the first whose body is the same or within 3 bits (None when none is)."""
    for earlier in before:
        same = earlier["content_sha256"] == row["content_sha256"]
        if same or hamming(earlier["simhash"], row["simhash"]) <= 3:
            return {earlier["duplicate_of"] or earlier["article_id"]}
    return {None}


# --- generated items --------------------------------------------------------------------------

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join)
# A long paragraph from one draw (a seed), not one draw per word: generating stays cheap.
paragraphs = st.builds(
    lambda seed, n: " ".join(random.Random(seed).choices(WORDS, k=n)),
    st.integers(0, 2**32),
    st.integers(30, 60),
)
# Mostly long enough to store; some short, some messy text between paragraphs.
bodies = st.one_of(
    st.lists(paragraphs, min_size=1, max_size=3).map("\n\n".join),
    st.lists(st.one_of(paragraphs, texts), min_size=1, max_size=4).map("\n\n".join),
    words,
)
# Every hostile value a field can be given: missing, empty, too long, text UTF-8 cannot hold,
# NUL, huge and negative numbers, lists of no strings, times without zone or out of range,
# and the wrong types.
hostile_values = st.one_of(
    st.sampled_from(
        [
            None, "", "   ", "\x00", "\ud800", "a\udfffb", "x" * 600, "Bài " * 3_000,
            2**70, -(2**70), -1, 0, 1.5, float("nan"), float("inf"), True, b"bytes",
            [None], [1, None, "HPG"], ["ok", b"x"], {}, {"a": 1}, set(), ("HPG",),
            dt.datetime(2023, 10, 24, 9, 0), dt.datetime(1999, 12, 31, 23, 0, tzinfo=UTC),
            dt.datetime(1900, 1, 1), dt.datetime.min, dt.datetime.max,
            dt.datetime.max.replace(tzinfo=UTC), dt.datetime.min.replace(tzinfo=UTC),
            dt.date(2023, 10, 24), "2023-10-24T09:00:00", "not a time", "hpg",
        ]
    ),
    texts,
)  # fmt: skip
FIELDS = [field.name for field in dataclasses.fields(Article)]


@st.composite
def plausible_fields(draw, n: int) -> dict:
    article_id = f"1882603{n:011d}"
    slug = draw(st.sampled_from(["bai-viet", "hpg-lai-lon", "x"]))
    host = draw(st.sampled_from(["https://cafef.vn", "http://www.cafef.vn", "https://cafef.vn"]))
    tail = draw(st.sampled_from(["", "?utm_source=fb", "#top"]))
    published_at = draw(st.datetimes(dt.datetime(2000, 1, 1, 7), dt.datetime(2026, 3, 9, 8, 59)))
    aware = draw(st.booleans())
    return dict(
        article_id=article_id,
        url=f"{host}/{slug}-{article_id}.chn{tail}",
        section=draw(st.sampled_from(SECTIONS)),
        category=draw(st.one_of(st.none(), texts)),
        title=draw(st.one_of(words, texts)),
        sapo=draw(st.one_of(st.none(), texts)),
        body=draw(bodies),
        author=draw(st.one_of(st.none(), st.just("Theo Ngọc Điệp"), texts)),
        source=draw(st.one_of(st.none(), st.just("Theo Trí Thức Trẻ"), texts)),
        source_url=draw(st.one_of(st.none(), st.just("https://vnexpress.net/a?utm_x=1#b"))),
        published_at=published_at.replace(tzinfo=UTC) if aware else published_at,
        modified_at=draw(st.one_of(st.none(), st.just(dt.datetime(2026, 3, 8, 1, tzinfo=UTC)))),
        tags=draw(st.one_of(st.none(), st.lists(st.one_of(words, texts), max_size=3))),
        tickers=draw(st.lists(st.sampled_from(["hpg", "VNM", " fpt ", "HPG", "ssi"]), max_size=3)),
        image_urls=draw(st.lists(st.sampled_from(["/img/a.jpg", "https://cafefcdn.com/b.png"]))),
    )


@st.composite
def batches(draw) -> list[Article]:
    """Items of one crawl: plausible, some given a hostile value in one field, some copying an
    earlier item's id, body (whole or with one word changed) or both."""
    items: list[dict] = []
    for n in range(draw(st.integers(1, 7))):
        fields = draw(plausible_fields(n))
        kind = draw(st.sampled_from(["plain", "plain", "hostile", "copy", "near", "same_id"]))
        if kind == "hostile":
            fields[draw(st.sampled_from(FIELDS))] = draw(hostile_values)
        elif items and kind in ("copy", "near", "same_id"):
            earlier = draw(st.sampled_from(items))
            if kind == "same_id":
                fields["article_id"], fields["url"] = earlier["article_id"], earlier["url"]
            else:
                fields["body"] = earlier["body"]
                if kind == "near" and isinstance(fields["body"], str):
                    fields["body"] = fields["body"].replace(" ", " mới ", 1)
        items.append(fields)
    return [Article(**fields) for fields in items]


# --- the properties ---------------------------------------------------------------------------

_folders = itertools.count()


def read_back(output_dir) -> tuple[list[dict], list[dict]]:
    for path in dataset.list_part_files(output_dir):
        assert pq.read_schema(path).remove_metadata() == ARTICLES_FILE_SCHEMA.remove_metadata()
    articles = dataset_read.read_articles(output_dir)
    assert articles.schema == ARTICLES_SCHEMA
    return articles.to_pylist(), dataset_read.read_rejects(output_dir).to_pylist()


def assert_each_item_ends_once(chain: Chain, outcomes, rows: list[dict], rejects: list[dict]):
    """Rows, rejects and counted duplicate ids of this run: one per item, none other."""
    run_id = chain.crawler.settings["RUN_ID"]
    assert [o for o, _ in outcomes if o.startswith("dropped:")] == []
    stored = sorted(item.article_id for o, item in outcomes if o == "stored")
    assert sorted(r["article_id"] for r in rows if r["run_id"] == run_id) == stored
    rejected = sorted(
        (
            (item.article_id, o.removeprefix("rejected:"))
            for o, item in outcomes
            if o.startswith("rejected:") or o == "pipeline_error"
        ),
        key=repr,
    )
    mine = [r for r in rejects if r["run_id"] == run_id]
    assert sorted(((r["article_id"], r["reason"]) for r in mine), key=repr) == rejected
    for reject in mine:
        assert reject["reason"] in VALIDATION_REASONS | {"pipeline_error"}, reject
        assert reject["detail"], reject
        assert isinstance(json.loads(reject["raw"]), dict)
    assert chain.stat("newsscraper/dedupe/duplicate_id") == sum(
        o == "duplicate_id" for o, _ in outcomes
    )


# Each example writes two runs' datasets: fewer examples than the profile's (a tenth less slow).
@settings(
    max_examples=max(1, settings.default.max_examples * 3 // 10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches(), batches())
def test_every_item_ends_once_as_a_row_keeping_the_contract_or_a_reject(tmp_path, first, second):
    output_dir = tmp_path / f"chain-{next(_folders)}"
    given_again = copy.deepcopy(first)  # the chain changes items in place

    chain, first_outcomes = run_chain(output_dir, 0, first)
    outcomes = first_outcomes
    rows, rejects = read_back(output_dir)
    assert_each_item_ends_once(chain, outcomes, rows, rejects)
    by_id = {row["article_id"]: row for row in rows}
    stored_order = [by_id[item.article_id] for o, item in outcomes if o == "stored"]
    for i, row in enumerate(stored_order):
        assert_row_keeps_the_contract(row, 0)
        assert {row["duplicate_of"]} <= expected_originals(row, stored_order[:i]), row

    # The same items again, then new ones, in a second run over the same folder.
    chain, outcomes = run_chain(output_dir, 1, given_again + second)
    rows, rejects = read_back(output_dir)
    assert_each_item_ends_once(chain, outcomes, rows, rejects)
    assert len({row["article_id"] for row in rows}) == len(rows)
    # Each item stored by the first run is a counted duplicate id now, whatever else it is.
    again = [
        o
        for (o, _), (before, _) in zip(outcomes[: len(first)], first_outcomes, strict=True)
        if before == "stored"
    ]
    assert again == ["duplicate_id"] * len(again)
    by_id = {row["article_id"]: row for row in rows}
    new_order = [by_id[item.article_id] for o, item in outcomes if o == "stored"]
    for i, row in enumerate(new_order):
        assert_row_keeps_the_contract(row, 1)
        # Rows of the first run share one scraped_at: any of those the body matches is first.
        originals = {
            earlier["duplicate_of"] or earlier["article_id"]
            for earlier in stored_order
            if expected_originals(row, [earlier]) != {None}
        }
        assert {row["duplicate_of"]} <= (originals or expected_originals(row, new_order[:i]))
