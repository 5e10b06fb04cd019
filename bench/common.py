"""What every benchmark shares: the result shape, timing loops, measuring a child process."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
VENV_BIN = REPO / ".venv" / "bin"


@dataclass
class Figure:
    """One line of the results table; `met` is None when the figure has no target."""

    name: str
    value: str
    target: str = ""
    met: bool | None = None


@dataclass
class BenchResult:
    name: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    # Raw numbers, by key: what the smoke test checks and what RESULTS.md lists in full.
    data: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    load_average: tuple[float, float] | None = None  # 1-minute load, before and after


def fmt_seconds(seconds: float) -> str:
    """A duration in the unit that keeps it readable."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# Runs the measured command as its child and reports what that child used. Linux carries a
# process's peak RSS across exec, so a command started straight from this (large) process
# would report at least this process's own peak; from this small wrapper it reports its own.
_MEASURE_CHILD = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as fh:
    json.dump({"returncode": os.waitstatus_to_exitcode(status), "wall_seconds": wall,
               "cpu_seconds": usage.ru_utime + usage.ru_stime,
               "peak_rss_mb": usage.ru_maxrss / 1024}, fh)
"""


@dataclass
class ChildUsage:
    """What one finished command used: itself plus the children it waited for.

    `peak_rss_mb` is the largest peak of those processes, not their sum.
    """

    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    stderr: str


def run_measured(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict | None = None,
    stdout_path: Path | None = None,
    timeout: float = 1800,
) -> ChildUsage:
    """Run `argv` to completion; its wall time, CPU time and peak RSS (from `wait4`).

    Output goes to files rather than pipes, so a chatty child never blocks and a large output
    (JSON lines of hundreds of pages) does not sit in this process's memory.
    """
    out_path = stdout_path or Path(os.devnull)
    with (
        tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp,
        open(out_path, "wb") as out,
        tempfile.TemporaryFile() as err,
    ):
        usage_path = Path(tmp) / "usage.json"
        wrapper = [sys.executable, "-c", _MEASURE_CHILD, str(usage_path), *argv]
        # Its own session, so a timeout can end the command and everything it started.
        proc = subprocess.Popen(
            wrapper, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
        if proc.returncode != 0 or not usage_path.exists():
            raise RuntimeError(f"measuring {argv[0]} failed ({proc.returncode}): {stderr[-2000:]}")
        usage = json.loads(usage_path.read_text(encoding="utf-8"))
    return ChildUsage(stderr=stderr, **usage)
