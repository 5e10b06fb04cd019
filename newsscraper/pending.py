"""Article pages a run could not fetch, carried from run to run until fetched or given up.

An article page that still fails after every retry (a 5xx, a timeout, a redirect loop) is not
lost, and it does not hold the incremental watermark back either: the run record lists it under
`pending_articles`, with when it first failed, and the next run of the section asks for it
again once the site has answered the listing's first page. One that still fails
`ARTICLE_GIVE_UP_AFTER_HOURS` after its first failure, in every run that asked for it, is
given up: it goes to the rejects (reason `failed_repeatedly`), and no run asks for it again.
Only a failure of its own counts towards that: not one in a run whose listing the site did not
answer (the pending pages are not asked for then), nor a retry given up because the crawl is
stopping or the site is soft-blocking us (soft blocks while no other article page came); and
it is given up only in a run where the site did serve another article page (and every listing
page), so an outage behind a working section page gives nothing up either.

The newest run record of a section holds the whole list: a run carries forward what it did not
get to (an interrupted run, say), and a killed run writes no record, so the list before it holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

FAILED_REPEATEDLY = "failed_repeatedly"  # the reject reason of an article given up on


@dataclass(frozen=True)
class PendingArticle:
    url: str  # canonical, https://cafef.vn/<slug>-<id>.chn
    first_failed_at: dt.datetime  # aware


@dataclass
class PendingArticles:
    """What is pending, by article_id; changed as this run's requests succeed or fail."""

    give_up_after: dt.timedelta
    articles: dict[str, PendingArticle] = field(default_factory=dict)
    # Failing for `give_up_after` by failures of their own, waiting for this run to show that
    # the site works (`give_up_due`): article_id -> (the URL the listing gave, the last error).
    due: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Rejected pages no incremental run asks for again: a backfill asking for one again that
    # fails leaves its reject standing (the next backfill asks again), it is not pending.
    rejected: frozenset[str] = frozenset()

    @classmethod
    def from_record(cls, value: dict | None, give_up_after: dt.timedelta) -> PendingArticles:
        """The list a run record holds (its `pending_articles`, as `runs.last_pending` gives it)."""
        articles = {
            article_id: PendingArticle(
                url=entry["url"],
                first_failed_at=dt.datetime.fromisoformat(entry["first_failed_at"]),
            )
            for article_id, entry in (value or {}).items()
        }
        return cls(give_up_after=give_up_after, articles=articles)

    def to_record(self) -> dict:
        """This run's `pending_articles`: article_id -> its URL and first failure (ISO 8601)."""
        return {
            article_id: {"url": entry.url, "first_failed_at": entry.first_failed_at.isoformat()}
            for article_id, entry in sorted(self.articles.items())
        }

    def add(self, article_id: str, url: str, now: dt.datetime) -> None:
        """Ask for the article page again from this run on (kept as it is if already pending)."""
        self.articles.setdefault(article_id, PendingArticle(url, now))

    def drop(self, article_id: str) -> None:
        """The article was fetched (stored, a duplicate or a reject) or rejected: not pending."""
        self.articles.pop(article_id, None)

    def failed(
        self,
        article_id: str,
        url: str,
        now: dt.datetime,
        *,
        own: bool = True,
        listed_url: str | None = None,
        error: str = "",
    ) -> bool:
        """Record that the article failed after every retry in this run (pending from now on,
        if it was not already). True when it is now due to be given up: this failure, its `own`
        (not the site throttling the crawl, nor a stopping crawl), came `give_up_after` or more
        after its first, or an earlier one in this run made it due and it is not given up yet.
        `listed_url` (the URL the listing gave; `url` by default) and `error` go into the reject.
        """
        if article_id in self.rejected:
            self.articles.pop(article_id, None)
            return False
        entry = self.articles.setdefault(article_id, PendingArticle(url, now))
        if entry.first_failed_at > now:
            # Noted by a clock ahead of this one (since corrected): counted from that date, the
            # page would be asked for as long as the clock was ahead, a year for one a year
            # ahead. Its failures count from this one.
            entry = self.articles[article_id] = PendingArticle(entry.url, now)
        if own and now - entry.first_failed_at >= self.give_up_after:
            self.due[article_id] = (listed_url or url, error)
        return article_id in self.due

    def give_up_due(self) -> list[tuple[str, str]]:
        """Give up the pages due for it (call once this run shows the site works): (the URL
        the listing gave, the reject's detail) of each; they are no longer pending."""
        given_up = []
        for article_id, (listed_url, error) in self.due.items():
            entry = self.articles.pop(article_id, None)
            if entry is not None:  # not fetched meanwhile
                since = entry.first_failed_at.isoformat()
                detail = f"failed after every retry in every run since {since}: {error}"
                given_up.append((listed_url, detail))
        self.due.clear()
        return given_up

    def __len__(self) -> int:
        return len(self.articles)
