"""Run records: one row per crawl in OUTPUT_DIR/runs/, written when the crawl closes.

They say what a run did (pages, articles, new rows, rejects, errors, why it stopped), whether
it was healthy and with which exit code, and carry forward the incremental watermark (see
`newsscraper.listing_walk`) and the article pages still to fetch (`newsscraper.pending`). A
killed run writes none, so the next run still sees what the last record said. The rest a
record notes (`rests_until`) is read back by `newsscraper.rests`; the line a run ends with is
`newsscraper.run_summary`'s.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from dataclasses import fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import ArrowException
from scrapy import signals

from newsscraper import __version__, dataset_read, exitcodes, health, runs_read
from newsscraper.context import RunContext
from newsscraper.dataset import runs_dir, safe_path_value
from newsscraper.dataset_write import commit_part_file, compression_of
from newsscraper.items import Article
from newsscraper.rests import rest_left
from newsscraper.retries import SITE_REST_DEADLINE_STAT
from newsscraper.run_summary import RUN_SUMMARY_STAT, SUMMARY_LINE, summary, unwritten_summary
from newsscraper.schema import RUNS_JSON_COLUMNS, RUNS_SCHEMA, run_record_json
from newsscraper.stop import DISK_ERROR_REASON, finish_reason_of

logger = logging.getLogger(__name__)

FILL_RATE_COLUMNS = [f.name for f in fields(Article)]


def read_runs(output_dir) -> list[dict]:
    """Every run record as a dict, newest first (none when there is none)."""
    table = runs_read.read_runs(output_dir)
    return _as_rows(table) if table is not None else []


# A crawl reads only the run records it needs: after a year of cron runs every five minutes,
# turning them all into rows took 2.5 s at each start and again at each close, and reading them
# all whole held memory (`runs_read.read_chosen_runs` says how much). So it reads a few
# columns of every record (KEY_COLUMNS), picks the records it needs by them, and reads only
# those whole.
KEY_COLUMNS = [
    "run_id",
    "section",
    "mode",
    "run_number",
    "finished_at",
    "watermark",
    "walked_down_to",
]
_POSITION = "__position"


def runs_to_start_from(output_dir, section: str, now: dt.datetime | None = None) -> list[dict]:
    """The run records of `section` a crawl starts from, newest first: the newest (its
    pending pages, `last_pending`), those holding the two latest watermarks, two of each at
    most (`watermark_to_reach` tells one record from several), the first record, and the
    oldest two after it whose watermark is later than where its walk ended (whether two runs
    have walked there again); of those no later than `now`, the clock of the crawl about to
    start (see `watermark_to_reach`), when it is given."""

    def choose(keys: pa.Table) -> list[int]:
        table = _of_section(_positioned(keys), section)
        if table is None:
            return []
        marks = table.column("watermark").cast(pa.int64()).to_pylist()
        limit = None
        if now is not None:
            limit = pa.scalar(now, type=table.schema.field("watermark").type).cast(pa.int64())
        credible = {m for m in marks if m is not None and (limit is None or m <= limit.as_py())}
        latest = sorted(credible, reverse=True)[:2]
        kept = Counter()
        wanted = [0]
        for index, mark in enumerate(marks):
            if mark in latest and kept[mark] < 2:
                kept[mark] += 1
                wanted.append(index)
        recorded = [index for index, mark in enumerate(marks) if mark in credible]
        if recorded:
            # The first record, and whether two runs walked down past its walk's end since.
            first = recorded[-1]
            walked = None  # none in records older than version 3
            if "walked_down_to" in table.column_names:
                walked = table.column("walked_down_to").cast(pa.int64())[first].as_py()
            mode = table.column("mode")[first].as_py()
            tail = _tail({"mode": mode, "watermark": marks[first], "walked_down_to": walked})
            wanted += [first, *[i for i in recorded[:-1] if marks[i] > tail][-2:]]
        return table.column(_POSITION).take(sorted(set(wanted))).to_pylist()

    read = runs_read.read_chosen_runs(output_dir, KEY_COLUMNS, choose)
    return _chosen_rows(read[1]) if read is not None else []


def closing_runs(output_dir, section: str, end: dt.datetime) -> tuple[list[dict], int]:
    """What a run of `section` finished at `end` reads of `runs/` when it closes, in one read:
    the records `health.judge` looks at, newest first (those finished since
    `health.oldest_looked_at(end)`, the one finished last before them, and the newest of all,
    for `last_pending`), and its own record's `run_number`."""

    def choose(keys: pa.Table) -> list[int]:
        table = _of_section(_positioned(keys), section)
        return [] if table is None else _to_judge(table, end)

    read = runs_read.read_chosen_runs(output_dir, KEY_COLUMNS, choose)
    if read is None:
        return [], _next_run_number(None)
    keys, chosen = read
    return _chosen_rows(chosen), _next_run_number(keys)


