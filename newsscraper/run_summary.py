"""The summary of a run: what a person reads at the end of it, and `newsscraper cron` prints."""

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


def summary(record: dict) -> str:
    """One line a person reads at the end of a run (and `newsscraper cron` prints), naming
    its section: the crontab lines of several sections append to one log."""
    text = (
        f"run {record['run_id']} ({record['section']}): "
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
