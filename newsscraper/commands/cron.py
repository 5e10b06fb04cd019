"""`newsscraper cron`: the one command a crontab line calls.

One crawl of a section (incremental, or a backfill with `-a since=`/`until=`) under
OUTPUT_DIR's lock (a second run at the same time exits with code 75, at once or after waiting
`--wait` seconds for the lock, saying so on stderr and in the log), logging to a rotating file,
ending with the exit code of the run record's health check (see newsscraper/exitcodes.py and
the README). After its crawl it merges runs/ and rejects/ once they hold many part files, so
what every crawl reads there stays a few files.
"""

from __future__ import annotations

import codecs
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path

from pyarrow import ArrowException

from newsscraper import dataset, exitcodes
from newsscraper.context import checking_now
from newsscraper.crawl_args import ArgumentError, CrawlArguments
from newsscraper.dataset_write import compression_of
from newsscraper.lock import LOCKED_NEXT_RUN, LockHeld, crawl_lock
from newsscraper.sections import DEFAULT_SECTION
from newsscraper.setting_checks import setting_problems, settings_not_taken
from newsscraper.standard_streams import say_summary
from newsscraper.stop import ctrl_c_ends_at_once

logger = logging.getLogger(__name__)

LOG_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 5


def run(args) -> int:
    ctrl_c_ends_at_once()  # until the crawl's own handlers: writing nothing, exit status 130
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsscraper.settings")
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    try:
        overrides = dict(_pair(text) for text in args.settings)
        spider_args = dict(_pair(text) for text in args.spider_args)
        # An empty --section is refused as a section, not read as the default one.
        given = spider_args.setdefault(
            "section", DEFAULT_SECTION if args.section is None else args.section
        )
        if args.section is not None and given != args.section:
            raise ArgumentError(f"--section {args.section} and -a section={given} disagree")
        # So for the dataset folder: the run must not write one of the two without a word.
        # Compared as paths: `data/` and `data` name one folder.
        set_dir = overrides.get("OUTPUT_DIR")
        if args.output_dir and set_dir is not None and Path(set_dir) != Path(args.output_dir):
            raise ArgumentError(
                f"--output-dir {args.output_dir} and -s OUTPUT_DIR={set_dir} disagree"
            )
        not_taken = settings_not_taken(settings, overrides)
        if not_taken:
            raise ArgumentError("; ".join(not_taken))
        # Days back (`-a since=-1`) count from the clock the run's -s settings give.
        settings.setdict(overrides, priority="cmdline")
        CrawlArguments.parse(spider_args, default_max_pages=1, now=checking_now(settings))
    except ArgumentError as exc:
        print(f"newsscraper cron: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    # Scrapy's own stderr log would repeat the whole file log, unrotated, into whatever the
    # crontab line appends stderr to: warnings and errors go to stderr (below), not the rest.
    settings.set("LOG_ENABLED", False, priority="project")
    if args.output_dir:
        settings.set("OUTPUT_DIR", args.output_dir, priority="cmdline")
    problems = setting_problems(settings)
    if problems:
        for problem in problems:
            print(f"newsscraper cron: {problem}", file=sys.stderr)
        return exitcodes.USAGE
    output_dir = dataset.named(settings.get("OUTPUT_DIR"))  # cron's folder is often $HOME
    log_file = Path(args.log_file) if args.log_file else output_dir / "logs" / "newsscraper.log"

    try:
        with crawl_lock(output_dir, purpose="cron", wait=args.wait):
            from newsscraper.start_checks import refusal_log_level, start_refused
            from newsscraper.stop import end_on_held_signal

            try:
                _log_to_rotating_file(log_file, settings.get("LOG_LEVEL"))
            except OSError as exc:  # --log-file elsewhere: name it, not the output directory
                print(
                    f"newsscraper cron: cannot write the log {log_file}: {_why(exc)}",
                    file=sys.stderr,
                )
                return exitcodes.DISK_ERROR
            refused = start_refused(settings)
            if refused:
                # Said on stderr and in the log, where a crontab line's user reads why the run
                # did nothing.
                code, reason = refused
                print(f"newsscraper cron: {reason}", file=sys.stderr)
                logger.log(refusal_log_level(code), "%s", reason)
                return code
            _log_warnings_to_stderr()
            code, summary = _crawl(settings, spider_args)
            say_summary(f"{summary}\n  dataset: {output_dir}", "newsscraper cron")
            # From here a signal ends the process at once (one since the crawl, now): the
            # summary is said, and a merge swaps a folder whole or not at all.
            end_on_held_signal()
            if code not in (exitcodes.DISK_ERROR, exitcodes.INTERRUPTED):
                # In the crawl's codec, as the files it merges were written.
                _merge_records_when_many(output_dir, compression_of(settings))
    except LockHeld as exc:
        refusal = f"not crawling: {exc}; {LOCKED_NEXT_RUN}"
        print(f"newsscraper cron: {refusal}", file=sys.stderr)
        _log_refusal(log_file, settings.get("LOG_LEVEL"), refusal)
        return exitcodes.LOCKED
    except OSError as exc:
        print(f"newsscraper cron: cannot use {output_dir}: {exc}", file=sys.stderr)
        return exitcodes.DISK_ERROR
    return code


def _merge_records_when_many(output_dir: Path, compression: str) -> None:
    """Merge runs/ and rejects/ (the lock is held) once either holds more part files than
    RECORD_FILES_BEFORE_MERGE, into files written in `compression`: the next crawls then open
    a few files there, not one per run since the last `compact`. One that fails is said and
    left to `compact`: the crawl's own files are written already, and a merge swaps a folder
    whole or not at all."""
    from newsscraper.commands.compact import (
        RECORD_FILES_BEFORE_MERGE,
        compact_run_records,
        record_part_files,
    )

    try:
        if max(record_part_files(output_dir).values()) <= RECORD_FILES_BEFORE_MERGE:
            return
        results = compact_run_records(output_dir, lock=False, compression=compression)
    except (OSError, ArrowException) as error:
        logger.warning("runs/ and rejects/ not merged (%s); newsscraper compact merges them", error)
        return
    for result in results:
        logger.info(
            "merged the %d part files of %s/ into one (%d rows)",
            result.files_merged,
            result.folder,
            result.rows,
        )


def _crawl(settings, spider_args: dict) -> tuple[int, str]:
    from scrapy.crawler import CrawlerProcess

    from newsscraper.scrapy_commands.crawl import crawl_to_end

    process = CrawlerProcess(settings)
    code, summary = crawl_to_end(process, process.create_crawler("cafef"), spider_args)
    return code, summary or "newsscraper cron: the crawl could not start (see the log)"


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ArgumentError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


# In UTC, as the run ids, run records and the end of a rest are: the machine's own zone, unnamed,
# would put a log line hours away from the record of the same run.
LOG_FORMAT = "%(asctime)s UTC [%(name)s] %(levelname)s: %(message)s"


def _log_formatter() -> logging.Formatter:
    formatter = logging.Formatter(LOG_FORMAT)
    formatter.converter = time.gmtime
    return formatter


class RotatingLogFile(logging.handlers.RotatingFileHandler):
    """The run's log file. A disk that refuses it (full, read-only) is said once on stderr;
    logging's own handling would print a traceback there for every line of the run."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        if not self.failed:
            self.failed = True
            error = sys.exc_info()[1]
            print(
                f"newsscraper cron: cannot write the log {self.baseFilename}: {error}",
                file=sys.stderr,
            )


def _file_name_bytes_back(error: UnicodeEncodeError) -> tuple[str, int]:
    """Under LC_ALL=C with UTF-8 mode off, Python names a file whose name is not ASCII (an
    OUTPUT_DIR `dữ liệu`) with stand-ins for its bytes, which UTF-8 cannot write: they go to the
    log as those bytes, the name as the shell showed it. Any other text UTF-8 cannot hold (a
    lone surrogate) is escaped. A line that cannot be written would be lost, and the log said
    unwritable for the rest of the run."""
    try:
        return codecs.lookup_error("surrogateescape")(error)
    except UnicodeEncodeError:
        return codecs.lookup_error("backslashreplace")(error)


LOG_ENCODING_ERRORS = "newsscraper.log"
codecs.register_error(LOG_ENCODING_ERRORS, _file_name_bytes_back)


def _why(error: OSError) -> str:
    """What stops the log from opening, said plainly when a folder on its path is a file."""
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return f"{_a_file_on_the_way(error)} is a file, not a folder ({error})"
    return str(error)


def _a_file_on_the_way(error: OSError) -> str:
    """The first path component of `error.filename` that exists and is no folder."""
    path = Path(error.filename or "")
    for part in reversed(path.parents):
        if part.exists() and not part.is_dir():
            return str(part)
    return str(path)


def _log_file(path: Path, level: str, max_bytes: int) -> RotatingLogFile:
    """The handler of the log file at `path`, rotated past `max_bytes` (never, at 0); OSError
    when it cannot be opened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingLogFile(
        path,
        maxBytes=max_bytes,
        backupCount=LOG_BACKUPS,
        encoding="utf-8",
        errors=LOG_ENCODING_ERRORS,
    )
    handler.setLevel(level or "INFO")
    handler.setFormatter(_log_formatter())
    return handler


def _log_to_rotating_file(path: Path, level: str) -> None:
    logging.getLogger().addHandler(_log_file(path, level, LOG_BYTES))


def _log_refusal(path: Path, level: str, message: str) -> None:
    """Append a run's refusal of the lock to the log at `path` (a warning,
    `refusal_log_level`), as stderr said it: a crontab line's user reads the log to see why a
    run did nothing. Appended without rotating: the file is the lock holder's to rotate, which
    may be writing it. A log that cannot be opened is said on stderr; the exit code stays 75."""
    from newsscraper.start_checks import refusal_log_level

    try:
        handler = _log_file(path, level, max_bytes=0)
    except OSError as exc:
        print(f"newsscraper cron: cannot write the log {path}: {_why(exc)}", file=sys.stderr)
        return
    try:
        warning = refusal_log_level(exitcodes.LOCKED)
        record = logger.makeRecord(logger.name, warning, __file__, 0, message, (), None)
        if record.levelno >= handler.level:
            handler.handle(record)
    finally:
        handler.close()


def _log_warnings_to_stderr() -> None:
    from newsscraper.run_summary import SUMMARY_LINE

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    # The summary on stdout names each problem of the run: said once, not on stderr as well.
    handler.addFilter(lambda record: not getattr(record, SUMMARY_LINE, False))
    handler.setFormatter(_log_formatter())
    logging.getLogger().addHandler(handler)
