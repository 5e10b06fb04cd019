"""The crawl lock: one holder per OUTPUT_DIR, released however the holder ends."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

from newsscraper import cli, dataset, exitcodes
from newsscraper.lock import LockHeld, crawl_lock, lock_path

HOLD_SCRIPT = """
import sys, time
from newsscraper import dataset
from newsscraper.lock import crawl_lock
with crawl_lock(sys.argv[1], purpose="test holder"):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of tmp_path; killed with SIGKILL by the test or at end."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    process.stdout.close()


def test_the_lock_is_exclusive_and_says_who_holds_it(tmp_path, holder):
    started = time.monotonic()
    with pytest.raises(LockHeld) as raised, crawl_lock(tmp_path):
        pytest.fail("the lock was taken twice")
    assert time.monotonic() - started < 0.5, "refused at once: cron tries again later"
    message = str(raised.value)
    assert f"pid={holder.pid}" in message and "started=" in message
    assert "test holder" in message and str(lock_path(tmp_path)) in message


def test_a_killed_holder_leaves_no_stale_lock(tmp_path, holder):
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    assert lock_path(tmp_path).exists()  # the file stays; the lock does not
    with crawl_lock(tmp_path) as path:
        # The killed holder's note ("purpose=test holder") is longer: none of it stays.
        assert path.read_text().startswith(f"pid={os.getpid()} ")
        assert path.read_text().endswith(" purpose=crawl\n")


def test_the_lock_is_released_after_the_block_even_on_error(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), crawl_lock(tmp_path):
        raise RuntimeError("boom")
    started = time.monotonic()
    with crawl_lock(tmp_path):
        pass
    assert time.monotonic() - started < 1  # non-blocking: taken at once
    assert lock_path(tmp_path).read_text() == "", "no note of a holder that is gone"


def test_the_lock_of_a_dataset_folder_not_made_yet_makes_it(tmp_path):
    output_dir = tmp_path / "data" / "cafef"
    with crawl_lock(output_dir) as path:
        assert path == output_dir / ".lock"
        assert path.read_text().startswith(f"pid={os.getpid()} ")
    # Any later run of the same user can open it again to take the lock.
    assert stat.S_IMODE(path.stat().st_mode) & 0o600 == 0o600


def test_a_wait_takes_the_lock_once_its_holder_ends(tmp_path, holder):
    # Two crontab lines (two sections) start in the same minute: the second waits its turn.
    killer = threading.Timer(1.0, os.kill, (holder.pid, signal.SIGKILL))
    started = time.monotonic()  # before the timer: the kill comes a whole second after it
    killer.start()
    try:
        with crawl_lock(tmp_path, wait=30) as path:
            assert f"pid={os.getpid()}" in path.read_text()
    finally:
        killer.cancel()
    assert 0.9 < time.monotonic() - started < 10


def test_a_wait_that_runs_out_says_who_holds_the_lock(tmp_path, holder):
    started = time.monotonic()
    with pytest.raises(LockHeld) as raised, crawl_lock(tmp_path, wait=1.2):
        pytest.fail("the lock was taken twice")
    assert 1.2 <= time.monotonic() - started < 5
    assert f"pid={holder.pid}" in str(raised.value)
    assert str(raised.value).endswith(" purpose=test holder), still after waiting 1.2 s for it")


def test_taking_the_lock_removes_what_a_killed_holder_left_in_staging(tmp_path, holder):
    # A holder killed between write and rename, or a compaction between swap and delete.
    staging = dataset.staging_dir(tmp_path)
    old_partition = staging / "compact-123-part-compact-x-1.parquet" / "published_date=2026-03-07"
    old_partition.mkdir(parents=True)
    (old_partition / "part-a-1.parquet").write_bytes(b"PAR1")
    (staging / "part-b-1.parquet.456.tmp").write_bytes(b"PAR1 half")
    with pytest.raises(LockHeld), crawl_lock(tmp_path):
        pass
    assert len(dataset.staging_files(tmp_path)) == 2  # not while its holder runs
    holder.kill()
    holder.wait(timeout=10)

    with crawl_lock(tmp_path):
        assert dataset.staging_files(tmp_path) == []


def test_the_holder_is_named_on_the_one_line_of_the_refusal(tmp_path, holder):
    # The note ends with a newline; the line a refused cron appends to its log must not.
    with pytest.raises(LockHeld) as raised, crawl_lock(tmp_path):
        pytest.fail("the lock was taken twice")
    assert str(raised.value).endswith(" purpose=test holder)")
    assert "\n" not in str(raised.value)


