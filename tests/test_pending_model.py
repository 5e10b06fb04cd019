"""Pending article pages over successive runs, against a model.

Each run starts as `crawl_plan.plan_crawl` does: the rejects on disk (`read_rejects`, then
`not_asked_again`) and the newest run record of the section (`runs_to_start_from`,
`last_pending`, `pending_at_start`). It asks for its pages, settles each as
`CafefSpider` does (`Run` below is the smallest driver of the spider's `pending_requests`,
`parse_article`, `article_failed`, `throttled` and `give_up_due`: those exist only inside it),
commits what it stored and rejected, and writes its record as `RunRecordExtension` does
(`closing_runs` for its `run_number`, `write`). Runs are killed before their record, fail to
start, lose their listing, are stopped, and run by clocks set ahead and back. What the README
("Pending pages") and DATA_FORMAT.md promise of those runs is checked over every history.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from newsscraper.crawl_plan import not_asked_again, pending_at_start
from newsscraper.dataset_read import read_rejects
from newsscraper.dataset_write import commit_rejects
from newsscraper.pending import FAILED_REPEATEDLY, PendingArticles
from newsscraper.redirects import REDIRECTED_AWAY
from newsscraper.rejects import SITE_SAID_GONE
from newsscraper.runs import RunRecordExtension, closing_runs, last_pending, runs_to_start_from
from newsscraper.schema import RUNS_SCHEMA
from newsscraper.settings import PARQUET_COMPRESSION

UTC = dt.UTC
SECTION = "doanh-nghiep"
GIVE_UP = dt.timedelta(hours=24)  # ARTICLE_GIVE_UP_AFTER_HOURS's default
T0 = dt.datetime(2026, 3, 7, 1, 0, tzinfo=UTC)
# Each example writes run records and rejects: fewer of them, under the shared profile.
FAST = settings(max_examples=max(1, settings.default.max_examples // 4))

# What asking for an article page comes to in one run.
STORED = "stored"
FAILED = "failed"  # a 5xx or a timeout after every retry
SOFT_BLOCK = "soft_block"  # soft-block pages after every retry
GONE = ("http_404", "http_410")
PARSE_ERROR = "parse_error"
OUTCOMES = (STORED, FAILED, SOFT_BLOCK, *GONE, PARSE_ERROR, REDIRECTED_AWAY)
TRANSIENT = (FAILED, SOFT_BLOCK)

# How a run ends.
FINISHED = "finished"
KILLED = "killed"  # no record; its buffers committed or not
NOT_STARTED = "not_started"  # its spider never read the dataset: the last list carried
SITE_DOWN = "site_down"  # the section page never came: nothing asked for
BACKFILL = "backfill"  # of every day listed so far: asks again for rejects but the site's
KINDS = (FINISHED, FINISHED, FINISHED, KILLED, NOT_STARTED, SITE_DOWN, BACKFILL)

# Clock steps between runs, around the give-up time, some set back.
HOUR = dt.timedelta(hours=1)
STEPS = (
    dt.timedelta(minutes=5),
    HOUR,
    12 * HOUR,
    GIVE_UP - dt.timedelta(microseconds=1),
    GIVE_UP,
    GIVE_UP + dt.timedelta(seconds=1),
    2 * GIVE_UP,
    dt.timedelta(0),
    -HOUR,
    -GIVE_UP,
    dt.timedelta(days=365),
    -dt.timedelta(days=365),
)


def article_id(n: int) -> str:
    return f"18826030701{n:07d}"


def url(n: int) -> str:
    return f"https://cafef.vn/bai-{article_id(n)}.chn"


@dataclass
class RunPlan:
    step: dt.timedelta
    kind: str
    published: int  # articles first listed in this run
    outcomes: list[str]  # by article
    order: list[int]  # the order its pages come in
    stop_at: int | None  # requests settled before the crawl starts stopping
    listing_fails_at: int | None  # requests settled before a later listing page fails
    kill_at: int  # requests settled before a kill
    commits_articles: bool  # a killed run's articles reached the disk
    commits_rejects: bool  # a killed run's rejects did


ARTICLES = 5


@st.composite
def run_plans(draw) -> RunPlan:
    maybe_at = st.none() | st.integers(0, ARTICLES)
    return RunPlan(
        step=draw(st.sampled_from(STEPS)),
        kind=draw(st.sampled_from(KINDS)),
        published=draw(st.integers(0, 2)),
        outcomes=draw(
            st.lists(
                st.sampled_from(OUTCOMES)
                | st.sampled_from(TRANSIENT),  # failures as often as all the rest
                min_size=ARTICLES,
                max_size=ARTICLES,
            )
        ),
        order=draw(st.permutations(range(ARTICLES))),
        stop_at=draw(maybe_at),
        listing_fails_at=draw(maybe_at),
        kill_at=draw(st.integers(0, ARTICLES)),
        commits_articles=draw(st.booleans()),
        commits_rejects=draw(st.booleans()),
    )


@dataclass
class Dataset:
    """What is on disk: runs/ and rejects/ as the crawl writes them, and the stored ids."""

    output_dir: Path
    stored: dict[str, int] = field(default_factory=dict)  # id -> times committed
    rejected: dict[str, list[dict]] = field(default_factory=dict)  # id -> its reject rows
    runs_written: int = 0

    def newest_pending(self) -> dict:
        return last_pending(runs_to_start_from(self.output_dir, SECTION), SECTION)

    def write_record(self, run_id: str, now: dt.datetime, pending: dict | None) -> dict:
        """Close a run as `RunRecordExtension.spider_closed` does: number it after the records
        it reads (`closing_runs`), carry the last list when the spider read none."""
        recent, run_number = closing_runs(self.output_dir, SECTION, now)
        record = {name: None for name in RUNS_SCHEMA.names} | {
            "run_id": run_id,
            "section": SECTION,
            "mode": "incremental",
            "started_at": now,
            "finished_at": now,
            "finish_reason": "finished",
            "exit_code": 0,
            "fill_rates": {},
            "rejects_by_reason": {},
            "pending_articles": pending if pending is not None else last_pending(recent, SECTION),
            "run_number": run_number,
        }
        writer = SimpleNamespace(output_dir=self.output_dir, compression=PARQUET_COMPRESSION)
        RunRecordExtension.write(writer, record)
        self.runs_written += 1
        return record

    def commit(self, run_id: str, stored: list[str], rows: list[dict]) -> None:
        for i in stored:
            self.stored[i] = self.stored.get(i, 0) + 1
        if rows:
            commit_rejects(self.output_dir, rows, run_id, 0)
        for row in rows:
            self.rejected.setdefault(row["article_id"], []).append(row)


@dataclass
class Run:
    """One crawl under way, settling its article pages as `CafefSpider` does."""

    run_id: str
    now: dt.datetime
    pending: PendingArticles
    is_stored: object
    parsed: int = 0
    listing_failed: bool = False
    stopping: bool = False
    stored: list[str] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    own_failures: set[str] = field(default_factory=set)  # ids that failed of themselves here
    own_failure: str | None = None  # the page just settled, when that was its own failure

    def pending_requests(self) -> list[str]:
        asked = []
        for i in list(self.pending.articles):
            if self.is_stored(i):
                self.pending.drop(i)
                continue
            asked.append(i)
        return asked

    def reject(self, listed_url: str, reason: str, detail: str) -> None:
        self.rejects.append(
            {
                "article_id": listed_url.rsplit("-", 1)[1].removesuffix(".chn"),
                "url": listed_url,
                "reason": reason,
                "detail": detail,
                "scraped_at": self.now,
                "run_id": self.run_id,
            }
        )

    def settle(self, i: str, page_url: str, outcome: str) -> None:
        self.own_failure = None
        if outcome in (STORED, PARSE_ERROR, REDIRECTED_AWAY):  # parse_article
            self.pending.drop(i)
            if outcome == REDIRECTED_AWAY:
                self.reject(page_url, REDIRECTED_AWAY, "redirected to /, not an article")
                return
            self.parsed += 1
            self.give_up_due()
            if outcome == STORED:
                self.stored.append(i)
            else:  # the callback raised: RejectsExtension.spider_error
                self.reject(page_url, PARSE_ERROR, "ValueError: no title")
            return
        if outcome in GONE:  # article_failed, permanent_failure
            self.pending.drop(i)
            self.reject(page_url, outcome, f"HTTP {outcome[-3:]}")
            return
        throttled = outcome == SOFT_BLOCK and not self.parsed
        own = not (self.stopping or throttled)
        if own:
            self.own_failures.add(i)
            self.own_failure = i
        due = self.pending.failed(
            i, page_url, now=self.now, own=own, listed_url=page_url, error="HTTP 503"
        )
        if due:
            self.give_up_due()

    def give_up_due(self) -> None:
        if self.parsed and not self.listing_failed:
            for listed_url, detail in self.pending.give_up_due():
                self.reject(listed_url, FAILED_REPEATEDLY, detail)


def first_failures(record: dict) -> dict[str, dt.datetime]:
    return {i: dt.datetime.fromisoformat(entry["first_failed_at"]) for i, entry in record.items()}


@FAST
@given(st.lists(run_plans(), min_size=1, max_size=10))
def test_pending_pages_across_runs_keep_what_the_docs_promise(plans):
    with tempfile.TemporaryDirectory() as folder:
        check_history(Path(folder) / "out", plans)


def check_history(output_dir: Path, plans: list[RunPlan]) -> None:
    data = Dataset(output_dir)
    now = T0
    published = 0
    covered = 0  # articles below the watermark: no incremental run lists them again
    # The model: the newest record's list as the docs say it must be, id -> first failure.
    expected: dict[str, dt.datetime] = {}
    for number, plan in enumerate(plans):
        now += plan.step
        run_id = f"run-{number:03d}"
        published = min(ARTICLES, published + plan.published)
        if plan.kind == NOT_STARTED:
            record = data.write_record(run_id, now, None)
            assert record["pending_articles"] == data.newest_pending()
            assert first_failures(record["pending_articles"]) == expected, "carried forward"
            continue
        # The start, as plan_crawl reads it.
        rejects = read_rejects(output_dir, columns=["article_id", "url", "reason", "scraped_at"])
        rejected = not_asked_again(rejects, backfill=plan.kind == BACKFILL)
        # A page's newest reject by its scraped_at (written later at the same instant).
        newest = {
            i: max(reversed(rows), key=lambda r: r["scraped_at"])
            for i, rows in data.rejected.items()
        }
        gone = {i for i, row in newest.items() if row["reason"] in SITE_SAID_GONE}
        assert rejected == (gone if plan.kind == BACKFILL else set(data.rejected))
        start = runs_to_start_from(output_dir, SECTION)
        pending = pending_at_start(
            last_pending(start, SECTION),
            GIVE_UP,
            is_stored=lambda i: i in data.stored,
            rejected=not_asked_again(rejects, backfill=False),
        )
        # Those stored or rejected since the newest record (by a killed run) are not pending.
        before = {
            i: first
            for i, first in expected.items()
            if i not in data.stored and i not in data.rejected
        }
        assert {i: e.first_failed_at for i, e in pending.articles.items()} == before
        run = Run(
            run_id, now, pending, lambda i, rejected=rejected: i in data.stored or i in rejected
        )
        if plan.kind == SITE_DOWN:
            record = data.write_record(run_id, now, pending.to_record())
            assert first_failures(record["pending_articles"]) == before, "nothing asked"
            expected = before
            continue
        asked = run.pending_requests()
        listed = [
            article_id(n)
            for n in range(0 if plan.kind == BACKFILL else covered, published)
            if not run.is_stored(article_id(n)) and article_id(n) not in asked
        ]
        asked += listed
        # Never asked again once stored, nor once rejected (an incremental run), nor once
        # the site said it is gone (a backfill).
        not_again = gone if plan.kind == BACKFILL else set(data.rejected)
        assert [i for i in asked if i in data.stored or i in not_again] == []
        work = {i: before[i] for i in asked if i in before}  # the model's list in this run
        given_up: dict[str, dt.datetime] = {}
        due: set[str] = set()
        settled = 0
        by_number = {article_id(n): n for n in range(ARTICLES)}
        for n in plan.order:
            i = article_id(n)
            if i not in asked:
                continue
            if plan.kind == KILLED and settled == plan.kill_at:
                break
            if plan.stop_at is not None and settled >= plan.stop_at:
                run.stopping = True
            if plan.listing_fails_at is not None and settled >= plan.listing_fails_at:
                run.listing_failed = True
            outcome = plan.outcomes[by_number[i]]
            run.settle(i, url(by_number[i]), outcome)
            settled += 1
            # The model of that page.
            if outcome in TRANSIENT and i in data.rejected:
                work.pop(i, None)  # asked again by a backfill: its reject stands
            elif outcome in TRANSIENT:
                first = work.get(i)
                work[i] = now if first is None or first > now else first
            else:
                work.pop(i, None)
            newly_given_up = {
                row["article_id"] for row in run.rejects if row["reason"] == FAILED_REPEATEDLY
            } - set(given_up)
            for g in newly_given_up:
                # Given up only once its own failures have lasted the give-up time, counted
                # from its first failure (one noted by a clock ahead counts from this run's),
                # in a run where another article page came and no listing page failed.
                assert g in run.own_failures
                assert now - work[g] >= GIVE_UP, (g, work[g], now)
                assert run.parsed and not run.listing_failed
                given_up[g] = work.pop(g)
            if run.own_failure == i and i in work and now - work[i] >= GIVE_UP:
                due.add(i)
            if run.parsed and not run.listing_failed:
                # And given up as soon as it is due and the run has shown the site works.
                assert {d for d in due if d in work} == set()
        for g, first in given_up.items():
            row = [r for r in run.rejects if r["article_id"] == g]
            assert row == [
                {
                    "article_id": g,
                    "url": url(by_number[g]),
                    "reason": FAILED_REPEATEDLY,
                    "detail": "failed after every retry in every run since "
                    f"{first.isoformat()}: HTTP 503",
                    "scraped_at": now,
                    "run_id": run_id,
                }
            ]
        # Due for giving up and still pending: only when this run could not give it up.
        if run.pending.due:
            assert not run.parsed or run.listing_failed
        if plan.kind == KILLED:
            data.commit(
                run_id,
                run.stored if plan.commits_articles else [],
                run.rejects if plan.commits_rejects else [],
            )
            assert first_failures(data.newest_pending()) == expected, "the list before holds"
            continue
        data.commit(run_id, run.stored, run.rejects)
        record = data.write_record(run_id, now, run.pending.to_record())
        pending_now = first_failures(record["pending_articles"])
        unsettled = {i: before[i] for i in before if i not in asked}
        expected = {**unsettled, **work}
        expected = {
            i: first
            for i, first in expected.items()
            if i not in data.stored and i not in data.rejected
        }
        assert pending_now == expected
        assert data.newest_pending() == record["pending_articles"]
        # Never both stored and pending, nor rejected and pending.
        assert [i for i in pending_now if i in data.stored or i in data.rejected] == []
        assert {i: n for i, n in data.stored.items() if n > 1} == {}, "stored once"
        # A failure kept its first date, unless noted by a clock ahead of this run's.
        for i, first in pending_now.items():
            if i in before:
                assert first == before[i] or (before[i] > now and first == now)
        if plan.kind != BACKFILL and not run.listing_failed and not run.stopping:
            covered = published
