"""Every command line README.md shows in its ```sh, ```cron and ```ini blocks is accepted as
written: a newcomer who copies one gets a run, not a usage error.

The lines are taken from README.md mechanically (DATA_FORMAT.md shows no command): `\\`
continuation lines joined, `# comments` dropped, a crontab line's five time fields, its
`cd DIR &&` prefix and its `>> log 2>&1` redirection dropped, a `NAME=value` line of a crontab
and a unit's `Environment=` given to the commands below it, a unit's `ExecStart=` taken as the
command. Then:

- `make TARGET`: the target exists in the Makefile (none is run: they install, crawl the live
  site or run every test).
- `scrapy crawl cafef …` and `newsscraper cron …`: run for real against a replica of the
  section on 127.0.0.1, every option README gives kept; only what points the run at the replica
  (`-s CAFEF_BASE_URL=…` and the politeness settings README's "Crawling the replica" gives, each
  one README's line does not already set) and at a temporary dataset folder is added.
- `python -m replica …`: started for real, then stopped with Ctrl-C (SIGINT); the crawl line of
  its block crawls it.
- `newsscraper extract / stats / verify / compact / --version`: run for real, on a copy of a
  dataset crawled from the replica.

Each must exit with the code README's "Exit codes" table gives for success in that situation
(0; 7 for a section the replica does not serve, as "Crawling the replica" says), with no usage
error and no traceback.

What README writes as a placeholder is replaced so (`PLACEHOLDERS`, `stand_ins`): an option in
`[...]` is given (the brackets dropped), so it is checked too; `S` is the section slug the
replica serves, `DAYS` 30, `SECONDS` 5, `CODEC` snappy; `page.html [more.html …]` two saved
pages of tests/fixtures/pages; `days.png` a file in the temporary folder. `/data/cafef` and
`replica-output` (the dataset folders) are a temporary folder; `/srv/newsscraper`, the folder a
crontab line `cd`s into to run `.venv/bin/…`, is the project's folder, as is the working
directory of every command; port 8080 is a free port (8080 may be taken on this machine).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from newsscraper import exitcodes
from newsscraper.sections import DEFAULT_SECTION
from replica import ReplicaSite, serve
from replica.crawl import POLITENESS_OFF, run_crawl

ROOT = Path(__file__).parents[1]
DOCS = ("README.md", "DATA_FORMAT.md")
BLOCK = re.compile(r"^```(sh|cron|ini)\n(.*?)^```", re.M | re.S)
BIN = Path(sys.executable).parent  # the .venv/bin/ the tests run from
PAGES = sorted((ROOT / "tests" / "fixtures" / "pages").glob("*.html"))[:2]
# Placeholders as README writes them, and what stands for each; `{out}`, `{tmp}`, `{port}`
# are the test's dataset folder, temporary folder and free port. Words first, whole:
PLACEHOLDERS = {
    "page.html": str(PAGES[0]),
    "more.html": str(PAGES[1]),
    "…": "",
    "S": DEFAULT_SECTION,
    "DAYS": "30",
    "SECONDS": "5",
    "CODEC": "snappy",
    "days.png": "{tmp}/days.png",
}
# then folders and the port, wherever in a word (`OUTPUT_DIR=/data/cafef`):
PLACES = {
    "/data/cafef": "{out}",
    "replica-output": "{out}",
    "/srv/newsscraper": str(ROOT),
    "127.0.0.1:8080": "127.0.0.1:{port}",
    "--port 8080": "--port {port}",
}


@dataclass
class Line:
    """One command line of a doc: where it is, its words, its environment."""

    where: str
    words: list[str]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def program(self) -> str:
        return Path(self.words[0]).name


def blocks_lines(text: str) -> list[tuple[int, int, str, str]]:
    """(block number, line number, block kind, logical line) of every ```sh, ```cron and ```ini
    block, continuation lines joined."""
    found = []
    for index, block in enumerate(BLOCK.finditer(text)):
        first = text.count("\n", 0, block.start(2)) + 1
        pending, start = "", None
        for offset, raw in enumerate(block.group(2).splitlines()):
            start = first + offset if start is None else start
            if raw.rstrip().endswith("\\"):
                pending += raw.rstrip()[:-1] + " "
                continue
            found.append((index, start, block.group(1), pending + raw))
            pending, start = "", None
    return found


def shell_words(command: str) -> list[str]:
    """A shell command's words, without a `cd DIR &&` prefix and `>> FILE`, `2>&1`."""
    words = shlex.split(command, comments=True)
    if words[:1] == ["cd"] and words[2:3] == ["&&"]:
        words = words[3:]
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in (">", ">>", "2>", "2>>"):
            skip = True
        elif not re.fullmatch(r"[0-9]?>&[0-9-]", word):
            kept.append(word)
    return kept


def command_lines(doc: str, text: str) -> list[Line]:
    """Every command line of `text`'s command blocks, as README shows it."""
    lines: list[Line] = []
    env: dict[str, str] = {}
    last_block = None
    for block, number, kind, line in blocks_lines(text):
        if block != last_block:  # a crontab's or a unit's environment is its own
            env, last_block = {}, block
        where = f"{doc}:{number}"
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "[")):
            continue
        if kind == "ini":
            key, _, value = stripped.partition("=")
            if key == "Environment":
                name, _, val = value.partition("=")
                env[name] = val
            elif key == "ExecStart":
                lines.append(Line(where, shell_words(value), env))
            continue
        if kind == "cron":
            if re.fullmatch(r"[A-Z_]+=\S*", stripped):
                name, _, val = stripped.partition("=")
                env = env | {name: val}  # for the lines below it
                continue
            stripped = stripped.split(None, 5)[5]
        lines.append(Line(where, shell_words(stripped), dict(env)))
    return lines


def readme_lines() -> list[Line]:
    lines = []
    for doc in DOCS:
        lines += command_lines(doc, (ROOT / doc).read_text(encoding="utf-8"))
    return lines


def stand_ins(words: list[str], out: Path, tmp: Path, port: int) -> list[str]:
    """`words` with README's placeholders replaced (see `PLACEHOLDERS`); `.venv/bin/X` is the
    X of the environment the tests run in."""
    text = re.sub(r"\[([^\]]*)\]", r"\1", " ".join(words))  # an optional part is given
    for place, value in PLACES.items():
        text = text.replace(place, value)
    result = []
    for word in text.split(" "):
        word = PLACEHOLDERS.get(word, word).format(out=out, tmp=tmp, port=port)
        if word.startswith(".venv/bin/") or word.startswith(f"{ROOT}/.venv/bin/"):
            word = str(BIN / Path(word).name)
        if word:
            result.append(word)
    return result


def given_settings(words: list[str]) -> set[str]:
    """The setting names a line gives with `-s NAME=value` (or `-sNAME=value`)."""
    names = set()
    for before, word in zip(["", *words], words, strict=False):
        setting = word if before == "-s" else word[2:] if word.startswith("-s") else ""
        if "=" in setting:
            names.add(setting.partition("=")[0])
    return names


def on_replica(words: list[str], base_url: str, out: Path) -> list[str]:
    """A crawl line pointed at the replica and the test's dataset folder: what it gives kept,
    the politeness of "Crawling the replica" off where it says nothing."""
    given = given_settings(words)
    added = POLITENESS_OFF | {"CAFEF_BASE_URL": base_url}
    words = words + [a for n, v in added.items() if n not in given for a in ("-s", f"{n}={v}")]
    if words[1:2] == ["cron"] and "--output-dir" not in words:
        words += ["--output-dir", str(out)]
    if words[1:2] == ["crawl"] and "OUTPUT_DIR" not in given:
        words += ["-s", f"OUTPUT_DIR={out}"]
    # Never the live site: every crawl asks the replica on this machine only.
    assert any(w.startswith("CAFEF_BASE_URL=http://127.0.0.1:") for w in words), words
    return words


def spider_arguments(words: list[str]) -> dict[str, str]:
    args = {}
    for before, word in zip(["", *words], words, strict=False):
        if before == "-a":
            name, _, value = word.partition("=")
            args[name] = value
    if "--section" in words:
        args["section"] = words[words.index("--section") + 1]
    return args


def expected_codes(words: list[str]) -> set[int]:
    """README's success for the line: 0; a section the replica does not serve, a 404: exit 7
    ("Crawling the replica")."""
    section = spider_arguments(words).get("section", DEFAULT_SECTION)
    return {exitcodes.SITE_ERRORS} if section != DEFAULT_SECTION else {exitcodes.OK}


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z0-9_.-]+):", text, re.M))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(words: list[str], env: dict[str, str], timeout: float = 120):
    return subprocess.run(
        words,
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def site_handle():
    with serve(ReplicaSite(articles=12, page_size=5)) as handle:
        yield handle


@pytest.fixture(scope="module")
def dataset(site_handle, tmp_path_factory):
    """A dataset crawled from the replica, for the commands that read one."""
    out = tmp_path_factory.mktemp("dataset") / "output"
    result = run_crawl(site_handle.base_url, out)
    assert result.returncode == exitcodes.OK, result.stderr[-4000:]
    return out


def check(line: Line, site_handle, dataset: Path, tmp: Path) -> None:
    """Assert that `line` is accepted as README shows it (see the module's docstring)."""
    out = tmp / "output"
    port = free_port()
    words = stand_ins(line.words, out, tmp, port)
    if line.program == "make":
        missing = set(words[1:]) - makefile_targets()
        assert not missing, f"{line.where}: no such make target: {missing}"
        return
    if words[1:3] == ["-m", "replica"]:
        started = subprocess.Popen(
            words, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            first = started.stdout.readline().strip()
            assert first == f"http://127.0.0.1:{port}", f"{line.where}: {started.stderr.read()}"
        finally:
            started.send_signal(signal.SIGINT)
            code = started.wait(timeout=30)
        assert code == exitcodes.OK, f"{line.where}: exit {code}: {started.stderr.read()}"
        return
    crawls = line.program == "scrapy" or words[1:2] == ["cron"]
    if crawls:
        if any(f"127.0.0.1:{port}" in w for w in words):  # the replica of its own block
            (serves,) = [w for w in LINES if w.words[1:3] == ["-m", "replica"]]  # its line
            replica = subprocess.Popen(
                stand_ins(serves.words, out, tmp, port),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            try:
                replica.stdout.readline()
                result = run(on_replica(words, f"http://127.0.0.1:{port}", out), line.env)
            finally:
                replica.send_signal(signal.SIGINT)
                replica.wait(timeout=120)  # a loaded machine is slow to stop it
        else:
            result = run(on_replica(words, site_handle.base_url, out), line.env)
    else:
        shutil.copytree(dataset, out)
        if words[1:2] in (["stats"], ["verify"], ["compact"]) and "--output-dir" not in words:
            words += ["--output-dir", str(out)]
        result = run(words, line.env)
    expected = expected_codes(words) if crawls else {exitcodes.OK}
    said = f"{line.where}: {shlex.join(words)}\nexit {result.returncode}\n{result.stderr[-3000:]}"
    assert result.returncode in expected, said
    assert "usage:" not in result.stderr and "Traceback" not in result.stderr, said


LINES = readme_lines()


def test_every_command_block_line_is_found():
    """The extraction finds the lines README shows: each block's commands, none lost (a line
    README adds is counted here too)."""
    programs = [line.program for line in LINES]
    assert programs.count("make") == 4
    assert programs.count("scrapy") == 7
    assert programs.count("newsscraper") == 11
    assert programs.count("python") == 1
    # The two crontabs' `NEWSSCRAPER_CONTACT=…` line and the unit's `Environment=`.
    assert sum("NEWSSCRAPER_CONTACT" in line.env for line in LINES) == 4


@pytest.mark.parametrize("line", LINES, ids=[line.where for line in LINES])
def test_readme_command_line_is_accepted_as_written(line, site_handle, dataset, tmp_path):
    """README.md's command lines run as shown and exit as its "Exit codes" table says."""
    check(line, site_handle, dataset, tmp_path)


@pytest.mark.parametrize(
    ("shown", "misspelt"),
    [
        ("make demo ", "make demos "),
        ("compact --wait 600", "compact --wiat 600"),
    ],
)
def test_a_line_the_project_does_not_accept_fails_the_check(
    shown, misspelt, site_handle, dataset, tmp_path
):
    """The check fails on a line README could show by mistake: a make target or an option the
    project does not have."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert shown in text
    (line,) = [
        line
        for line in command_lines("README.md", text.replace(shown, misspelt))
        if misspelt.split()[1] in line.words
    ]
    with pytest.raises(AssertionError):
        check(line, site_handle, dataset, tmp_path)
