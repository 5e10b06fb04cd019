"""`newsscraper <command>`: the console script (also `python -m newsscraper`).

The commands, with their help and options, are listed in `newsscraper/commands/__init__.py`;
each one's work, `run(args) -> int` (the exit code), is in `newsscraper/commands/<name>.py`,
imported only when it runs. This module only dispatches, and prints `--version`; what the
commands do with their standard streams is in `newsscraper/standard_streams.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import signal
import sys
from importlib import metadata

from newsscraper import __version__
from newsscraper.commands import COMMANDS
from newsscraper.dataset import unnamed_for_pyarrow
from newsscraper.standard_streams import (
    StdoutRefused,
    drop_what_stdout_holds,
    escape_what_stdout_cannot_spell,
    open_closed_standard_streams,
    say_stdout_refused,
    stdout_refusals_named,
)

# The libraries whose releases change what a crawl stores: the crawl (scrapy), the HTML parser
# (lxml) and the Parquet writer (pyarrow).
LIBRARIES = ("scrapy", "pyarrow", "lxml")


# What `newsscraper --help` says it is, to someone who has not read README.md.
DESCRIPTION = (
    "The commands of newsscraper, which crawls CafeF's news into a Parquet dataset: a crawl "
    "with a run record (cron), and the tools that look after the dataset."
)


def version_text() -> str:
    """What `--version` prints: newsscraper's version, then those of the libraries that shape
    the dataset and Python's, the lines a bug report wants."""
    libraries = ", ".join(f"{name} {metadata.version(name)}" for name in LIBRARIES)
    return f"newsscraper {__version__}\n{libraries}, Python {platform.python_version()}"


class PrintVersion(argparse.Action):
    """`--version`: prints `version_text()` as it is (argparse's own action rewraps it onto one
    line) and exits 0, no COMMAND needed."""

    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text(), flush=True)  # a stdout that refuses it is said by main
        parser.exit()


class Parser(argparse.ArgumentParser):
    """argparse's parser, but a help text stdout refuses (`--help > commands.txt` on a full
    disk) is said by main, exit 1, where argparse drops it and exits 0. Each command's parser
    is one too (argparse makes them of their parent's class), so a command's help is said with
    the command's name (`newsscraper stats: cannot write to stdout: ...`), as its other messages
    are, though main has not yet read which command it is."""

    def print_help(self, file=None):
        try:
            print(self.format_help(), end="", file=file or sys.stdout, flush=True)
        except StdoutRefused as error:
            error.program = self.prog  # `newsscraper` or `newsscraper stats`
            raise


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="newsscraper", description=DESCRIPTION)
    parser.add_argument(
        "--version",
        action=PrintVersion,
        help="print the versions of newsscraper, scrapy, pyarrow, lxml and Python, and exit",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(command_parser)
        command_parser.set_defaults(_run=command.run, _parser=command_parser)
    return parser


def parsed(argv: list[str]) -> argparse.Namespace:
    """The command line's arguments; a usage error (exit 2) for any the command does not take,
    or an `--output-dir` no dataset can be read from."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # Said with the usage of the command they were given to (`newsscraper stats --bogus`),
        # or the top one's when they come before it (`newsscraper --bogus stats`).
        before_command = argv.index(unknown[0]) < argv.index(args.command)
        (parser if before_command else args._parser).error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    if getattr(args, "output_dir", None) == "":  # given empty, or NEWSSCRAPER_OUTPUT_DIR is
        from_environment = os.environ.get("NEWSSCRAPER_OUTPUT_DIR") == ""
        hint = " (NEWSSCRAPER_OUTPUT_DIR set to nothing?)" if from_environment else ""
        args._parser.error(f"--output-dir is empty{hint}")
    if getattr(args, "output_dir", None) and (unnamed := unnamed_for_pyarrow(args.output_dir)):
        args._parser.error(f"--output-dir: {unnamed}")
    return args


# What a command interrupted by Ctrl-C leaves, said after `interrupted` (the others read only).
INTERRUPTED_LEAVES = {
    "compact": "each folder is swapped whole or not at all: those merged stay merged, the "
    "others are as they were; run it again",
}


def said_interrupted(program: str, command: str | None) -> None:
    """Say on stderr, if it takes it, that Ctrl-C interrupted `program`, and what it leaves."""
    leaves = INTERRUPTED_LEAVES.get(command or "")
    with contextlib.suppress(OSError):
        print(f"{program}: interrupted" + (f"; {leaves}" if leaves else ""), file=sys.stderr)


def raise_signal_unhandled(signum: int) -> None:
    """End the process by `signum` as if it had no handler (exit status 130 for Ctrl-C in a
    shell), as a crawl interrupted once its summary is said does (`stop.end_on_held_signal`):
    what stdout holds is dropped, not written."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def main(argv: list[str] | None = None) -> int:
    open_closed_standard_streams()
    escape_what_stdout_cannot_spell()
    program, command = "newsscraper", None
    with stdout_refusals_named():
        try:
            args = parsed(sys.argv[1:] if argv is None else argv)  # `--version`, `--help` print
            command = args.command
            program = f"newsscraper {command}"
            code = args._run(args)
            sys.stdout.flush()  # what is still buffered goes now, not at exit where nothing catches
            return code
        except BrokenPipeError:
            # The reader of the output went away (`newsscraper stats | head`): stop quietly, and
            # keep Python's flush at exit from failing on the closed pipe again.
            drop_what_stdout_holds()
            return 1
        except KeyboardInterrupt:
            # Ctrl-C while a command reads or compacts (a crawl's own are Scrapy's and stop's):
            # one line, not a traceback, and the exit status of the signal.
            said_interrupted(program, command)
            raise_signal_unhandled(signal.SIGINT)
            raise  # not reached: the signal ends the process
        except StdoutRefused as error:
            # Its file full (`newsscraper stats > report.txt`): the command's output is lost, so
            # the command failed, whatever it found. (Commands whose output is only a summary
            # of work done, cron and compact, keep their own exit code: see `say_summary`.)
            say_stdout_refused(error.program or program, error)
            return 1


if __name__ == "__main__":
    sys.exit(main())
