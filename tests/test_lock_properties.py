"""The crawl lock between processes: never two holders, a refusal that names the holder and
touches nothing, and a `.lock` the disk will not let be taken stopping the run as a disk fault."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest

from newsscraper import cli, exitcodes
from newsscraper.lock import LockHeld, crawl_lock, lock_path

CONTENDERS = 3
TAKES = 25

CONTEND_SCRIPT = """
import os, sys, time
from newsscraper.lock import LockHeld, crawl_lock

output_dir, journal, takes, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
pid = os.getpid()
open(f"{start}.{pid}", "w").close()  # ready: all start together, so that they contend
while not os.path.exists(start):
    time.sleep(0.001)

def say(line):
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (line + "\\n").encode())
    os.close(fd)

for _ in range(takes):
    try:
        with crawl_lock(output_dir, purpose=f"contender {pid}"):
            say(f"in {pid}")
            time.sleep(0.004)
            say(f"out {pid}")
    except LockHeld as refused:
        say(f"refused {pid} {refused}")
    time.sleep(0.001)
"""


def test_processes_contending_for_one_lock_never_hold_it_together(tmp_path):
    """README: "the lock: one crawl or compaction at a time". Processes taking and giving back
    one output directory's lock as fast as they can: between one's taking it and its giving
    it back, no other enters; and each refusal names (`pid=`) another of them, which held it."""
    journal = tmp_path / "journal"
    output_dir = tmp_path / "cafef"
    start = tmp_path / "start"
    command = [sys.executable, "-c", CONTEND_SCRIPT, str(output_dir), str(journal), str(TAKES)]
    processes = [subprocess.Popen([*command, str(start)]) for _ in range(CONTENDERS)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("start.*"))) < CONTENDERS and time.monotonic() < deadline:
        time.sleep(0.01)
    start.touch()
    for process in processes:
        assert process.wait(timeout=60) == 0
    pids = {process.pid for process in processes}

    holder = None
    taken = refused = 0
    for line in journal.read_text().splitlines():
        event, pid, *message = line.split(" ", 2)
        if event == "in":
            assert holder is None, f"{pid} took the lock {holder} held"
            holder = int(pid)
            taken += 1
        elif event == "out":
            assert holder == int(pid)
            holder = None
        else:
            refused += 1
            named = message[0].split("pid=", 1)[1].split(" ", 1)[0]
            assert int(named) in pids - {int(pid)}, line
            assert f"purpose=contender {named})" in line, line
    assert holder is None
    # They contended: the lock was taken, and refused to one while another held it. How often
    # each happens depends on how the machine shares its time between them.
    assert taken and refused


def test_a_lock_that_is_a_folder_stops_every_run_as_a_disk_fault(tmp_path, capsys):
    """README, exit 4: "the output directory ... is read-only or full, or ... its `.lock` a
    folder"; such a `.lock` "stops every crawl and compaction so"."""
    lock_path(tmp_path).mkdir()
    for _ in range(2):
        assert cli.main(["cron", "--output-dir", str(tmp_path)]) == exitcodes.DISK_ERROR
        err = capsys.readouterr().err
        assert err.startswith(f"newsscraper cron: cannot use {tmp_path}: ")
        assert str(lock_path(tmp_path)) in err
    with pytest.raises(IsADirectoryError), crawl_lock(tmp_path):
        pytest.fail("a folder was locked")
    assert lock_path(tmp_path).is_dir() and not any(lock_path(tmp_path).iterdir())


def test_a_refusal_in_the_instant_the_holder_takes_the_lock_still_names_it(tmp_path):
    """The lock's note says who holds it. A holder that has its flock but has not written its
    note yet (or has cleared it and not let go yet) is named once it has, not as "holder
    unknown"; one that lets go meanwhile leaves the lock to the process asking."""
    path = lock_path(tmp_path)
    path.write_bytes(b"")
    holder = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        note = threading.Timer(0.03, os.pwrite, (holder, b"pid=7 purpose=compact\n", 0))
        note.start()
        with pytest.raises(LockHeld) as refused, crawl_lock(tmp_path):
            pytest.fail("the lock was taken twice")
        note.join()
        assert str(refused.value).endswith("(pid=7 purpose=compact)")

        os.ftruncate(holder, 0)  # the holder clears its note, then lets go
        threading.Timer(0.03, os.close, (holder,)).start()
        holder = None
        with crawl_lock(tmp_path) as taken:
            assert taken.read_text().startswith(f"pid={os.getpid()} ")
    finally:
        if holder is not None:
            os.close(holder)
