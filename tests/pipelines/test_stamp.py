"""StampPipeline: scraped_at and run_id from the injected clock, and the body's fingerprint."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from pathlib import Path

from scrapy.utils.test import get_crawler

from newsscraper.items import Article
from newsscraper.simhash import simhash, to_signed
from pipelines.stamp import StampPipeline, count_words, fingerprint, stamp_item

NOW = dt.datetime(2023, 10, 24, 4, 0, tzinfo=dt.UTC)
BODY = (
    "Theo đó, ngày 19/10/2023, MoMo đã tiến hành công tác bảo trì dịch vụ.\n\n"
    "Các thông tin về tài khoản và tài sản trên MoMo của khách hàng luôn được đảm bảo."
)


def test_word_count_counts_tokens_with_letters_or_digits():
    # Counted by eye: "Vinamilk" "chia" "cổ" "tức" "1.500" "đồng/cp" = 6; the dash is not a word.
    assert count_words("Vinamilk chia cổ tức – 1.500 đồng/cp") == 6
    assert count_words("MoMo bác bỏ tin đồn") == 5
    assert count_words("  \n\n ") == 0


def test_fingerprint_of_a_body():
    word_count, sha, sim = fingerprint(BODY)
    assert word_count == 14 + 18  # the two sentences, counted by eye
    assert sha == hashlib.sha256(BODY.encode("utf-8")).hexdigest()
    assert sim == to_signed(simhash(BODY))
    assert -(1 << 63) <= sim < 1 << 63


def test_fingerprint_hashes_the_nfc_body():
    nfd = unicodedata.normalize("NFD", BODY)
    assert nfd != BODY
    assert fingerprint(nfd) == fingerprint(BODY)


def test_stamp_item_sets_time_run_and_fingerprint():
    item = Article(article_id="188231024103100001", title="MoMo bác bỏ tin đồn", body=BODY)
    word_count, sha, sim = fingerprint(BODY)
    assert stamp_item(item, NOW, "20231024T040000Z-abcd0001") == Article(
        article_id="188231024103100001",
        title="MoMo bác bỏ tin đồn",
        body=BODY,
        word_count=word_count,
        content_sha256=sha,
        simhash=sim,
        scraped_at=NOW,
        run_id="20231024T040000Z-abcd0001",
    )


def test_stamp_item_without_body_leaves_fingerprint_empty():
    item = {"article_id": "188231024103100001", "body": None}
    assert stamp_item(item, NOW, "run-1") == {
        "article_id": "188231024103100001",
        "body": None,
        "scraped_at": NOW,
        "run_id": "run-1",
    }
    # An empty body is no body either: no word count of 0 nor hash of the empty string.
    assert stamp_item({"body": ""}, NOW, "run-1") == {
        "body": "",
        "scraped_at": NOW,
        "run_id": "run-1",
    }


def test_pipeline_takes_clock_and_run_id_from_the_run_context():
    crawler = get_crawler(
        settings_dict={"NEWSSCRAPER_NOW": "2023-10-24T11:00:00+07:00", "RUN_ID": "run-fixed"}
    )
    pipeline = StampPipeline.from_crawler(crawler)
    item = pipeline.process_item(Article(body=BODY))
    assert (item.scraped_at, item.run_id) == (NOW, "run-fixed")
    assert item.content_sha256 == hashlib.sha256(BODY.encode("utf-8")).hexdigest()


def test_word_count_is_the_documented_definition_on_every_kind_of_token():
    # The definition, written out: whitespace tokens holding at least one letter or digit.
    def by_definition(text: str) -> int:
        return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))

    tokens = ["Hòa-Phát", "1.000", "–", "-", "_", "__x__", "(VIC):", "“", "…", "½", "٣", "ﬁ"]
    text = " \u2028".join(tokens) + "\x85tin\u3000mới\n\n" + BODY
    assert count_words(text) == by_definition(text)
    for path in (Path(__file__).parent.parent / "fixtures").glob("seed_*.txt"):
        body = path.read_text(encoding="utf-8")
        assert count_words(body) == by_definition(body)