def test_a_disk_gone_read_only_before_the_release_still_releases_the_lock(tmp_path, monkeypatch):
    # The run itself ended well; clearing the note is all the disk refuses.
    from newsscraper import lock

    real_ftruncate = os.ftruncate
    with crawl_lock(tmp_path) as path:

        def read_only(fd, length):
            raise OSError(30, "Read-only file system", str(path))

        monkeypatch.setattr(lock.os, "ftruncate", read_only)
    monkeypatch.setattr(lock.os, "ftruncate", real_ftruncate)
    with crawl_lock(tmp_path):
        assert path.read_text().startswith(f"pid={os.getpid()} ")


def test_a_wait_gives_up_when_its_seconds_are_over_not_a_poll_later(tmp_path, monkeypatch):
    # A crontab line's --wait is the time it may take before exiting 75, and no more.
    from newsscraper import lock

    clock, slept = [0.0], []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(lock.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(lock.time, "sleep", sleep)
    with crawl_lock(tmp_path), pytest.raises(LockHeld), crawl_lock(tmp_path, wait=1.2):
        pytest.fail("the lock was taken twice")
    assert slept == pytest.approx([0.5, 0.5, 0.2])
    assert clock[0] == pytest.approx(1.2)


def test_a_wait_of_under_a_second_is_named_and_no_wait_is_not(tmp_path):
    held = "pid=7 purpose=crawl"
    assert str(LockHeld(tmp_path / "lock", held, 0.5)) == (
        f"{tmp_path / 'lock'} is held by another newsscraper process (pid=7 purpose=crawl), "
        "still after waiting 0.5 s for it"
    )
    assert str(LockHeld(tmp_path / "lock", held, 0)) == (
        f"{tmp_path / 'lock'} is held by another newsscraper process (pid=7 purpose=crawl)"
    )


def test_a_cron_run_refused_the_lock_exits_75_touching_nothing(tmp_path, holder, capsys):
    """README: a run that finds the lock held "exits 75 without crawling" and "touches
    nothing". The holder's note, what a killed holder left in `.staging/` (removed only by the
    next one to take the lock) and the rest of the folder stay as they were, and the one line
    it says names the holder: on stderr, and appended to the run's log, where a crontab line's
    user reads why a run did nothing."""
    leftover = dataset.staging_dir(tmp_path) / "part-x-1.parquet.99.tmp"
    leftover.parent.mkdir()
    leftover.write_bytes(b"PAR1 half")
    log = tmp_path / "logs" / "newsscraper.log"
    log.parent.mkdir()
    log.write_text("a line of the run before\n", encoding="utf-8")
    before = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*"))
    note = lock_path(tmp_path).read_bytes()

    assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.LOCKED

    assert sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*")) == before
    assert lock_path(tmp_path).read_bytes() == note
    assert leftover.read_bytes() == b"PAR1 half"
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("newsscraper cron: not crawling: ")
    assert f"pid={holder.pid} " in line and "purpose=test holder)" in line
    earlier, logged = log.read_text(encoding="utf-8").splitlines()
    assert earlier == "a line of the run before"
    said = line.removeprefix("newsscraper cron: ")
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} UTC \[newsscraper\.commands\.cron\] WARNING: "
        + re.escape(said),
        logged,
    )


def test_a_staging_in_the_way_stops_the_taker_leaving_no_note_of_it(tmp_path):
    # A `.staging` that is a file stops the run as a disk fault once it holds the lock; the
    # note it wrote must not outlive it, naming a gone process as the holder.
    dataset.staging_dir(tmp_path).write_text("not a folder")
    with pytest.raises(OSError, match="a file, not a folder"), crawl_lock(tmp_path):
        pytest.fail("the run went on")
    assert lock_path(tmp_path).read_text() == ""


def test_a_lock_that_is_a_folder_is_named_with_what_to_do(tmp_path, capsys):
    # As for a `.staging` that is a file: the refusal says what is wrong and what to do, not
    # only the errno of the open; crawls and `compact` say it as it is raised.
    lock_path(tmp_path).mkdir()
    with pytest.raises(IsADirectoryError) as raised, crawl_lock(tmp_path):
        pytest.fail("a folder was locked")
    message = str(raised.value)
    assert message.startswith(f"{lock_path(tmp_path)} is a folder, not a file")
    assert "move it out of the way" in message and "[Errno" not in message
    assert cli.main(["compact", "--output-dir", str(tmp_path)]) == exitcodes.DISK_ERROR
    (line,) = capsys.readouterr().err.splitlines()
    assert line == f"newsscraper compact: the dataset cannot be written: {message}"
