"""`scrapy crawl cafef`, with arguments checked first and an exit code that means something.

Scrapy's own `crawl` exits 0 whenever the spider started. A cron job needs to know that the
disk was full or the site kept soft-blocking us: the exit code comes from the run record
(see newsscraper/exitcodes.py). The crawl holds OUTPUT_DIR's lock, so two crawls (or a
crawl and `newsscraper compact`) never write the same dataset at once; it does not start
while a rest the site asked for in an earlier run is still running (exit 3).
"""

from __future__ import annotations

import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from newsscraper import dataset, exitcodes
from newsscraper.context import RunContext
from newsscraper.health import DISK_PROBLEM
from newsscraper.lock import LOCKED_NEXT_RUN, LockHeld, crawl_lock
from newsscraper.run_summary import RUN_SUMMARY_STAT
from newsscraper.scrapy_commands import (
    StandardStreamsOpen,
    check_arguments,
    refuse_unknown_options,
)
from newsscraper.sections import DEFAULT_SECTION
from newsscraper.standard_streams import escape_what_stdout_cannot_spell, say_summary
from newsscraper.start_checks import refusal_log_level, start_refused
from newsscraper.stop import (
    ctrl_c_ends_at_once,
    end_on_held_signal,
    finish_reason_of,
    hold_signals_after_crawl,
    note_early_signals,
    note_signals,
)

logger = logging.getLogger(__name__)


class Command(StandardStreamsOpen, ScrapyCrawlCommand):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        if args == ["cafef"]:
            # Said before Scrapy sets up its log: its start lines (versions, settings) would
            # otherwise come first, burying the one line that says what is wrong.
            check_arguments(opts.spargs, self.settings)

    def run(self, args, opts):
        refuse_unknown_options(args)
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        check_spider_name(args[0], self.crawler_process.spider_loader.list())
        crawl_under_lock(self, args[0], opts)


def check_spider_name(name: str, spiders: list[str]) -> None:
    """UsageError (exit 2) for a spider name the project does not have, said before the lock
    is taken: Scrapy's KeyError traceback came after OUTPUT_DIR and its lock were made."""
    if name not in spiders:
        raise UsageError(
            f"unknown spider {name!r}; spiders: {', '.join(sorted(spiders))}", print_help=False
        )


def crawl_under_lock(command, spider, opts) -> None:
    """Run `spider` (a name or a class) holding OUTPUT_DIR's lock, unless `start_refused`
    refuses it (a run id already used, a run record it cannot read, a rest not ended); set
    `command.exitcode` from the run and say its summary.
    A SIGTERM or Ctrl-C held since the crawl ended then ends the process."""
    ctrl_c_ends_at_once()
    try:
        _crawl_under_lock(command, spider, opts)
    finally:
        end_on_held_signal()  # the summary is said, the lock released


def _crawl_under_lock(command, spider, opts) -> None:
    output_dir = dataset.named(command.settings.get("OUTPUT_DIR"))
    try:
        with crawl_lock(output_dir):
            refused = start_refused(command.settings)
            if refused:
                _refuse(command, *refused)
                return
            crawler = command._create_crawler(spider)
            command.exitcode, summary = crawl_to_end(command.crawler_process, crawler, opts.spargs)
    except LockHeld as exc:
        _refuse(command, exitcodes.LOCKED, f"not crawling: {exc}; {LOCKED_NEXT_RUN}")
        return
    except OSError as exc:
        print(f"newsscraper: cannot use {output_dir}: {exc}", file=sys.stderr)
        command.exitcode = exitcodes.DISK_ERROR
        return
    if summary is not None:
        # Scrapy's stats dump and closing lines bury the run's summary line in the log: it is
        # said again last, on stdout as `newsscraper cron` says it, with where the rows went.
        escape_what_stdout_cannot_spell()
        say_summary(f"{summary}\n  dataset: {output_dir}", "newsscraper")


def _refuse(command, code: int, reason: str) -> None:
    """A run that does not start: `reason` said on stderr, and in Scrapy's log file when there
    is one (`-s LOG_FILE`, `--logfile`), where the user of a crontab line reads why the run did
    nothing (else Scrapy's log is stderr, said already), at `refusal_log_level`; exit `code`."""
    print(f"newsscraper: {reason}", file=sys.stderr)
    if command.settings.get("LOG_FILE"):
        logger.log(refusal_log_level(code), "%s", reason)
    command.exitcode = code


def crawl_to_end(process, crawler, spider_args: dict) -> tuple[int, str | None]:
    """Run `crawler` in `process` to its end: its exit code and its summary, or None for the
    summary when the crawl could not start (Scrapy has logged why). A SIGTERM or Ctrl-C after
    the crawl is held until the caller has said the summary (`stop.end_on_held_signal`)."""
    early = note_signals(process, crawler)
    process.crawl(crawler, **spider_args)
    process.start()
    hold_signals_after_crawl()
    if process.bootstrap_failed:
        return exitcodes.ABNORMAL, None
    note_early_signals(crawler, early)
    code = exit_code_of(crawler)
    return code, closing_summary(crawler, code, spider_args.get("section", DEFAULT_SECTION))


def closing_summary(crawler, code: int, section: str) -> str:
    """The run's summary line (and its problems), or, when no run record could be written,
    a line naming the run and its exit code (and, for a disk fault, that problem)."""
    written = crawler.stats.get_value(RUN_SUMMARY_STAT)
    if written is not None:
        return written
    line = f"run {RunContext.of(crawler).run_id} ({section}): no run record written; exit {code}"
    if code == exitcodes.DISK_ERROR:
        line += f"\n  problem: {DISK_PROBLEM}"
    return line


def exit_code_of(crawler) -> int:
    stats = crawler.stats
    code = stats.get_value("newsscraper/exit_code")  # the run record's, health included
    if code is None:
        reason = finish_reason_of(stats, stats.get_value("finish_reason"))
        code = exitcodes.for_finish_reason(reason)
    return int(code)
