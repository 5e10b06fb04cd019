"""The log of `newsscraper cron` over many runs (README, "Running from cron": it "logs to
`output/logs/newsscraper.log` (rotating, 10 MB × 5, times in UTC)"): whatever the runs log, the
folder holds the current file and at most five older ones, none over 10 MB; what they hold is
the newest lines logged, each once and in order, the very newest in the current file.

Each run is `newsscraper cron` in this process with its crawl a stub that logs lines of drawn
sizes (a real crawl logs a few kB: it would take thousands of runs to rotate once); the log
file, its rotation and its format are the real code's. The handlers a run adds are taken off
after it, as the end of its process would."""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsscraper import cli, exitcodes
from newsscraper.commands import cron

MB = 1024 * 1024
MAX_BYTES = 10 * MB  # README: "10 MB × 5"
OLD_FILES = 5
LOG_NAMES = ["newsscraper.log"] + [f"newsscraper.log.{n}" for n in range(1, OLD_FILES + 1)]
# Each example writes tens of MB: a twentieth of the examples.
FEW = settings(
    max_examples=max(1, settings.default.max_examples // 20),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} UTC \[newsscraper\.test\] INFO: (.*)")
# A run's lines: a few short ones, as most runs log, or many long ones.
SIZES = [80, 300, 4_000, 200_000, 1_500_000]


@st.composite
def run_logs(draw) -> list[list[int]]:
    """The sizes of the lines each run logs, run after run."""
    runs = draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = random.Random(seed)
    heavy = draw(st.sampled_from([0.0, 0.1, 0.5]))  # the share of runs that log a lot
    return [
        [rng.choice(SIZES) for _ in range(rng.randint(1, 60))]
        if rng.random() < heavy
        else [rng.choice(SIZES[:2]) for _ in range(rng.randint(0, 5))]
        for _ in range(runs)
    ]


def one_cron_run(output_dir: Path, lines: list[str]) -> None:
    logger = logging.getLogger("newsscraper.test")

    def crawl(settings, spider_args):
        for line in lines:
            logger.info("%s", line)
        return exitcodes.OK, "run r"

    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    original = cron._crawl
    cron._crawl = crawl
    try:
        assert cli.main(["cron", "--output-dir", str(output_dir)]) == exitcodes.OK
    finally:
        cron._crawl = original
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


def logged_lines(folder: Path) -> list[str]:
    """The messages the log files hold, oldest first (the highest-numbered file first)."""
    messages = []
    for name in reversed(LOG_NAMES):
        path = folder / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                match = LINE.fullmatch(line)
                if match:
                    messages.append(match.group(1))
    return messages


@FEW
@example(sizes=[[1_500_000] * 9] * 6)  # 81 MB: more than the six files hold
@example(sizes=[[80]] * 300)  # many quiet runs
@given(sizes=run_logs())
def test_the_log_stays_within_six_files_of_10_mb_holding_the_newest_lines(
    tmp_path_factory, capsys, monkeypatch, sizes
):
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "newsscraper.settings")
    output_dir = tmp_path_factory.mktemp("cron-log")
    logger = logging.getLogger("newsscraper.test")
    logger.setLevel(logging.INFO)
    sent = []
    for run, run_sizes in enumerate(sizes):
        lines = [f"run {run} line {n} " + "x" * size for n, size in enumerate(run_sizes)]
        one_cron_run(output_dir, lines)
        sent += lines
    capsys.readouterr()  # each run's summary line

    folder = output_dir / "logs"
    names = sorted(path.name for path in folder.iterdir())
    assert set(names) <= set(LOG_NAMES), names
    assert "newsscraper.log" in names
    assert all((folder / name).stat().st_size <= MAX_BYTES for name in names)
    kept = logged_lines(folder)
    # The newest lines logged, each once and in order, down to the oldest the files still hold.
    assert kept == sent[len(sent) - len(kept) :]
    if sent:
        current = logged_lines_of(folder / "newsscraper.log")
        assert current and current[-1] == sent[-1]
    if sum(len(line) + 100 for line in sent) < MAX_BYTES // 2:  # with its time and name
        assert kept == sent, "lines lost though they would all fit in one file"


def logged_lines_of(path: Path) -> list[str]:
    return [
        match.group(1)
        for line in path.read_text(encoding="utf-8").splitlines()
        if (match := LINE.fullmatch(line))
    ]
