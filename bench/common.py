"""What every benchmark shares: the result shape, timing loops, measuring a child process."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
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


def time_rounds(
    calls: dict[str, Callable[[], object]],
    *,
    min_rounds: int,
    max_rounds: int,
    budget_seconds: float,
) -> dict[str, dict[str, list[float]]]:
    """Seconds per call of each of `calls`, taken in turns (one call of each per round).

    Taking turns spreads any load from other processes over all of them alike. Both clocks
    are kept: `wall` (perf_counter) and `cpu` (this process's CPU time, which a busy machine
    inflates far less, since time spent waiting for a core is not counted).
    """
    times = {name: {"wall": [], "cpu": []} for name in calls}
    deadline = time.perf_counter() + budget_seconds
    rounds = 0
    while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() < deadline):
        for name, call in calls.items():
            wall, cpu = time.perf_counter(), time.process_time()
            call()
            times[name]["cpu"].append(time.process_time() - cpu)
            times[name]["wall"].append(time.perf_counter() - wall)
        rounds += 1
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class ChildUsage:
    """What one finished child process used (itself plus the children it waited for)."""

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
    """Run `argv` to completion; its wall time, CPU time and peak RSS from `wait4`.

    Output goes to temporary files rather than pipes, so a chatty child never blocks and a
    large output (JSON lines of hundreds of pages) does not sit in this process's memory.
    """
    out_path = stdout_path or Path(os.devnull)
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return ChildUsage(
        returncode=proc.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        stderr=stderr,
    )