def _positioned(keys: pa.Table) -> pa.Table:
    """`keys` with each record's position in it, which `read_chosen_runs` is given back."""
    return keys.append_column(_POSITION, pa.array(np.arange(keys.num_rows)))


def _chosen_rows(table: pa.Table) -> list[dict]:
    """The records `read_chosen_runs` read whole, as rows (`_as_rows`), each with a
    `run_number` (null in a record older than version 5)."""
    if table.num_rows == 0:
        return []
    return _as_rows(_with_run_number(table))


def _to_judge(table: pa.Table, end: dt.datetime) -> list[int]:
    """The positions (`_positioned`) of the records of `table` (one section's, newest first)
    that `closing_runs` reads: those `health.looked_at` keeps, chosen here by their columns."""
    finished = table.column("finished_at").cast(pa.int64()).to_numpy()
    since = pa.scalar(health.oldest_looked_at(end), type=table.schema.field("finished_at").type)
    inside = finished >= since.cast(pa.int64()).as_py()
    wanted = {0, *np.flatnonzero(inside).tolist()}
    before = np.flatnonzero(~inside)
    if before.size:
        wanted.add(int(before[np.argmax(finished[before])]))
    return table.column(_POSITION).take(sorted(wanted)).to_pylist()


def _of_section(table: pa.Table, section: str) -> pa.Table | None:
    table = table.filter(pc.equal(table.column("section"), section))
    if table.num_rows == 0:
        return None
    order = ("run_number", "finished_at", "run_id")
    return _with_run_number(table).sort_by([(name, "descending", "at_end") for name in order])


def _with_run_number(table: pa.Table) -> pa.Table:
    """`table` of run records with a `run_number` column: null in those older than version 5,
    which lack it."""
    if "run_number" in table.column_names:
        return table
    return table.append_column("run_number", pa.nulls(table.num_rows, pa.int64()))


def written_order(run: dict) -> tuple:
    """The order run records were written in, a sort key (oldest first): by `run_number`,
    whatever the clock said (a record older than version 5 has none and comes before every one
    that has); then by `finished_at` and `run_id`, as those older records were ordered."""
    number = run.get("run_number")
    return (number is not None, number or 0, run["finished_at"], run["run_id"])


def _next_run_number(table: pa.Table | None) -> int:
    """The `run_number` of the record a run writes now, given every run record: 1 + the
    highest in the dataset."""
    if table is None or "run_number" not in table.column_names:
        return 1
    return (pc.max(table.column("run_number")).as_py() or 0) + 1


def _as_rows(table: pa.Table) -> list[dict]:
    """Run records as dicts, their JSON columns read, newest first."""
    rows = table.to_pylist()
    for row in rows:
        for name in RUNS_JSON_COLUMNS:
            try:
                row[name] = run_record_json(name, row.get(name))
            except ValueError as error:
                # A part file it cannot read, as Arrow says of one: the run stops naming it.
                raise pa.ArrowInvalid(f"run record {row['run_id']!r}: {name} {error}") from None
    rows.sort(key=written_order, reverse=True)
    return rows


def watermark_to_reach(
    runs: list[dict], section: str, now: dt.datetime | None = None
) -> dt.datetime | None:
    """How far down the listing a run of `section` must walk, given the run records
    (`runs_to_start_from`): the watermark before the newest one (None: no run has recorded one
    yet, so the walk goes to `max_pages`).

    Each record's watermark stays true once written (rows are never removed); killed runs write
    none and so move nothing. The newest watermark alone would do if the listing held still,
    but a run reads it page by page at different moments: an article taken off the listing
    moves the entries below it up a page, and the first of the next page is never seen. So
    each run walks once more over what the last run that moved the watermark covered, from a
    fresh listing. In steady state that is page 1, which a run reads anyway. While only one
    run has recorded a watermark, the range it covered has no watermark below it: it reaches
    down to where that run's walk stopped (`walked_down_to`), and the next run walks to there.
    That first walk stopped at `max_pages`, maybe part-way through a minute, whose other
    stories only the run after it walks: so the runs walk down to there until two of them
    have (each recording a later watermark: one stopped, or a backfill, records the one it
    was to walk to).
    Once a second record holds the newest watermark, a run walked that range once more and
    found nothing newer (a run records the newest watermark only by walking down to the one
    before it, or by having that newest one to reach): the next runs walk down to the newest,
    so after a catch-up of many pages a quiet night costs page 1 a run, not those pages again.

    A watermark later than `now` (the clock of the run about to start, when given) was recorded
    by a clock ahead of it, from a story dated ahead of it (listed at the top while the stories
    published until then come in under it): it counts for nothing. Taken as the newest, it
    would stand in for the mark the last run set, and the runs would walk down to that one
    only, never once more over the range the last run covered.
    """
    recorded = [
        run
        for run in runs
        if run["section"] == section
        and run.get("watermark")
        and (now is None or run["watermark"] <= now)
    ]
    marks = sorted({run["watermark"] for run in recorded}, reverse=True)
    if not marks:
        return None
    if len(marks) < 2 or sum(run["watermark"] == marks[0] for run in recorded) > 1:
        mark = marks[0]  # the range down to the mark before it was walked once more
    else:
        mark = marks[1]
    # The first record's walk, and the runs that walked down past where it ended since (those
    # that walked there and finished record a later watermark; one stopped, or a backfill,
    # the one it was to walk to).
    first = recorded[-1]
    tail = _tail(first)
    if sum(run["watermark"] > tail for run in recorded[:-1]) >= 2:
        return mark
    return min(mark, tail)


