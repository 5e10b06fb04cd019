"""The summary of a run: what a person reads at the end of it, and `newsscraper cron` prints;
and a run's mode as people read it, there and in `newsscraper stats`."""

from __future__ import annotations

RUN_SUMMARY_STAT = "newsscraper/run_summary"  # set once the run record is written, or failed
# Marks a log record that says what the summary says too (`newsscraper cron` prints the summary
# on stdout, so its stderr leaves such records out: a cron mail says each problem once).
SUMMARY_LINE = "newsscraper_summary_line"


def _counted(count, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _stopped(record: dict) -> str | None:
    """Why the run ended: the walk's reason when the crawl finished; otherwise what stopped the
    crawl (`retry_after_too_long`, `shutdown`, …), which also cut the walk short."""
    finish = record["finish_reason"]
    if finish == "finished" or not finish:
        return record["stop_reason"] or finish
    return finish


def mode_shown(record: dict) -> str | None:
    """A run record's mode as a person reads it: a backfill with the dates it was given
    (`backfill 2026-11-01…2026-11-05`, an end not given left open), so a listing of runs says
    which days each filled; `backfill` alone for a record older than version 7."""
    mode = record.get("mode")
    since, until = record.get("since"), record.get("until")
    if mode != "backfill" or (since is None and until is None):
        return mode
    return f"backfill {since or ''}…{until or ''}"


def summary(record: dict) -> str:
    """One line a person reads at the end of a run (and `newsscraper cron` prints), naming
    its section, and a backfill's dates: the crontab lines of several sections, and a daily
    backfill's, append to one log."""
    about = record["section"]
    if record.get("mode") == "backfill":
        about += f", {mode_shown(record)}"
    text = (
        f"run {record['run_id']} ({about}): "
        f"{_counted(record['new_rows'], 'new row')}, "
        f"{_counted(record['duplicates'], 'duplicate')}, {_counted(record['rejects'], 'reject')}, "
        f"{_counted(record['listing_pages'], 'listing page')}, "
        f"stopped: {_stopped(record)}; exit {record['exit_code']}"
    )
    return text + "".join(f"\n  problem: {p}" for p in record["problems"] or [])


def unwritten_summary(record: dict, found: list[str] = ()) -> str:
    """The summary of a run whose record could not be written: what it did, that no record
    keeps it, and its problems, the disk's first, then `found`, the others it was judged with."""
    line, *problems = summary(record | {"problems": [*record["problems"], *found]}).split("\n")
    return "\n".join([f"{line}; no run record written", *problems])
