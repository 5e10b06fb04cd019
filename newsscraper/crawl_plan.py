"""What a crawl asks for, read from OUTPUT_DIR when it starts: the listing walk and the
article pages pending.

A page that was rejected stays rejected: asking for it on every run would only repeat the
reject. (Delete its row from rejects/ to have it fetched again.) But a backfill judges its
window's rejects again, but for pages the site said are gone (`not_asked_again`); and one
rejected as published in the future that the clock has now caught up with is asked for again,
as a pending page (`no_longer_in_future`): the listing may have moved it below the watermark.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from newsscraper.context import RunContext
from newsscraper.crawl_args import CrawlArguments
from newsscraper.dataset_read import read_rejects
from newsscraper.history import History
from newsscraper.listing_walk import ListingWalk
from newsscraper.pending import PendingArticles
from newsscraper.rejects import SITE_SAID_GONE
from newsscraper.runs import last_pending, runs_to_start_from, watermark_to_reach
from pipelines.validate import PUBLISHED_IN_FUTURE, ValidationRules


def plan_crawl(crawler, args: CrawlArguments) -> tuple[ListingWalk, PendingArticles]:
    """The walk of `args.section`'s listing (what counts as stored, the watermark to reach) and
    the article pages pending (earlier runs' and the rejects due again)."""
    settings = crawler.settings
    output_dir = settings.get("OUTPUT_DIR")
    history = History.of(crawler)
    rejects = read_rejects(output_dir, columns=["article_id", "url", "reason", "scraped_at"])
    now = RunContext.of(crawler).clock()
    rules = ValidationRules.from_settings(settings)
    due_again = {}
    if pc.any(pc.equal(rejects["reason"], PUBLISHED_IN_FUTURE)).as_py():
        # Only then is each reject's item (`raw`, a few KB each) read, for its date: the same
        # files in the same order, so its rows line up with those read above.
        raw = read_rejects(output_dir, columns=["raw"])["raw"]
        due_again = no_longer_in_future(
            rejects.append_column("raw", raw),
            now,
            rules,
            args.section,
        )
    rejected = not_asked_again(rejects, args.is_backfill) - set(due_again)
    # What no incremental run asks for again: what a backfill's pending pages leave out.
    rejected_for_good = (
        not_asked_again(rejects, backfill=False) - set(due_again) if args.is_backfill else rejected
    )
    runs = runs_to_start_from(output_dir, args.section, now)
    walk = ListingWalk(
        args=args,
        is_stored=lambda article_id: history.is_stored(article_id) or article_id in rejected,
        watermark=watermark_to_reach(runs, args.section, now),
        stats=crawler.stats,
        # A listing time ahead of the clock (a story dated hours ahead, a CMS typo such as 2062
        # for 2026) is no coverage: the stories published until then are listed under it.
        latest_credible=now,
    )
    pending = pending_at_start(
        last_pending(runs, args.section),
        dt.timedelta(hours=settings.getfloat("ARTICLE_GIVE_UP_AFTER_HOURS")),
        is_stored=history.is_stored,
        rejected=rejected_for_good,
    )
    for article_id, url in due_again.items():
        if not history.is_stored(article_id):
            pending.add(article_id, url, now)
    return walk, pending


def pending_at_start(
    record: dict | None,
    give_up_after: dt.timedelta,
    is_stored: Callable[[str], bool],
    rejected: set[str],
) -> PendingArticles:
    """The pages pending from the newest run record (its `pending_articles`), but those stored
    or rejected since (by a killed run, a backfill), so that even a run whose section page
    never came lists none of them. `rejected`: the ids an incremental run does not ask for
    again; one a backfill asks for again and that fails stays rejected, not pending."""
    pending = PendingArticles.from_record(record, give_up_after=give_up_after)
    pending.rejected = frozenset(rejected)
    for article_id in list(pending.articles):
        if is_stored(article_id) or article_id in rejected:
            pending.drop(article_id)
    return pending


def not_asked_again(rejects: pa.Table, backfill: bool) -> set[str]:
    """The rejected article_ids a crawl does not ask for again (`rejects`: their article_id,
    reason and scraped_at columns).

    An incremental run: every one. A backfill: only those whose newest reject says the site
    gave no article (`SITE_SAID_GONE`); the others were judged by newsscraper, perhaps by an
    older release with a fault since fixed or by limits since raised, so a backfill of their
    window has the release now running judge them again.
    """
    if not backfill:
        return set(rejects["article_id"].drop_null().to_pylist())
    newest = rejects.sort_by([("scraped_at", "ascending")])  # stable: later rows win ties
    reasons = dict(zip(newest["article_id"].to_pylist(), newest["reason"].to_pylist(), strict=True))
    return {i for i, reason in reasons.items() if i is not None and reason in SITE_SAID_GONE}


def no_longer_in_future(
    rejects, now: dt.datetime, rules: ValidationRules, section: str
) -> dict[str, str]:
    """article_id -> URL of the `published_in_future` rejects of `section` (a table with the
    article_id, url, reason, raw and scraped_at columns) that `now` no longer finds too far
    ahead: that verdict was the crawl clock's (a machine clock running behind), not the page's,
    so it does not stand. A page rejected again since (gone, moved, still ahead) is judged by
    its newest reject, so it is not asked for on every run. Another section's rejects are left
    to its own crawls: one of this section would store the article under this one."""
    future = rejects.filter(pc.equal(rejects["reason"], PUBLISHED_IN_FUTURE))
    ids = future["article_id"].unique().drop_null()
    newest = {}
    rows = rejects.filter(pc.is_in(rejects["article_id"], value_set=ids))
    for row in rows.select(["article_id", "url", "reason", "raw", "scraped_at"]).to_pylist():
        # At the same instant (a clock fixed by NEWSSCRAPER_NOW), another reason wins.
        key = (row["scraped_at"], row["reason"] != PUBLISHED_IN_FUTURE)
        if row["article_id"] not in newest or key >= newest[row["article_id"]][0]:
            newest[row["article_id"]] = (key, row)
    found = {}
    for _, row in newest.values():
        if row["reason"] != PUBLISHED_IN_FUTURE or not row["url"]:
            continue
        try:
            raw = json.loads(row["raw"])
            published_at = dt.datetime.fromisoformat(raw["published_at"])
        except (TypeError, ValueError, KeyError, RecursionError):  # no item read back
            continue
        if raw.get("section") != section:
            continue
        if published_at.utcoffset() is not None and published_at <= now + rules.max_future:
            found[row["article_id"]] = row["url"]
    return found