def _tail(first: dict):
    """Where the walk of `first`, the first record that counts, ended (its times as instants,
    or as the integers `runs_to_start_from` chooses by): the runs walk down to there until two
    later records hold a later watermark (`walked_down_to`). A record older
    than version 3 does not say: its own watermark at least is covered, as the runs before
    version 3 took it. A backfill's record is the first that counts only when the clock was set
    back under every incremental run's watermark: its walk went through its window, maybe down
    to the end of the listing, not the range the incremental runs covered; its watermark is the
    one they were to walk down to then, and they walk down to that."""
    if first.get("mode") == health.BACKFILL:
        return first["watermark"]
    return first.get("walked_down_to") or first["watermark"]


def last_pending(runs: list[dict], section: str) -> dict:
    """The article pages still to fetch for `section`: what its newest run record lists,
    given the run records, newest first (`runs_to_start_from`, or `closing_runs` at the close)."""
    for run in runs:
        if run["section"] == section:
            return run["pending_articles"]
    return {}


class RunRecordExtension:
    """Counts what the crawl stored, judges its health and writes its run record."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.output_dir = crawler.settings.get("OUTPUT_DIR")
        # The crawl's codec, as its articles and rejects are written in.
        self.compression = compression_of(crawler.settings)
        self.filled = dict.fromkeys(FILL_RATE_COLUMNS, 0)
        self.scraped = 0

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item, response=None, spider=None) -> None:
        self.scraped += 1
        for name in FILL_RATE_COLUMNS:
            value = getattr(item, name, None)
            if value is not None and value != [] and value != "":
                self.filled[name] += 1

    def spider_closed(self, spider, reason: str) -> None:
        reason = finish_reason_of(self.stats, reason)
        args = getattr(spider, "args", None)
        section = args.section if args else "unknown"
        end = RunContext.of(self.crawler).clock()
        try:
            recent, run_number = closing_runs(self.output_dir, section, end)
        except (OSError, ArrowException) as error:
            # Without them the run cannot be judged, nor its record numbered. A disk failing
            # (an errno), or a run the disk already stopped, is a disk fault (exit 4), as for
            # any write; a run record another tool wrote again is exit 1, as for a part file
            # the crawl cannot read when it starts, with verify to name it.
            disk = reason == DISK_ERROR_REASON or getattr(error, "errno", None) is not None
            logger.error(
                "the run records under %s cannot be read (%s): the run is not judged and no "
                "run record is written%s",
                runs_dir(self.output_dir),
                error,
                "" if disk else f"; {dataset_read.verify_hint(self.output_dir)}",
            )
            code = exitcodes.DISK_ERROR if disk else exitcodes.ABNORMAL
            self.stats.set_value("newsscraper/exit_code", code)
            return
        record = self.build_record(spider, reason, recent) | {"run_number": run_number}
        code, problems = health.judge(record, recent)
        record["exit_code"] = code
        record["problems"] = problems
        self.stats.set_value("newsscraper/exit_code", code)
        # A run stopped by a signal (Ctrl-C, SIGTERM) was stopped on purpose, its pages flushed:
        # a warning, not an error of the site, the disk or newsscraper.
        level = logging.WARNING if code == exitcodes.INTERRUPTED else logging.ERROR
        for problem in problems:
            logger.log(level, "unhealthy run: %s", problem, extra={SUMMARY_LINE: True})
        logger.info("%s", summary(record))
        if reason == DISK_ERROR_REASON:
            # The disk is what failed; the record cannot be written either.
            self.stats.set_value(RUN_SUMMARY_STAT, unwritten_summary(record))
            return
        try:
            self.write(record)
        except OSError as exc:
            if getattr(exc, "committed", False):
                # In place, only its folder's fsync failed: the next runs read this record,
                # so the run is the one it says.
                logger.warning(
                    "run record written under %s, but %s", runs_dir(self.output_dir), exc
                )
                self.stats.set_value(RUN_SUMMARY_STAT, summary(record))
                return
            logger.error(
                "could not write the run record under %s: %s", runs_dir(self.output_dir), exc
            )
            self.stats.set_value("newsscraper/exit_code", exitcodes.DISK_ERROR)
            # What the run found is said with the disk, or no one would know it: no record
            # keeps it, and `newsscraper cron` says a run's problems only in its summary.
            found = [p for p in problems if p != health.DISK_PROBLEM]
            record |= {"exit_code": exitcodes.DISK_ERROR, "problems": [health.DISK_PROBLEM]}
            self.stats.set_value(RUN_SUMMARY_STAT, unwritten_summary(record, found))
            return
        # What `newsscraper cron` prints, without reading the records back.
        self.stats.set_value(RUN_SUMMARY_STAT, summary(record))

    def build_record(self, spider, reason: str, earlier_runs: list[dict]) -> dict:
        ctx = RunContext.of(self.crawler)
        get = self.stats.get_value
        # A reason counted back to 0 (a reject held back and not written at the close,
        # `RejectsExtension`) has no row in `rejects/`: it is not listed.
        rejects = {
            key.rsplit("/", 1)[1]: value
            for key, value in self.stats.get_stats().items()
            if key.startswith("newsscraper/rejects/") and isinstance(value, int) and value > 0
        }
        http_errors = sum(
            value
            for key, value in self.stats.get_stats().items()
            if (key.startswith("downloader/response_status_count/") and key[-3] in "45")
            or key == "downloader/exception_count"
        )
        walk = getattr(spider, "walk", None)
        args = getattr(spider, "args", None)
        pending = getattr(spider, "pending", None)
        finished_at = ctx.clock()
        return {
            "run_id": ctx.run_id,
            "section": args.section if args else "unknown",
            "mode": health.BACKFILL if args and args.is_backfill else "incremental",
            "started_at": ctx.started_at,
            "finished_at": finished_at,
            "finish_reason": reason,
            "exit_code": 0,
            "problems": [],
            "listing_pages": get("newsscraper/spider/listing_pages", 0),
            "articles_fetched": get("newsscraper/spider/articles_parsed", 0),
            "new_rows": get("newsscraper/parquet/rows_written", 0),
            "duplicates": get("newsscraper/dedupe/duplicate_id", 0)
            + get("newsscraper/dedupe/content_duplicate", 0)
            + get("newsscraper/dedupe/near_duplicate", 0),
            "rejects": sum(rejects.values()),
            "rejects_by_reason": rejects,
            "http_errors": http_errors,
            "soft_blocks": get("newsscraper/softblock/detected", 0),
            "failed_articles": get("newsscraper/spider/article_failed", 0),
            "fill_rates": {
                name: round(count / self.scraped, 4) for name, count in self.filled.items()
            }
            if self.scraped
            else {},
            "stop_reason": walk.stop_reason if walk else None,
            "stop_url": walk.stop_url if walk else None,
            # Not a column: why a listing page failed, which the run's problem says in the log
            # line's words (`health`).
            "failed_because": walk.failed_because if walk else None,
            "watermark": self.next_watermark(walk, args, reason),
            "walked_down_to": walk.walked_down_to if walk else None,
            "rests_until": rest_left(get(SITE_REST_DEADLINE_STAT), finished_at),
            "newsscraper_version": __version__,
            "since": args.since if args else None,
            "until": args.until if args else None,
            # A spider that never started (it failed first) read no list: the last one holds.
            "pending_articles": pending.to_record()
            if pending is not None
            else last_pending(earlier_runs, args.section if args else "unknown"),
        }

    def next_watermark(self, walk, args, reason: str) -> dt.datetime | None:
        """Advance only when this run walked the listing down to the old watermark and stored
        all it was shown there, or listed it as pending (`newsscraper.pending`)."""
        previous = walk.watermark if walk else None
        clean = (
            reason == "finished"
            and walk is not None
            and not args.is_backfill
            and walk.covered_to_watermark()
            and not self.stats.get_value("newsscraper/spider/listing_failed", 0)
        )
        if clean and walk.newest_listed is not None:
            return max(walk.newest_listed, previous) if previous else walk.newest_listed
        return previous

    def write(self, record: dict) -> None:
        row = dict(record)
        row["fill_rates"] = json.dumps(row["fill_rates"], sort_keys=True)
        row["rejects_by_reason"] = json.dumps(row["rejects_by_reason"], sort_keys=True)
        row["pending_articles"] = json.dumps(row["pending_articles"], sort_keys=True)
        table = pa.Table.from_pylist([row], schema=RUNS_SCHEMA)
        path = runs_dir(self.output_dir) / f"part-{safe_path_value(record['run_id'])}.parquet"
        commit_part_file(table, path, self.output_dir, compression=self.compression)
