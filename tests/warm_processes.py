"""`python -m <module> ...` processes forked from a warm interpreter, for the tests' crawls.

Most of a crawl process's start is importing Scrapy, Twisted and pyarrow: on a slow machine
more than a second of CPU, and the tests start hundreds of crawls. `WarmProcesses.run`, which
the tests put in place of `replica.crawl.run_command`, is that `subprocess.run(command, cwd=,
env=, capture_output=True, text=True, timeout=)` but, for a
`[sys.executable, "-m", module, ...]` command, forks the process from a server that has those
libraries imported already. The child is still a process of its own, with its own reactor,
environment, working directory, files for its output and exit code: the server imports no
module of this project (the settings read the environment as they are imported) and installs
no reactor. Any other command, an environment that changes how Python starts (`PYTHON*`, the
locale), or a second call while one runs, is run by `replica.crawl.run_command` as before.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Bound as this module is imported, before the tests put `WarmProcesses.run` in its place.
from replica.crawl import run_command as run_afresh

# Imported once by the server: what a crawl or a `newsscraper` command spends its start on.
PRELOAD = (
    "scrapy.cmdline",
    "scrapy.crawler",
    "scrapy.http",
    "scrapy.spiders",
    "scrapy.core.downloader.contextfactory",
    "scrapy.core.downloader.handlers.http11",
    "scrapy.utils.test",
    "pyarrow.compute",
    "pyarrow.dataset",
    "pyarrow.parquet",
    "lxml.html",
    "parsel",
    "itemadapter",
    "holidays",
    "tldextract",
    "aiohttp",
    "twisted.internet.asyncioreactor",
    "twisted.web.client",
)


def _startup_environment(env: dict[str, str]) -> dict[str, str]:
    """The variables that change how an interpreter starts, which a fork cannot change."""
    return {
        name: value
        for name, value in env.items()
        if name.startswith(("PYTHON", "LC_")) or name in ("LANG", "LANGUAGE")
    }


class WarmProcesses:
    """A server forking `python -m` processes; started at the first command it can run."""

    def __init__(self) -> None:
        self._server: subprocess.Popen | None = None
        self._responses = -1
        self._pending = b""
        self._busy = threading.Lock()
        self._env = dict(os.environ)

    def run(
        self,
        command: list[str],
        *,
        cwd: str | os.PathLike,
        env: dict[str, str],
        timeout: float,
    ) -> subprocess.CompletedProcess:
        module_args = self._module_args(command, env)
        if module_args is None or not self._busy.acquire(blocking=False):
            return run_afresh(command, cwd=cwd, env=env, timeout=timeout)
        try:
            return self._forked(command, module_args, cwd, env, timeout)
        finally:
            self._busy.release()

    def close(self) -> None:
        if self._server is not None:
            self._server.stdin.close()
            os.close(self._responses)
            self._server.wait(timeout=30)
            self._server = None

    def _module_args(self, command: list[str], env: dict[str, str]) -> list[str] | None:
        if len(command) < 3 or command[0] != sys.executable or command[1] != "-m":
            return None
        if _startup_environment(env) != _startup_environment(self._env):
            return None
        return command[2:]

    def _forked(self, command, module_args, cwd, env, timeout) -> subprocess.CompletedProcess:
        self._start()
        with tempfile.TemporaryDirectory(prefix="warm-") as folder:
            stdout, stderr = Path(folder, "stdout"), Path(folder, "stderr")
            request = {
                "module": module_args[0],
                "args": module_args[1:],
                "cwd": str(cwd),
                "env": env,
                "stdout": str(stdout),
                "stderr": str(stderr),
            }
            self._server.stdin.write(json.dumps(request) + "\n")
            self._server.stdin.flush()
            pid = self._response(None)["pid"]
            try:
                returncode = self._response(timeout)["returncode"]
            except subprocess.TimeoutExpired:
                os.kill(pid, signal.SIGKILL)
                self._response(None)
                raise subprocess.TimeoutExpired(command, timeout) from None
            # Decoded as `subprocess.run(text=True)` decodes: the locale's encoding, strictly.
            return subprocess.CompletedProcess(
                command, returncode, stdout.read_text(), stderr.read_text()
            )

    def _start(self) -> None:
        if self._server is not None:
            return
        read, write = os.pipe()
        self._server = subprocess.Popen(
            [sys.executable, "-c", f"import {__name__} as w; w.serve({write})"],
            cwd=Path(__file__).resolve().parent.parent,
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            pass_fds=(write,),
        )
        os.close(write)
        self._responses = read

    def _response(self, timeout: float | None) -> dict:
        """The server's next answer, read straight from the pipe (no buffer `select` misses)."""
        while b"\n" not in self._pending:
            if timeout is not None:
                ready, _, _ = select.select([self._responses], [], [], timeout)
                if not ready:
                    raise subprocess.TimeoutExpired("", timeout)
            chunk = os.read(self._responses, 4096)
            if not chunk:
                raise RuntimeError("the warm process server ended")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return json.loads(line)


def serve(responses_fd: int) -> None:
    """The server: preload, then fork a child for each request on stdin; answer on
    `responses_fd`."""
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    assert "twisted.internet.reactor" not in sys.modules, "a preload installed a reactor"
    responses = os.fdopen(responses_fd, "w", buffering=1)
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            responses.close()
            _become(request)
            runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            raise SystemExit(0)
        responses.write(json.dumps({"pid": pid}) + "\n")
        _, status = os.waitpid(pid, 0)
        responses.write(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}) + "\n")


def _become(request: dict) -> None:
    """Turn the forked child into the process `python -m module args` would start."""
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(opened, fd)
        os.close(opened)
    sys.path[0] = os.getcwd()
    sys.argv = [request["module"], *request["args"]]
