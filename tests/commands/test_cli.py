"""What every `newsscraper` command shares: the dataset folder it is given."""

from __future__ import annotations

import errno
import os
import platform
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from newsscraper import __version__, cli, dataset

SAVED_PAGE = Path(__file__).parent.parent / "fixtures" / "pages" / "article_18826030622484142.html"


@pytest.mark.parametrize("command", ["stats", "verify", "compact", "cron"])
@pytest.mark.parametrize(
    ("output_dir", "said"),
    [
        # Not read as the working directory.
        ("", "--output-dir is empty"),
        # A folder named in Latin-1: its files could be written, never read back by pyarrow.
        (os.fsdecode(b"caf\xe9"), "--output-dir: 'caf\\udce9' is not a name pyarrow can open"),
    ],
    ids=["empty", "not_utf8"],
)
def test_an_output_dir_no_dataset_can_be_read_from_is_refused_before_anything_is_made(
    command, output_dir, said, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, "--output-dir", output_dir])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: newsscraper {command} ") and said in err
    assert list(tmp_path.iterdir()) == []  # no lock, no folder


@pytest.mark.parametrize("command", ["stats", "verify", "compact"])
def test_an_empty_output_dir_names_the_environment_variable_only_when_that_is_empty(
    command, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSSCRAPER_OUTPUT_DIR", raising=False)
    with pytest.raises(SystemExit):
        cli.main([command, "--output-dir", ""])  # given so, with no such variable
    assert capsys.readouterr().err.endswith(
        f"newsscraper {command}: error: --output-dir is empty\n"
    )
    # The variable set to nothing, as the settings module read it when it loaded: the default.
    monkeypatch.setenv("NEWSSCRAPER_OUTPUT_DIR", "")
    monkeypatch.setattr("newsscraper.settings.OUTPUT_DIR", "")
    with pytest.raises(SystemExit):
        cli.main([command])
    assert capsys.readouterr().err.endswith(
        "--output-dir is empty (NEWSSCRAPER_OUTPUT_DIR set to nothing?)\n"
    )


@pytest.mark.parametrize("command", ["stats", "verify", "compact"])
def test_a_folder_not_there_or_a_file_in_its_place_is_said_in_one_shape_naming_it_absolute(
    command, tmp_path, monkeypatch, capsys
):
    # Read in a log or a mail, a relative name does not say which folder was looked for.
    monkeypatch.chdir(tmp_path)
    assert cli.main([command, "--output-dir", "ouptut"]) == 1
    assert capsys.readouterr().err == (
        f"newsscraper {command}: {tmp_path / 'ouptut'}: no such directory; give the dataset's "
        "folder with --output-dir\n"
    )
    # A file given for the folder (the dataset's parquet file, a note): what to give instead.
    (tmp_path / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    assert cli.main([command, "--output-dir", "notes.txt"]) == 1
    assert capsys.readouterr().err == (
        f"newsscraper {command}: {tmp_path / 'notes.txt'}: a file, not a folder; give the "
        "dataset's folder with --output-dir\n"
    )


@pytest.mark.parametrize("command", ["stats", "verify", "compact"])
def test_a_folder_of_other_things_is_said_to_be_no_dataset_s_folder(command, tmp_path, capsys):
    # A home folder or a mistyped --output-dir reads as an empty dataset: each command says so.
    (tmp_path / "notes.txt").write_text("not a dataset\n", encoding="utf-8")
    (tmp_path / "photos").mkdir()
    assert cli.main([command, "--output-dir", str(tmp_path)]) == 0
    said = (
        f"{tmp_path}: holds no articles/, rejects/ nor runs/ but 2 other file(s) or folder(s): "
        "not a dataset's folder? (--output-dir)"
    )
    out, err = capsys.readouterr()
    assert said in out + err


@pytest.mark.parametrize("command", ["stats", "verify", "compact"])
def test_an_output_dir_that_cannot_be_read_is_said_with_no_traceback(
    command, tmp_path, unsearchable, capsys
):
    # `chmod 000 /data/cafef`, or a folder of another user's: nothing in it can be looked at.
    output_dir = tmp_path / "cafef"
    dataset.articles_dir(output_dir).mkdir(parents=True)
    unsearchable(output_dir)
    assert cli.main([command, "--output-dir", str(output_dir)]) == 1
    err = capsys.readouterr().err
    assert f"{output_dir}: cannot be read ([Errno 13] Permission denied" in err
    assert err.endswith("fix its permissions, or run the command as its owner\n")


# `stats stats`: the second is no command given again, but an argument stats does not take.
@pytest.mark.parametrize(
    ("command", "extra"), [("stats", "--bogus"), ("verify", "output"), ("stats", "stats")]
)
def test_an_argument_a_command_does_not_take_is_said_with_that_commands_usage(
    command, extra, capsys
):
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, extra])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: newsscraper {command} [-h] [--output-dir DIR]")
    assert err.endswith(f"newsscraper {command}: error: unrecognized arguments: {extra}\n")


def test_an_option_before_the_command_is_said_with_the_top_usage(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--bogus", "stats"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: newsscraper [-h] [--version] COMMAND ...")
    assert err.endswith("newsscraper: error: unrecognized arguments: --bogus\n")


