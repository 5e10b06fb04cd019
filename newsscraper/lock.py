"""The crawl lock: one writer of OUTPUT_DIR at a time (a crawl, by `scrapy crawl` or `cron`,
or `compact`).

`OUTPUT_DIR/.lock` held with `fcntl.flock`: the kernel releases it when the holder's process
ends, however it ends (SIGKILL included), so a stale lock cannot outlive its process. The file
keeps the holder's pid, start time and purpose only to say who holds it; its existence means
nothing.

Every writer of OUTPUT_DIR/.staging/ holds the lock while it uses it, so whatever a killed
holder left there is removed by the next one to take the lock (`dataset_write.clear_staging`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsscraper.dataset_write import clear_staging

LOCK_FILE = ".lock"
# What a crawl refused the lock (exit 75) says of itself: nothing is lost by it.
LOCKED_NEXT_RUN = "this run touched nothing; the next one crawls what it would have"
WAIT_POLL_SECONDS = 0.5  # how often a waiting process tries the lock again
# A refused process that finds no note looks again this often, this many times: the holder is
# between taking the lock and writing its note, or between clearing it and letting go.
NOTE_SETTLE_SECONDS = 0.01
NOTE_SETTLE_TRIES = 10


class LockHeld(RuntimeError):
    """Another process holds the crawl lock of this OUTPUT_DIR."""

    def __init__(self, path: Path, holder: str, waited: float = 0):
        super().__init__(
            f"{path} is held by another newsscraper process ({holder or 'holder unknown'})"
            + (f", still after waiting {waited:g} s for it" if waited > 0 else "")
        )


class LockInTheWay(IsADirectoryError):
    """`.lock` is a folder: no lock can be taken on it, by any crawl or compaction."""

    def __str__(self) -> str:
        return self.strerror


def lock_path(output_dir: str | os.PathLike) -> Path:
    return Path(output_dir) / LOCK_FILE


@contextmanager
def crawl_lock(
    output_dir: str | os.PathLike, purpose: str = "crawl", wait: float = 0
) -> Iterator[Path]:
    """Hold the lock of `output_dir` for the `with` block; `LockHeld` if it is still taken
    after `wait` seconds (at once by default)."""
    path = lock_path(output_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # No O_TRUNC: truncating before we hold the lock would erase the holder's note.
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except IsADirectoryError as error:
        raise LockInTheWay(
            errno.EISDIR,
            f"{path} is a folder, not a file: every crawl and compaction takes its lock on "
            "that file; move it out of the way",
        ) from error
    try:
        _take(fd, path, wait)
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid={os.getpid()} started={started} purpose={purpose}\n".encode(), 0)
        try:
            clear_staging(output_dir)  # a `.staging` in the way raises: no note outlives us
            yield path
        finally:
            # Released below: leave no misleading note behind. A disk gone read-only during
            # the run refuses this; that must not turn the run's own exit code into a crash.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _take(fd: int, path: Path, wait: float) -> None:
    """Take the flock on `fd`, trying again every WAIT_POLL_SECONDS for up to `wait` seconds.

    Polled rather than a blocking flock: a waiting process gives up when `wait` is over, and
    the holder's note it names is the one of the moment it gave up."""
    deadline = time.monotonic() + max(wait, 0)
    while not _try_flock(fd):
        left = deadline - time.monotonic()
        if left <= 0:
            holder = _read_holder(fd)
            # An empty note is a holder in the instant after its flock or before letting go:
            # look again shortly, so the refusal names it, or the lock is taken once it is free.
            for _ in range(NOTE_SETTLE_TRIES):
                if holder:
                    break
                time.sleep(NOTE_SETTLE_SECONDS)
                if _try_flock(fd):
                    return
                holder = _read_holder(fd)
            raise LockHeld(path, holder, wait)
        time.sleep(min(WAIT_POLL_SECONDS, left))


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 512, 0).decode(errors="replace").strip()
    except OSError:
        return ""
