"""Run `scrapy crawl cafef` against a replica: the settings that switch politeness off, and a
subprocess runner shared by the tests, `make demo` and the benchmarks.

A crawl runs in its own process, as from cron: the Twisted reactor cannot be restarted, and
a process is also what a kill or a disk fault is tested against.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The live-site defaults are polite; a replica on 127.0.0.1 needs none of it.
POLITENESS_OFF = {
    "ROBOTSTXT_OBEY": "False",
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_DELAY_JITTER": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "RETRY_BACKOFF_BASE": "0",
    "SOFT_BLOCK_BACKOFF_BASE": "0",
    "DOWNLOAD_TIMEOUT": "10",
}


def crawl_command(
    base_url: str,
    output_dir: str | os.PathLike,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "scrapy", "crawl", "cafef"]
    for name, value in (spider_args or {}).items():
        command += ["-a", f"{name}={value}"]
    merged = POLITENESS_OFF | {"CAFEF_BASE_URL": base_url, "OUTPUT_DIR": str(output_dir)}
    for name, value in (merged | (settings or {})).items():
        command += ["-s", f"{name}={value}"]
    return command


def cron_command(base_url: str, output_dir: str | os.PathLike, *extra: str) -> list[str]:
    """`newsscraper cron` crawling the replica at `base_url` into `output_dir`, politeness off."""
    settings = [f"-s{name}={value}" for name, value in POLITENESS_OFF.items()]
    return [
        sys.executable,
        "-m",
        "newsscraper",
        "cron",
        "--output-dir",
        str(output_dir),
        f"-sCAFEF_BASE_URL={base_url}",
        *settings,
        *extra,
    ]


def run_command(
    command: list[str], *, cwd: str | os.PathLike, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess:
    """Run `command` to its end, its output captured as text. The tests put in its place a
    runner that forks `python -m` commands from an interpreter with the libraries imported."""
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def crawl_env() -> dict[str, str]:
    return os.environ | {"SCRAPY_SETTINGS_MODULE": "newsscraper.settings"}


def run_crawl(
    base_url: str,
    output_dir: str | os.PathLike,
    spider_args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Crawl the replica at `base_url` into `output_dir`, with `env` added to the process's
    environment; the output is captured as text."""
    return run_command(
        crawl_command(base_url, output_dir, spider_args, settings),
        cwd=PROJECT_ROOT,
        env=crawl_env() | (env or {}),
        timeout=timeout,
    )


def run_cron(
    base_url: str, output_dir: str | os.PathLike, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`newsscraper cron` crawling the replica at `base_url` into `output_dir`, with `env` added
    to the process's environment; the output is captured as text."""
    return run_command(
        cron_command(base_url, output_dir, *extra),
        cwd=PROJECT_ROOT,
        env=os.environ | (env or {}),
        timeout=120,
    )