def test_no_command_is_a_usage_error_naming_them_all(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main([])
    assert stopped.value.code == 2
    assert "the following arguments are required: COMMAND" in capsys.readouterr().err
    cli.build_parser().print_help()
    shown = capsys.readouterr().out
    assert "newsscraper, which crawls CafeF's news into a Parquet dataset" in " ".join(
        shown.split()
    )
    assert all(f"    {name} " in shown for name in cli.COMMANDS)
    cli.build_parser().print_help(sys.stderr)  # argparse's file to print to: there, not stdout
    assert capsys.readouterr() == ("", shown)


@pytest.mark.parametrize(
    "command",
    [[str(Path(sys.executable).parent / "newsscraper")], [sys.executable, "-m", "newsscraper"]],
    ids=["console script", "python -m"],
)
def test_version_names_newsscraper_then_the_libraries_that_shape_the_dataset(command):
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == (
        f"newsscraper {__version__}\n"
        f"scrapy {metadata.version('scrapy')}, pyarrow {metadata.version('pyarrow')}, "
        f"lxml {metadata.version('lxml')}, Python {platform.python_version()}\n"
    )


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["cron", "--help"], "stop_after_seen_pages, \\u2026)"),
        (["stats", "--output-dir", "{folder}"], "d\\u1eef li\\u1ec7u: 0 articles in 0 files"),
    ],
)
def test_a_legacy_encoding_of_stdout_escapes_what_it_cannot_show(args, shown, tmp_path):
    folder = tmp_path / "dữ liệu"
    folder.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "newsscraper", *(a.format(folder=folder) for a in args)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "latin-1"},
        cwd=Path(__file__).parent.parent.parent,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert shown in result.stdout.decode("latin-1")


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
def test_a_reader_that_goes_away_ends_the_command_quietly(unbuffered, tmp_path):
    # `newsscraper stats | head -1`: the pipe is closed before the command writes to it. What
    # stdout holds goes when the command ends (buffered) or at each line (PYTHONUNBUFFERED).
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "newsscraper", "stats", "--output-dir", str(tmp_path)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=env | ({"PYTHONUNBUFFERED": unbuffered} if unbuffered else {}),
            cwd=Path(__file__).parent.parent.parent,
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr.decode()) == (1, "")


@pytest.mark.parametrize("closed", [">&-", "2>&-"], ids=["stdout", "stderr"])
def test_a_standard_stream_closed_by_the_caller_is_no_traceback_and_no_exit_1(closed, tmp_path):
    # A crontab line ending in `>&-` (or `2>&-`): what would go there is dropped, the command's
    # exit code is its own.
    command = [sys.executable, "-m", "newsscraper", "stats", "--output-dir", str(tmp_path)]
    result = subprocess.run(
        ["sh", "-c", f'exec "$@" {closed}', "sh", *command],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent.parent,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    said = f"{tmp_path}: 0 articles in 0 files\n"
    assert result.stdout == "" if closed == ">&-" else result.stdout.startswith(said)


@pytest.mark.parametrize("fd", [0, 1, 2], ids=["stdin", "stdout", "stderr"])
def test_a_closed_standard_stream_is_held_on_dev_null_so_no_file_opened_takes_its_number(fd):
    # Else the first file the command opens (the lock, a part file) would get that number, and
    # what is written to it (a library's C code, a fatal error's trace) would land in that file.
    script = (
        "import os, sys; from newsscraper.standard_streams import open_closed_standard_streams; "
        f"open_closed_standard_streams(); opened = os.open(os.devnull, os.O_RDONLY); "
        f"sys.exit(opened <= 2 or not os.path.samestat(os.fstat({fd}), os.stat(os.devnull)))"
    )
    closed = f"{fd}>&-" if fd else "<&-"
    result = subprocess.run(
        ["sh", "-c", f'exec "$@" {closed}', "sh", sys.executable, "-c", script],
        cwd=Path(__file__).parent.parent.parent,
        timeout=60,
    )
    assert result.returncode == 0


def test_a_closed_stdin_is_read_as_an_empty_one(tmp_path):
    # `newsscraper extract -` from a crontab line ending in `<&-`: the page on stdin is empty,
    # said as for any empty file, and no file the command opens is read in its place.
    command = [sys.executable, "-m", "newsscraper", "extract", "-"]
    result = subprocess.run(
        ["sh", "-c", 'exec "$@" <&-', "sh", *command],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent.parent,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "newsscraper extract: -: an empty file\n"


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["stats", "--output-dir", "{dataset}"], "newsscraper stats: interrupted\n"),
        (["verify", "--output-dir", "{dataset}"], "newsscraper verify: interrupted\n"),
        (["extract", str(SAVED_PAGE)], "newsscraper extract: interrupted\n"),
        (
            ["compact", "--output-dir", "{dataset}"],
            "newsscraper compact: interrupted; each folder is swapped whole or not at all: "
            "those merged stay merged, the others are as they were; run it again\n",
        ),
    ],
    ids=["stats", "verify", "extract", "compact"],
)
def test_ctrl_c_is_said_in_one_line_and_ends_the_command_by_the_signal(command, said, tmp_path):
    # Ctrl-C while the command reads (a long verify, a compaction of a big dataset): no
    # traceback, and the exit status says the signal (130 in a shell), as a crawl's does.
    command = [part.format(dataset=tmp_path) for part in command]
    script = (
        "import sys; from newsscraper import cli, dataset\n"
        "from newsscraper.commands import extract\n"
        "def pressed(*args, **kwargs): raise KeyboardInterrupt\n"
        "dataset.folder_problem = extract.extract_file = pressed\n"
        "sys.exit(cli.main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *command],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent.parent,
        timeout=60,
    )
    assert (result.returncode, result.stderr, result.stdout) == (-signal.SIGINT, said, "")


