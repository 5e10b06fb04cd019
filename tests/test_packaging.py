"""The wheel `pip install .` builds: the crawler's packages, whole, and nothing of the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from newsscraper import __version__

ROOT = Path(__file__).resolve().parent.parent
# What a build must not see: the checkout's venv, datasets, and an earlier build's leftovers
# (setuptools packs whatever is in build/lib, stale files too).
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "*.egg-info", "output", "demo-output", "logs", "work", "__pycache__"
)
# The copy built says another version in newsscraper/__init__.py: the wheel's must follow it.
COPY_VERSION = "9.8.7"


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> set[str]:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    init = source / "newsscraper" / "__init__.py"
    said = f'__version__ = "{__version__}"'
    init.write_text(
        init.read_text(encoding="utf-8").replace(said, f'__version__ = "{COPY_VERSION}"'),
        encoding="utf-8",
    )
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


def test_the_wheel_has_the_version_newsscraper_says(wheel_files):
    # One place says the version (newsscraper.__version__): pyproject.toml reads it from there.
    info = {name.split("/")[0] for name in wheel_files if ".dist-info/" in name}
    assert info == {f"newsscraper-{COPY_VERSION}.dist-info"}
    assert f"newsscraper-{COPY_VERSION}.dist-info/METADATA" in wheel_files


def test_the_test_extra_installs_what_the_tests_import_of_the_other_extras():
    # `pip install '.[test]'` and the suite runs: the plot tests need matplotlib.
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert "newsscraper[plot]" in extras["test"]
