"""DedupePipeline against a real on-disk dataset: ids, syndicated copies, near duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from newsscraper import dataset_write
from newsscraper.history import History
from newsscraper.items import Article
from newsscraper.rejects import Rejected
from newsscraper.simhash import hamming
from pipelines.dedupe import DedupePipeline, DuplicateArticle, dedupe_item
from pipelines.stamp import stamp_item

UTC = dt.UTC
NOW = dt.datetime(2023, 10, 25, 2, 0, tzinfo=UTC)
SEED = Path(__file__).parents[1] / "fixtures" / "seed_article_momo_2023-10-24.txt"


def seed_body() -> str:
    lines = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Theo đó"))
    return "\n\n".join(lines[start : lines.index("Ngọc Điệp")])


BODY = seed_body()
# The same story retold with one date changed, as another outlet's copy might be.
NEAR_BODY = BODY.replace("ngày 19/10/2023, MoMo", "ngày 20/10/2023, MoMo", 1)
OTHER_BODY = (
    "Tập đoàn Hòa Phát (HPG) công bố kết quả kinh doanh quý 3/2023 với doanh thu 34.000 tỷ "
    "đồng, lợi nhuận sau thuế gần 2.000 tỷ đồng, tăng 35% so với quý trước nhờ giá thép hồi "
    "phục và chi phí nguyên liệu đầu vào giảm. Lũy kế 9 tháng, Hòa Phát lãi 4.500 tỷ đồng."
)


def article(article_id: str, body: str, scraped_at: dt.datetime = NOW) -> Article:
    item = Article(
        article_id=article_id,
        url=f"https://cafef.vn/momo-bac-bo-tin-don-{article_id}.chn",
        section="doanh-nghiep",
        category="Doanh nghiệp",
        title="MoMo bác bỏ tin đồn lan truyền trên mạng xã hội về sự cố mới đây",
        body=body,
        published_at=dt.datetime(2023, 10, 24, 3, 31, tzinfo=UTC),
        published_date=dt.date(2023, 10, 24),
    )
    return stamp_item(item, scraped_at, f"run-{scraped_at:%H}")


STORED_ID = "188231024103100001"


@pytest.fixture
def crawler(tmp_path):
    stored = article(STORED_ID, BODY, scraped_at=dt.datetime(2023, 10, 24, 4, tzinfo=UTC))
    dataset_write.commit_articles(tmp_path, [stored], "run-04", 0)
    return get_crawler(settings_dict={"OUTPUT_DIR": str(tmp_path)})


def test_the_near_body_is_a_near_duplicate_and_the_other_is_not():
    near, other = article("1", NEAR_BODY), article("2", OTHER_BODY)
    assert NEAR_BODY != BODY
    assert 0 < hamming(article("0", BODY).simhash, near.simhash) <= 3
    assert hamming(article("0", BODY).simhash, other.simhash) > 3


def test_a_stored_id_is_dropped_at_debug_level_and_counted(crawler):
    pipeline = DedupePipeline.from_crawler(crawler)
    with pytest.raises(DuplicateArticle) as caught:
        pipeline.process_item(article(STORED_ID, BODY))
    assert caught.value.log_level == "DEBUG"
    assert not isinstance(caught.value, Rejected)  # a re-seen article is not a reject
    assert crawler.stats.get_value("newsscraper/dedupe/duplicate_id") == 1


def test_a_syndicated_copy_keeps_its_row_and_points_at_the_stored_article(crawler):
    pipeline = DedupePipeline.from_crawler(crawler)
    copy = article("188231025080000002", BODY)
    assert pipeline.process_item(copy) == dataclasses.replace(
        article("188231025080000002", BODY), duplicate_of=STORED_ID
    )
    assert crawler.stats.get_value("newsscraper/dedupe/content_duplicate") == 1


def test_a_syndicated_copy_of_a_stored_article_without_a_simhash_points_at_it(tmp_path):
    # Stored before its simhash was: the copy is found by its body's SHA-256 alone.
    stored = article(STORED_ID, BODY, scraped_at=dt.datetime(2023, 10, 24, 4, tzinfo=UTC))
    dataset_write.commit_articles(tmp_path, [dataclasses.replace(stored, simhash=None)], "r", 0)
    crawler = get_crawler(settings_dict={"OUTPUT_DIR": str(tmp_path)})
    pipeline = DedupePipeline.from_crawler(crawler)
    assert pipeline.process_item(article("188231025080000010", BODY)) == dataclasses.replace(
        article("188231025080000010", BODY), duplicate_of=STORED_ID
    )
    assert crawler.stats.get_value("newsscraper/dedupe/content_duplicate") == 1


def test_a_near_duplicate_points_at_the_stored_article(crawler):
    pipeline = DedupePipeline.from_crawler(crawler)
    item = pipeline.process_item(article("188231025080000003", NEAR_BODY))
    assert item == dataclasses.replace(
        article("188231025080000003", NEAR_BODY), duplicate_of=STORED_ID
    )
    assert crawler.stats.get_value("newsscraper/dedupe/near_duplicate") == 1


def test_a_copy_with_two_paragraphs_run_together_is_counted_as_near_not_same_body(crawler):
    # The same words (so the same simhash) laid out in one paragraph fewer: another SHA-256.
    pipeline = DedupePipeline.from_crawler(crawler)
    rewrapped = BODY.replace("\n\n", " ", 1)
    assert article("0", rewrapped).simhash == article("0", BODY).simhash
    item = pipeline.process_item(article("188231025080000011", rewrapped))
    assert item.duplicate_of == STORED_ID
    assert crawler.stats.get_value("newsscraper/dedupe/near_duplicate") == 1
    assert crawler.stats.get_value("newsscraper/dedupe/content_duplicate") is None


def test_an_exact_copy_is_counted_as_same_body_when_an_earlier_near_one_is_its_original(tmp_path):
    # Stored first: a body a bit apart from BODY's simhash; then BODY itself, kept as an original
    # (stored under a distance of 0). A new copy of BODY names the earliest, yet is BODY's copy.
    near = article(
        "188231024090000001", OTHER_BODY, scraped_at=dt.datetime(2023, 10, 24, 3, tzinfo=UTC)
    )
    near = dataclasses.replace(near, simhash=article("0", BODY).simhash ^ 0b1)
    dataset_write.commit_articles(tmp_path, [near], "run-03", 0)
    stored = article(STORED_ID, BODY, scraped_at=dt.datetime(2023, 10, 24, 4, tzinfo=UTC))
    dataset_write.commit_articles(tmp_path, [stored], "run-04", 0)
    crawler = get_crawler(settings_dict={"OUTPUT_DIR": str(tmp_path)})
    copy = DedupePipeline.from_crawler(crawler).process_item(article("188231025080000014", BODY))
    assert copy.duplicate_of == "188231024090000001"
    assert crawler.stats.get_value("newsscraper/dedupe/content_duplicate") == 1
    assert crawler.stats.get_value("newsscraper/dedupe/near_duplicate") is None


def test_within_one_crawl_ids_and_bodies_are_caught_before_anything_is_committed(crawler):
    pipeline = DedupePipeline.from_crawler(crawler)
    first = pipeline.process_item(article("188231025080000004", OTHER_BODY))
    assert first == article("188231025080000004", OTHER_BODY)  # new body: duplicate_of None
    with pytest.raises(DuplicateArticle):
        pipeline.process_item(article("188231025080000004", OTHER_BODY))
    copy = pipeline.process_item(article("188231025080000005", OTHER_BODY))
    assert copy.duplicate_of == "188231025080000004"
    assert crawler.stats.get_value("newsscraper/dedupe/duplicate_id") == 1


def test_an_id_committed_during_the_crawl_is_stored_for_the_spider(crawler):
    pipeline = DedupePipeline.from_crawler(crawler)
    history = History.of(crawler)
    item = pipeline.process_item(article("188231025080000006", OTHER_BODY))
    assert not history.is_stored("188231025080000006")  # pending: not committed yet
    history.mark_committed([dataclasses.asdict(item)])
    assert history.is_stored("188231025080000006")
    with pytest.raises(DuplicateArticle):
        pipeline.process_item(article("188231025080000006", OTHER_BODY))


def test_dedupe_item_reads_history_without_changing_it():
    history = History.empty()
    item = article("188231025080000007", OTHER_BODY)
    assert dedupe_item(item, history, 3).duplicate_of is None
    assert not history.is_pending("188231025080000007")


def test_the_near_duplicate_distance_comes_from_the_setting(tmp_path):
    stored = article(STORED_ID, BODY, scraped_at=dt.datetime(2023, 10, 24, 4, tzinfo=UTC))
    dataset_write.commit_articles(tmp_path, [stored], "run-04", 0)
    crawler = get_crawler(
        settings_dict={"OUTPUT_DIR": str(tmp_path), "NEAR_DUPLICATE_MAX_DISTANCE": 0}
    )
    pipeline = DedupePipeline.from_crawler(crawler)
    assert pipeline.process_item(article("188231025080000008", NEAR_BODY)).duplicate_of is None
    copy = pipeline.process_item(article("188231025080000009", BODY))
    assert copy.duplicate_of == STORED_ID  # the same body is a copy at any distance


def test_without_the_setting_a_body_three_bits_apart_is_a_near_duplicate_and_four_is_not(crawler):
    """README: `NEAR_DUPLICATE_MAX_DISTANCE` defaults to `3`, the simhash Hamming distance that
    marks a near-duplicate; the crawler here has no such setting."""
    stored = article(STORED_ID, BODY).simhash
    pipeline = DedupePipeline.from_crawler(crawler)
    four = dataclasses.replace(article("188231025080000012", OTHER_BODY), simhash=stored ^ 0b1111)
    assert pipeline.process_item(four).duplicate_of is None
    three = dataclasses.replace(article("188231025080000013", NEAR_BODY), simhash=stored ^ 0b111)
    assert pipeline.process_item(three).duplicate_of == STORED_ID
