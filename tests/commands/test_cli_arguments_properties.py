"""Bad input to `newsscraper` and `scrapy crawl cafef`: a clear message and an exit code of the
README's table, never a traceback, and nothing written by a command that refuses its input."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsscraper import cli, exitcodes
from newsscraper import settings as project_settings
from newsscraper.commands import COMMANDS, cron
from newsscraper.crawl_args import ARGUMENT_NAMES
from newsscraper.setting_checks import NUMBERS
from tests.example_folders import fresh

# The exit codes of README's "Exit codes" table.
README_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 7, 75}
OFFLINE = ["CAFEF_BASE_URL=http://127.0.0.1:9", "ROBOTSTXT_OBEY=False", "RETRY_TIMES=0"]

FAST = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(FAST, max_examples=max(1, settings.default.max_examples // 4))
SUBPROCESSES = settings(FAST, max_examples=max(1, settings.default.max_examples // 40))

# Each command's options, as newsscraper/commands/__init__.py declares them.
OPTIONS = {
    name: [
        action.option_strings[-1]
        for action in cli.build_parser()._subparsers._group_actions[0].choices[name]._actions
        if action.option_strings and action.option_strings[-1] not in ("--help",)
    ]
    for name in COMMANDS
}
FLAGS = {"--json"}

SETTING_NAMES = sorted(name for name in dir(project_settings) if name.isupper())
ODD_NUMBERS = st.sampled_from(
    ["nan", "inf", "-inf", "-1", "0", "1e309", "99999999999999999999", "-0", "1_0", "0x10"]
)
ODD_DATES = st.sampled_from(
    ["2026-3-7", "07/03/2026", "20260307", "2026-W10-1", "2026-02-30", "+1", "1", "-0", "９"]
)
ODD_TEXT = st.one_of(
    st.sampled_from(["", " ", "dữ liệu", "a\nb", "=", "é" * 300, "None", "True"]),
    st.text(max_size=12).filter(lambda text: "\x00" not in text),
)
ODD_VALUES = st.one_of(ODD_NUMBERS, ODD_DATES, ODD_TEXT)


def odd_paths(folder: Path):
    """Paths under `folder` of the kinds a command line may give: missing, a file, a folder,
    with a newline in it, empty. (None with a NUL: no command line can hold one.)"""
    return st.sampled_from(
        [
            str(folder / "missing" / "deeper"),
            str(folder / "a-file.txt"),
            str(folder / "a-folder"),
            str(folder / "new\nline"),
            "",
            str(folder / "dữ liệu"),
        ]
    )


def prepared(tmp_path: Path) -> Path:
    folder = fresh(tmp_path)
    (folder / "a-file.txt").write_text("not a page\n", encoding="utf-8")
    (folder / "a-folder").mkdir()
    return folder


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(path.relative_to(folder)): (None if path.is_dir() else path.read_bytes())
        for path in sorted(folder.rglob("*"))
    }


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    """`newsscraper argv` in-process: its exit code, stdout and stderr. An exception escaping
    main is the traceback a user would see."""
    capsys.readouterr()
    try:
        code = cli.main(argv)
    except SystemExit as stopped:
        code = 0 if stopped.code is None else stopped.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_said_clearly(code: int, err: str, names: list[str], prefix: str, argv) -> None:
    """The exit code is one README lists; a usage error says in one line what was wrong,
    naming one of `names` (the options or settings given). A line break is one of a value
    given (a path with a newline), said as it was given."""
    assert "Traceback" not in err, err
    for value in argv:
        err = err.replace(value, value.replace("\n", " "))
    assert code in README_EXIT_CODES, (code, err)
    if code != exitcodes.USAGE:
        return
    # Lines end at "\n" only: a value given may hold another character str.splitlines() breaks
    # at (\x1e, \x85), which a terminal shows on the line.
    lines = err.removesuffix("\n").split("\n") if err else []
    assert lines, "a usage error said nothing"
    if any(line.startswith("usage: ") for line in lines):  # argparse: its usage, then one line
        (message,) = [line for line in lines if ": error: " in line]
        assert message == lines[-1]
        messages = [message]
    else:
        messages = lines
        assert all(line.startswith(prefix) for line in messages), err
    if names:
        assert any(name in message for message in messages for name in names), (names, err)


@st.composite
def command_lines(draw, folder: Path):
    """A command and options drawn from those it declares, unknown ones, values missing or
    odd; the names worth naming in a usage error."""
    # cron, which crawls, is the next test's.
    command = draw(st.sampled_from([*(c for c in COMMANDS if c != "cron"), "--version", "--help"]))
    if command.startswith("--"):
        return [command, *draw(st.lists(st.sampled_from(["stats", "-x", ""]), max_size=2))], []
    argv, names = [command], []
    paths = odd_paths(folder)
    for _ in range(draw(st.integers(0, 4))):
        option = draw(st.sampled_from([*OPTIONS[command], "--bogus", "--output_dir", "-z"]))
        names.append(option)
        if option in FLAGS:
            argv.append(option)
            continue
        value = draw(st.one_of(paths, ODD_VALUES, st.none()))
        if option in ("-a", "-s"):
            name = draw(st.sampled_from([*SETTING_NAMES, *ARGUMENT_NAMES, "bogus", "since"]))
            names.append(name)
            if value is not None:
                value = f"{name}={value}"
        argv.append(option)
        if value is not None:
            argv.append(value)
            # A message may name the value instead (`unknown section 'x'; valid sections: …`).
            names += [option.lstrip("-"), repr(value)]
    if command == "extract":
        names.append("FILE")  # the one argument it needs
        argv += draw(st.lists(st.one_of(paths, st.just("-")), max_size=2))
    elif command in ("stats", "verify", "compact") and "--output-dir" not in argv:
        argv += ["--output-dir", str(folder / "dataset")]
    return argv, names


@FAST
@given(data=st.data())
def test_a_command_line_ends_in_a_listed_exit_code_and_a_usage_error_in_one_line(
    data, tmp_path, capsys, monkeypatch
):
    """README, "Exit codes": 2 is "bad arguments or settings (`-a`, `-s`: each one named)":
    whatever the command line, its exit code is one the table lists, a usage error is said in
    one line naming what was wrong, and the output directory is left as it was."""
    folder = prepared(tmp_path)
    argv, names = data.draw(command_lines(folder))
    monkeypatch.chdir(folder)
    # An empty stdin held in memory: monkeypatch keeps every one until the test ends.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    before = snapshot(folder)
    code, _, err = run(argv, capsys)
    check_said_clearly(code, err, names, f"newsscraper {argv[0]}: ", argv)
    if code == exitcodes.USAGE:
        assert snapshot(folder) == before, argv


@st.composite
def cron_lines(draw, folder: Path):
    argv = ["cron", "--output-dir", str(folder / "dataset"), "--log-file", str(folder / "l.log")]
    names = []
    for text in OFFLINE:
        argv += ["-s", text]
    for _ in range(draw(st.integers(0, 3))):
        option = draw(st.sampled_from(["-a", "-s", "--section", "--wait"]))
        if option == "-a":
            name = draw(
                st.sampled_from([*ARGUMENT_NAMES, "SINCE", "_job", "CAFEF_MAX_PAGES", "sinse"])
            )
        elif option == "-s":
            name = draw(
                st.sampled_from(
                    [*SETTING_NAMES, *(n for n, *_ in NUMBERS), "max_pages", "NEWSSCRAPER_CONTACT"]
                )
            )
        else:
            name = option
        value = draw(st.one_of(ODD_VALUES, st.sampled_from(["1", "0.5", "3", "-1", "2026-03-07"])))
        names += [name, name.lstrip("-"), repr(value)]
        argv += [option, value if option.startswith("--") else f"{name}={value}"]
    return argv, names


@FEW
@given(data=st.data())
def test_cron_refuses_a_bad_argument_or_setting_in_one_line_before_it_writes_anything(
    data, tmp_path, capsys, monkeypatch
):
    """README, "Spider arguments": "A bad argument … stops the crawl before any request, with
    a message naming the valid values (exit code 2)"; "Settings": a name neither Scrapy nor
    newsscraper reads "is refused too (exit 2)". A cron line whose arguments and settings are
    taken goes on to crawl (here: a site that fails, exit 7)."""
    folder = prepared(tmp_path)
    argv, names = data.draw(cron_lines(folder))
    crawled = []

    def crawl(settings, spider_args):
        crawled.append(spider_args)
        return exitcodes.SITE_ERRORS, "run r (doanh-nghiep): the site failed; exit 7"

    monkeypatch.setattr(cron, "_crawl", crawl)
    monkeypatch.setattr(cron, "_log_to_rotating_file", lambda path, level: None)
    monkeypatch.setattr(cron, "_log_warnings_to_stderr", lambda: None)
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "newsscraper.settings")
    before = snapshot(folder)
    code, _, err = run(argv, capsys)
    check_said_clearly(code, err, names, "newsscraper cron: ", argv)
    if code == exitcodes.USAGE:
        assert snapshot(folder) == before, argv
        assert crawled == []
    else:
        assert (code, len(crawled)) == (exitcodes.SITE_ERRORS, 1), (argv, err)


ROOT = Path(__file__).resolve().parents[2]


@SUBPROCESSES
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["-a", "-s"]),
            st.sampled_from([*ARGUMENT_NAMES, *(n for n, *_ in NUMBERS), "DOWNLOAD_DELAY_JITTER"]),
            st.one_of(ODD_NUMBERS, ODD_DATES, st.sampled_from(["", "x", "dữ liệu"])),
        ),
        min_size=1,
        max_size=2,
    )
)
@example(pairs=[("-s", "DOWNLOAD_DELAY_JITTER", "abc")])
def test_scrapy_crawl_refuses_an_odd_argument_or_setting_in_one_line(pairs, tmp_path):
    """README, "Exit codes": 2 is "bad arguments or settings (`-a`, `-s`: each one named)";
    `scrapy crawl cafef` with odd values ends in a listed code, never a traceback."""
    folder = fresh(tmp_path)
    argv = [sys.executable, "-m", "scrapy", "crawl", "cafef"]
    for text in [*OFFLINE, f"OUTPUT_DIR={folder / 'dataset'}", "LOG_LEVEL=ERROR"]:
        argv += ["-s", text]
    for option, name, value in pairs:
        argv += [option, f"{name}={value}"]
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in README_EXIT_CODES, result.stderr
    if result.returncode == exitcodes.USAGE:
        # Scrapy's usage header, then the one line of what was wrong.
        lines = [line for line in result.stderr.split("\n") if line.strip()]
        (message,) = [line for line in lines if ": error: " in line]
        assert message == lines[-1] and any(name in message for _, name, _ in pairs), lines
        assert not (folder / "dataset").exists()


@pytest.mark.parametrize("days", ["999999999", "99999999999999999999"])
def test_compact_older_than_more_days_than_the_calendar_holds_selects_no_partition(
    days, tmp_path, capsys
):
    """README: `--older-than` chooses "only partitions whose published_date is more than DAYS
    days before today": none are, so runs/ and rejects/ alone are looked at."""
    code, out, err = run(["compact", "--older-than", days, "--output-dir", str(tmp_path)], capsys)
    assert (code, err) == (exitcodes.OK, "")
    assert out.startswith("nothing to compact")


@pytest.mark.parametrize("value", ["abc", "-1", "nan"])
def test_a_download_delay_jitter_that_is_no_fraction_is_refused_naming_it(
    value, tmp_path, capsys, monkeypatch
):
    """README, "Exit codes": 2 is "bad arguments or settings (`-a`, `-s`: each one named)";
    Scrapy's DOWNLOAD_DELAY_JITTER (the ±50% of DOWNLOAD_DELAY) read as no number once the
    crawl started: a traceback, exit 1."""
    monkeypatch.setattr(cron, "_crawl", lambda settings, spider_args: (exitcodes.OK, "run r"))
    argv = ["cron", "--output-dir", str(tmp_path / "dataset")]
    for text in [*OFFLINE, f"DOWNLOAD_DELAY_JITTER={value}"]:
        argv += ["-s", text]
    code, _, err = run(argv, capsys)
    assert code == exitcodes.USAGE
    assert err == (
        f"newsscraper cron: DOWNLOAD_DELAY_JITTER must be a number, from 0 to 1; got {value!r}\n"
    )
    assert not (tmp_path / "dataset").exists()