@pytest.mark.parametrize(
    "fault",
    [PermissionError(13, "Permission denied"), OSError(errno.ENOSPC, "No space left on device")],
    ids=["read_only", "full"],
)
def test_an_error_of_the_disk_is_not_taken_for_a_reader_gone_nor_for_stdouts(
    fault, tmp_path, monkeypatch
):
    from newsscraper.commands import stats

    def failing(args):
        raise fault

    monkeypatch.setattr(stats, "run", failing)
    with pytest.raises(OSError) as raised:
        cli.main(["stats", "--output-dir", str(tmp_path)])
    assert raised.value is fault


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize(
    ("command", "exit_code", "said"),
    [
        # Their output is what they were asked for: lost, the command failed.
        (["stats", "--output-dir", "{dataset}"], 1, "newsscraper stats: cannot write"),
        (["verify", "--output-dir", "{dataset}"], 1, "newsscraper verify: cannot write"),
        (["extract", str(SAVED_PAGE)], 1, "newsscraper extract: cannot write"),
        # Its output is a report of work done and kept: the exit code stays its own.
        (
            ["compact", "--output-dir", "{dataset}"],
            0,
            "newsscraper compact: cannot write the summary",
        ),
        (["--version"], 1, "newsscraper: cannot write"),
        # A help asked for and lost: `newsscraper --help > commands.txt` must not go on.
        (["--help"], 1, "newsscraper: cannot write"),
        # A command's help is said with its name, as its other messages are.
        *(([name, "--help"], 1, f"newsscraper {name}: cannot write") for name in cli.COMMANDS),
    ],
    ids=["stats", "verify", "extract", "compact", "version", "help"]
    + [f"{name}-help" for name in cli.COMMANDS],
)
def test_a_stdout_whose_disk_is_full_is_said_once_with_no_traceback(
    command, exit_code, said, unbuffered, tmp_path
):
    # `newsscraper stats > report.txt` on a full disk: /dev/full refuses every write with
    # ENOSPC. Buffered, what stdout held was written again at exit: Python's exit 120.
    command = [part.format(dataset=tmp_path) for part in command]
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "newsscraper", *command],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | ({"PYTHONUNBUFFERED": unbuffered} if unbuffered else {}),
            cwd=Path(__file__).parent.parent.parent,
            timeout=60,
        )
    full_disk = " to stdout: [Errno 28] No space left on device\n"
    assert (result.returncode, result.stderr) == (exit_code, said + full_disk)


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_a_commands_help_says_what_it_does(command, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, "--help"])
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: newsscraper {command} ")
    assert " ".join(cli.COMMANDS[command].help.split()) in " ".join(shown.split())


@pytest.mark.parametrize("command", ["stats", "verify", "compact", "cron"])
def test_every_output_dir_help_names_its_default_and_the_environment_variable(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    said = "dataset folder (default: the environment variable NEWSSCRAPER_OUTPUT_DIR, else output)"
    assert f"--output-dir DIR {said}" in shown


# The options that take a value but have none unless given: there is nothing to say.
NO_DEFAULT = {("extract", "--url"), ("cron", "-a"), ("cron", "-s"), ("stats", "--plot")}


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_option_taking_a_value_says_its_default(command):
    parser = cli.build_parser().parse_args([command, *(["-"] if command == "extract" else [])])
    for action in parser._parser._actions:
        name = action.option_strings[-1] if action.option_strings else None
        if name and action.nargs != 0 and (command, name) not in NO_DEFAULT:
            assert "(default: " in action.help, (command, name)


# What the commands' own modules load, and building the parser must not: Scrapy with Twisted,
# lxml and parsel (extract, the crawl), pyarrow with the numpy and pandas its datasets pull in
# (stats, verify, compact). Together 0.6 to 0.9 s of every run, `--help` and `--version` too.
HEAVY_LIBRARIES = ("scrapy", "twisted", "lxml", "parsel", "pyarrow", "numpy", "pandas")


def test_building_the_parser_imports_no_commands_work_nor_the_libraries_it_needs():
    script = (
        "import sys; from newsscraper.cli import build_parser; build_parser(); "
        "print(*sorted(sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = result.stdout.split()
    assert [m for m in loaded if m.startswith("newsscraper.commands.")] == []
    assert [m for m in loaded if m.split(".")[0] in HEAVY_LIBRARIES] == []
