"""ValidatePipeline: every rule gives its own reason, counted, and never a silent drop."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newsscraper.items import Article
from newsscraper.rejects import Rejected, reject_row
from pipelines.normalize import normalize_item
from pipelines.validate import (
    ValidatePipeline,
    ValidationRules,
    validate_item,
)

UTC = dt.UTC
NOW = dt.datetime(2023, 10, 24, 4, 0, tzinfo=UTC)
BODY = (
    "Theo đó, ngày 19/10/2023, MoMo đã tiến hành công tác bảo trì dịch vụ và trong quá trình "
    "triển khai có dẫn đến việc gián đoạn dịch vụ và ảnh hưởng đến việc giao dịch của khách "
    "hàng. Với sự hỗ trợ của các chuyên gia, sự việc đã được xử lý dứt điểm trong ngày."
)
GOOD = Article(
    article_id="188231024103100001",
    url="https://cafef.vn/momo-bac-bo-tin-don-188231024103100001.chn",
    section="doanh-nghiep",
    title="MoMo bác bỏ tin đồn lan truyền trên mạng xã hội về sự cố mới đây",
    body=BODY,
    published_at=dt.datetime(2023, 10, 24, 3, 31, tzinfo=UTC),
    published_date=dt.date(2023, 10, 24),
    scraped_at=NOW,
    run_id="run-1",
)


def with_(**changes) -> Article:
    return dataclasses.replace(GOOD, **changes)


def test_good_item_passes_unchanged():
    assert len(BODY) >= ValidationRules().min_body_chars  # the item is good, not short
    assert validate_item(with_(), NOW) == GOOD


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (with_(article_id=None), "missing_article_id"),
        (with_(url=""), "missing_url"),
        # An id given as another type and made text, or a URL of no article: found by the
        # property tests of the whole chain.
        (with_(article_id="9999-12-31 23:59:59.999999"), "article_id_not_in_url"),
        (with_(article_id="\ufffd"), "article_id_not_in_url"),
        (with_(url="https://cafef.vn/doanh-nghiep.chn"), "article_id_not_in_url"),
        (with_(url="https://vnexpress.net/momo-188231024103100001.chn"), "article_id_not_in_url"),
        (with_(title="  "), "missing_title"),
        (with_(published_at=None), "missing_published_at"),
        (with_(body=None), "missing_body"),
        (with_(published_at=dt.datetime(2023, 10, 24, 10, 31)), "published_at_not_aware"),
        # A day without a time of day, or a time still as text: no instant at all.
        (with_(published_at=dt.date(2023, 10, 24)), "published_at_not_aware"),
        (with_(published_at="2023-10-24T10:31:00+07:00"), "published_at_not_aware"),
        (with_(published_at=NOW + dt.timedelta(hours=24, seconds=1)), "published_in_future"),
        (with_(published_at=dt.datetime(1999, 12, 31, 23, 59, tzinfo=UTC)), "published_too_early"),
        (with_(body="MoMo bác bỏ tin đồn lan truyền trên mạng xã hội."), "body_too_short"),
        (with_(title="Doanh nghiệp " * 40), "title_too_long"),
    ],
)
def test_each_rule_rejects_with_its_reason(item, reason):
    with pytest.raises(Rejected) as caught:
        validate_item(item, NOW)
    assert caught.value.reason == reason
    assert caught.value.detail
    assert isinstance(caught.value, DropItem)


def test_a_reject_is_replayed_from_its_raw_as_data_format_says():
    # DATA_FORMAT.md, "Rejects": validate_item(normalize_item(Article(**json.loads(raw))), now)
    ahead = with_(published_at=NOW + dt.timedelta(hours=30))
    untitled = with_(title=None)
    rows = []
    for item in (ahead, untitled):
        with pytest.raises(Rejected) as caught:
            validate_item(item, NOW)
        rows.append(reject_row(item, caught.value.reason, caught.value.detail, NOW, "r"))

    def replay(row, now):
        return validate_item(normalize_item(Article(**json.loads(row["raw"]))), now)

    later = NOW + dt.timedelta(hours=7)
    passed = replay(rows[0], later)  # the clock has caught up: it passes now
    assert (passed.article_id, passed.published_at, passed.body) == (
        ahead.article_id,
        ahead.published_at,
        ahead.body,
    )
    for row in rows:
        with pytest.raises(Rejected) as caught:
            replay(row, NOW)
        assert (caught.value.reason, caught.value.detail) == (row["reason"], row["detail"])


def test_a_date_too_far_ahead_is_told_in_hours_against_the_clock():
    ahead = NOW + dt.timedelta(hours=30)
    with pytest.raises(Rejected) as caught:
        validate_item(
            with_(published_at=ahead), NOW, ValidationRules(max_future=dt.timedelta(hours=1.5))
        )
    assert caught.value.detail == (
        f"published_at {ahead.isoformat()} is more than 1.5 hours after the crawl's clock, "
        f"{NOW.isoformat()}"
    )
    # The default limit, a whole number of hours, is written without a fraction.
    with pytest.raises(Rejected) as caught:
        validate_item(with_(published_at=ahead), NOW)
    assert caught.value.detail == (
        f"published_at {ahead.isoformat()} is more than 24 hours after the crawl's clock, "
        f"{NOW.isoformat()}"
    )


@pytest.mark.parametrize(
    "published_at",
    [
        NOW + dt.timedelta(hours=24),  # exactly at the limit
        dt.datetime(2000, 1, 1, tzinfo=UTC),
        # 07:00 in Hà Nội is 00:00 UTC: aware datetimes in any zone compare correctly
        dt.datetime(2023, 10, 25, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    ],
)
def test_limits_are_inclusive(published_at):
    assert validate_item(with_(published_at=published_at), NOW).published_at == published_at


def test_a_modified_time_further_ahead_of_the_fetch_than_the_tolerance_is_cleared():
    # `2062` for `2026`: no last save of a page fetched in 2023. The row is otherwise right.
    typo = dt.datetime(2062, 10, 24, 3, 40, tzinfo=UTC)
    at_limit = NOW + dt.timedelta(hours=24)
    assert validate_item(with_(modified_at=typo), NOW).modified_at is None
    assert validate_item(with_(modified_at=at_limit), NOW).modified_at == at_limit
    over = at_limit + dt.timedelta(seconds=1)
    assert validate_item(with_(modified_at=over), NOW).modified_at is None
    # Against the fetch time the row carries, not a later clock judging it; without one, `now`.
    fetched_earlier = with_(modified_at=at_limit, scraped_at=NOW - dt.timedelta(hours=1))
    assert validate_item(fetched_earlier, NOW).modified_at is None
    assert validate_item(with_(modified_at=over, scraped_at=None), NOW).modified_at is None
    assert validate_item(with_(modified_at=at_limit, scraped_at=None), NOW).modified_at == at_limit


def test_body_and_title_limits_are_characters_not_bytes():
    # 200 Vietnamese characters are far more than 200 bytes in UTF-8.
    body = "ệ" * 200
    title = "Đ" * 500
    assert validate_item(with_(body=body, title=title), NOW).body == body
    with pytest.raises(Rejected, match="body_too_short"):
        validate_item(with_(body=body[:-1]), NOW)
    with pytest.raises(Rejected, match="title_too_long"):
        validate_item(with_(title=title + "Đ"), NOW)


def test_the_project_settings_give_the_documented_limits():
    # DATA_FORMAT.md promises a body of at least 200 characters, a title of at most 500 and a
    # published_at at most 24 hours ahead: the crawl takes them from the project's settings.
    from newsscraper import settings

    crawler = get_crawler(
        settings_dict={name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    )
    rules = ValidationRules.from_settings(crawler.settings)
    assert rules == ValidationRules(200, 500, dt.timedelta(hours=24)) == ValidationRules()


def test_without_the_settings_the_rules_are_the_documented_defaults():
    """README: `VALIDATE_MIN_BODY_CHARS` / `VALIDATE_MAX_TITLE_CHARS` /
    `VALIDATE_MAX_FUTURE_HOURS` default to `200` / `500` / `24`: settings that name none of
    them (another project's, a test's) give those limits."""
    rules = ValidationRules.from_settings(get_crawler().settings)
    assert rules == ValidationRules(200, 500, dt.timedelta(hours=24))


def test_rules_come_from_settings():
    crawler = get_crawler(
        settings_dict={
            "VALIDATE_MIN_BODY_CHARS": 10,
            "VALIDATE_MAX_TITLE_CHARS": 20,
            "VALIDATE_MAX_FUTURE_HOURS": 1,
        }
    )
    rules = ValidationRules.from_settings(crawler.settings)
    assert rules == ValidationRules(10, 20, dt.timedelta(hours=1))
    assert validate_item(with_(body="Hòa Phát lãi lớn", title="Hòa Phát"), NOW, rules)


def test_the_pipeline_judges_by_the_rules_its_settings_give():
    # VALIDATE_MAX_FUTURE_HOURS is a number of hours, not only whole ones.
    crawler = get_crawler(
        settings_dict={
            "NEWSSCRAPER_NOW": "2023-10-24T04:00:00+00:00",
            "VALIDATE_MIN_BODY_CHARS": 10,
            "VALIDATE_MAX_FUTURE_HOURS": "1.5",
        }
    )
    pipeline = ValidatePipeline.from_crawler(crawler)
    assert pipeline.process_item(with_(body="Hòa Phát lãi lớn")).body == "Hòa Phát lãi lớn"
    ahead = NOW + dt.timedelta(minutes=90)
    assert pipeline.process_item(with_(published_at=ahead)).published_at == ahead
    with pytest.raises(Rejected) as rejected:
        pipeline.process_item(with_(published_at=ahead + dt.timedelta(seconds=1)))
    assert rejected.value.reason == "published_in_future"


def test_pipeline_counts_rejections_per_reason_using_the_injected_clock():
    crawler = get_crawler(settings_dict={"NEWSSCRAPER_NOW": "2023-10-24T11:00:00+07:00"})
    pipeline = ValidatePipeline.from_crawler(crawler)
    assert pipeline.process_item(with_()) == GOOD
    future = with_(published_at=NOW + dt.timedelta(days=2))
    for item in (with_(title=None), with_(title=None), future):
        with pytest.raises(Rejected):
            pipeline.process_item(item)
    stats = crawler.stats.get_stats()
    assert stats["newsscraper/validate/rejected/missing_title"] == 2
    assert stats["newsscraper/validate/rejected/published_in_future"] == 1
