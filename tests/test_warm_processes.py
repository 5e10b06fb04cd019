"""The tests' crawl processes forked from a warm interpreter are processes like any other:
their own arguments, environment, working directory, output and exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.warm_processes import WarmProcesses

# Run as `python -m said` from the test's folder: says what its process was started with.
SAID = """
import json, os, sys
preloaded = "pyarrow.dataset" in sys.modules
print(json.dumps({
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "env": os.environ.get("SAID_VALUE"),
    "preloaded": preloaded,
    "settings_imported": "newsscraper.settings" in sys.modules,
    "stdin": sys.stdin.read(),
}), flush=True)
print("to stderr", file=sys.stderr, flush=True)
if len(sys.argv) > 1 and sys.argv[1] == "exit":
    raise SystemExit(int(sys.argv[2]))
if len(sys.argv) > 1 and sys.argv[1] == "raise":
    raise ValueError("ca phê")
if len(sys.argv) > 1 and sys.argv[1] == "kill":
    os.kill(os.getpid(), signal.SIGKILL)
if len(sys.argv) > 1 and sys.argv[1] == "sleep":
    import time
    time.sleep(60)
"""


@pytest.fixture(scope="module")
def warm():
    processes = WarmProcesses()
    yield processes
    processes.close()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "said.py").write_text("import signal\n" + SAID)
    return tmp_path


def said(warm, folder, *args, env=None, timeout=60):
    result = warm.run(
        [sys.executable, "-m", "said", *args],
        cwd=folder,
        env=os.environ | {"SAID_VALUE": "giá trị"} | (env or {}),
        timeout=timeout,
    )
    return result, json.loads(result.stdout.splitlines()[0])


def test_a_forked_process_has_its_own_arguments_folder_environment_and_output(warm, folder):
    result, seen = said(warm, folder, "a b", "c")
    assert result.returncode == 0 and result.stderr == "to stderr\n"
    assert seen == {
        "argv": ["a b", "c"],
        "cwd": str(folder),
        "env": "giá trị",
        "preloaded": True,
        "settings_imported": False,
        "stdin": "",
    }


@pytest.mark.parametrize(
    ("args", "code"), [(("exit", "5"), 5), (("raise",), 1), (("kill",), -signal.SIGKILL)]
)
def test_the_exit_code_is_the_processes_own(warm, folder, args, code):
    result, _ = said(warm, folder, *args)
    assert result.returncode == code
    if args == ("raise",):
        assert result.stderr.rstrip().endswith("ValueError: ca phê")


def test_a_process_past_its_timeout_is_killed_and_the_next_one_still_runs(warm, folder):
    with pytest.raises(subprocess.TimeoutExpired):
        said(warm, folder, "sleep", timeout=1)
    result, seen = said(warm, folder, "exit", "0")
    assert result.returncode == 0 and seen["preloaded"]


def test_an_environment_that_changes_how_python_starts_gets_a_process_started_afresh(warm, folder):
    result, seen = said(warm, folder, env={"PYTHONIOENCODING": "latin-1"})
    assert result.returncode == 0
    assert seen["env"] == "giá trị" and not seen["preloaded"]


def test_a_command_that_is_no_python_module_is_run_as_given(warm, folder):
    result = warm.run(
        ["sh", "-c", "echo $0; exit 4", "sh"], cwd=folder, env=dict(os.environ), timeout=60
    )
    assert (result.returncode, result.stdout) == (4, "sh\n")
