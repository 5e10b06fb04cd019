"""The wheel `pip install .` builds: the crawler's packages, whole, and nothing of the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What a build must not see: the checkout's venv, datasets, and an earlier build's leftovers
# (setuptools packs whatever is in build/lib, stale files too).
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "output", "demo-output", "logs", "work", "__pycache__"
)


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    build = ["pip", "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(tmp / "dist")]
    built = subprocess.run(
        [sys.executable, "-m", *build, "--quiet", str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp / "dist").glob("newsscraper-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_holds_every_module_of_the_crawler(wheel_files):
    for package in ("newsscraper", "pipelines"):
        modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / package).rglob("*.py")}
        assert modules <= wheel_files, sorted(modules - wheel_files)


def test_the_wheel_holds_nothing_that_runs_only_from_a_checkout(wheel_files):
    # The replica reads tests/fixtures/pages/, which is not installed: it belongs to a checkout.
    top_level = {name.split("/")[0] for name in wheel_files}
    assert {name for name in top_level if not name.endswith(".dist-info")} == {
        "newsscraper",
        "pipelines",
    }


def test_the_test_extra_installs_what_the_tests_import_of_the_other_extras():
    # `pip install '.[test]'` and the suite runs: the plot tests need matplotlib.
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert "newsscraper[plot]" in extras["test"]
