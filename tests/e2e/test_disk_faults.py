"""A full disk or a read-only OUTPUT_DIR: the crawl stops with exit code 4 and a message naming
the path, files committed before stay whole, and the next run on a healthy disk completes.

The fault is injected into the crawl process by `disk_fault_hook/sitecustomize.py` (tests run
as root, where chmod stops nothing): the same errors the kernel gives, at the same calls.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
from replica_checks import assert_complete_part_files, assert_stored_exactly, stored_ids

from newsscraper import exitcodes
from newsscraper.dataset import list_part_files, staging_files
from newsscraper.runs import read_runs
from replica import ReplicaSite
from replica.crawl import PROJECT_ROOT, run_crawl

pytestmark = pytest.mark.slow

HOOK_DIR = Path(__file__).parent / "disk_fault_hook"
MESSAGES = {"ENOSPC": "No space left on device", "EROFS": "Read-only file system"}


def crawl_with_disk_fault(
    handle, output_dir: Path, kind: str, after: int, settings: dict | None = None
) -> subprocess.CompletedProcess:
    """`scrapy crawl cafef` whose OUTPUT_DIR fails with `kind` once `after` files are in."""
    env = {
        "PYTHONPATH": os.pathsep.join([str(HOOK_DIR), str(PROJECT_ROOT)]),
        "NEWSSCRAPER_DISK_FAULT": kind,
        "NEWSSCRAPER_DISK_FAULT_DIR": str(output_dir),
        "NEWSSCRAPER_DISK_FAULT_AFTER": str(after),
    }
    return run_crawl(handle.base_url, output_dir, settings=settings, timeout=120, env=env)


def fingerprints(output_dir: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in list_part_files(output_dir)}


@pytest.mark.parametrize("kind", ["ENOSPC", "EROFS"])
def test_disk_fault_mid_run_stops_the_crawl_and_keeps_what_was_committed(
    kind, replica, crawl, output_dir
):
    site = ReplicaSite(articles=40)
    handle = replica(site)

    result = crawl_with_disk_fault(
        handle, output_dir, kind, after=2, settings={"PARQUET_BATCH_ITEMS": 5}
    )

    assert result.returncode == exitcodes.DISK_ERROR, result.stderr[-4000:]
    log = result.stderr
    assert "Disk fault writing the dataset" in log
    assert MESSAGES[kind] in log and str(output_dir) in log
    # The two files committed before the fault are whole; nothing half-written is visible.
    files = assert_complete_part_files(output_dir)
    assert len(files) == 2
    stored = set(stored_ids(output_dir))
    assert_stored_exactly(output_dir, [a for a in site.articles if a.article_id in stored])
    assert len(stored) < len(site.articles)
    if kind == "ENOSPC":
        assert staging_files(output_dir) == []  # the half-written file was removed
    assert read_runs(output_dir) == []  # the record could not be written either
    before = fingerprints(output_dir)

    # The disk is fine again: the next run stores the rest, the earlier files untouched.
    crawl(handle)
    assert_stored_exactly(output_dir, site.articles)
    assert {p: h for p, h in fingerprints(output_dir).items() if p in before} == before


def test_read_only_output_dir_from_the_start_fails_clearly_and_touches_nothing(
    replica, crawl, output_dir
):
    site = ReplicaSite(articles=25)
    handle = replica(site)
    crawl(handle)  # a dataset from an earlier, healthy run
    before = fingerprints(output_dir)
    site.publish(3)

    result = crawl_with_disk_fault(handle, output_dir, "EROFS", after=0)

    assert result.returncode == exitcodes.DISK_ERROR, result.stderr[-4000:]
    assert MESSAGES["EROFS"] in result.stderr and str(output_dir) in result.stderr
    assert "Traceback" not in result.stderr
    assert fingerprints(output_dir) == before
    assert_complete_part_files(output_dir)
