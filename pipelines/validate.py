"""Reject articles that break the data contract, with a reason, instead of storing them.

Runs after normalize and stamp, so text is NFC and datetimes are UTC. A failing item raises
`Rejected`, which `RejectsExtension` writes to `OUTPUT_DIR/rejects/`: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from itemadapter import ItemAdapter

from newsscraper import settings as project_settings
from newsscraper.context import RunContext
from newsscraper.pages.dates import EARLIEST_NEWS_TIME
from newsscraper.pages.links import article_id_from_url, canonical_article_url
from newsscraper.rejects import Rejected

REQUIRED_FIELDS = ("article_id", "url", "title", "published_at", "body")
ARTICLE_ID_NOT_IN_URL = "article_id_not_in_url"
PUBLISHED_IN_FUTURE = "published_in_future"
# CafeF's archive starts well after this; an earlier date is a parsing mistake.
EARLIEST_PUBLISHED_AT = EARLIEST_NEWS_TIME


@dataclass(frozen=True)
class ValidationRules:
    min_body_chars: int = project_settings.VALIDATE_MIN_BODY_CHARS
    max_title_chars: int = project_settings.VALIDATE_MAX_TITLE_CHARS
    max_future: dt.timedelta = dt.timedelta(hours=project_settings.VALIDATE_MAX_FUTURE_HOURS)

    @classmethod
    def from_settings(cls, settings) -> ValidationRules:
        default = cls()
        future_hours = default.max_future / dt.timedelta(hours=1)
        return cls(
            min_body_chars=settings.getint("VALIDATE_MIN_BODY_CHARS", default.min_body_chars),
            max_title_chars=settings.getint("VALIDATE_MAX_TITLE_CHARS", default.max_title_chars),
            max_future=dt.timedelta(
                hours=settings.getfloat("VALIDATE_MAX_FUTURE_HOURS", future_hours)
            ),
        )


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_item(item, now: dt.datetime, rules: ValidationRules | None = None):
    """`item` if it meets the contract, else raise `Rejected` for the first failure. Its
    `modified_at` is cleared first when no save can have made it (`clear_modified_at_ahead`):
    the rest of the row is still right."""
    rules = rules or ValidationRules()
    adapter = ItemAdapter(item)
    clear_modified_at_ahead(adapter, now, rules)
    for name in REQUIRED_FIELDS:
        if _is_missing(adapter.get(name)):
            raise Rejected(f"missing_{name}", f"{name} is empty or absent")

    # The row's id is the one its canonical URL names: anything else (an id of another type
    # turned into text, a URL of no article) would store a row no reader can find again.
    url, article_id = adapter["url"], adapter["article_id"]
    if canonical_article_url(url) != url or article_id_from_url(url) != article_id:
        raise Rejected(
            ARTICLE_ID_NOT_IN_URL,
            f"article_id {article_id!r} is not the id of the article URL {url!r}",
        )

    published_at = adapter["published_at"]
    if not isinstance(published_at, dt.datetime) or published_at.utcoffset() is None:
        raise Rejected("published_at_not_aware", f"published_at {published_at!r} has no time zone")
    if published_at > now + rules.max_future:
        raise Rejected(
            PUBLISHED_IN_FUTURE,
            f"published_at {published_at.isoformat()} is more than "
            f"{rules.max_future / dt.timedelta(hours=1):g} hours after the crawl's clock, "
            f"{now.isoformat()}",
        )
    if published_at < EARLIEST_PUBLISHED_AT:
        raise Rejected(
            "published_too_early",
            f"published_at {published_at.isoformat()} is before {EARLIEST_PUBLISHED_AT.date()}",
        )

    body_chars = len(adapter["body"])
    if body_chars < rules.min_body_chars:
        raise Rejected(
            "body_too_short", f"body has {body_chars} characters, fewer than {rules.min_body_chars}"
        )
    title_chars = len(adapter["title"])
    if title_chars > rules.max_title_chars:
        raise Rejected(
            "title_too_long",
            f"title has {title_chars} characters, more than {rules.max_title_chars}",
        )
    return item


def clear_modified_at_ahead(adapter: ItemAdapter, now: dt.datetime, rules: ValidationRules) -> None:
    """Clear `modified_at` when it is later than the fetch (`scraped_at`; without one, `now`,
    the clock judging the row) by more than `rules.max_future`, the tolerance `published_at`
    gets: a typo (`2062` for `2026`) is no last save of a page fetched before it."""
    modified_at = adapter.get("modified_at")
    if not isinstance(modified_at, dt.datetime) or modified_at.utcoffset() is None:
        return
    fetched = adapter.get("scraped_at")
    if not isinstance(fetched, dt.datetime) or fetched.utcoffset() is None:
        fetched = now
    if modified_at > fetched + rules.max_future:
        adapter["modified_at"] = None


class ValidatePipeline:
    def __init__(self, rules: ValidationRules, context: RunContext, stats):
        self.rules = rules
        self.context = context
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(
            ValidationRules.from_settings(crawler.settings), RunContext.of(crawler), crawler.stats
        )

    def process_item(self, item):
        try:
            return validate_item(item, self.context.clock(), self.rules)
        except Rejected as rejected:
            self.stats.inc_value(f"newsscraper/validate/rejected/{rejected.reason}")
            raise
