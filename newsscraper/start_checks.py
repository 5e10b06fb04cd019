"""Whether a crawl may start: the checks the commands make under the crawl lock, before the
crawl, each with the exit code a refusal gives."""

from __future__ import annotations

import logging

from pyarrow import ArrowException

from newsscraper import dataset_read, exitcodes
from newsscraper.rests import rest_refused
from newsscraper.setting_checks import run_id_refused


def start_refused(settings) -> tuple[int, str] | None:
    """Why a crawl with `settings` must not start, with its exit code, or None. The commands ask
    under the crawl lock, before the crawl: a RUN_ID already used (exit 1), a run record that
    cannot be read (exit 1), a rest the site asked for not ended (exit 3)."""
    try:
        refused = run_id_refused(settings)  # reads the run records when RUN_ID is given
        if refused:
            return exitcodes.ABNORMAL, refused
        resting = rest_refused(settings)
    except (OSError, ArrowException) as error:  # a run record it cannot read
        return exitcodes.ABNORMAL, dataset_read.unreadable(settings.get("OUTPUT_DIR"), error)
    if resting:
        return exitcodes.SOFT_BLOCKED, f"not crawling: {resting}"
    return None


def refusal_log_level(code: int) -> int:
    """The level a refused start (exit `code`) is logged at: a warning when a healthy schedule
    meets it (another run holds the lock, 75; a rest the site asked for runs, 3), else an
    error (a run id already used, a run record that cannot be read)."""
    expected = code in (exitcodes.LOCKED, exitcodes.SOFT_BLOCKED)
    return logging.WARNING if expected else logging.ERROR
